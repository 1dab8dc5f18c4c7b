"""Fewer qubits: ``shrink-qaoa``, ``shrink-cvar-vqe``, ``qrao`` and ``pce``, with their controls.

One pipeline serves all four (``run_compressed``):

1. **shrink** (``quantum.shrinking``): merge correlated bits of the problem's own QUBO
   (``problem.to_qubo()``, which guides the merges) until the inner solver's qubits suffice,
   refusing merges the constraints forbid; every rewrite is exact;
2. **solve** the reduced problem: with ``encoding="lagrangian"`` (MDKP, MIS, QAP) the slack-free
   multiplier loop of ``quantum.lagrangian`` runs on the shrunk encoding, keeping only *raw*
   feasible samples (no repair inside the loop); with ``encoding="penalty"`` (any problem whose
   ``to_qubo()`` has no slack, e.g. MIS, QAP, MaxCut) one solve of the shrunk penalty QUBO;
3. **expand and repair** (``quantum.repair``): the ``repair_limit`` lowest-energy final samples
   (and the best raw feasible point of any multiplier iteration)
   are expanded to the original bits, checked, repaired greedily if infeasible and improved by
   local search; the best is returned and ``solve()`` verifies it again.

With a ``time_limit`` the solve gets ``SOLVE_SHARE`` (PCE: its ``solve_share``) of the time left
after shrinking and starts no inner solve it cannot finish (``Budgeted``); each inner solver
gets that deadline (PCE checks
it between optimizer steps; QRAO, whose library solve cannot be interrupted, times one energy
evaluation and one rounding circuit first and gives COBYLA only the iterations that fit, or
starts nothing and says how many qubits would fit: shrinking then goes on to those and QRAO
plans again, down to 3 qubits); repair and search stop at the deadline. When no solve could
start in time the answer has no solution (``solve()`` reports ``no_solution``) and
``info["stop"]`` says why.

Inner solvers: QAOA (fast simulator), CVaR-VQE (RealAmplitudes on the fast simulator), QRAO
(qiskit-optimization on Aer, up to three variables per qubit), PCE (two- or three-body Pauli
correlators, ``3·C(n, k)`` variables on ``n`` qubits). ``control`` swaps the inner solver for a
classical control at the same budget: ``"uniform"`` (uniform random bitstrings, as many per
solve as the circuit's samples), ``"random-parameters"`` (PCE decoded from untrained
parameters), ``"sa"`` (simulated annealing on the same reduced QUBOs, the time limit shared
over the iterations).

``Answer.info``: ``inner``, ``control``, ``encoding``, ``variables`` (the problem's own bits),
``reduced_variables``, ``qubits``, ``variables_per_qubit``, ``qubit_reduction`` (1 − qubits /
variables), ``merges``, ``refused_merges``, ``correlation_estimates``, ``shrink_stop``,
``candidates``, ``repairs`` (candidates that needed the greedy repair), ``raw_feasible`` (some
sample passed ``check`` unrepaired), ``lowest_energy_feasible`` (the lowest-energy final sample
did), ``raw_feasible_fraction`` (of the candidates), ``raw_objective`` (best raw feasible
objective seen, ``None`` if none), ``objective_before_search``
(the returned candidate before local search), ``iterations``, ``stop``, ``shrink_s``
(until the solve that ran started), ``solve_s``, ``repair_s``; for QRAO also ``qubit_budget``
(``max_qubits``) and ``fewer_qubits`` (why fewer qubits ran, one line per fall).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from quantum.annealing import Annealer
from quantum.backends import MAX_QUBITS
from quantum.encodings import PROBLEMS, count_problem_bits, make_encoding
from quantum.lagrangian import solve_lagrangian
from quantum.multipliers import get_update
from quantum.pce import KEEP, PCE, capacity, choose_body
from quantum.pce import MAX_QUBITS as PCE_MAX_QUBITS
from quantum.qrao import QRAO, qrao_qubits
from quantum.repair import verify_and_repair
from quantum.samples import UniformSampler
from quantum.shrinking import (ShrinkHistory, ShrunkEncoding, conflict_check, shrink,
                               substitute)
from quantum.timing import OutOfTime
from quantum.variational import QAOA, VQE
from solvers.registry import Need
from solvers.result import Answer

ENCODINGS = ("auto", "lagrangian", "penalty")
CONTROLS = (None, "uniform", "random-parameters", "sa")
SOLVE_SHARE = 0.8  # of the time left after shrinking; the rest is the repair's and search's
SHRINK_ATTEMPTS = 12  # shrink-and-encode rounds to fit e.g. the QRAO encoding into max_qubits


SHRINK_BITS = 2_000  # problem bits the shrinking takes: every merge rewrites a dense QUBO

def shrink_need(problem, *, max_qubits: int = 20, **options) -> Need:
    """What ``shrink-qaoa``/``shrink-cvar-vqe`` would take, nothing built: ``max_qubits``
    against the fast simulator, then the problem's bits against ``SHRINK_BITS``.

    >>> from problems import QAP
    >>> shrink_need(QAP.random(50)).text()
    'the 2,500 bits of QAP qap-rand-n50-s0 needs 2,500 problem bits; the limit is 2,000'
    """
    return _need(problem, max_qubits, MAX_QUBITS["fast"], "the fast simulator", SHRINK_BITS)


def qrao_need(problem, *, max_qubits: int = 20, **options) -> Need:
    """``shrink_need`` for ``qrao``: ``max_qubits`` against Aer's statevector limit."""
    return _need(problem, max_qubits, MAX_QUBITS["statevector"], "Aer's statevector",
                 SHRINK_BITS)


