"""GNN divide-and-conquer (``method="udc"``), after UDC (NeurIPS 2024), for the TSP, the
maximum independent set and the multidimensional knapsack.

``solve_udc`` dispatches on the problem type. MIS: ``learned.udc_mis`` (node-scoring GNN,
parts around the selected nodes re-solved by CP-SAT or the learned policy, ARW local
search); MDKP: ``learned.udc_mdkp`` (item-scoring GNN on the item–constraint graph, item
groups re-solved by CP-SAT with the capacities the other items leave, drop/add pass).

For the TSP the work happens in ``learned.udc``: a trained edge-scoring GNN builds the initial tour
(dividing), a trained sub-path policy re-solves sub-paths of ``subpath_len`` cities with
fixed end points, polished by 2-opt/Or-opt (conquering), every round shifts the cut
points (reunion), and 2-opt/Or-opt over the whole tour makes the moves across sub-path
borders. This adapter checks the problem, picks a time limit and turns the tour into an
``Answer``; ``solve()`` then verifies it with the problem's own ``evaluate``.
"""

from __future__ import annotations

import inspect
import time

import numpy as np

from learned import udc, udc_mdkp, udc_mis
from learned.candidates import knn
from solvers.algorithms.local_search import Metric, two_opt_or_opt
from solvers.registry import Need
from solvers.result import Answer

MAX_CITIES = 2_000_000  # O(N·k) memory; the largest public instances have about 10^5 cities


def solve_udc(problem, *, time_limit: float | None = None, seed: int = 0, progress=None,
              **options) -> Answer:
    """UDC on a TSP (``solve_udc_tsp``), MIS (``solve_udc_mis``) or MDKP (``solve_udc_mdkp``);
    ``options`` are those of the function for the problem's type.

    >>> from problems import MIS
    >>> solve_udc(MIS.random(40, p=0.1, seed=0), rounds=1, seed=0).status
    'feasible'
    """
    kind = type(problem).__name__
    function = resolve(problem)
    accepted = [name for name, parameter in inspect.signature(function).parameters.items()
                if parameter.kind is inspect.Parameter.KEYWORD_ONLY
                and name not in ("time_limit", "seed")]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"udc on {kind} does not take option(s) {', '.join(unknown)}; it "
                         f"accepts: {', '.join(accepted)}")
    if "progress" in accepted:
        options["progress"] = progress
    return function(problem, time_limit=time_limit, seed=seed, **options)


def resolve(problem):
    """The UDC function for ``problem``'s type or a type name (``solve()`` checks options
    against it)."""
    kind = problem if isinstance(problem, str) else type(problem).__name__
    functions = {"TSP": solve_udc_tsp, "MIS": solve_udc_mis, "MDKP": solve_udc_mdkp}
    if kind not in functions:
        raise ValueError(f"udc solves {', '.join(functions)} instances, got {kind}")
    return functions[kind]


def solve_udc_mis(problem, *, time_limit: float | None = None, seed: int = 0,
                  rounds: int | None = None, scores: str = "gnn", conquer: bool = True,
                  part_size: int = 200, exact_max: int = 120, ils_steps: int | None = None,
                  final_steps: int | None = None, bias: float = udc_mis.BIAS,
                  threads: int | None = 1) -> Answer:
    """UDC on a maximum independent set; see ``learned.udc_mis.udc_mis`` for the options.

    ``time_limit`` ``None``: ``max(2, 0.01·n)`` seconds unless ``rounds`` is given; with
    ``rounds`` and no time limit the answer is reproducible from ``seed``.

    >>> from problems import MIS
    >>> g = MIS.random(60, p=0.1, seed=1)
    >>> bool(solve_udc_mis(g, rounds=1, seed=0).solution.sum() >= 20)
    True
    """
    if not isinstance(conquer, (bool, np.bool_)):
        raise ValueError(f"conquer must be True or False, got {conquer!r}")
    if time_limit is None and rounds is None:
        time_limit = max(2.0, 0.01 * problem.size)
    solution, trace, info = udc_mis.udc_mis(
        problem.n, problem.edges, time_limit=time_limit, seed=seed, rounds=rounds,
        scores=scores, conquer=bool(conquer), part_size=part_size, exact_max=exact_max,
        ils_steps=ils_steps, final_steps=final_steps, bias=bias, threads=threads)
    return Answer(solution=solution, status="feasible", trace=trace, info=info)


def solve_udc_mdkp(problem, *, time_limit: float | None = None, seed: int = 0,
                   rounds: int | None = None, scores: str = "gnn", conquer: bool = True,
                   group_size: int = 30, threads: int | None = 1) -> Answer:
    """UDC on a multidimensional knapsack; see ``learned.udc_mdkp.udc_mdkp`` for the options.

    ``time_limit`` ``None``: ``max(2, 0.02·n)`` seconds unless ``rounds`` is given.

    >>> from problems import MDKP
    >>> p = MDKP.random(30, 3, seed=0)
    >>> p.check(solve_udc_mdkp(p, rounds=1, seed=0).solution)
    """
    if not isinstance(conquer, (bool, np.bool_)):
        raise ValueError(f"conquer must be True or False, got {conquer!r}")
    if time_limit is None and rounds is None:
        time_limit = max(2.0, 0.02 * problem.size)
    solution, trace, info = udc_mdkp.udc_mdkp(
        problem.profits, problem.weights, problem.capacities, time_limit=time_limit,
        seed=seed, rounds=rounds, scores=scores, conquer=bool(conquer), group_size=group_size,
        threads=threads)
    return Answer(solution=solution, status="feasible", trace=trace, info=info)


