"""``method="ccg"``: exact column-and-constraint generation for the two-stage robust knapsack.

The scheme of Zeng & Zhao (2013) on ``problems.robust_knapsack.RobustKnapsack``, with the
recourse hull approximated by lifted cuts instead of scenario copies:

1. Main problem: ``problem.to_milp(scenarios, relaxed_bound=True, cuts=cuts)``: the robust
   counterpart over all of ``Ξ`` with the recourse hull ``conv K ∩ {y <= x}`` replaced by its
   LP relaxation tightened by the hull cuts found so far (``problems.robust_knapsack.
   hull_cuts``), plus one recourse copy per listed scenario; solved to zero gap by MathOpt
   (SCIP by default). Its optimum is an upper bound and its ``x`` the next candidate.
2. Separation: ``problem.worst_case(x)`` (exact, see there) prices the candidate; its value is
   a lower bound. Its worst case ``ξ`` gives a hull cut, lifted to all items, which makes the
   main problem's bound at this ``x`` equal to its value when the data are integers (the
   published files); otherwise ``ξ`` also joins the scenario list, as in plain CCG.
3. Stop when ``upper - lower <= gap * max(1, |lower|)``: the best priced ``x`` is then optimal.

Why cuts and not copies (measured on the n = 20 files that plain CCG left open, see
``docs/benchmarks/robust_knapsack.md``): the bound that closes them is the recourse hull,
which a finite scenario list approximates badly (worst cases are fractional and differ from
one ``x`` to the next), and every copy adds 2n binaries to the main problem; a cut adds one
row and keeps the main problem a MILP over ``x`` alone.

A priced candidate cannot come back before the bounds meet (its cut or its scenario copy
bounds it by its own value), so the loop is finite (at most 2^n rounds). Should rounding make
one come back anyway, the run stops with ``info["stopped"] = "repeated_candidate"``. It is
also the ``ortools`` baseline for ``RobustKnapsack``.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

import numpy as np
from ortools.math_opt.python import mathopt

from problems.robust_knapsack import hull_cuts as hull
from solvers.algorithms.milp import SOLVERS, build_model
from solvers.registry import Need
from solvers.result import Answer

DEFAULT_TIME_LIMIT = 300.0
# Items (binary x of the main problem, and what every exact worst case ranges over); the
# published files have up to 80. Measured on generated UN files (h 40, δ 1, Γ 0.2 n), 60 s,
# shared 2-core machine at load 9: n = 100 two rounds, gap 0.05 %; n = 200 the first
# candidate's worst case did not finish, so the answer was the empty selection.
MAX_ITEMS = 100


def ccg_need(problem, **options) -> Need:
    """Items of the robust knapsack against ``MAX_ITEMS``: every round solves a main MILP
    over n binaries and prices its x exactly (cutting planes over ξ, each a knapsack over
    the selected items), so time, not memory, runs out first.

    >>> from problems import RobustKnapsack
    >>> ccg_need(RobustKnapsack.random(20, seed=0)).text()
    'RobustKnapsack RKP_UN_n20_R1000_H100_h40_dev0.1_d0.1_seed0 needs 20 items; the limit is 100'
    """
    return Need(problem.size, MAX_ITEMS, "items", f"{type(problem).__name__} {problem.name}")


def solve_ccg(problem, *, time_limit: float | None = None, seed: int = 0, solver: str = "scip",
              gap: float = 1e-6, hull_cuts: bool = True, progress=None) -> Answer:
    """Solve a ``RobustKnapsack`` exactly by column-and-constraint generation.

    Parameters
    ----------
    problem : RobustKnapsack
    time_limit : seconds for the whole run (default 300); the best priced ``x`` so far is
        returned with status ``"feasible"`` when it runs out.
    seed : random seed of the main-problem solver.
    solver : ``"scip"`` or ``"highs"`` for the main problem (the worst cases always use the
        problem's own exact code).
    gap : relative optimality gap ``(upper - lower) / max(1, |lower|)`` at which to stop.
    hull_cuts : lift a hull cut from every priced candidate (default); ``False`` is plain CCG
        with scenario copies only (the ablation of the benchmark).
    progress : a ``solvers.progress.Progress`` told of each improving ``x`` (set by ``solve``).

    Returns
    -------
    Answer
        ``solution`` the best ``x`` priced so far; ``status`` ``"optimal"`` when the gap
        closed; ``trace`` the lower bound over time; ``info`` with ``iterations``,
        ``scenarios``, ``hull_cuts``, ``lower_bound``, ``upper_bound``, ``gap``, the time spent
        in the main problem and in separation, and ``stopped`` when a limit ended the run.

    Examples
    --------
    >>> from problems import RobustKnapsack
    >>> answer = solve_ccg(RobustKnapsack.random(8, "UN", seed=1), time_limit=60)
    >>> answer.status, answer.info["lower_bound"] == answer.info["claimed_objective"]
    ('optimal', True)
    """
    if type(problem).__name__ != "RobustKnapsack":
        raise ValueError(f"column-and-constraint generation solves RobustKnapsack, "
                         f"got {type(problem).__name__}")
    if solver not in ("scip", "highs"):
        raise ValueError(f"ccg: unknown main-problem solver {solver!r}; choose 'scip' or 'highs'")
    if not (isinstance(gap, (int, float)) and math.isfinite(gap) and gap >= 0):
        raise ValueError(f"ccg: gap must be a non-negative number, got {gap!r}")
    start = time.perf_counter()
    deadline = start + (DEFAULT_TIME_LIMIT if time_limit is None else time_limit)
    n = problem.size
    best_x = np.zeros(n, dtype=np.int8)
    lower = problem.evaluate(best_x)
    upper = math.inf
    trace = [(time.perf_counter() - start, lower)]
    cuts: list = []
    use_cuts = hull_cuts and hull.fits(problem)
    scenarios = [] if use_cuts else [np.zeros(n)]
    priced: set[bytes] = set()
    iterations, main_time, separation_time = 0, 0.0, 0.0
    status, stopped = "feasible", None

    def closed() -> bool:
        return upper - lower <= gap * max(1.0, abs(lower))

    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            stopped = "time_limit"
            break
        tick = time.perf_counter()
        # Until a selection is priced, a main problem gets half the time left: its incumbent
        # must still be priced (at n = 60-80 the first one ran 60 s without closing its gap,
        # and the answer was the empty selection).
        share = left if priced else left / 2
        candidate, bound = _solve_main(problem, scenarios, cuts, best_x, solver, seed, share)
        main_time += time.perf_counter() - tick
        iterations += 1
        upper = min(upper, bound)
        if candidate is None:
            stopped = "time_limit"
            break
        if closed():
            break
        tick = time.perf_counter()
        try:
            value, xi = problem.worst_case(candidate, time_limit=deadline - time.perf_counter())
        except TimeoutError:
            stopped = "time_limit"
            break
        finally:
            separation_time += time.perf_counter() - tick
        if value > lower:
            lower, best_x = value, candidate
            trace.append((time.perf_counter() - start, lower))
            if progress is not None:
                progress.improved(lower, iteration=iterations, upper_bound=upper)
        if closed():
            break
        key = candidate.tobytes()
        if key in priced:
            stopped = "repeated_candidate"
            break
        priced.add(key)
        cut = hull.hull_cut(problem, candidate, xi) if use_cuts else None
        if cut is not None:
            cuts.append(cut)
        if (cut is None or not cut.exact) \
                and not any(np.array_equal(xi, known) for known in scenarios):
            scenarios.append(xi)
    if closed():
        status, stopped = "optimal", None
    info = {"claimed_objective": lower, "lower_bound": lower, "upper_bound": upper,
            "gap": max(0.0, upper - lower) / max(1.0, abs(lower)), "iterations": iterations,
            "scenarios": len(scenarios), "hull_cuts": len(cuts), "main_solver": solver,
            "main_time_s": main_time, "separation_time_s": separation_time}
    if stopped is not None:
        info["stopped"] = stopped
    return Answer(solution=best_x, status=status, trace=tuple(trace), info=info)


def _solve_main(problem, scenarios, cuts, hint_x, solver: str, seed: int, seconds: float
                ) -> tuple[np.ndarray | None, float]:
    """``(x, upper bound)`` of the main problem. When the time runs out first, ``x`` is the
    incumbent (None if there is none) and the bound the solver's dual bound: a valid upper
    bound either way, and any ``x`` is a candidate worth pricing.

    SCIP gets the best priced ``x`` as a hint.
    """
    milp = problem.to_milp(scenarios, relaxed_bound=True, cuts=cuts)
    model, variables = build_model(milp)
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=seconds), random_seed=seed,
                                     relative_gap_tolerance=0.0, absolute_gap_tolerance=0.0)
    model_params = None
    if solver == "scip":
        params.threads = 1
        if scenarios:
            # SCIP's c-MIR aggregation separator dominates the time on these max-min models
            # (measured on n = 20 files: 2-4x slower with it, and no instance closed faster).
            params.gscip.int_params["separating/aggregation/freq"] = -1
        else:
            # Only x is integer: no cutting planes, no heuristics (the hint is the incumbent);
            # measured 0.30 s instead of 0.64 s CPU on an n = 20 main problem with 16 cuts.
            params.gscip.int_params["separating/maxrounds"] = 0
            params.gscip.int_params["separating/maxroundsroot"] = 0
            params.heuristics = mathopt.Emphasis.OFF
        hint = mathopt.SolutionHint(variable_values={variables[i]: float(v)
                                                     for i, v in enumerate(hint_x)})
        model_params = mathopt.ModelSolveParameters(solution_hints=[hint])
    result = mathopt.solve(model, SOLVERS[solver], params=params, model_params=model_params)
    bound = result.termination.objective_bounds.dual_bound
    if result.termination.reason != mathopt.TerminationReason.OPTIMAL:
        if result.termination.limit != mathopt.Limit.TIME:
            raise RuntimeError(f"main problem not solved: {result.termination}")
        bound = bound if math.isfinite(bound) else math.inf
        if not result.has_primal_feasible_solution():
            return None, bound
    values = np.array([result.variable_values(v) for v in variables])
    return milp.decode(values), bound