def pce_need(problem, *, max_qubits: int = 20, body="auto", **options) -> Need:
    """``pce``: ``max_qubits`` against the torch statevector (20), then the bits against what
    ``max_qubits`` qubits hold on ``body``-body correlators (3 for ``"auto"``) or, beyond that,
    what the shrinking takes.

    >>> from problems import MaxCut
    >>> pce_need(MaxCut.random(1000, p=0.01)).text()
    'the 1,000 bits of MaxCut maxcut-n1000-p0.01-s0 needs 1,000 problem bits; the limit is 3,420'
    >>> pce_need(MaxCut.random(10), max_qubits=24).text()
    'the circuit of max_qubits = 24 needs 24 qubits (the torch statevector); the limit is 20'
    """
    held = 0
    if isinstance(max_qubits, int) and 3 <= max_qubits <= PCE_MAX_QUBITS:
        held = capacity(max_qubits, 3 if body == "auto" else body)
    return _need(problem, max_qubits, PCE_MAX_QUBITS, "the torch statevector",
                 max(held, SHRINK_BITS))


def _need(problem, max_qubits, qubit_limit: int, simulator: str, bit_limit: int) -> Need:
    if not isinstance(max_qubits, int) or isinstance(max_qubits, bool) or max_qubits < 1:
        raise ValueError(f"max_qubits must be a positive integer, got {max_qubits!r}")
    if max_qubits > qubit_limit:
        return Need(max_qubits, qubit_limit, f"qubits ({simulator})",
                    f"the circuit of max_qubits = {max_qubits}")
    bits = count_problem_bits(problem)
    return Need(bits, bit_limit, "problem bits",
                f"the {bits:,} bits of {type(problem).__name__} {problem.name}")


