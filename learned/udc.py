"""UDC for the TSP: learned dividing, sub-path conquering with fixed end points, reunion.

``udc_tsp(coords, ...)`` follows "A Unified Neural Divide-and-Conquer Framework for
Large-Scale Combinatorial Optimization Problems" (NeurIPS 2024):

1. **Dividing.** The edge-scoring GNN (``learned.gnn``) scores the k-nearest-neighbour
   graph; ``fragment_insertion_tour`` keeps the edges it is confident about, best first,
   under the tour constraint (degree at most 2, no early cycle), and inserts the resulting
   paths into one tour at their cheapest places next to their ends' nearest neighbours
   (``greedy_edge_tour``, the plain greedy decoder, joins them by their nearest free ends
   instead).
2. **Conquering.** The tour is cut into sub-paths of ``subpath_len`` cities; each is an open
   path whose two end cities stay fixed. All sub-paths of a round are re-solved in one
   batched forward pass of the sub-path policy (``learned.subpath_policy``) and/or polished
   by 2-opt and Or-opt (``conquer=``); a segment is replaced only when it gets shorter, so
   the tour never lengthens.
3. **Reunion.** Each round shifts the cut points by about ``subpath_len / 2``, so the
   borders of one round lie inside the sub-paths of the next. After dividing and after each
   improving round an optional ``polish_tour`` function improves the whole tour:
   ``solvers.algorithms.udc`` passes 2-opt and Or-opt towards each city's nearest neighbours
   (``solvers.algorithms.local_search``), which make the moves that cross sub-path borders or join
   stretches far apart in tour order, which no sub-path can (an addition to UDC, measured as
   an ablation in ``bench/tsp_udc.py``).

Everything is O(N·k) in memory: no N×N array is ever built.

>>> import numpy as np
>>> coords = np.random.default_rng(0).random((200, 2))
>>> tour, trace, info = udc_tsp(coords, rounds=2, seed=0)
>>> sorted(tour.tolist()) == list(range(200))
True
"""

from __future__ import annotations

import time
from typing import Callable

import numba
import numpy as np
import scipy.sparse as sp
import torch
from scipy.spatial import cKDTree

from learned import gnn, subpath_policy
from learned.candidates import knn
from learned.device import resolve_device

CONQUER_MODES = ("both", "policy", "local")
INIT_MODES = ("gnn", "random_insertion")
DIVIDE_THRESHOLD = 0.6  # chosen on generated 1000-city instances, see docs/udc_training.md
EXACT_INSERTION_LIMIT = 20_000  # above this many cities, insert fragments beside neighbours


def tour_length(coords: np.ndarray, tour: np.ndarray) -> float:
    """Euclidean length of the closed tour ``tour`` over ``coords``.

    >>> tour_length(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]]), np.arange(4))
    4.0
    """
    xy = coords[tour]
    return float(np.sqrt(((xy - np.roll(xy, -1, axis=0)) ** 2).sum(axis=1)).sum())


