"""The outer loop: solve the QUBO at the current multipliers, harvest feasible points, update λ.

Each iteration ``k`` builds ``encoding.qubo(λ_k, ρ_k)``, runs the inner solver (warm-started
from the previous parameters), and

1. keeps the best feasible point among the raw samples and the one-flip repairs (then
   one-flip improvements) of the ``repair_limit`` lowest-energy samples (each recorded point
   is re-checked with the problem's own ``check``);
2. turns the lowest-energy sample ``x_k`` into a cut ``(λ_k, L(x_k; λ_k), c(x_k))``; its value
   is the dual estimate at ``λ_k``: the dual function's value when the inner solver found the
   Lagrangian's minimiser, otherwise above it (an estimate above the best feasible objective
   proves the inner solve missed the minimiser);
3. stops on a zero duality gap (the lowest-energy sample ``x_k`` is feasible, ``L(x_k; λ_k) =
   f(x_k)`` and ``f(x_k)`` is the best feasible objective: when the inner solve found the
   Lagrangian's minimiser this proves ``x_k`` optimal), on stagnation (neither the best feasible
   objective nor the best dual estimate improved for ``patience`` iterations), or on the
   iteration/time budget (the inner solver gets the deadline and starts no evaluation that
   cannot finish before it; ``stop`` then says why it stopped);
4. otherwise updates the multipliers with one of ``quantum.multipliers.METHODS``.

The slack encoding has no multipliers: one inner solve.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from problems.errors import InfeasibleSolution
from quantum.encodings import Encoding
from quantum.multipliers import Cut, DualState, get_update
from quantum.samples import Samples
from quantum.timing import OutOfTime

IMPROVEMENT = 1e-6  # relative change that counts as progress (stagnation test)


@dataclass(frozen=True)
class Outcome:
    """What the loop found; objectives are in the problem's own units and sense.

    ``dual_estimate`` is the best dual estimate in the problem's sense (a bound on the optimum
    only when the inner solves found the Lagrangian minimisers); ``final`` the last samples;
    ``final_feasible_mass`` maps the objective of each feasible raw sample of the final
    distribution to its probability mass (no repair), best first.
    """

    solution: Any
    bits: np.ndarray | None
    objective: float | None
    dual_estimate: float | None
    stop: str
    iterations: int
    evaluations: int
    shots: int
    trace: tuple = ()
    history: tuple = ()
    final: Samples | None = None
    final_feasible_mass: tuple = ()
    multipliers: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rho: float = 0.0


def solve_lagrangian(encoding: Encoding, inner, *, multipliers: str = "subgradient",
                     max_iterations: int = 20, patience: int = 5,
                     time_limit: float | None = None, repair_limit: int = 64,
                     gap_tolerance: float = 1e-9, options: dict | None = None,
                     clock=time.perf_counter, on_improvement=None) -> Outcome:
    """Run the multiplier loop of ``encoding`` with the inner solver ``inner``.

    ``on_improvement(objective, iteration=k)``, when given, is called at each improving
    feasible solution as it is found.

    ``inner`` has ``check(num_qubits, what)`` and ``run(qubo, initial) -> Samples``
    (``quantum.variational.QAOA``/``VQE``, ``quantum.annealing.Annealer``).

    >>> from problems import MDKP
    >>> from quantum.encodings import make_encoding
    >>> from quantum.annealing import Annealer
    >>> enc = make_encoding(MDKP([3, 4, 5], [[2, 3, 4]], [5]), "lagrangian")
    >>> out = solve_lagrangian(enc, Annealer(sweeps=50, reads=8, seed=0))
    >>> out.objective, out.solution.tolist()
    (7.0, [1, 1, 0])
    """
    update = get_update(multipliers)
    for what, value, least in (("max_iterations", max_iterations, 1), ("patience", patience, 1),
                               ("repair_limit", repair_limit, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ValueError(f"{what} must be an integer >= {least}, got {value!r}")
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    inner.check(encoding.num_qubits,
                f"the {encoding.kind} encoding of {type(encoding.problem).__name__} "
                f"{encoding.problem.name}")
    start = clock()
    problem = encoding.problem
    sign = -1.0 if problem.sense == "max" else 1.0  # problem objective = sign * min-form value
    relaxed = encoding.num_multipliers > 0
    lam, rho = encoding.initial.copy(), encoding.rho
    cuts: list[Cut] = []
    history, trace = [], []
    best_f, best_bits, best_dual = None, None, -np.inf
    params, samples = None, None
    evaluations = shots = 0
    quiet = 0
    stop = "iterations"
    iteration = 0
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    for iteration in range(1, max_iterations + 1):
        qubo = encoding.qubo(lam, rho)
        try:
            run = inner.run(qubo, initial=params, deadline=deadline)
        except OutOfTime as error:
            stop = f"time limit: {error}"
            iteration -= 1
            break
        samples = run
        params = samples.params
        evaluations += samples.evaluations
        shots += samples.shots
        energies = qubo.energies(samples.bits)
        improved = False

        for bits, f in _candidates(encoding, samples.bits, energies, repair_limit):
            if best_f is None or f < best_f - IMPROVEMENT * max(1.0, abs(f)):
                try:
                    problem.check(encoding.decode(bits))
                except InfeasibleSolution as error:
                    raise RuntimeError(f"{problem.name}: a point the encoding deems feasible "
                                       f"fails the problem's check ({error}); this is a bug "
                                       "in quantum.encodings") from error
                best_f, best_bits, improved = f, bits, True
                trace.append((clock() - start, sign * f))
                if on_improvement is not None:
                    on_improvement(sign * f, iteration=iteration)

        lowest = int(np.argmin(energies))
        violation = encoding.relaxed_constraints(samples.bits[lowest:lowest + 1])[0]
        cuts.append(Cut(lam.copy(), float(energies[lowest]), violation))
        if relaxed and (not np.isfinite(best_dual)
                        or energies[lowest] > best_dual + IMPROVEMENT * max(1.0, abs(best_dual))):
            best_dual, improved = float(energies[lowest]), True
        history.append({"iteration": iteration, "multipliers": lam.round(6).tolist(),
                        "rho": rho, "dual_estimate": float(energies[lowest]),
                        "violation": float(np.linalg.norm(violation)),
                        "best": None if best_f is None else sign * best_f,
                        "evaluations": samples.evaluations})
        quiet = 0 if improved else quiet + 1

        if not relaxed:
            stop = "single solve (nothing relaxed)"
            break
        if best_f is not None and _certified(encoding, samples.bits[lowest],
                                             float(energies[lowest]), best_f, gap_tolerance):
            stop = "zero duality gap"
            break
        if quiet >= patience:
            stop = "stagnation"
            break
        if time_limit is not None and clock() - start >= time_limit:
            stop = "time limit"
            break
        state = DualState(cuts=tuple(cuts), lower=encoding.lower, upper=encoding.upper,
                          scale=encoding.scale, rho=rho, rho_max=encoding.rho_max,
                          target=best_f, options=dict(options or {}))
        step = update(state)
        lam, rho = step.lam, step.rho

    return Outcome(
        solution=None if best_bits is None else encoding.decode(best_bits),
        bits=best_bits, objective=None if best_f is None else sign * best_f,
        dual_estimate=sign * best_dual if relaxed and np.isfinite(best_dual) else None,
        stop=stop, iterations=iteration, evaluations=evaluations, shots=shots,
        trace=tuple(trace), history=tuple(history), final=samples,
        final_feasible_mass=_feasible_mass(encoding, samples, sign),
        multipliers=lam, rho=rho)


def _certified(encoding: Encoding, bits: np.ndarray, lagrangian: float, best: float,
               tolerance: float) -> bool:
    """The Lagrangian's sampled minimiser is feasible, complementary (``L = f``) and as good as
    the best feasible point: zero duality gap, provided the inner solve was exact."""
    f = float(encoding.objective(bits)[0])
    close = tolerance * max(1.0, abs(best))
    return bool(encoding.feasible(bits)[0]) and abs(f - lagrangian) <= close \
        and abs(f - best) <= close


def _candidates(encoding: Encoding, bits: np.ndarray, energies: np.ndarray, repair_limit: int):
    """(problem bits, min-form objective) of the best feasible sample and of the repaired (made
    feasible, then improved by one-flip moves) ``repair_limit`` lowest-energy samples."""
    feasible = encoding.feasible(bits)
    objective = encoding.objective(bits)
    problem_bits = encoding.problem_bits(bits)
    if feasible.any():
        k = int(np.flatnonzero(feasible)[np.argmin(objective[feasible])])
        yield problem_bits[k], float(objective[k])
    for k in np.argsort(energies, kind="stable")[:repair_limit]:
        repaired = encoding.repair(problem_bits[k])
        if encoding.feasible(repaired)[0]:  # a general BQP's repair may fail to reach a row
            yield repaired, float(encoding.objective(repaired)[0])


def _feasible_mass(encoding: Encoding, samples: Samples | None, sign: float) -> tuple:
    if samples is None:
        return ()
    feasible = encoding.feasible(samples.bits)
    if not feasible.any():
        return ()
    values = np.round(sign * encoding.objective(samples.bits[feasible]), 9)
    levels, inverse = np.unique(values, return_inverse=True)
    mass = np.bincount(inverse, weights=samples.weights[feasible])
    order = np.argsort(sign * levels, kind="stable")
    return tuple((float(levels[i]), float(mass[i])) for i in order)