def solve_udc_tsp(problem, *, time_limit: float | None = None, seed: int = 0,
                  rounds: int | None = None, subpath_len: int = 100, device: str = "auto",
                  k: int = 16, init: str = "gnn", conquer: str = "both", samples: int = 8,
                  patience: int = 100, threads: int | None = 1,
                  polish_tour: bool = True, progress=None) -> Answer:
    """UDC on a coordinate TSP: learned dividing, learned conquering, reunion.

    Parameters
    ----------
    problem : a ``problems.TSP`` with coordinates (any type but ``EXPLICIT``). The search
        works with straight-line distances between the coordinates; the tour is then scored
        by the problem's own distance (TSPLIB rounding included).
    time_limit : seconds; ``None``: ``max(2, 0.01·N)`` unless ``rounds`` is given.
    seed : seeds sampling and cut points; with ``rounds`` and no time limit the tour is
        reproducible.
    rounds : conquering rounds; ``None``: until the time limit or ``patience``.
    subpath_len : cities per sub-path, end points included (default 100, as in UDC).
    device : ``"auto"`` (GPU when present), ``"cpu"`` or ``"cuda"``.
    k : neighbours per city in the dividing graph.
    init : ``"gnn"`` or ``"random_insertion"`` (ablation of the dividing GNN).
    conquer : ``"both"``, ``"policy"`` (learned sub-solver only) or ``"local"``
        (2-opt/Or-opt only: ablation of the sub-path policy).
    samples : policy rollouts per sub-path and round.
    patience : stop after this many rounds in a row without improvement.
    threads : torch CPU threads while it runs (None: leave torch's setting).
    polish_tour : after dividing and after every improving round, 2-opt/Or-opt over the
        whole tour towards each city's nearest neighbours, the moves across sub-path borders
        that conquering cannot make (``False``: the ablation).
    progress : a ``solvers.progress.Progress`` told of each improving tour (set by ``solve``).

    Returns
    -------
    Answer with the tour, a trace of (seconds, objective) after dividing and after each
    improving round (the problem's own distance, TSPLIB rounding included) and ``info``
    holding the initial length, the rounds done and the time spent dividing and conquering.

    >>> from problems import TSP
    >>> answer = solve_udc_tsp(TSP.random(150, seed=0), rounds=2, seed=0)
    >>> sorted(answer.solution) == list(range(150))
    True
    """
    kind = type(problem).__name__
    start = time.perf_counter()
    if kind != "TSP":
        raise ValueError(f"udc solves TSP instances, got {kind}")
    if problem.coords is None:
        raise ValueError(f"udc needs city coordinates, but {problem.name!r} is an EXPLICIT "
                         "(matrix-only) TSP; use method 'ortools' or 'mcts' instead")
    if time_limit is None and rounds is None:
        time_limit = max(2.0, 0.01 * problem.size)
    if not isinstance(polish_tour, (bool, np.bool_)):
        raise ValueError(f"polish_tour must be True or False, got {polish_tour!r}")
    coords = np.asarray(problem.coords, dtype=float)
    polisher = whole_tour_polish(coords) if polish_tour and problem.size >= 8 else None
    setup = time.perf_counter() - start  # building the polish counts against the limit
    if isinstance(time_limit, (int, float)) and time_limit > 0:
        time_limit = max(time_limit - setup, 1e-3)
    trace: list[tuple[float, float]] = []

    def improved(length: float, current: np.ndarray, **detail) -> None:
        # the search measures Euclidean lengths; the trace holds the problem's own objective
        value = length if problem.edge_weight_type == "EXACT" else problem.evaluate(current)
        if not trace or value < trace[-1][1]:
            trace.append((time.perf_counter() - start, value))
            if progress is not None:
                progress.improved(value, **detail)

    tour, _, info = udc.udc_tsp(coords, time_limit=time_limit, seed=seed, rounds=rounds,
                                subpath_len=subpath_len, k=k, init=init, conquer=conquer,
                                samples=samples, device=device, patience=patience,
                                threads=threads, polish_tour=polisher, on_improvement=improved)
    info = dict(info, polish_setup_s=setup, distance="euclidean on coords",
                edge_weight_type=problem.edge_weight_type)
    if problem.edge_weight_type == "EXACT":
        info["claimed_objective"] = info["length"]
    return Answer(solution=tour, status="feasible", trace=tuple(trace), info=info)


def udc_need(problem, **options) -> Need:
    """Cities, nodes or items against ``MAX_CITIES`` (graphs and solutions are O(N·k))."""
    kind = type(problem).__name__
    unit = {"TSP": "cities", "MIS": "nodes", "MDKP": "items"}.get(kind, "size")
    return Need(problem.size, MAX_CITIES, unit, f"{kind} {problem.name}")


def whole_tour_polish(coords: np.ndarray, k: int = 10):
    """A function improving a whole tour of ``coords`` by 2-opt and Or-opt moves towards each
    city's ``k`` nearest (Euclidean) neighbours; O(N·k) memory, built once per run.

    >>> xy = np.random.default_rng(0).random((300, 2))
    >>> tour = udc.random_insertion_tour(xy)
    >>> udc.tour_length(xy, whole_tour_polish(xy)(tour)) < udc.tour_length(xy, tour)
    True
    """
    metric = Metric.euclidean(np.ascontiguousarray(coords, dtype=np.float64))
    neighbors = knn(coords, min(k, len(coords) - 1))
    rows = np.repeat(np.arange(len(coords)), neighbors.shape[1])
    neighbor_dist = metric.distance(rows, neighbors.reshape(-1)).reshape(neighbors.shape)

    def polish(tour: np.ndarray) -> np.ndarray:
        return two_opt_or_opt(tour, metric, neighbors, neighbor_dist)[0].astype(np.int64)

    return polish


solve_udc.resolve = resolve