def greedy_edge_tour(coords: np.ndarray, neighbors: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Decode a tour from edge scores: best-scored edges first under the tour constraint.

    Scores are symmetrised (``s_ij + s_ji``); an edge is kept while both ends have degree
    below 2 and it closes no cycle. The paths left over are joined greedily by the shortest
    links between their free ends (found with a KD-tree, never a full distance matrix).

    Parameters
    ----------
    coords : (N, 2) coordinates.
    neighbors : (N, k) kNN indices.
    scores : (N, k) non-negative scores of the edges ``i -> neighbors[i, r]``.

    Returns
    -------
    (N,) int64 permutation of the cities.

    >>> c = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> nb = knn(c, 2)
    >>> greedy_edge_tour(c, nb, np.ones(nb.shape)).tolist()
    [0, 1, 2, 3]
    """
    state = _score_links(coords, neighbors, scores, threshold=-np.inf)
    _join_fragments(coords, state)
    return _walk(state.adj)


def fragment_insertion_tour(coords: np.ndarray, neighbors: np.ndarray, scores: np.ndarray,
                            threshold: float = 1.0, seed: int = 0,
                            exact_limit: int = EXACT_INSERTION_LIMIT) -> np.ndarray:
    """Decode a tour from edge scores: confident edges make paths, insertion places the paths.

    Edges whose symmetrised score ``s_ij + s_ji`` is at least ``threshold`` are kept in
    score order under the tour constraint (degree at most 2, no cycle); they form paths
    ("fragments", single cities included). The fragments are then inserted in random order,
    each at the cheapest place and orientation in the growing tour: among all placed edges
    up to ``exact_limit`` cities (O(N·fragments) time), beyond that among the edges beside
    the placed ``neighbors`` of the fragment's two ends (O(N·k) time: a second for 100,000
    cities instead of minutes). Memory is O(N). Local structure comes from the scores,
    global structure from insertion; without any kept edge (and up to ``exact_limit``) this
    is random insertion. With rows of scores summing to 1, a threshold of 1 keeps roughly
    the edges both ends agree on.

    >>> c = np.random.default_rng(0).random((50, 2))
    >>> nb = knn(c, 8)
    >>> sorted(fragment_insertion_tour(c, nb, np.full(nb.shape, 1 / 8)).tolist()) == list(range(50))
    True
    """
    state = _score_links(coords, neighbors, scores, threshold=threshold)
    order = np.random.default_rng(seed).permutation(len(coords)).astype(np.int64)
    near = neighbors if len(coords) > exact_limit else neighbors[:, :0]
    return _insert_fragments(np.ascontiguousarray(coords, dtype=np.float64), state.adj,
                             state.deg, order, np.ascontiguousarray(near, dtype=np.int64))


def random_insertion_tour(coords: np.ndarray, seed: int = 0) -> np.ndarray:
    """Random insertion: cities in random order, each at its cheapest place (O(N²) time).

    The same insertion as ``fragment_insertion_tour`` with every fragment a single city;
    O(N) memory.

    >>> c = np.random.default_rng(0).random((30, 2))
    >>> sorted(random_insertion_tour(c, seed=1).tolist()) == list(range(30))
    True
    """
    state = _LinkState(len(coords))
    order = np.random.default_rng(seed).permutation(len(coords)).astype(np.int64)
    return _insert_fragments(np.ascontiguousarray(coords, dtype=np.float64), state.adj,
                             state.deg, order, np.zeros((len(coords), 0), dtype=np.int64))


def polish_subpaths(coords: np.ndarray, tour: np.ndarray, starts: np.ndarray,
                    lengths: np.ndarray) -> float:
    """2-opt and Or-opt on each sub-path ``tour[s : s + m]`` (cyclic), its end cities fixed.

    ``starts`` and ``lengths`` give the tour position and city count of each sub-path.
    Works in place on ``tour`` and returns the total length saved (never negative).

    >>> c = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [3.0, 0.0], [3.0, 1.0]])
    >>> t = np.arange(5)
    >>> round(polish_subpaths(c, t, np.array([0]), np.array([4])), 6), t.tolist()
    (2.0, [0, 2, 1, 3, 4])
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.broadcast_to(np.asarray(lengths, dtype=np.int64), starts.shape).copy()
    return _polish_segments(np.ascontiguousarray(coords, dtype=np.float64), tour, starts, lengths)