def solve_shrink_qaoa(problem, *, time_limit: float | None = None, seed: int = 0,
                      max_qubits: int = 20, correlations: str = "sdp", reestimate: int = 5,
                      threshold: float | None = None, encoding: str = "auto",
                      multipliers: str = "subgradient", reps: int = 2, maxiter: int = 60,
                      final_shots: int = 1024, max_iterations: int = 8, patience: int = 3,
                      repair_limit: int = 64, control: str | None = None) -> Answer:
    """Shrink to ``max_qubits`` bits, QAOA in the multiplier loop, expand, repair.

    >>> from problems import MIS
    >>> from solvers import solve
    >>> r = solve(MIS.random(30, p=0.2, seed=0), "shrink-qaoa", max_qubits=8, max_iterations=2)
    >>> r.feasible, r.info["qubits"], r.info["merges"]
    (True, 8, 22)
    """
    inner = _control(control, final_shots, seed, time_limit, max_iterations) or QAOA(
        reps=reps, maxiter=maxiter, final_shots=final_shots, seed=seed)
    return _one_bit_per_qubit(problem, inner, max_qubits, encoding, time_limit=time_limit,
                              seed=seed, correlations=correlations, reestimate=reestimate,
                              threshold=threshold, multipliers=multipliers,
                              max_iterations=max_iterations, patience=patience,
                              repair_limit=repair_limit, control=control,
                              extra={"reps": reps, "maxiter": maxiter})


def solve_shrink_cvar_vqe(problem, *, time_limit: float | None = None, seed: int = 0,
                          max_qubits: int = 20, correlations: str = "sdp", reestimate: int = 5,
                          threshold: float | None = None, encoding: str = "auto",
                          multipliers: str = "subgradient", reps: int = 1, alpha: float = 0.25,
                          maxiter: int = 100, final_shots: int = 1024, max_iterations: int = 8,
                          patience: int = 3, repair_limit: int = 64,
                          control: str | None = None) -> Answer:
    """Shrink, CVaR-VQE (RealAmplitudes, fast simulator) in the multiplier loop, expand, repair.

    >>> from problems import QAP
    >>> from solvers import solve
    >>> r = solve(QAP.random(4, seed=0), "shrink-cvar-vqe", max_qubits=8, max_iterations=2)
    >>> r.feasible, r.info["qubits"]
    (True, 8)
    """
    if not (isinstance(alpha, (int, float)) and 0.0 < alpha < 1.0):
        raise ValueError(f"shrink-cvar-vqe needs 0 < alpha < 1, got {alpha!r}")
    inner = _control(control, final_shots, seed, time_limit, max_iterations) or VQE(
        ansatz="real_amplitudes", reps=reps, alpha=alpha, maxiter=maxiter, backend="fast",
        final_shots=final_shots, seed=seed)
    options = dict(time_limit=time_limit, seed=seed, correlations=correlations,
                   reestimate=reestimate, threshold=threshold, multipliers=multipliers,
                   max_iterations=max_iterations, patience=patience, repair_limit=repair_limit,
                   control=control)
    return _one_bit_per_qubit(problem, inner, max_qubits, encoding,
                              extra={"reps": reps, "alpha": alpha, "maxiter": maxiter}, **options)


def _one_bit_per_qubit(problem, inner, max_qubits: int, encoding: str, **options) -> Answer:
    """``run_compressed`` for circuits with one qubit per reduced bit (QAOA, VQE)."""
    return run_compressed(problem, inner, budget=lambda q: q.num_variables <= max_qubits,
                          target=max_qubits, encoding=_lagrangian_first(problem, encoding),
                          **options)


