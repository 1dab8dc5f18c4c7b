"""CP-SAT baselines for MDKP, MIS and QAP (``method="ortools"`` dispatches here).

Each function builds a CP-SAT model, runs it with all cores (``num_workers = os.cpu_count()``)
and ``random_seed = seed``, records every improving solution in ``trace`` through a solution
callback, and reports ``status="optimal"`` only when CP-SAT proves it. CP-SAT needs integer
coefficients: real data are scaled by a power of ten when that is exact, otherwise rounded
(conservatively for constraints) and the answer is never called optimal.
"""

from __future__ import annotations

import itertools
import os
import time

import numpy as np
from ortools.sat.python import cp_model

from solvers.result import Answer

DEFAULT_TIME_LIMIT = 10.0
MAX_DECIMALS = 6
MAX_COEFFICIENT = 2**53
QAP_MAX_SIZE = 40
CLIQUE_COVER_WORK = 5_000_000


def solve_mdkp_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                     num_workers: int | None = None) -> Answer:
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
                {"profit_scale": scale, "exact_integer_model": exact})


def solve_mis_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                    num_workers: int | None = None) -> Answer:
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
    for clique in edge_clique_cover(problem.size, problem.edges.tolist()):
        model.add_at_most_one([x[v] for v in clique])
    model.maximize(cp_model.LinearExpr.sum(x))
    return _run(model, problem, x, _bits, 1, start, deadline, seed, num_workers, True, {})


def solve_qap_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                    num_workers: int | None = None) -> Answer:
    """Assignment booleans ``x[i,k]`` and product booleans ``y``, objective linear in y.

    Rows and columns of x are ``AddExactlyOne``. For each facility pair i < j with some flow
    and location pair k != l, a boolean ``y[(i,k),(j,l)]`` is tied to x by the Adams–Johnson
    equalities ``sum_l y[(i,k),(j,l)] = x[i,k]`` and ``sum_k y[(i,k),(j,l)] = x[j,l]``; with x
    a permutation they force every y to equal ``x[i,k] x[j,l]`` (see ``QAP.to_milp``). The
    search starts from the identity assignment (a complete hint); presolve probing is off, as
    on these O(n^4) models it costs seconds and fixes little. The model is known to be weak.
    Building it counts against the time limit: when the limit passes during the build, no
    solution is returned; above n = ``QAP_MAX_SIZE`` it is not attempted at all.

    >>> from problems import QAP
    >>> solve_qap_cpsat(QAP.random(5, seed=0), time_limit=5).status
    'optimal'
    """
    start, deadline = _clock(time_limit)
    n = problem.size
    if n > QAP_MAX_SIZE:
        raise ValueError(f"the CP-SAT QAP model needs n²(n-1)²/2 product booleans and is built "
                         f"only up to n = {QAP_MAX_SIZE}; {problem.name} has n = {n}")
    flow, scale_a, exact_a = _integers(problem.flow, "flow")
    dist, scale_b, exact_b = _integers(problem.distance, "distance")
    if flow.sum() * dist.max() >= MAX_COEFFICIENT:
        raise ValueError(f"{problem.name}: flow × distance values are too large for CP-SAT's "
                         f"64-bit integer arithmetic")
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{k}") for k in range(n)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
        model.add_exactly_one([x[j][i] for j in range(n)])
        for k in range(n):
            model.add_hint(x[i][k], i == k)
    variables = [x[i][k] for i in range(n) for k in range(n)]
    costs = [int(flow[i, i] * dist[k, k]) for i in range(n) for k in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if not (flow[i, j] or flow[j, i]):
                continue
            if time.perf_counter() > deadline:
                return Answer(solution=None, status="feasible",
                              info={"stopped": "the time limit passed while building the model",
                                    "variables_built": len(variables)})
            y = [[model.new_bool_var(f"y{i}_{k}_{j}_{l}") if k != l else None for l in range(n)]
                 for k in range(n)]
            for k in range(n):
                others = [l for l in range(n) if l != k]
                model.add(cp_model.LinearExpr.sum([y[k][l] for l in others]) == x[i][k])
                model.add(cp_model.LinearExpr.sum([y[l][k] for l in others]) == x[j][k])
                for l in others:
                    model.add_hint(y[k][l], k == i and l == j)
                    variables.append(y[k][l])
                    costs.append(int(flow[i, j] * dist[k, l] + flow[j, i] * dist[l, k]))
    model.minimize(cp_model.LinearExpr.weighted_sum(variables, costs))

    def decode(values):
        return np.array(values[:n * n], dtype=np.int64).reshape(n, n).argmax(axis=1)

    return _run(model, problem, variables[:n * n], decode, scale_a * scale_b, start, deadline,
                seed, num_workers, exact_a and exact_b, {"objective_scale": scale_a * scale_b},
                probing=False)


def edge_clique_cover(n: int, edges: list, work_limit: int = CLIQUE_COVER_WORK) -> list[list[int]]:
    """Cliques that together hold every edge ``(u, v)`` (``u < v``), grown greedily.

    A clique grows by the common neighbour with the most neighbours among the remaining common
    neighbours. The work (sum of squared candidate counts) is bounded by ``work_limit``, so the
    cover is deterministic; edges still uncovered when the budget is spent stay cliques of two.

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

    def __init__(self, problem, variables, decode, start: float):
        super().__init__()
        self.problem, self.variables, self.decode, self.start = problem, variables, decode, start
        self.points: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        solution = self.decode([self.value(v) for v in self.variables])
        self.points.append((time.perf_counter() - self.start, self.problem.evaluate(solution)))


def _clock(time_limit: float | None) -> tuple[float, float]:
    """(start, deadline): the limit covers model building and search."""
    start = time.perf_counter()
    return start, start + float(time_limit or DEFAULT_TIME_LIMIT)


def _run(model, problem, variables, decode, scale, start, deadline, seed, num_workers,
         exact, info, probing: bool = True) -> Answer:
    """Solve until ``deadline``; trace times count from ``start``."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.01)
    solver.parameters.num_workers = int(num_workers or os.cpu_count() or 1)
    solver.parameters.random_seed = int(seed)
    if not probing:
        solver.parameters.cp_model_probing_level = 0
    trace = _Trace(problem, variables, decode, start)
    status = solver.solve(model, trace)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the model of {problem.name}: {model.validate()}")
    info = dict(info, cp_sat_status=solver.status_name(status), wall_time=solver.wall_time,
                num_workers=solver.parameters.num_workers)
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
