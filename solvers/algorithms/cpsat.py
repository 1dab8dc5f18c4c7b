"""CP-SAT baselines for MDKP, MIS, BQP and MaxCut (``method="ortools"`` dispatches here).

Each function builds a CP-SAT model, runs it with every core it may use
(``solvers.threads.available_threads()``: all of them, or a batch worker's share) and
``random_seed = seed``, records every improving solution in ``trace`` through a solution
callback, and reports ``status="optimal"`` only when CP-SAT proves it. CP-SAT needs integer
coefficients: real data are scaled by a power of ten when that is exact, otherwise rounded
(conservatively for constraints) and the answer is never called optimal. QAP, which wraps
CP-SAT in a numpy tabu search, has its own module (``cpsat_qap``) on these helpers.
With several workers and a time limit CP-SAT's answer varies run to run; ``deterministic=True``
makes it repeatable (one worker, a deterministic-time limit; see ``_solver``). QAP's tabu
search stops by the clock either way.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from ortools.sat.python import cp_model

from solvers.result import Answer
from solvers.threads import available_threads

DEFAULT_TIME_LIMIT = 10.0
MAX_DECIMALS = 6
MAX_COEFFICIENT = 2**53
CLIQUE_COVER_WORK = 5_000_000
BUILD_CHECK_EVERY = 2048  # constraints (or edges) between two reads of the clock while building
DETERMINISTIC_SHARE = 0.5  # of the time left, as CP-SAT's deterministic-time limit


def solve_mdkp_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                     num_workers: int | None = None, deterministic: bool = False,
                    progress=None) -> Answer:
    """Binary x per item, one linear row per capacity, maximise profit.

    Real-valued data are scaled by the smallest power of ten that makes them integers
    (``info["profit_scale"]``); past 10^6 weights are rounded up and capacities down, so every
    answer stays feasible, and the result is then never called optimal.

    >>> from problems import MDKP
    >>> solve_mdkp_cpsat(MDKP.random(15, 2, seed=0), time_limit=5).status
    'optimal'
    """
    start, deadline = _clock(time_limit)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{j}") for j in range(problem.size)]
    exact = True
    for i, (row, capacity) in enumerate(zip(problem.weights, problem.capacities)):
        scaled, factor, row_exact = _integers(np.append(row, capacity), f"capacity row {i}")
        if not row_exact:  # round weights up and the capacity down: never accept an overload
            scaled = np.append(np.ceil(row * factor), np.floor(capacity * factor)).astype(np.int64)
        exact &= row_exact
        model.add(cp_model.LinearExpr.weighted_sum(x, scaled[:-1].tolist()) <= int(scaled[-1]))
    profits, scale, profits_exact = _integers(problem.profits, "profits")
    model.maximize(cp_model.LinearExpr.weighted_sum(x, profits.tolist()))
    exact &= profits_exact
    return _run(model, problem, x, _bits, scale, start, deadline, seed, num_workers, exact,
                {"profit_scale": scale, "exact_integer_model": exact}, deterministic,
                progress=progress)


def solve_mis_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                    num_workers: int | None = None, deterministic: bool = False,
                    progress=None) -> Answer:
    """Binary x per node, ``AddAtMostOne`` per clique of a greedy edge clique cover, maximise
    the number of nodes.

    Every edge lies in some clique of the cover (``edge_clique_cover``), so the model is the
    edge formulation, with a much stronger LP relaxation (e.g. gen200_p0.9_44's complement is
    proved optimal in seconds instead of stalling at 40).

    >>> from problems import MIS
    >>> solve_mis_cpsat(MIS.random(12, p=0.3, seed=0), time_limit=5).status
    'optimal'
    """
    start, deadline = _clock(time_limit)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{v}") for v in range(problem.size)]
    cliques = edge_clique_cover(problem.size, problem.edges.tolist(), deadline=deadline)
    for k, clique in enumerate(cliques):
        if k % BUILD_CHECK_EVERY == 0 and time.perf_counter() >= deadline:
            return Answer(solution=None, status="feasible", info={
                "stop": f"the time limit passed while the model was built ({k} of "
                        f"{len(cliques)} clique constraints, {len(problem.edges)} edges)"})
        model.add_at_most_one([x[v] for v in clique])
    model.maximize(cp_model.LinearExpr.sum(x))
    return _run(model, problem, x, _bits, 1, start, deadline, seed, num_workers, True, {},
                deterministic, progress=progress)


def solve_bqp_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                    num_workers: int | None = None, deterministic: bool = False,
                    progress=None) -> Answer:
    """Binary x per variable and one boolean ``y = x_i x_j`` per product
    (``AddMultiplicationEquality``, exact on every solution), the BQP's rows as linear
    constraints; a MaxCut through its BQP view (``problem.bqp``).

    Objective data are scaled to integers like MDKP's profits (rounded past 10^6: then never
    called optimal); constraint rows must scale exactly (``ValueError`` naming the row).

    >>> from problems import MaxCut
    >>> solve_bqp_cpsat(MaxCut.random(12, p=0.5, seed=0), time_limit=5).status
    'optimal'
    """
    start, deadline = _clock(time_limit)
    bqp = problem.bqp
    model = cp_model.CpModel()
    x = [model.new_bool_var(name) for name in bqp.variable_names]
    products = []
    for i, j in bqp.pairs.tolist():
        y = model.new_bool_var(f"y{i}_{j}")
        model.add_multiplication_equality(y, [x[i], x[j]])
        products.append(y)
    for r, (row, sense, rhs) in enumerate(zip(bqp.A, bqp.constraint_senses, bqp.rhs)):
        scaled, _, row_exact = _integers(np.append(row, rhs), f"constraint {r}")
        if not row_exact:
            raise ValueError(f"{problem.name}: constraint {bqp.constraint_names[r]} has "
                             f"coefficients CP-SAT cannot scale to integers exactly")
        lhs = cp_model.LinearExpr.weighted_sum(x, scaled[:-1].tolist())
        bound = int(scaled[-1])
        model.add(lhs <= bound if sense == "<=" else lhs >= bound if sense == ">="
                  else lhs == bound)
    values, scale, exact = _integers(np.concatenate((bqp.linear, bqp.coefficients,
                                                     [bqp.constant])), "objective")
    objective = cp_model.LinearExpr.weighted_sum(x + products, values[:-1].tolist()) \
        + int(values[-1])
    if bqp.sense == "max":
        model.maximize(objective)
    else:
        model.minimize(objective)
    return _run(model, problem, x, _bits, scale, start, deadline, seed, num_workers, exact,
                {"objective_scale": scale, "exact_integer_model": exact,
                 "product_booleans": len(products)}, deterministic, progress=progress)


def edge_clique_cover(n: int, edges: list, work_limit: int = CLIQUE_COVER_WORK,
                      deadline: float | None = None) -> list[list[int]]:
    """Cliques that together hold every edge ``(u, v)`` (``u < v``), grown greedily.

    A clique grows by the common neighbour with the most neighbours among the remaining common
    neighbours. The work (sum of squared candidate counts) is bounded by ``work_limit``, so the
    cover is deterministic; edges still uncovered when the budget is spent stay cliques of two.
    Growing also stops at ``deadline`` (``time.perf_counter()``): every edge is then added as a
    pair without sorting out the covered ones (the cover depends on the machine's speed then,
    and the caller is out of time anyway).

    >>> edge_clique_cover(4, [(0, 1), (0, 2), (1, 2), (2, 3)])
    [[0, 1, 2], [2, 3]]
    """
    neighbours = [set() for _ in range(n)]
    for u, v in edges:
        neighbours[u].add(v)
        neighbours[v].add(u)
    covered: set[tuple[int, int]] = set()
    cliques, work = [], 0
    for u, v in edges:
        if work >= work_limit:
            break
        if (u, v) in covered:
            continue
        if deadline is not None and time.perf_counter() >= deadline:
            return cliques + [[u, v] for u, v in edges]  # some pairs twice: still a cover
        clique, candidates = [u, v], neighbours[u] & neighbours[v]
        while candidates:
            work += len(candidates) ** 2
            best = max(candidates, key=lambda c: len(neighbours[c] & candidates))
            clique.append(best)
            candidates &= neighbours[best]
        clique.sort()
        covered.update(itertools.combinations(clique, 2))
        cliques.append(clique)
    return cliques + [[u, v] for u, v in edges if (u, v) not in covered]


def _bits(values) -> np.ndarray:
    return np.array(values, dtype=np.int8)


class _Trace(cp_model.CpSolverSolutionCallback):
    """Records (seconds, objective) of every improving solution, verified by the problem."""

    def __init__(self, problem, variables, decode, start: float, progress=None,
                 scale: float = 1.0):
        super().__init__()
        self.problem, self.variables, self.decode, self.start = problem, variables, decode, start
        self.progress, self.scale = progress, scale
        self.points: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        solution = self.decode([self.value(v) for v in self.variables])
        value = self.problem.evaluate(solution)
        self.points.append((time.perf_counter() - self.start, value))
        if self.progress is not None:
            self.progress.improved(value, phase="cp-sat",
                                   bound=self.best_objective_bound / self.scale)


def _clock(time_limit: float | None) -> tuple[float, float]:
    """(start, deadline): the limit covers model building and search."""
    start = time.perf_counter()
    return start, start + float(time_limit or DEFAULT_TIME_LIMIT)


def _solver(deadline: float, seed: int, num_workers: int | None,
            deterministic: bool) -> cp_model.CpSolver:
    """A CP-SAT solver limited to ``deadline``; ``deterministic`` makes runs repeatable.

    Repeatable means: one worker (or several interleaved, when ``num_workers`` is given) and a
    deterministic-time limit of ``DETERMINISTIC_SHARE`` of the time left, which stops the search
    before the wall-clock limit unless the machine is much slower than CP-SAT's calibration
    (``info["stopped_by"]`` then says ``"wall clock"``: that run is not repeatable).
    """
    if not isinstance(deterministic, bool):
        raise ValueError(f"deterministic must be True or False, got {deterministic!r}")
    left = max(deadline - time.perf_counter(), 0.01)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = left
    solver.parameters.random_seed = int(seed)
    if deterministic:
        solver.parameters.num_workers = int(num_workers or 1)
        solver.parameters.interleave_search = solver.parameters.num_workers > 1
        solver.parameters.max_deterministic_time = DETERMINISTIC_SHARE * left
    else:
        solver.parameters.num_workers = int(num_workers or available_threads())
    return solver


def _stop_info(solver: cp_model.CpSolver, status) -> dict:
    """Workers, wall and deterministic time, and which limit ended a search that was not
    finished (``"deterministic time"`` is repeatable, ``"wall clock"`` is not)."""
    info = {"wall_time": solver.wall_time, "num_workers": solver.parameters.num_workers,
            "deterministic_time": solver.deterministic_time}
    limit = solver.parameters.max_deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        spent_all = solver.deterministic_time >= 0.99 * limit
        info["stopped_by"] = "deterministic time" if spent_all else "wall clock"
    return info


def _run(model, problem, variables, decode, scale, start, deadline, seed, num_workers,
         exact, info, deterministic: bool = False, probing: bool = True,
         progress=None) -> Answer:
    """Solve until ``deadline``; trace times count from ``start``."""
    solver = _solver(deadline, seed, num_workers, deterministic)
    if not probing:
        solver.parameters.cp_model_probing_level = 0
    trace = _Trace(problem, variables, decode, start, progress, scale)
    status = solver.solve(model, trace)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the model of {problem.name}: {model.validate()}")
    info = dict(info, cp_sat_status=solver.status_name(status), **_stop_info(solver, status))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Answer(solution=None, status="feasible", info=info)
    solution = decode([solver.value(v) for v in variables])
    info.update(bound=solver.best_objective_bound / scale,
                claimed_objective=solver.objective_value / scale)
    proved = status == cp_model.OPTIMAL and exact
    return Answer(solution=solution, status="optimal" if proved else "feasible",
                  trace=tuple(trace.points), info=info)


def _integers(values: np.ndarray, what: str) -> tuple[np.ndarray, int, bool]:
    """``values`` times the smallest power of ten (up to 10^6) that makes them integers.

    Returns (integers, factor, exact); when no such power exists the values are rounded at
    10^6 and ``exact`` is False.
    """
    values = np.asarray(values, dtype=float)
    for decimals in range(MAX_DECIMALS + 1):
        factor = 10**decimals
        scaled = values * factor
        rounded = np.round(scaled)
        if np.all(np.abs(scaled - rounded) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            exact = True
            break
    else:
        exact = False
    if np.abs(rounded).sum() >= MAX_COEFFICIENT:
        raise ValueError(f"{what} are too large for CP-SAT's 64-bit integer arithmetic after "
                         f"scaling by {factor}")
    return rounded.astype(np.int64), factor, exact