def udc_tsp(coords: np.ndarray, *, time_limit: float | None = None, seed: int = 0,
            rounds: int | None = None, subpath_len: int = 100, k: int = 16,
            init: str = "gnn", conquer: str = "both", samples: int = 8,
            device: str = "auto", patience: int = 100, threshold: float = DIVIDE_THRESHOLD,
            threads: int | None = 1,
            polish_tour: Callable[[np.ndarray], np.ndarray] | None = None,
            on_improvement: Callable[..., None] | None = None,
            ) -> tuple[np.ndarray, tuple, dict]:
    """Divide, conquer and reunite: a TSP tour of ``coords``.

    Parameters
    ----------
    coords : (N, 2) city coordinates, N >= 3.
    time_limit : seconds for the whole run (a round starts only when one as long as the last
        still fits); None: stop on ``rounds`` or ``patience`` only.
    seed : seeds the sub-path policy's sampling and the cut points.
    rounds : number of conquering rounds; None: until the time limit or stagnation.
    subpath_len : cities per sub-path (end points included), at least 4.
    k : neighbours per city in the dividing graph (the GNN was trained with 8..24).
    init : ``"gnn"`` (learned dividing) or ``"random_insertion"`` (the ablation).
    conquer : ``"both"`` (policy proposals polished by 2-opt/Or-opt), ``"policy"`` (learned
        sub-solver only) or ``"local"`` (2-opt/Or-opt only: the ablation).
    samples : policy rollouts per sub-path and round, spread over up to 4 symmetric copies
        of the plane (one greedy rollout per copy, the others sampled).
    device : torch device for both networks (``"auto"``: CUDA when present).
    patience : stop after this many rounds in a row without improvement.
    threshold : the symmetrised GNN score an edge needs to be kept by dividing.
    threads : torch CPU threads during the call (restored afterwards); None keeps torch's
        setting. One thread is much faster on a busy machine, where threads wait on
        each other.
    polish_tour : a function from a tour to an improved tour, called after dividing and
        after every improving round (its result is kept only when it is a shorter tour of
        the same cities); None: conquering and reunion alone.
    on_improvement : called as ``on_improvement(length, tour, round=r)`` after dividing and
        after each improving round, as it happens (``tour`` is the current tour; copy it to
        keep it).

    Returns
    -------
    tour : (N,) int64 permutation.
    trace : ((seconds, length), ...) after dividing and after each improving round.
    info : dict with the initial length (before any polishing), rounds done, time spent
        dividing (polishing included) and conquering.

    >>> c = np.random.default_rng(3).random((120, 2))
    >>> tour, trace, info = udc_tsp(c, rounds=3, seed=1, conquer="local")
    >>> info["rounds"], trace[-1][1] <= trace[0][1]
    (3, True)
    """
    if threads is not None and not (isinstance(threads, int) and threads >= 1):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _udc(coords, time_limit, seed, rounds, subpath_len, k, init, conquer, samples,
                    device, patience, threshold, polish_tour, on_improvement)
    finally:
        torch.set_num_threads(previous)