def solve_qrao(problem, *, time_limit: float | None = None, seed: int = 0,
               max_qubits: int = 20, max_vars_per_qubit: int = 3, reps: int = 1,
               maxiter: int = 100, shots: int = 1024, correlations: str = "sdp",
               reestimate: int = 5, encoding: str = "auto", multipliers: str = "subgradient",
               max_iterations: int = 4, patience: int = 2, repair_limit: int = 64,
               control: str | None = None) -> Answer:
    """QRAO (qiskit-optimization, magic rounding, Aer), shrinking first when it does not fit.

    >>> from problems import MIS
    >>> from solvers import solve
    >>> r = solve(MIS.random(12, p=0.3, seed=0), "qrao", maxiter=30, shots=128)
    >>> r.feasible, r.info["qubits"] < 12
    (True, True)
    """
    inner = _control(control, shots, seed, time_limit, max_iterations) or QRAO(
        max_vars_per_qubit=max_vars_per_qubit, reps=reps, maxiter=maxiter, shots=shots,
        max_qubits=max_qubits, seed=seed)
    return run_compressed(
        problem, inner, budget=lambda q: qrao_qubits(q, max_vars_per_qubit) <= max_qubits,
        target=max_vars_per_qubit * max_qubits, time_limit=time_limit, seed=seed,
        correlations=correlations, reestimate=reestimate, threshold=None,
        encoding=_penalty_first(problem, encoding), multipliers=multipliers,
        max_iterations=max_iterations, patience=patience, repair_limit=repair_limit,
        control=control, qubits=lambda q: qrao_qubits(q, max_vars_per_qubit),
        max_qubits=max_qubits,
        extra={"max_vars_per_qubit": max_vars_per_qubit, "reps": reps, "maxiter": maxiter})


def solve_pce(problem, *, time_limit: float | None = None, seed: int = 0,
              max_qubits: int = 20, body="auto", layers: int | None = None, steps: int = 100,
              learning_rate: float = 0.1, alpha: float | None = None, beta: float = 0.5,
              restarts: int = 1, roundings: int = 64, alpha_growth: float = 10.0,
              solve_share: float = 0.9, correlations: str = "sdp", reestimate: int = 5,
              encoding: str = "auto", multipliers: str = "subgradient", max_iterations: int = 4,
              patience: int = 2, control: str | None = None) -> Answer:
    """Pauli correlation encoding (2- or 3-body correlators), decoded by signs, repaired,
    searched; shrinking first only where ``3·C(max_qubits, 3)`` variables do not suffice.

    ``roundings`` random roundings of the final correlators are searched besides the
    decodings, ``alpha_growth`` raises ``α`` over the run (``quantum.pce.PCE``), and
    ``solve_share`` is the share of the time limit (after shrinking) the training gets; the
    rest is the search's (defaults 64, 10 and 0.9: tuned on generated 800–1,000-node MaxCut
    graphs, where they lowered the gap after the search). The controls get the same options,
    shrinking and search.

    >>> from problems import MIS
    >>> from solvers import solve
    >>> r = solve(MIS.random(40, p=0.1, seed=0), "pce", steps=30)
    >>> r.feasible, r.info["qubits"], r.info["variables"], r.info["body"]
    (True, 6, 40, 2)
    """
    if not (isinstance(solve_share, (int, float)) and 0.0 < solve_share <= 1.0):
        raise ValueError(f"pce: solve_share must lie in (0, 1], got {solve_share!r}")
    if control in ("uniform", "sa"):
        inner = _control(control, 1, seed, time_limit, max_iterations)
        probe = PCE(max_qubits=max_qubits, body=body)
    else:
        inner = probe = PCE(layers=layers, steps=steps, learning_rate=learning_rate, alpha=alpha,
                            beta=beta, body=body, max_qubits=max_qubits, restarts=restarts,
                            roundings=roundings, alpha_growth=alpha_growth,
                            train=control is None, seed=seed)
    held = capacity(max_qubits, 3 if body == "auto" else body)
    answer = run_compressed(problem, inner, budget=lambda q: q.num_variables <= held,
                            target=held, time_limit=time_limit, seed=seed,
                            correlations=correlations, reestimate=reestimate, threshold=None,
                            encoding=_penalty_first(problem, encoding), multipliers=multipliers,
                            max_iterations=max_iterations, patience=patience,
                            repair_limit=KEEP + 1 + roundings, control=control,
                            solve_share=solve_share,
                            qubits=lambda q: probe.qubits(q.num_variables),
                            extra={"steps": steps, "learning_rate": learning_rate,
                                   "restarts": restarts, "roundings": roundings,
                                   "alpha_growth": alpha_growth, "solve_share": solve_share})
    answer.info.update(body=choose_body(answer.info["reduced_variables"], max_qubits, body),
                       layers=probe.last_layers, trained_steps=probe.last_steps,
                       evaluations=probe.last_evaluations)
    return answer


