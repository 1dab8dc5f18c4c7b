"""GNN divide-and-conquer for the TSP (``method="udc"``), after UDC (NeurIPS 2024).

The work happens in ``learned.udc``: a trained edge-scoring GNN builds the initial tour
(dividing), a trained sub-path policy re-solves sub-paths of ``subpath_len`` cities with
fixed end points, polished by 2-opt/Or-opt (conquering), every round shifts the cut
points (reunion), and 2-opt/Or-opt over the whole tour makes the moves across sub-path
borders. This adapter checks the problem, picks a time limit and turns the tour into an
``Answer``; ``solve()`` then verifies it with the problem's own ``evaluate``.
"""

from __future__ import annotations

import time

import numpy as np

from learned import udc
from learned.candidates import knn
from solvers.algorithms.local_search import Metric, two_opt_or_opt
from solvers.registry import Need
from solvers.result import Answer

MAX_CITIES = 2_000_000  # O(N·k) memory; the largest public instances have about 10^5 cities


def solve_udc(problem, *, time_limit: float | None = None, seed: int = 0,
              rounds: int | None = None, subpath_len: int = 100, device: str = "auto",
              k: int = 16, init: str = "gnn", conquer: str = "both", samples: int = 8,
              patience: int = 100, threads: int | None = 1, polish_tour: bool = True,
              progress=None) -> Answer:
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
    >>> answer = solve_udc(TSP.random(150, seed=0), rounds=2, seed=0)
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
    """Cities against ``MAX_CITIES`` (the dividing graph and tours are O(N·k))."""
    return Need(problem.size, MAX_CITIES, "cities", f"TSP {problem.name}")


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