def _udc(coords, time_limit, seed, rounds, subpath_len, k, init, conquer, samples, device,
         patience, threshold, polish_tour, on_improvement=None):
    start = time.perf_counter()
    coords = gnn.check_coords(coords)
    n = len(coords)
    _check_options(n, time_limit, rounds, subpath_len, k, init, conquer, samples, patience,
                   polish_tour)
    if not isinstance(threshold, (int, float)) or np.isnan(threshold):
        raise ValueError(f"threshold must be a number, got {threshold!r}")
    deadline = np.inf if time_limit is None else start + time_limit
    dev = resolve_device(device)
    rng = np.random.default_rng(seed)

    if n <= 3:
        tour = np.arange(n, dtype=np.int64)
    elif init == "gnn":
        neighbors = knn(coords, min(k, n - 1))
        scores = gnn.predict_edge_scores(coords, neighbors, device=str(dev))
        tour = fragment_insertion_tour(coords, neighbors, scores, threshold=threshold, seed=seed)
    else:
        tour = random_insertion_tour(coords, seed=seed)
    initial = tour_length(coords, tour)
    if polish_tour is not None:
        tour = _polished(coords, tour, polish_tour)
    length = tour_length(coords, tour)
    divided = time.perf_counter() - start
    trace = [(divided, length)]
    if on_improvement is not None:
        on_improvement(length, tour, round=0)
    info = {"init": init, "conquer": conquer, "initial_length": initial, "divide_s": divided}

    length_sub = min(subpath_len, n)
    policy = None
    if conquer != "local" and n >= 4:
        policy = subpath_policy.load_policy(device=str(dev))
        generator = subpath_policy.make_generator(seed, dev)
    offset = int(rng.integers(n))
    done = stalled = 0
    last_round = 0.0  # a round is only started when one like the last still fits the limit
    while n >= 4 and (rounds is None or done < rounds) and stalled < patience \
            and time.perf_counter() + last_round < deadline:
        round_start = time.perf_counter()
        starts, lengths = cut_points(n, offset, length_sub)
        saved = 0.0
        if conquer != "policy":
            saved += polish_subpaths(coords, tour, starts, lengths)
        if policy is not None:
            saved += policy_round(coords, tour, starts, lengths, policy, samples, generator,
                                  polish=conquer == "both")
        if polish_tour is not None and saved > 0:
            tour = _polished(coords, tour, polish_tour)
        done += 1
        last_round = time.perf_counter() - round_start
        offset = (offset + length_sub // 2 + int(rng.integers(max(1, length_sub // 10)))) % n
        if saved > 1e-12 * max(length, 1e-300):
            length = tour_length(coords, tour)
            trace.append((time.perf_counter() - start, length))
            if on_improvement is not None:
                on_improvement(length, tour, round=done)
            stalled = 0
        else:
            stalled += 1
    info.update(rounds=done, conquer_s=time.perf_counter() - start - divided, length=length)
    return tour, tuple(trace), info


def policy_round(coords: np.ndarray, tour: np.ndarray, starts: np.ndarray,
                 lengths: np.ndarray | int, policy: subpath_policy.SubpathPolicy, samples: int,
                 generator: torch.Generator | None, polish: bool) -> float:
    """Conquer the sub-paths at tour positions ``starts`` (``lengths`` cities each) in place.

    One batched pass of ``policy`` proposes a path per sub-path (its end cities fixed);
    with ``polish`` the proposal is improved by 2-opt/Or-opt; it replaces the sub-path only
    when shorter. Sub-paths shorter than the longest are padded with copies of their end
    city, which are dropped from the proposal again (by the triangle inequality, dropping
    them never lengthens it), so a round is one forward pass whatever its window lengths.
    Returns the length saved (never negative).

    >>> c = np.random.default_rng(0).random((60, 2))
    >>> t = random_insertion_tour(c)
    >>> policy = subpath_policy.load_policy()
    >>> saved = policy_round(c, t, np.array([0, 29]), np.array([30, 29]), policy, 4, None, True)
    >>> saved >= 0 and sorted(t.tolist()) == list(range(60))
    True
    """
    n = len(tour)
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.broadcast_to(np.asarray(lengths, dtype=np.int64), starts.shape)
    steps = np.minimum(np.arange(lengths.max())[None, :], lengths[:, None] - 1)
    positions = (starts[:, None] + steps) % n
    cities = tour[positions]
    orders = subpath_policy.solve_subpaths(policy, coords[cities], samples=samples,
                                           generator=generator)
    keep = orders < lengths[:, None] - 1  # the end city and its padding copies are dropped...
    keep[:, -1] = True  # ...except the fixed end in the last column
    orders = np.take_along_axis(orders, np.argsort(~keep, axis=1, kind="stable"), axis=1)
    proposal = np.take_along_axis(cities, orders, axis=1)
    return _accept(np.ascontiguousarray(coords, dtype=np.float64), tour, positions,
                   np.ascontiguousarray(proposal, dtype=np.int64), lengths.copy(), polish)


def cut_points(n: int, offset: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Starts and lengths of the sub-paths of one round, beginning at tour position ``offset``.

    Consecutive windows share their end cities (the last city of one is the first of the
    next), so the window interiors are disjoint and every tour edge lies in exactly one
    window. Window lengths differ by at most one and never exceed ``length``. When the tour
    has at most ``length`` cities, one window holds them all (only the closing edge stays).

    >>> [a.tolist() for a in cut_points(10, 2, 4)]
    [[2, 5, 8, 0], [4, 4, 3, 3]]
    """
    if n <= length:
        return np.array([offset % n], dtype=np.int64), np.array([n], dtype=np.int64)
    count = -(-n // (length - 1))
    steps = np.full(count, n // count, dtype=np.int64)
    steps[:n % count] += 1
    starts = (offset + np.concatenate(([0], np.cumsum(steps)[:-1]))) % n
    return starts.astype(np.int64), steps + 1


def _score_links(coords, neighbors, scores, threshold: float) -> "_LinkState":
    """Greedy links over the kNN edges by symmetrised score, down to ``threshold``."""
    n, k = neighbors.shape
    rows = np.repeat(np.arange(n), k)
    cols = neighbors.reshape(-1).astype(np.int64)
    sym = sp.coo_matrix((scores.reshape(-1), (rows, cols)), shape=(n, n)).tocsr()
    sym = sp.triu(sym + sym.T, k=1).tocoo()
    keep = sym.data >= threshold
    u, v, w = sym.row[keep].astype(np.int64), sym.col[keep].astype(np.int64), sym.data[keep]
    order = np.lexsort((_lengths(coords, u, v), -w))
    state = _LinkState(n)
    state.add(u[order], v[order])
    return state


def _polished(coords: np.ndarray, tour: np.ndarray, polish) -> np.ndarray:
    """``polish(tour)`` when it is a shorter tour of the same cities, else ``tour``."""
    better = np.asarray(polish(tour.copy()), dtype=np.int64)
    if better.shape != tour.shape or not np.array_equal(np.sort(better), np.arange(len(tour))):
        raise ValueError("polish_tour must return a permutation of the cities")
    return better if tour_length(coords, better) < tour_length(coords, tour) else tour


def _lengths(coords, a, b) -> np.ndarray:
    return np.sqrt(((coords[a] - coords[b]) ** 2).sum(axis=1))


class _LinkState:
    """Degrees, chosen links and a union-find over paths while a tour is assembled."""

    def __init__(self, n: int):
        self.deg = np.zeros(n, dtype=np.int64)
        self.adj = np.full((n, 2), -1, dtype=np.int64)
        self.parent = np.arange(n, dtype=np.int64)
        self.links = 0

    def add(self, u: np.ndarray, v: np.ndarray) -> int:
        added = _greedy_links(u, v, self.deg, self.adj, self.parent)
        self.links += added
        return added


def _join_fragments(coords: np.ndarray, state: _LinkState) -> None:
    """Join the paths left by the greedy pass by the shortest links between free ends."""
    n = len(coords)
    reach = 8
    while state.links < n - 1:
        free = np.nonzero(state.deg < 2)[0]
        q = min(reach, len(free) - 1)
        dist, idx = cKDTree(coords[free]).query(coords[free], k=q + 1)
        u = np.repeat(free, q)
        v = free[idx[:, 1:].reshape(-1)]
        order = np.argsort(dist[:, 1:].reshape(-1), kind="stable")
        if state.add(u[order], v[order]) == 0:
            reach *= 4
    ends = np.nonzero(state.deg < 2)[0]
    a, b = (ends[0], ends[-1]) if len(ends) == 2 else (ends[0], ends[0])
    state.adj[a, state.deg[a]] = b
    state.adj[b, 1 if a == b else state.deg[b]] = a


@numba.njit(cache=True)
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@numba.njit(cache=True)
def _greedy_links(u, v, deg, adj, parent):
    added = 0
    for t in range(len(u)):
        a, b = u[t], v[t]
        if a == b or deg[a] >= 2 or deg[b] >= 2:
            continue
        ra, rb = _find(parent, a), _find(parent, b)
        if ra == rb:
            continue
        parent[ra] = rb
        adj[a, deg[a]] = b
        deg[a] += 1
        adj[b, deg[b]] = a
        deg[b] += 1
        added += 1
    return added


@numba.njit(cache=True)
def _walk(adj):
    n = adj.shape[0]
    tour = np.empty(n, dtype=np.int64)
    prev, cur = -1, 0
    for t in range(n):
        tour[t] = cur
        nxt = adj[cur, 0] if adj[cur, 0] != prev else adj[cur, 1]
        prev, cur = cur, nxt
    return tour


@numba.njit(cache=True)
def _insert_fragments(coords, adj, deg, order, near):
    n = len(coords)
    # Each path component, walked from one end: its ends and the successor of every city.
    path_next = np.full(n, -1, dtype=np.int64)
    end_of = np.full(n, -1, dtype=np.int64)  # end_of[a] = the other end of the path starting at a
    seen = np.zeros(n, dtype=np.bool_)
    for v in range(n):
        if deg[v] < 2 and not seen[v]:
            prev, cur = -1, v
            while True:
                seen[cur] = True
                nxt = -1
                if deg[cur] >= 1 and adj[cur, 0] != prev:
                    nxt = adj[cur, 0]
                elif deg[cur] == 2 and adj[cur, 1] != prev:
                    nxt = adj[cur, 1]
                if nxt == -1:
                    break
                path_next[cur] = nxt
                prev, cur = cur, nxt
            end_of[v] = cur
    succ = np.full(n, -1, dtype=np.int64)
    pred = np.full(n, -1, dtype=np.int64)
    placed = np.zeros(n, dtype=np.bool_)
    members = np.empty(n, dtype=np.int64)
    count = 0
    cities = np.empty(n, dtype=np.int64)
    for v in order:
        if end_of[v] == -1 or placed[v]:
            continue  # not a path start, or already placed with its path
        a, b = v, end_of[v]
        size = 0
        c = a
        while c != -1:
            cities[size] = c
            size += 1
            c = path_next[c]
        if count == 0:
            for t in range(size):
                succ[cities[t]] = cities[(t + 1) % size]
                pred[cities[(t + 1) % size]] = cities[t]
        else:
            best, best_u, best_rev = np.inf, -1, False
            if near.shape[1] > 0:  # edges next to the placed neighbours of the two ends
                for e in range(2):
                    x = a if e == 0 else b
                    for r in range(near.shape[1]):
                        y = near[x, r]
                        if not placed[y]:
                            continue
                        for u in (pred[y], y):
                            best, best_u, best_rev = _cheaper(coords, u, succ[u], a, b, best,
                                                              best_u, best_rev)
            if best_u == -1:  # no placed neighbour (or no neighbour lists): every edge
                for m in range(count):
                    u = members[m]
                    best, best_u, best_rev = _cheaper(coords, u, succ[u], a, b, best, best_u,
                                                      best_rev)
            u = best_u
            w = succ[u]
            if best_rev:
                cities[:size] = cities[:size][::-1].copy()
            prev = u
            for t in range(size):
                succ[prev] = cities[t]
                pred[cities[t]] = prev
                prev = cities[t]
            succ[prev] = w
            pred[w] = prev
        for t in range(size):
            placed[cities[t]] = True
            members[count] = cities[t]
            count += 1
    tour = np.empty(n, dtype=np.int64)
    cur = 0
    for t in range(n):
        tour[t] = cur
        cur = succ[cur]
    return tour


@numba.njit(cache=True)
def _insertion_costs(coords, u, w, a, b):
    """Added length of putting the path a..b between u and w: as u-a..b-w, and reversed."""
    base = _dist(coords, u, w)
    return (_dist(coords, u, a) + _dist(coords, b, w) - base,
            _dist(coords, u, b) + _dist(coords, a, w) - base)


@numba.njit(cache=True)
def _cheaper(coords, u, w, a, b, best, best_u, best_rev):
    """The better of (best, inserting path a..b between u and w forwards / reversed)."""
    fwd, rev = _insertion_costs(coords, u, w, a, b)
    if fwd < best:
        best, best_u, best_rev = fwd, u, False
    if rev < best:
        best, best_u, best_rev = rev, u, True
    return best, best_u, best_rev


@numba.njit(cache=True)
def _dist(coords, a, b):
    dx = coords[a, 0] - coords[b, 0]
    dy = coords[a, 1] - coords[b, 1]
    return np.sqrt(dx * dx + dy * dy)


@numba.njit(cache=True)
def _path_length(coords, path):
    total = 0.0
    for t in range(len(path) - 1):
        total += _dist(coords, path[t], path[t + 1])
    return total


@numba.njit(cache=True)
def _two_opt_or_opt(coords, p):
    """Local search on the open path ``p`` (city ids) with p[0] and p[-1] fixed; in place."""
    m = len(p)
    improved = True
    while improved:
        improved = False
        for i in range(1, m - 2):
            for j in range(i + 1, m - 1):
                delta = (_dist(coords, p[i - 1], p[j]) + _dist(coords, p[i], p[j + 1])
                         - _dist(coords, p[i - 1], p[i]) - _dist(coords, p[j], p[j + 1]))
                if delta < -1e-10:
                    p[i:j + 1] = p[i:j + 1][::-1].copy()
                    improved = True
        for seg in range(1, 4):
            i = 1
            while i + seg <= m - 1:
                first, last = p[i], p[i + seg - 1]
                before, after = p[i - 1], p[i + seg]
                gain = (_dist(coords, before, first) + _dist(coords, last, after)
                        - _dist(coords, before, after))
                best, best_j, best_rev = -1e-10, -1, False
                for j in range(0, m - 1):
                    if i - 1 <= j <= i + seg - 1:
                        continue
                    fwd, rev = _insertion_costs(coords, p[j], p[j + 1], first, last)
                    fwd, rev = fwd - gain, rev - gain
                    if fwd < best:
                        best, best_j, best_rev = fwd, j, False
                    if rev < best:
                        best, best_j, best_rev = rev, j, True
                if best_j >= 0:
                    segment = p[i:i + seg].copy()
                    if best_rev:
                        segment = segment[::-1].copy()
                    rest = np.concatenate((p[:i], p[i + seg:]))
                    cut = best_j + 1 if best_j < i else best_j + 1 - seg
                    p[:cut] = rest[:cut]
                    p[cut:cut + seg] = segment
                    p[cut + seg:] = rest[cut:]
                    improved = True
                i += 1


@numba.njit(cache=True)
def _polish_segments(coords, tour, starts, lengths):
    n = len(tour)
    saved = 0.0
    for s in range(len(starts)):
        length = lengths[s]
        path = np.empty(length, dtype=np.int64)
        for t in range(length):
            path[t] = tour[(starts[s] + t) % n]
        before = _path_length(coords, path)
        _two_opt_or_opt(coords, path)
        after = _path_length(coords, path)
        if after < before - 1e-12 * before:
            saved += before - after
            for t in range(length):
                tour[(starts[s] + t) % n] = path[t]
    return saved


@numba.njit(cache=True)
def _accept(coords, tour, positions, proposal, lengths, polish):
    """Write each proposed sub-path (its first ``lengths[s]`` entries, optionally polished)
    into ``tour`` when it is shorter."""
    saved = 0.0
    for s in range(positions.shape[0]):
        m = lengths[s]
        path = proposal[s, :m].copy()
        if polish:
            _two_opt_or_opt(coords, path)
        current = np.empty(m, dtype=np.int64)
        for t in range(m):
            current[t] = tour[positions[s, t]]
        before = _path_length(coords, current)
        after = _path_length(coords, path)
        if after < before - 1e-12 * before:
            saved += before - after
            for t in range(m):
                tour[positions[s, t]] = path[t]
    return saved


def _check_options(n, time_limit, rounds, subpath_len, k, init, conquer, samples, patience,
                   polish_tour):
    if time_limit is not None and not (isinstance(time_limit, (int, float)) and time_limit > 0
                                       and np.isfinite(time_limit)):
        raise ValueError(f"time_limit must be a positive number of seconds or None, "
                         f"got {time_limit!r}")
    for name, value, low in (("rounds", rounds, 0), ("subpath_len", subpath_len, 4), ("k", k, 2),
                             ("samples", samples, 1), ("patience", patience, 1)):
        if value is None and name == "rounds":
            continue
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if init not in INIT_MODES:
        raise ValueError(f"init must be one of {INIT_MODES}, got {init!r}")
    if conquer not in CONQUER_MODES:
        raise ValueError(f"conquer must be one of {CONQUER_MODES}, got {conquer!r}")
    if polish_tour is not None and not callable(polish_tour):
        raise ValueError(f"polish_tour must be a function of the tour or None, "
                         f"got {polish_tour!r}")