class Budgeted:
    """An inner solver that starts no solve it cannot finish before ``deadline``.

    A solve is assumed to take as long as the last one; when that would pass the deadline the
    previous samples are handed back unchanged (no evaluations), and the multiplier loop's own
    clock check ends the loop.
    """

    def __init__(self, inner, deadline: float):
        self.inner, self.deadline = inner, deadline
        self.name = getattr(inner, "name", type(inner).__name__)
        self.last = None
        self.last_seconds = 0.0

    @property
    def last_qubits(self):
        return getattr(self.inner, "last_qubits", None)

    def check(self, num_qubits: int, what: str = "the encoding") -> None:
        self.inner.check(num_qubits, what)

    def run(self, qubo, initial=None, deadline: float | None = None):
        now = time.perf_counter()
        if self.last is not None and now + self.last_seconds > self.deadline:
            return replace(self.last, evaluations=0, shots=0)
        ends = [d for d in (deadline, self.deadline) if d is not None]
        self.last = self.inner.run(qubo, initial, deadline=min(ends))
        self.last_seconds = time.perf_counter() - now
        return self.last


def _control(control, shots: int, seed: int, time_limit, max_iterations: int):
    """The control inner solver named ``control`` (``None``: no control)."""
    if control not in CONTROLS:
        raise ValueError(f"unknown control {control!r}; choose one of {CONTROLS}")
    if control == "uniform":
        return UniformSampler(shots=shots, seed=seed)
    if control == "sa":  # one round of reads per iteration, each read within the deadline
        return Annealer(seed=seed)
    if control == "random-parameters":
        raise ValueError("control 'random-parameters' applies to pce only")
    return None


