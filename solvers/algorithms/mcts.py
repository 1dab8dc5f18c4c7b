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

The compiled loops run in chunks of bounded work so the time limit is honoured to within a
few milliseconds; with ``max_iterations`` and no time limit a seed fixes the result.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from learned import heatmaps
from learned.candidates import knn, knn_from_matrix
from solvers.algorithms.local_search import (GEO, MATRIX, Metric, check_metric, cycle_length,
                                             dist, journaled_reverse, metric_for, move2,
                                             or_opt_from, pop, pred, push, succ, tour_length,
                                             two_opt_from, undo_to)
from solvers.result import Answer

RESTARTS = ("kick", "sample")
KICK, SAMPLE = 0, 1
_TRIES = 2            # sampled actions per city and direction before its don't-look bit is set
_KICK_SEGMENT = 50    # longest segment moved by a restart kick
_CHUNK_SECONDS = 0.02  # target duration of one compiled chunk (time-limit granularity)

# integer state slots
_M, _ROUNDS, _ACTIVE, _STALE, _IMPROVEMENTS, _FIRST = 0, 1, 2, 3, 4, 5
# float state slots
_CUR, _BEST = 0, 1


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
    heatmaps.resolve_device(device)
    if time_limit is None and max_iterations is None:
        time_limit = min(max(0.05 * n, 2.0), 600.0)
    if n <= 3:
        return Answer(np.arange(n), status="optimal", trace=(),
                      info={"reason": "3 cities or fewer: every tour is optimal"})
    graph = build_graph(problem, min(candidates, n - 1), heatmap=heatmap, device=device, tau=tau)
    settings = _Settings(alpha=float(alpha), beta=float(beta), h=float(h),
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
    metric = metric_for(problem)
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
    check_metric(metric, neighbors, neighbor_dist, problem.name)
    metric = metric.with_eps(float(neighbor_dist[:, 0].mean()))
    coords = None if metric.kind == MATRIX else np.asarray(problem.coords, dtype=float)
    scores = heatmaps.heatmap(heatmap, neighbors, neighbor_dist, coords=coords, device=device,
                              tau=tau)
    reverse = _reverse_index(neighbors)
    weights = _symmetric_weights(scores, neighbors, reverse)
    order = np.arange(n, dtype=np.int32) if points is None else _hilbert_order(points[:, :2])
    return Graph(metric, neighbors, neighbor_dist, reverse, weights, order,
                 time.perf_counter() - start)


@dataclass(frozen=True)
class _Settings:
    alpha: float
    beta: float
    h: float
    max_depth: int
    restart: int


@dataclass
class _Run:
    tour: np.ndarray
    length: float
    rounds: int
    actions: int
    improvements: int
    trace: list = field(default_factory=list)


def _search(graph: Graph, settings: _Settings, seed: int, deadline: float | None,
            max_rounds: float, t0: float, progress=None) -> _Run:
    """One search (one worker): sample, then rounds of actions and restarts until stopped."""
    n, k = graph.neighbors.shape
    m = graph.metric
    tour = np.zeros(n, dtype=np.int32)
    pos = np.zeros(n, dtype=np.int32)
    best = np.zeros(n, dtype=np.int32)
    weights = graph.weights.copy()
    visits = np.zeros((n, k), dtype=np.int32)
    queue = np.zeros(n, dtype=np.int32)
    inside = np.zeros(n, dtype=np.bool_)
    qmeta = np.zeros(2, dtype=np.int64)
    jr = np.zeros((max(4096, 16 * settings.max_depth), 2), dtype=np.int32)
    jmeta = np.zeros(2, dtype=np.int64)
    ist = np.zeros(8, dtype=np.int64)
    fst = np.array([0.0, np.inf])
    rng = np.array([seed | 1], dtype=np.uint64)
    order_pos = np.empty(n, dtype=np.int32)
    order_pos[graph.order] = np.arange(n, dtype=np.int32)
    depth = settings.max_depth
    scratch_i = np.zeros((6, max(depth + 2, k)), dtype=np.int32)
    scratch_f = np.zeros(k, dtype=np.float64)
    limit = max_rounds if math.isfinite(max_rounds) else 2**62
    budget = 64
    trace: list[tuple[float, float]] = []
    while True:
        tic = time.perf_counter()
        done = _advance(tour, pos, best, queue, inside, qmeta, jr, jmeta, m.kind, m.xy, m.matrix,
                        graph.neighbors, graph.neighbor_dist, graph.reverse, weights, visits,
                        graph.order, order_pos, ist, fst, rng, settings.alpha, settings.beta,
                        settings.h, depth, settings.restart, m.eps, scratch_i, scratch_f,
                        budget, limit)
        now = time.perf_counter()
        current = fst[_BEST]
        if fst[_CUR] < fst[_BEST] - m.eps:  # the round under way already beats the best
            current = tour_length(tour, m)
        if math.isfinite(current) and (not trace or current < trace[-1][1]):
            trace.append((now - t0, float(current)))
            if progress is not None:
                progress.improved(current, round=int(ist[_ROUNDS]), actions=int(ist[_M]))
        if done or (deadline is not None and now >= deadline):
            break
        spent = max(now - tic, 1e-6)
        budget = int(min(max(budget * min(2.0, _CHUNK_SECONDS / spent), 1), 1 << 24))
        if deadline is not None:
            left = deadline - now
            budget = max(1, int(budget * min(1.0, left / _CHUNK_SECONDS)))
    length = tour_length(best, m) if ist[_FIRST] else math.inf
    if tour_length(tour, m) < length:
        best = tour.copy()
        length = tour_length(best, m)
    if not trace or length < trace[-1][1]:
        trace.append((time.perf_counter() - t0, length))
        if progress is not None:
            progress.improved(length, round=int(ist[_ROUNDS]), actions=int(ist[_M]))
    return _Run(best.astype(np.int64), length, int(ist[_ROUNDS]), int(ist[_M]),
                int(ist[_IMPROVEMENTS]), trace)


# ---------------------------------------------------------------- compiled search

@njit(cache=True, nogil=True)
def _rand(rng):
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return x * np.uint64(0x2545F4914F6CDD1D)


@njit(cache=True, nogil=True)
def _uniform(rng):
    return float(_rand(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def _randint(rng, n):
    return int(_uniform(rng) * n) % n


@njit(cache=True, nogil=True)
def _advance(tour, pos, best, queue, inside, qmeta, jr, jmeta, kind, xy, mat, cand, cdist, rev,
             W, Q, order, order_pos, ist, fst, rng, alpha, beta, h, max_depth, restart, eps,
             scratch_i, scratch_f, budget, max_rounds):
    """Run rounds until ``budget`` cities were processed (returns False) or ``max_rounds``
    rounds are complete (returns True). All state lives in the arrays, so calls resume."""
    n = tour.shape[0]
    done = 0
    while True:
        if ist[_ACTIVE] == 0:
            if ist[_ROUNDS] >= max_rounds:
                return True
            jmeta[0] = 0
            jmeta[1] = 0
            if ist[_FIRST] == 0 or restart == SAMPLE:
                _sample_tour(tour, pos, W, cand, order, order_pos, kind, xy, mat, rng)
                fst[_CUR] = cycle_length(tour, kind, xy, mat)
                for v in range(n):
                    push(queue, inside, qmeta, v)
            else:
                fst[_CUR] += _kick(tour, pos, jr, jmeta, kind, xy, mat, rng, queue, inside,
                                   qmeta)
            ist[_ACTIVE] = 1
            ist[_STALE] = 0
        while qmeta[1] > 0:
            if done >= budget:
                return False
            done += 1
            a = pop(queue, inside, qmeta)
            gain = two_opt_from(a, tour, pos, kind, xy, mat, cand, cdist, eps, queue, inside,
                                qmeta, jr, jmeta)
            if gain == 0.0:
                gain = or_opt_from(a, tour, pos, kind, xy, mat, cand, cdist, eps, queue, inside,
                                   qmeta, jr, jmeta)
            tried = 0
            for orient in range(2):
                for _ in range(_TRIES):
                    if gain > 0.0:
                        break
                    tried += 1
                    gain = _action(a, orient, tour, pos, jr, jmeta, kind, xy, mat, cand, cdist,
                                   rev, W, Q, ist, rng, alpha, beta, eps, max_depth, fst[_CUR],
                                   scratch_i, scratch_f, queue, inside, qmeta)
            if gain > 0.0:
                fst[_CUR] -= gain
                ist[_IMPROVEMENTS] += 1
                ist[_STALE] = 0
                push(queue, inside, qmeta, a)
            else:
                ist[_STALE] += tried
                if ist[_STALE] > h * n:
                    while qmeta[1] > 0:
                        pop(queue, inside, qmeta)
        # the round is over: keep, accept or revert
        ist[_ACTIVE] = 0
        ist[_ROUNDS] += 1
        if ist[_FIRST] == 0 or fst[_CUR] < fst[_BEST] - eps:
            fst[_CUR] = cycle_length(tour, kind, xy, mat)  # no drift in float sums
            if ist[_FIRST] == 0 or fst[_CUR] < fst[_BEST]:
                fst[_BEST] = fst[_CUR]
                best[:] = tour
                ist[_FIRST] = 1
        elif fst[_CUR] > fst[_BEST] + eps and restart == KICK:
            if jmeta[1] == 0:
                undo_to(tour, pos, jr, jmeta, 0)
            else:
                tour[:] = best
                for p in range(n):
                    pos[tour[p]] = p
            fst[_CUR] = fst[_BEST]


@njit(cache=True, nogil=True)
def _listed(u, v, first, second, count):
    for e in range(count):
        if (first[e] == u and second[e] == v) or (first[e] == v and second[e] == u):
            return True
    return False


@njit(cache=True, nogil=True)
def _action(t1, orient, tour, pos, jr, jmeta, kind, xy, mat, cand, cdist, rev, W, Q, ist, rng,
            alpha, beta, eps, max_depth, length, scratch_i, scratch_f, queue, inside, qmeta):
    """One sampled sequential k-opt action from ``t1``; returns its gain (0: undone)."""
    k = cand.shape[1]
    if jr.shape[0] - jmeta[0] < max_depth + 8:  # journal full: the round falls back to a copy
        jmeta[0] = 0
        jmeta[1] = 1
    added_b = scratch_i[0]
    added_c = scratch_i[1]
    added_r = scratch_i[2]
    removed_u = scratch_i[3]
    removed_v = scratch_i[4]
    picks = scratch_i[5]
    z = scratch_f
    t2 = succ(tour, pos, t1) if orient == 0 else pred(tour, pos, t1)
    removed_u[0] = t1
    removed_v[0] = t2
    n_removed = 1
    n_added = 0
    gain_open = dist(t1, t2, kind, xy, mat)
    b = t2
    top = jmeta[0]
    log_m = math.log(ist[_M] + 1.0)
    ist[_M] += 1
    for _ in range(max_depth):
        forward = succ(tour, pos, t1) == b
        after_b = succ(tour, pos, b) if forward else pred(tour, pos, b)
        omega = 0.0
        for r in range(k):
            omega += W[b, r]
        omega = omega / k if omega > 0.0 else 1.0
        count = 0
        total = 0.0
        for r in range(k):
            g = gain_open - cdist[b, r]
            if g <= eps:
                break
            c = cand[b, r]
            if c == t1 or c == after_b:
                continue
            cp = pred(tour, pos, c) if forward else succ(tour, pos, c)
            if (_listed(cp, c, added_b, added_c, n_added)
                    or _listed(b, c, removed_u, removed_v, n_removed)):
                continue
            score = W[b, r] / omega + alpha * math.sqrt(log_m / (Q[b, r] + 1.0))
            if score < 1.0:
                continue
            z[count] = score
            picks[count] = r
            total += score
            count += 1
        if count == 0:
            break
        u = _uniform(rng) * total
        choice = count - 1
        for i in range(count):
            u -= z[i]
            if u < 0.0:
                choice = i
                break
        r = picks[choice]
        c = cand[b, r]
        cp = pred(tour, pos, c) if forward else succ(tour, pos, c)
        Q[b, r] += 1
        move2(tour, pos, t1, b, cp, c, jr, jmeta)
        added_b[n_added] = b
        added_c[n_added] = c
        added_r[n_added] = r
        n_added += 1
        removed_u[n_removed] = cp
        removed_v[n_removed] = c
        n_removed += 1
        gain_open += dist(cp, c, kind, xy, mat) - cdist[b, r]
        gain = gain_open - dist(t1, cp, kind, xy, mat)
        if gain > eps:
            step = beta * (math.exp(gain / length) - 1.0)
            for e in range(n_added):
                W[added_b[e], added_r[e]] += step
                s = rev[added_b[e], added_r[e]]
                if s >= 0:
                    W[added_c[e], s] += step
                push(queue, inside, qmeta, added_b[e])
                push(queue, inside, qmeta, added_c[e])
            for e in range(n_removed):
                push(queue, inside, qmeta, removed_u[e])
                push(queue, inside, qmeta, removed_v[e])
            return gain
        b = cp
    undo_to(tour, pos, jr, jmeta, top)
    return 0.0


@njit(cache=True, nogil=True)
def _kick(tour, pos, jr, jmeta, kind, xy, mat, rng, queue, inside, qmeta):
    """Swap two adjacent random tour segments (a double bridge); returns the length change."""
    n = tour.shape[0]
    longest = min(_KICK_SEGMENT, (n - 2) // 2)
    if longest < 1:
        return 0.0
    l1 = 1 + _randint(rng, longest)
    l2 = 1 + _randint(rng, longest)
    p0 = _randint(rng, n)
    i = (p0 + 1) % n
    mid = (i + l1) % n
    end = (i + l1 + l2 - 1) % n
    x = tour[p0]
    a1 = tour[i]
    a2 = tour[(mid - 1 + n) % n]
    b1 = tour[mid]
    b2 = tour[end]
    y = tour[(end + 1) % n]
    delta = (dist(x, b1, kind, xy, mat) + dist(b2, a1, kind, xy, mat) + dist(a2, y, kind, xy, mat)
             - dist(x, a1, kind, xy, mat) - dist(a2, b1, kind, xy, mat)
             - dist(b2, y, kind, xy, mat))
    journaled_reverse(tour, pos, i, end, jr, jmeta)
    journaled_reverse(tour, pos, i, (i + l2 - 1) % n, jr, jmeta)
    journaled_reverse(tour, pos, (i + l2) % n, end, jr, jmeta)
    for v in (x, a1, a2, b1, b2, y):
        push(queue, inside, qmeta, v)
    return delta


@njit(cache=True, nogil=True)
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


@njit(cache=True, nogil=True)
def _sample_tour(tour, pos, W, cand, order, order_pos, kind, xy, mat, rng):
    """Build a tour city by city, choosing the next city ∝ W among unvisited candidates, or
    else the nearer of the unvisited cities just before and after it in ``order``."""
    n = tour.shape[0]
    k = cand.shape[1]
    visited = np.zeros(n, dtype=np.bool_)
    after = np.arange(n + 1)    # after[x]: first unvisited order position >= x (n: none)
    before = np.arange(n + 1)   # before[x + 1]: last unvisited order position <= x (0: none)
    cur = _randint(rng, n)
    for step in range(n):
        tour[step] = cur
        pos[cur] = step
        visited[cur] = True
        p = order_pos[cur]
        after[p] = p + 1
        before[p + 1] = p
        if step == n - 1:
            break
        total = 0.0
        for r in range(k):
            if not visited[cand[cur, r]]:
                total += W[cur, r]
        nxt = -1
        if total > 0.0:
            u = _uniform(rng) * total
            for r in range(k):
                if not visited[cand[cur, r]]:
                    nxt = cand[cur, r]
                    u -= W[cur, r]
                    if u < 0.0:
                        break
        else:
            for r in range(k):
                if not visited[cand[cur, r]]:
                    nxt = cand[cur, r]
                    break
        if nxt < 0:
            fwd = _find(after, p)
            bwd = _find(before, p + 1) - 1
            if fwd < n and (bwd < 0 or dist(cur, order[fwd], kind, xy, mat)
                            <= dist(cur, order[bwd], kind, xy, mat)):
                nxt = order[fwd]
            else:
                nxt = order[bwd]
        cur = nxt


@njit(cache=True, nogil=True)
def _reverse_index(cand):
    n, k = cand.shape
    rev = np.full((n, k), -1, dtype=np.int32)
    for i in range(n):
        for r in range(k):
            j = cand[i, r]
            for s in range(k):
                if cand[j, s] == i:
                    rev[i, r] = s
                    break
    return rev


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


def _warm_up() -> None:
    """Compile (or load from numba's cache) the search on a tiny instance at import time, so
    that compilation never counts against a caller's time limit."""
    xy = np.random.default_rng(0).random((12, 2))

    class _Tiny:
        name, size, coords, edge_weight_type = "warm-up", 12, xy, "EXACT"

        @staticmethod
        def distance(i, j):
            return np.linalg.norm(xy[i] - xy[j], axis=-1)

    graph = build_graph(_Tiny(), 5, heatmap="uniform", device="cpu")
    _search(graph, _Settings(1.0, 10.0, 10.0, 10, KICK), 1, None, 3, time.perf_counter())
    _search(graph, _Settings(1.0, 10.0, 10.0, 10, SAMPLE), 1, None, 2, time.perf_counter())


_warm_up()
