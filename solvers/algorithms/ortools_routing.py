"""OR-Tools routing on a TSP: a first solution, then a metaheuristic until the time limit.

One vehicle, depot city 0, arc costs from a registered integer transit matrix (exact
distances for the TSPLIB rounded types and integral matrices; float distances scaled to
integers otherwise). Routing search is deterministic for fixed parameters; with a time limit
the result still depends on how far the search gets, so runs repeat only up to timing.
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solvers.result import Answer

# A registered matrix crosses into C++ as Python lists (about 36 bytes per entry while it is
# built), so 10,000 cities cost ~3.6 GB for a moment, then 0.8 GB inside the solver.
MAX_CITIES = 10_000
# Float distances are scaled so that the bounding-box diagonal becomes this many units.
FLOAT_SCALE_UNITS = 10_000_000
FIRST_SOLUTIONS = tuple(name for name in routing_enums_pb2.FirstSolutionStrategy.Value.keys()
                        if name not in ("UNSET", "AUTOMATIC"))
METAHEURISTICS = tuple(name for name in routing_enums_pb2.LocalSearchMetaheuristic.Value.keys()
                       if name not in ("UNSET", "AUTOMATIC"))


def default_time_limit(n: int) -> float:
    """Seconds of search when the caller gives none: 2 s, plus 1 s per 50 cities, at most 300.

    >>> default_time_limit(52), default_time_limit(1000), default_time_limit(10000)
    (2.0, 20.0, 200.0)
    """
    return float(min(300.0, max(2.0, n / 50)))


def cost_rows(problem) -> tuple[list[list[int]], float]:
    """The integer cost matrix routing searches with, as row lists, and its scale.

    Integral distances are used as they are (scale 1), so routing costs are true tour
    lengths; float distances are multiplied by ``FLOAT_SCALE_UNITS / diagonal`` (the
    bounding-box diagonal, or the largest matrix entry) and rounded. Rows are built in
    blocks, so no n×n numpy array is made on the way.

    >>> from problems import TSP
    >>> tsp = TSP("t", coords=[[0, 0], [3, 4], [6, 8]], edge_weight_type="EUC_2D")
    >>> rows, scale = cost_rows(tsp)
    >>> rows[0], scale
    ([0, 5, 10], 1.0)
    """
    n = problem.size
    if n > MAX_CITIES:
        raise ValueError(
            f"OR-Tools routing needs a dense {n}×{n} cost matrix; it is used up to {MAX_CITIES} "
            f"cities (about {36 * MAX_CITIES ** 2 / 1e9:.1f} GB while the matrix is handed "
            f"over). Choose another method for this instance")
    scale = 1.0
    if not problem.integer_distances:
        if problem.coords is not None:
            span = problem.coords.max(axis=0) - problem.coords.min(axis=0)
            reference = float(np.hypot(span[0], span[1]))
        else:
            reference = float(problem.matrix.max())
        scale = FLOAT_SCALE_UNITS / reference if reference > 0 else 1.0
    columns = np.arange(n)
    rows: list[list[int]] = []
    step = max(1, 2_000_000 // n)
    for first in range(0, n, step):
        block = problem.distance(np.arange(first, min(n, first + step))[:, None], columns)
        rows.extend(np.rint(block * scale).astype(np.int64).tolist())
    return rows, scale


def solve_tsp_routing(problem, *, time_limit: float | None = None, seed: int = 0,
                      first_solution: str = "PATH_CHEAPEST_ARC",
                      metaheuristic: str = "GUIDED_LOCAL_SEARCH", progress=None) -> Answer:
    """Solve a ``TSP`` with OR-Tools routing; the trace records every improvement found.

    ``time_limit`` covers building the cost matrix too (default ``default_time_limit(n)``).
    ``seed`` is recorded but unused: OR-Tools routing has no random seed.

    >>> from problems import TSP
    >>> answer = solve_tsp_routing(TSP.random(20, seed=0), time_limit=1)
    >>> sorted(answer.solution.tolist()) == list(range(20)), answer.status
    (True, 'feasible')
    """
    start = time.perf_counter()
    if first_solution not in FIRST_SOLUTIONS:
        raise ValueError(f"unknown first_solution {first_solution!r}; choose one of "
                         f"{', '.join(FIRST_SOLUTIONS)}")
    if metaheuristic not in METAHEURISTICS:
        raise ValueError(f"unknown metaheuristic {metaheuristic!r}; choose one of "
                         f"{', '.join(METAHEURISTICS)}")
    n = problem.size
    budget = default_time_limit(n) if time_limit is None else float(time_limit)
    rows, scale = cost_rows(problem)
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(rows)
    del rows
    routing.SetArcCostEvaluatorOfAllVehicles(transit)

    def route(value) -> np.ndarray:
        tour = np.empty(n, dtype=np.int64)
        index = routing.Start(0)
        for k in range(n):
            tour[k] = manager.IndexToNode(index)
            index = value(routing.NextVar(index))
        return tour

    trace: list[tuple[float, float]] = []
    best_cost = [math.inf]
    reading = {"seconds": 0.0, "pending": False}

    def on_solution() -> None:
        # Improvements are read back as tours and measured by the problem itself; reading a
        # tour costs O(n), so it is skipped (and the point left out) while it would exceed
        # a twentieth of the elapsed time.
        cost = routing.CostVar().Value()
        if cost >= best_cost[0]:
            return
        best_cost[0] = cost
        if progress is not None:
            progress.improved(cost / scale, source="routing cost")
        now = time.perf_counter() - start
        if reading["seconds"] * 20 > now and trace:
            reading["pending"] = True
            return
        began = time.perf_counter()
        trace.append((now, problem.evaluate(route(lambda var: var.Value()))))
        reading["seconds"] += time.perf_counter() - began
        reading["pending"] = False

    routing.AddAtSolutionCallback(on_solution)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy,
                                             first_solution)
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic,
                                                metaheuristic)
    remaining = max(budget - (time.perf_counter() - start), 0.05)
    params.time_limit.FromMilliseconds(max(1, int(remaining * 1000)))

    assignment = routing.SolveWithParameters(params)
    search_status = routing.status()
    info = {"first_solution": first_solution, "metaheuristic": metaheuristic,
            "cost_scale": scale, "time_limit": budget, "seed_used": False,
            "search_status": routing_enums_pb2.RoutingSearchStatus.Value.Name(search_status)}
    if assignment is None:
        return Answer(solution=None, status="feasible", info=info)
    tour = route(assignment.Value)
    info["routing_cost"] = int(assignment.ObjectiveValue())
    if problem.integer_distances:
        info["claimed_objective"] = float(assignment.ObjectiveValue())
    if reading["pending"] or not trace:
        trace.append((time.perf_counter() - start, problem.evaluate(tour)))
    proved = search_status == routing_enums_pb2.RoutingSearchStatus.ROUTING_OPTIMAL
    return Answer(solution=tour, status="optimal" if proved else "feasible",
                  trace=tuple(trace), info=info)
