"""Heatmap-guided Monte Carlo tree search over k-opt moves for the TSP (``method="mcts"``).

In the manner of Fu et al. (AAAI 2021) and the SoftDist / "rethinking MCTS" studies, on a
sparse candidate graph so that memory is O(N·k):

1. candidates: each city's ``k`` nearest neighbours (``learned.candidates``), with the
   problem's own distances; a heatmap on them (``learned.heatmaps``) initialises the edge
   weights ``W = 100·H`` (symmetrised) and the visit counts ``Q = 0``;
2. an initial tour sampled city by city ∝ ``W`` among unvisited candidates, improved by
   2-opt + Or-opt (``solvers.algorithms.local_search``);
3. rounds of actions: an action starts at a city ``t1`` and applies a sequential k-opt move as
   a chain of 2-opt steps of depth at most ``max_depth``; each step adds an edge ``(b, c)`` to
   a candidate chosen ∝ ``Z = W/Ω + alpha·sqrt(ln(M+1)/(Q+1))`` among those with ``Z >= 1``
   and a positive partial gain (Ω: the mean weight around ``b``, M: actions so far, Q: times
   the edge was chosen); the action is closed as soon as the tour is shorter and undone if it
   never is; improving actions back-propagate ``W += beta·(exp(ΔL/L) - 1)`` on their edges;
4. a round ends when no active city has an improving action or after ``h·N`` fruitless
   actions; then the search restarts: ``restart="kick"`` perturbs the best tour by a random
   segment swap (double bridge) and re-optimises around it, ``restart="sample"`` samples a new
   tour from the learned weights (Fu et al.);
5. it stops at the time limit (or after ``max_iterations`` rounds) and returns the best tour.

The compiled loops (``solvers.algorithms.mcts_kernels``) run in chunks of bounded work so the
time limit is honoured to within a few milliseconds; with ``max_iterations`` and no time limit
a seed fixes the result.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from learned import heatmaps
from learned.candidates import knn, knn_from_matrix
from learned.device import resolve_device
from solvers.algorithms.local_search import (DENSE_LIMIT, GEO, MATRIX, Candidates, Journal,
                                             Metric, Queue,
                                             Tour, check_metric, metric_for, tour_length)
from solvers.algorithms.mcts_kernels import (ACTIONS, BEST, CURRENT, FIRST, IMPROVEMENTS, KICK,
                                             ROUNDS, SAMPLE, Memory, Sampling, Settings, State,
                                             advance, reverse_index)
from solvers.registry import Need
from solvers.result import Answer

RESTARTS = ("kick", "sample")
_CHUNK_SECONDS = 0.02  # target duration of one compiled chunk (time-limit granularity)
MAX_CITIES = 2_000_000  # O(N·k) memory for instances with coordinates


def solve_mcts(problem, *, time_limit: float | None = None, seed: int = 0,
               heatmap: str = "softdist", device: str = "auto", candidates: int = 16,
               alpha: float = 1.0, beta: float = 10.0, h: float = 10.0, max_depth: int = 10,
               restart: str = "kick", tau: float | None = None, max_iterations: int | None = None,
               workers: int = 1, progress=None) -> Answer:
    """Heatmap + Monte Carlo tree search over k-opt moves for a TSP instance.

    Parameters
    ----------
    problem : a ``problems.TSP``.
    time_limit : seconds for the whole call (candidates, heatmap, search); ``None``: no limit
        when ``max_iterations`` is given, else ``clip(0.05·N, 2, 600)``.
    seed : random seed; with ``max_iterations`` and no time limit the tour is reproducible.
    heatmap : ``"softdist"``, ``"knn-prior"``, ``"uniform"`` or ``"gnn"``.
    device : torch device for the heatmap (``"auto"``: GPU when present).
    candidates : candidate neighbours per city (k; at most N - 1 are used). 16 rather than
        10: on instances with cities on lines or in clusters (TSPLIB d2103) the ten nearest
        often all lie on one line (docs/benchmarks.md, candidates ablation).
    alpha : exploration weight in Z.
    beta : back-propagation step.
    h : a round gives up after ``h·N`` actions without improvement.
    max_depth : most 2-opt steps in one k-opt action.
    restart : ``"kick"`` (perturb the best tour) or ``"sample"`` (new tour from the weights).
    tau : softdist temperature relative to the mean nearest-neighbour distance.
    max_iterations : stop after this many rounds (per worker).
    workers : independent searches run in parallel threads; the best tour wins.
    progress : a ``solvers.progress.Progress`` told of each improving tour (set by ``solve``).

    Returns
    -------
    ``Answer`` with the tour (city indices), ``trace`` of (seconds, best length) and ``info``.

    Examples
    --------
    >>> from problems import TSP
    >>> from solvers import solve
    >>> r = solve(TSP.random(60, seed=1), "mcts", time_limit=1.0)
    >>> r.feasible and sorted(r.solution) == list(range(60))
    True
    """
    start = time.perf_counter()
    n = int(problem.size)
    _check_options(heatmap, candidates, alpha, beta, h, max_depth, restart, max_iterations,
                   workers)
    resolve_device(device)
    if time_limit is None and max_iterations is None:
        time_limit = min(max(0.05 * n, 2.0), 600.0)
    if n <= 3:
        return Answer(np.arange(n), status="optimal", trace=(),
                      info={"reason": "3 cities or fewer: every tour is optimal"})
    graph = build_graph(problem, min(candidates, n - 1), heatmap=heatmap, device=device, tau=tau)
    settings = Settings(alpha=float(alpha), beta=float(beta), h=float(h),
                        max_depth=int(max_depth), restart=KICK if restart == "kick" else SAMPLE)
    deadline = None if time_limit is None else start + float(time_limit)
    rounds = math.inf if max_iterations is None else int(max_iterations)
    seeds = np.random.SeedSequence(seed).generate_state(workers, dtype=np.uint64)
    if workers == 1:
        runs = [_search(graph, settings, int(seeds[0]), deadline, rounds, start, progress)]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            runs = list(pool.map(lambda s: _search(graph, settings, int(s), deadline, rounds,
                                                   start, progress), seeds))
    best = min(range(workers), key=lambda w: runs[w].length)
    run = runs[best]
    info = {
        "claimed_objective": run.length,
        "heatmap": heatmap,
        "candidates": graph.neighbors.shape[1],
        "rounds": sum(r.rounds for r in runs),
        "actions": sum(r.actions for r in runs),
        "improvements": sum(r.improvements for r in runs),
        "workers": workers,
        "restart": restart,
        "graph_seconds": round(graph.seconds, 4),
    }
    if heatmap == "softdist":
        info["tau"] = heatmaps.SOFTDIST_TAU if tau is None else tau
    return Answer(run.tour, status="feasible", trace=tuple(run.trace), info=info)


def mcts_need(problem, **options) -> Need:
    """Cities against ``MAX_CITIES``, or against ``DENSE_LIMIT`` without coordinates."""
    dense = getattr(problem, "coords", None) is None
    return Need(problem.size, DENSE_LIMIT if dense else MAX_CITIES,
                "cities" + (" (a dense distance matrix)" if dense else ""), f"TSP {problem.name}")


@dataclass(frozen=True)
class Graph:
    """The sparse structures the search works on (all (N, k) except ``order``)."""

    metric: Metric
    neighbors: np.ndarray      # int32: candidates of each city, nearest first
    neighbor_dist: np.ndarray  # float64: the problem's distances to them
    reverse: np.ndarray        # int32: index of i in the row of neighbors[i, r], or -1
    weights: np.ndarray        # float64: W = 100 · symmetrised heatmap
    order: np.ndarray          # int32 (N,): a space-filling-curve order of the cities
    seconds: float


def build_graph(problem, k: int, *, heatmap: str = "softdist", device: str = "auto",
                tau: float | None = None) -> Graph:
    """Candidate graph, problem distances and heatmap weights of ``problem``.

    Raises ``ValueError`` for unsupported distance types or heatmaps.
    """
    start = time.perf_counter()
    try:
        metric = metric_for(problem)
    except ValueError as error:
        raise ValueError(f"mcts: {error}") from None
    n = problem.size
    if metric.kind == MATRIX:
        neighbors = knn_from_matrix(metric.matrix, k)
        points = None
    else:
        points = _sphere(metric.xy) if metric.kind == GEO else metric.xy
        neighbors = knn(points, k)
    rows = np.repeat(np.arange(n), k)
    try:
        raw = problem.distance(rows, neighbors.reshape(-1).astype(np.int64))
    except (TypeError, ValueError) as error:
        raise ValueError(f"mcts: {problem.name}.distance failed on candidate pairs ({error})") \
            from None
    neighbor_dist = np.array(raw, dtype=np.float64).reshape(n, k)
    order = np.argsort(neighbor_dist, axis=1, kind="stable")
    neighbors = np.ascontiguousarray(np.take_along_axis(neighbors, order, axis=1), dtype=np.int32)
    neighbor_dist = np.ascontiguousarray(np.take_along_axis(neighbor_dist, order, axis=1))
    try:
        check_metric(metric, neighbors, neighbor_dist, problem.name)
    except ValueError as error:
        raise ValueError(f"mcts: {error}") from None
    metric = metric.with_eps(float(neighbor_dist[:, 0].mean()))
    coords = None if metric.kind == MATRIX else np.asarray(problem.coords, dtype=float)
    scores = heatmaps.heatmap(heatmap, neighbors, neighbor_dist, coords=coords, device=device,
                              tau=tau)
    reverse = reverse_index(neighbors)
    weights = _symmetric_weights(scores, neighbors, reverse)
    order = np.arange(n, dtype=np.int32) if points is None else _hilbert_order(points[:, :2])
    return Graph(metric, neighbors, neighbor_dist, reverse, weights, order,
                 time.perf_counter() - start)


@dataclass
class _Run:
    tour: np.ndarray
    length: float
    rounds: int
    actions: int
    improvements: int
    trace: list = field(default_factory=list)


def _search(graph: Graph, settings: Settings, seed: int, deadline: float | None,
            max_rounds: float, t0: float, progress=None) -> _Run:
    """One search (one worker): sample, then rounds of actions and restarts until stopped."""
    n, k = graph.neighbors.shape
    m = graph.metric
    tour = Tour(np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32))
    queue = Queue.empty(n)
    journal = Journal.empty(max(4096, 16 * settings.max_depth))
    cand = Candidates(graph.neighbors, graph.neighbor_dist)
    memory = Memory(graph.weights.copy(), np.zeros((n, k), dtype=np.int32), graph.reverse)
    order_pos = np.empty(n, dtype=np.int32)
    order_pos[graph.order] = np.arange(n, dtype=np.int32)
    sampling = Sampling(graph.order, order_pos)
    state = State(best=np.zeros(n, dtype=np.int32), counts=np.zeros(8, dtype=np.int64),
                  lengths=np.array([0.0, np.inf]), rng=np.array([seed | 1], dtype=np.uint64),
                  ints=np.zeros((6, max(settings.max_depth + 2, k)), dtype=np.int32),
                  floats=np.zeros(k, dtype=np.float64))
    ist, fst = state.counts, state.lengths
    limit = max_rounds if math.isfinite(max_rounds) else 2**62
    budget = 64
    trace: list[tuple[float, float]] = []
    while True:
        tic = time.perf_counter()
        done = advance(tour, queue, journal, m, cand, memory, sampling, state, settings,
                       budget, limit)
        now = time.perf_counter()
        current = fst[BEST]
        if fst[CURRENT] < fst[BEST] - m.eps:  # the round under way already beats the best
            current = tour_length(tour.city, m)
        if math.isfinite(current) and (not trace or current < trace[-1][1]):
            trace.append((now - t0, float(current)))
            if progress is not None:
                progress.improved(current, round=int(ist[ROUNDS]), actions=int(ist[ACTIONS]))
        if done or (deadline is not None and now >= deadline):
            break
        spent = max(now - tic, 1e-6)
        budget = int(min(max(budget * min(2.0, _CHUNK_SECONDS / spent), 1), 1 << 24))
        if deadline is not None:
            left = deadline - now
            budget = max(1, int(budget * min(1.0, left / _CHUNK_SECONDS)))
    best = state.best
    length = tour_length(best, m) if ist[FIRST] else math.inf
    if tour_length(tour.city, m) < length:
        best = tour.city.copy()
        length = tour_length(best, m)
    if not trace or length < trace[-1][1]:
        trace.append((time.perf_counter() - t0, length))
        if progress is not None:
            progress.improved(length, round=int(ist[ROUNDS]), actions=int(ist[ACTIONS]))
    return _Run(best.astype(np.int64), length, int(ist[ROUNDS]), int(ist[ACTIONS]),
                int(ist[IMPROVEMENTS]), trace)


def _symmetric_weights(scores: np.ndarray, neighbors: np.ndarray,
                       reverse: np.ndarray) -> np.ndarray:
    """W = 100 · (H_ij + H_ji) / 2 on candidate edges (H_ji = 0 when i is not a candidate of j)."""
    n, k = neighbors.shape
    mirrored = np.zeros_like(scores)
    has = reverse >= 0
    mirrored[has] = scores[neighbors[has], reverse[has]]
    return np.ascontiguousarray(50.0 * (scores + mirrored))


def _sphere(radians: np.ndarray) -> np.ndarray:
    """Latitude/longitude (radians) to points on the unit sphere: chord order = arc order."""
    lat, lon = radians[:, 0], radians[:, 1]
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _hilbert_order(points: np.ndarray) -> np.ndarray:
    """Cities sorted along a Hilbert curve over their bounding box (16 bits per axis)."""
    lo = points.min(axis=0)
    span = max(float((points.max(axis=0) - lo).max()), 1e-300)
    side = 1 << 16
    grid = np.minimum(((points - lo) / span * (side - 1)).astype(np.int64), side - 1)
    x, y = grid[:, 0].copy(), grid[:, 1].copy()
    d = np.zeros(points.shape[0], dtype=np.int64)
    s = side >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, side - 1 - x, x)
        y = np.where(flip, side - 1 - y, y)
        x, y = np.where(~ry, y, x), np.where(~ry, x, y)
        s >>= 1
    return np.argsort(d, kind="stable").astype(np.int32)


def _check_options(heatmap, candidates, alpha, beta, h, max_depth, restart, max_iterations,
                   workers) -> None:
    def number(value, name, low, integer=False):
        kind = (int,) if integer else (int, float)
        if (not isinstance(value, kind) or isinstance(value, bool)
                or not math.isfinite(value) or value < low):
            what = "an integer" if integer else "a number"
            raise ValueError(f"mcts: {name} must be {what} >= {low}, got {value!r}")

    if heatmap not in heatmaps.HEATMAPS:
        raise ValueError(f"mcts: unknown heatmap {heatmap!r}; choose one of "
                         f"{', '.join(heatmaps.HEATMAPS)}")
    if restart not in RESTARTS:
        raise ValueError(f"mcts: restart must be one of {', '.join(RESTARTS)}, got {restart!r}")
    number(candidates, "candidates", 2, integer=True)
    number(alpha, "alpha", 0)
    number(beta, "beta", 0)
    number(h, "h", 0)
    number(max_depth, "max_depth", 1, integer=True)
    number(workers, "workers", 1, integer=True)
    if max_iterations is not None:
        number(max_iterations, "max_iterations", 1, integer=True)