def _lagrangian_first(problem, encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; choose one of {ENCODINGS}")
    if encoding != "auto":
        return encoding
    return "lagrangian" if type(problem).__name__ in PROBLEMS else "penalty"


def _penalty_first(problem, encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; choose one of {ENCODINGS}")
    if encoding != "auto":
        return encoding
    return "lagrangian" if problem.to_qubo().slack_bits else "penalty"


def run_compressed(problem, inner, *, budget, target: int, time_limit: float | None,
                   seed: int, correlations: str, reestimate: int, threshold: float | None,
                   encoding: str, multipliers: str, max_iterations: int, patience: int,
                   repair_limit: int, control, qubits=None, max_qubits: int | None = None,
                   extra: dict, solve_share: float = SOLVE_SHARE) -> Answer:
    """Shrink until ``budget(reduced QUBO)`` holds, solve with ``inner``, expand, repair.

    ``target`` is the first number of bits to shrink to; while the reduced QUBO the inner
    solver would see fails ``budget`` (QRAO: its encoding needs too many qubits) shrinking
    continues to a lower target (``_shrink_until``). ``qubits(reduced QUBO)`` counts the qubits
    (default: one per bit). When the inner solver refuses to start for lack of time and says
    how many qubits would fit (``fitting_qubits``, QRAO; ``max_qubits`` and ``qubits`` given),
    the qubit budget falls to that, shrinking continues and the solve is tried again;
    ``info["qubit_budget"]`` and ``info["fewer_qubits"]`` (why, one line per fall) say so.
    """
    start = time.perf_counter()
    get_update(multipliers)
    kind = type(problem).__name__
    guide = problem.to_qubo()
    if encoding == "lagrangian":
        if kind not in PROBLEMS:
            raise ValueError(f"the lagrangian encoding exists for {', '.join(PROBLEMS)}; "
                             f"use encoding='penalty' for {kind}")
        base = make_encoding(problem, "lagrangian")
        variables = base.num_problem_bits
        seen = lambda history: ShrunkEncoding(base, history).qubo()  # noqa: E731
    else:
        if guide.slack_bits:
            raise ValueError(f"{kind}.to_qubo() has {guide.slack_bits} slack bits; the penalty "
                             "encoding needs a slack-free QUBO, use encoding='lagrangian'")
        variables = guide.num_variables
        seen = lambda history: substitute(guide, history.T, history.t)  # noqa: E731
    conflict = conflict_check(problem)
    history = ShrinkHistory.identity(variables)
    cap, fewer = max_qubits, []

    def shrink_to(history, budget, target):
        return _shrink_until(guide, variables, seen, history, budget, target,
                             ratio=None if qubits is None else (qubits, cap), start=start,
                             time_limit=time_limit, threshold=threshold,
                             correlations=correlations, reestimate=reestimate,
                             conflict=conflict, seed=seed)

    while True:
        history = shrink_to(history, budget, target)
        reduced = seen(history)
        common = {"inner": getattr(inner, "name", type(inner).__name__), "control": control,
                  "encoding": encoding, "variables": variables,
                  "reduced_variables": history.num_reduced, "merges": len(history.merges),
                  "shrink_stop": history.stop, **extra}
        if max_qubits is not None:
            common.update(qubit_budget=max_qubits, fewer_qubits=tuple(fewer))
        within = budget(reduced)  # QRAO's budget colours the coupling graph: ask once
        if not within and history.stop == "time limit":
            return Answer(solution=None, status="feasible", info=dict(
                common, stop=f"time limit: shrinking reached {history.num_reduced} of "
                             f"{variables} bits, above the inner solver's qubit budget"))
        if not within:
            raise ValueError(f"{problem.name}: shrinking stopped at {history.num_reduced} of "
                             f"{variables} bits ({history.stop}); the inner solver's qubit "
                             "budget is not met")
        shrink_s = time.perf_counter() - start
        left = None if time_limit is None else max(1e-3, solve_share * (time_limit - shrink_s))
        solved = _solve_reduced(problem, inner, encoding, history, reduced,
                                base if encoding == "lagrangian" else None, left,
                                multipliers=multipliers, max_iterations=max_iterations,
                                patience=patience)
        if not isinstance(solved, str):
            break
        fitting = getattr(inner, "fitting_qubits", None)
        smaller = None
        if fitting is not None and qubits is not None and time_limit is not None:
            smaller = fitting(solve_share * (time_limit - (time.perf_counter() - start)))
        if smaller is None:
            return Answer(solution=None, status="feasible", info=dict(common, stop=solved))
        fewer.append(f"{solved}; {smaller} qubits would fit")
        cap = smaller
        budget = lambda q, cap=cap: qubits(q) <= cap  # noqa: E731
    samples, final_qubo, iterations, stop, best_raw, out, solver = solved
    solve_s = time.perf_counter() - start - shrink_s

    energies = final_qubo.energies(samples.bits)
    order = np.argsort(energies, kind="stable")[:max(1, repair_limit)]
    deadline = None if time_limit is None else start + time_limit
    raw = [history.expand(samples.bits[k]) for k in order]
    if out is not None and out.bits is not None:
        raw.append(np.asarray(out.bits, dtype=np.int8))  # best raw feasible point of any iteration
    outcomes = []
    for bits in raw:
        remaining = None if deadline is None else max(0.0, deadline - time.perf_counter())
        if outcomes and remaining == 0.0:
            break  # the lowest-energy candidates were searched; no time for the rest
        outcomes.append(verify_and_repair(problem, bits, time_limit=remaining))
    sign = 1.0 if problem.sense == "max" else -1.0
    for outcome in outcomes:
        if outcome.raw_feasible and (best_raw is None
                                     or sign * outcome.raw_objective > sign * best_raw):
            best_raw = outcome.raw_objective
    chosen = max(range(len(outcomes)), key=lambda i: sign * outcomes[i].objective)
    best = outcomes[chosen]
    repair_s = time.perf_counter() - start - shrink_s - solve_s
    num_qubits = getattr(solver, "last_qubits", None) or (
        qubits(reduced) if qubits is not None else reduced.num_variables)
    info = {**common, "qubits": int(num_qubits), "variables_per_qubit": variables / num_qubits,
            "qubit_reduction": 1.0 - num_qubits / variables,
            "refused_merges": history.refused, "correlation_estimates": history.estimates,
            "candidates": len(outcomes),
            "repairs": sum(o.repaired for o in outcomes),
            "raw_feasible": best_raw is not None,
            "lowest_energy_feasible": bool(outcomes[0].raw_feasible),
            "raw_feasible_fraction": float(np.mean([o.raw_feasible for o in outcomes])),
            "raw_objective": best_raw, "objective_before_search": None,
            "iterations": iterations, "stop": stop, "shrink_s": shrink_s, "solve_s": solve_s,
            "repair_s": repair_s}
    before = verify_and_repair(problem, raw[chosen], local_search=False)
    info["objective_before_search"] = before.objective
    return Answer(solution=best.solution, status="feasible",
                  trace=((time.perf_counter() - start, best.objective),), info=info)


def _shrink_until(guide, variables: int, seen, history, budget, target: int, *, ratio,
                  start: float, time_limit: float | None, **options):
    """Continue ``history`` until ``budget(seen(history))`` holds, at most ``SHRINK_ATTEMPTS``
    shrinks: with ``ratio = (qubits, cap)`` (QRAO) each to the bits the current bits per qubit
    put into ``cap`` qubits, else the first to ``target`` bits and each next to three quarters.
    """
    current = target
    for _ in range(SHRINK_ATTEMPTS):
        reduced = seen(history)
        if budget(reduced):
            break
        left = None if time_limit is None else time_limit - (time.perf_counter() - start)
        if left is not None and left <= 0:
            return replace(history, stop="time limit")
        if ratio is not None and ratio[1] is not None:
            count, cap = ratio
            current = int(history.num_reduced * cap / max(1, count(reduced)))
        current = max(1, min(current, history.num_reduced - 1))
        history = shrink(guide, num_variables=variables, max_qubits=current, time_limit=left,
                         start=history, **options)
        if history.stop != "budget reached":
            break
        current = int(current * 0.75)
    return history


def _solve_reduced(problem, inner, encoding: str, history, reduced, base, left, *,
                   multipliers: str, max_iterations: int, patience: int):
    """One solve of the reduced problem within ``left`` seconds: ``(samples, final QUBO,
    iterations, stop, best raw objective, the multiplier loop's outcome or None, the solver)``,
    or the reason (a string) when no solve could start in time."""
    if hasattr(inner, "deadline") and left is not None:
        inner.deadline = time.perf_counter() + left
    solver = inner if left is None else Budgeted(inner, time.perf_counter() + left)
    if encoding == "lagrangian":
        shrunk = ShrunkEncoding(base, history)
        out = solve_lagrangian(shrunk, solver, multipliers=multipliers,
                               max_iterations=max_iterations, patience=patience,
                               time_limit=left, repair_limit=0)
        if out.final is None:
            return out.stop
        best_raw = None if out.bits is None else problem.evaluate(out.solution)
        return (out.final, shrunk.qubo(out.multipliers, out.rho), out.iterations, out.stop,
                best_raw, out, solver)
    solver.check(reduced.num_variables, f"the shrunk QUBO of {problem.name}")
    try:
        samples = solver.run(reduced, deadline=None if left is None
                             else time.perf_counter() + left)
    except OutOfTime as error:
        return f"time limit: {error}"
    return samples, reduced, 1, "single solve", None, None, solver
