"""2-opt and Or-opt local search for the TSP on a sparse candidate graph (numba).

The tour is an array ``tour`` (position → city) with its inverse ``pos`` (city → position);
every change is a reversal of a stretch of positions, applied to the shorter side of the
cycle and written to a journal so a caller can undo it. Moves are only tried towards a
city's ``k`` nearest neighbours (the candidate graph of ``learned.candidates``) and a queue
of "active" cities replaces the don't-look bits: a city leaves the queue when no move
around it improves, and comes back when one of its tour edges changes.

Distances for candidate pairs come from the problem (``neighbor_dist``); other pairs (the
closing edges of moves) from ``Metric``, a compiled copy of the TSPLIB rules that
``metric_for`` checks against the problem's own distances before any search starts.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

EXACT, EUC_2D, CEIL_2D, ATT, GEO, MATRIX = 0, 1, 2, 3, 4, 5
_KINDS = {"EXACT": EXACT, "EUC_2D": EUC_2D, "CEIL_2D": CEIL_2D, "ATT": ATT, "GEO": GEO}
_INTEGER_KINDS = (EUC_2D, CEIL_2D, ATT, GEO)
DENSE_LIMIT = 5000  # largest EXPLICIT instance whose matrix is materialised


class Metric(NamedTuple):
    """Distances the compiled loops can evaluate for any pair of cities.

    ``kind`` is one of the module constants; ``xy`` holds plane coordinates (latitude and
    longitude in radians for ``GEO``); ``matrix`` the full distance matrix for ``MATRIX``
    (a 1×1 placeholder otherwise). ``eps`` is the smallest gain counted as an improvement.

    >>> import numpy as np
    >>> m = Metric.euclidean(np.array([[0.0, 0.0], [3.0, 4.0]]))
    >>> float(m.distance(np.array([0]), np.array([1]))[0])
    5.0
    """

    kind: int
    xy: np.ndarray
    matrix: np.ndarray
    eps: float

    @classmethod
    def euclidean(cls, coords: np.ndarray, rounding: str = "EXACT") -> "Metric":
        """Plane coordinates with TSPLIB ``rounding``: EXACT, EUC_2D, CEIL_2D or ATT."""
        if rounding not in ("EXACT", "EUC_2D", "CEIL_2D", "ATT"):
            raise ValueError(f"Metric.euclidean: rounding must be EXACT, EUC_2D, CEIL_2D or ATT, "
                             f"got {rounding!r}")
        xy = np.array(coords, dtype=np.float64, order="C")  # a writable copy
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"Metric.euclidean: coordinates must have shape (N, 2), "
                             f"got {xy.shape}")
        kind = _KINDS[rounding]
        return cls(kind, xy, np.zeros((1, 1)), 0.5 if kind in _INTEGER_KINDS else 0.0)

    def distance(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Distances between the city pairs ``(i[t], j[t])``."""
        i = np.ascontiguousarray(i, dtype=np.int64)
        j = np.ascontiguousarray(j, dtype=np.int64)
        return _pair_distances(i, j, self.kind, self.xy, self.matrix)

    def with_eps(self, scale: float) -> "Metric":
        """For float metrics, an improvement threshold relative to a typical edge ``scale``."""
        if self.kind in _INTEGER_KINDS or (self.kind == MATRIX and self.eps > 0):
            return self
        return self._replace(eps=1e-9 * max(scale, 1e-300))


def metric_for(problem) -> Metric:
    """The compiled metric of a TSP instance, following its ``edge_weight_type``.

    EXPLICIT instances (no coordinates) get their full matrix, up to ``DENSE_LIMIT`` cities.

    Raises
    ------
    ValueError
        For an edge-weight type without a compiled rule, or an EXPLICIT instance too large
        for a dense matrix.
    """
    kind_name = str(getattr(problem, "edge_weight_type", "EXACT")).upper()
    coords = getattr(problem, "coords", None)
    n = problem.size
    if kind_name == "EXPLICIT" or coords is None:
        if n > DENSE_LIMIT:
            raise ValueError(f"mcts: {problem.name} has no coordinates and {n} cities; instances "
                             f"without coordinates are supported up to {DENSE_LIMIT} cities")
        given = getattr(problem, "matrix", None)
        if given is not None:
            matrix = np.array(given, dtype=np.float64, order="C")
        else:
            cols = np.arange(n)
            matrix = np.stack([np.asarray(problem.distance(np.full(n, i), cols), dtype=np.float64)
                               for i in range(n)])
        integral = bool(np.all(matrix == np.round(matrix)))
        return Metric(MATRIX, np.zeros((n, 2)), np.ascontiguousarray(matrix),
                      0.5 if integral else 0.0)
    xy = np.array(coords, dtype=np.float64, order="C")
    if kind_name == "GEO":
        return Metric(GEO, _geo_radians(xy), np.zeros((1, 1)), 0.5)
    if kind_name not in _KINDS:
        raise ValueError(f"mcts: edge weight type {kind_name!r} of {problem.name} is not "
                         f"supported (supported: {', '.join(_KINDS)}, EXPLICIT)")
    return Metric.euclidean(xy, kind_name)


def check_metric(metric: Metric, neighbors: np.ndarray, neighbor_dist: np.ndarray,
                 name: str = "instance") -> None:
    """Raise ``ValueError`` unless ``metric`` reproduces the problem's candidate distances."""
    n, k = neighbors.shape
    rows = np.repeat(np.arange(n), k)
    mine = metric.distance(rows, neighbors.reshape(-1)).reshape(n, k)
    theirs = np.asarray(neighbor_dist, dtype=np.float64)
    tolerance = 1e-9 * np.maximum(1.0, np.abs(theirs))
    bad = np.abs(mine - theirs) > tolerance
    if bad.any():
        i, r = np.argwhere(bad)[0]
        raise ValueError(f"mcts: the compiled distance rule disagrees with {name}'s distance for "
                         f"cities {i} and {neighbors[i, r]}: {mine[i, r]} vs {theirs[i, r]}; "
                         f"this edge weight type is not supported")


def _geo_radians(xy: np.ndarray) -> np.ndarray:
    """TSPLIB GEO: DDD.MM (degrees, minutes) to radians, as in the TSPLIB95 definition."""
    degrees = np.trunc(xy)
    minutes = xy - degrees
    return np.ascontiguousarray(3.141592 * (degrees + 5.0 * minutes / 3.0) / 180.0)


def tour_length(tour: np.ndarray, metric: Metric) -> float:
    """Length of the closed tour under ``metric``.

    >>> import numpy as np
    >>> m = Metric.euclidean(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]]))
    >>> tour_length(np.array([0, 1, 2, 3]), m)
    4.0
    """
    t = np.ascontiguousarray(tour, dtype=np.int32)
    return float(cycle_length(t, metric.kind, metric.xy, metric.matrix))


def two_opt_or_opt(tour: np.ndarray, metric: Metric, neighbors: np.ndarray,
                   neighbor_dist: np.ndarray) -> tuple[np.ndarray, float]:
    """Improve ``tour`` by 2-opt and Or-opt moves (segments of 1–3 cities) until none helps.

    A move must gain more than ``metric.eps``; a float metric with ``eps`` 0 gets one relative
    to the mean nearest-neighbour distance (``Metric.with_eps``), so rounding noise on
    collinear or repeated cities cannot make moves cycle.

    Parameters
    ----------
    tour : a permutation of ``0..N-1``.
    metric : the distances (see ``Metric``, ``metric_for``).
    neighbors : (N, k) candidate cities per city, nearest first (``learned.candidates.knn``).
    neighbor_dist : (N, k) distances to those candidates.

    Returns
    -------
    The improved tour (a new array) and its length.

    Examples
    --------
    >>> import numpy as np
    >>> from learned.candidates import knn
    >>> xy = np.random.default_rng(0).random((200, 2))
    >>> m = Metric.euclidean(xy); nb = knn(xy, 8)
    >>> nd = m.distance(np.repeat(np.arange(200), 8), nb.reshape(-1)).reshape(200, 8)
    >>> start = np.arange(200)
    >>> better, length = two_opt_or_opt(start, m, nb, nd)
    >>> length < tour_length(start, m)
    True
    """
    n = neighbors.shape[0]
    t = np.array(tour, dtype=np.int32)
    if t.shape != (n,) or not np.array_equal(np.sort(t), np.arange(n)):
        raise ValueError(f"two_opt_or_opt: tour must be a permutation of 0..{n - 1}")
    if neighbor_dist.shape != neighbors.shape:
        raise ValueError(f"two_opt_or_opt: neighbor_dist has shape {neighbor_dist.shape}, "
                         f"neighbors {neighbors.shape}")
    if metric.eps == 0.0:  # float distances: ties within rounding error could cycle forever
        metric = metric.with_eps(float(np.mean(neighbor_dist[:, 0])) if n else 1.0)
    pos = np.empty(n, dtype=np.int32)
    pos[t] = np.arange(n, dtype=np.int32)
    queue = Queue.full(n)
    journal = Journal.empty(64)
    cand = np.ascontiguousarray(neighbors, dtype=np.int32)
    cdist = np.ascontiguousarray(neighbor_dist, dtype=np.float64)
    if n >= 5:
        local_search(t, pos, queue.items, queue.inside, queue.meta, journal.ranges, journal.meta,
                     metric.kind, metric.xy, metric.matrix, cand, cdist, metric.eps, -1)
    return t, tour_length(t, metric)


class Queue(NamedTuple):
    """Active cities: a ring buffer, a membership flag per city, and (head, count)."""

    items: np.ndarray
    inside: np.ndarray
    meta: np.ndarray

    @classmethod
    def full(cls, n: int) -> "Queue":
        return cls(np.arange(n, dtype=np.int32), np.ones(n, dtype=np.bool_),
                   np.array([0, n], dtype=np.int64))

    @classmethod
    def empty(cls, n: int) -> "Queue":
        return cls(np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.bool_),
                   np.zeros(2, dtype=np.int64))


class Journal(NamedTuple):
    """Reversed position ranges (self-inverse) and (top, overflowed)."""

    ranges: np.ndarray
    meta: np.ndarray

    @classmethod
    def empty(cls, capacity: int) -> "Journal":
        return cls(np.zeros((capacity, 2), dtype=np.int32), np.zeros(2, dtype=np.int64))


# ---------------------------------------------------------------- compiled primitives

@njit(cache=True, nogil=True)
def dist(i, j, kind, xy, mat):
    """Distance between cities ``i`` and ``j`` under the TSPLIB rule ``kind``."""
    if kind == MATRIX:
        return mat[i, j]
    if kind == GEO:
        q1 = math.cos(xy[i, 1] - xy[j, 1])
        q2 = math.cos(xy[i, 0] - xy[j, 0])
        q3 = math.cos(xy[i, 0] + xy[j, 0])
        x = 0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)
        x = min(1.0, max(-1.0, x))
        return float(int(6378.388 * math.acos(x) + 1.0))
    dx = xy[i, 0] - xy[j, 0]
    dy = xy[i, 1] - xy[j, 1]
    if kind == ATT:
        r = math.sqrt((dx * dx + dy * dy) / 10.0)
        t = math.floor(r + 0.5)
        return t + 1.0 if t < r else t
    d = math.sqrt(dx * dx + dy * dy)
    if kind == EUC_2D:
        return math.floor(d + 0.5)
    if kind == CEIL_2D:
        return math.ceil(d)
    return d


@njit(cache=True, nogil=True)
def _pair_distances(i, j, kind, xy, mat):
    out = np.empty(i.shape[0])
    for t in range(i.shape[0]):
        out[t] = dist(i[t], j[t], kind, xy, mat)
    return out


@njit(cache=True, nogil=True)
def cycle_length(tour, kind, xy, mat):
    """Closed-tour length under the raw metric fields (the jitted core of ``tour_length``)."""
    n = tour.shape[0]
    total = 0.0
    for p in range(n):
        total += dist(tour[p], tour[p + 1 if p + 1 < n else 0], kind, xy, mat)
    return total


@njit(cache=True, nogil=True)
def succ(tour, pos, v):
    p = pos[v] + 1
    return tour[0] if p == tour.shape[0] else tour[p]


@njit(cache=True, nogil=True)
def pred(tour, pos, v):
    p = pos[v]
    return tour[tour.shape[0] - 1] if p == 0 else tour[p - 1]


@njit(cache=True, nogil=True)
def reverse_positions(tour, pos, i, j):
    """Reverse the cyclic stretch of positions ``i..j`` (inclusive, going forward)."""
    n = tour.shape[0]
    length = j - i
    if length < 0:
        length += n
    for _ in range((length + 1) // 2):
        a = tour[i]
        b = tour[j]
        tour[i] = b
        pos[b] = i
        tour[j] = a
        pos[a] = j
        i += 1
        if i == n:
            i = 0
        j -= 1
        if j < 0:
            j = n - 1


@njit(cache=True, nogil=True)
def reverse_path(tour, pos, a, b, jr, jmeta):
    """Reverse the path from city ``a`` forward to city ``b`` (or, equivalently for the
    cycle, its complement, whichever is shorter) and journal the reversed range."""
    n = tour.shape[0]
    i = pos[a]
    j = pos[b]
    inner = j - i
    if inner < 0:
        inner += n
    inner += 1
    if inner >= n:
        return
    if 2 * inner > n:
        i, j = j + 1, i - 1
        if i == n:
            i = 0
        if j < 0:
            j = n - 1
    journaled_reverse(tour, pos, i, j, jr, jmeta)


@njit(cache=True, nogil=True)
def journaled_reverse(tour, pos, i, j, jr, jmeta):
    """Reverse tour positions ``i..j`` (cyclically) and push the range on the journal ``jr``;
    a full journal sets the overflow flag ``jmeta[1]`` instead."""
    reverse_positions(tour, pos, i, j)
    top = jmeta[0]
    if top < jr.shape[0]:
        jr[top, 0] = i
        jr[top, 1] = j
        jmeta[0] = top + 1
    else:
        jmeta[1] = 1


@njit(cache=True, nogil=True)
def undo_to(tour, pos, jr, jmeta, top):
    """Undo journaled reversals down to journal height ``top``."""
    while jmeta[0] > top:
        jmeta[0] -= 1
        reverse_positions(tour, pos, jr[jmeta[0], 0], jr[jmeta[0], 1])


@njit(cache=True, nogil=True)
def move2(tour, pos, a, b, c, d, jr, jmeta):
    """2-opt: replace edges (a, b), (c, d) by (a, c), (b, d); b follows a and d follows c
    in one and the same direction of travel."""
    if succ(tour, pos, a) == b:
        reverse_path(tour, pos, b, c, jr, jmeta)
    else:
        reverse_path(tour, pos, a, d, jr, jmeta)


@njit(cache=True, nogil=True)
def or_move(tour, pos, p, s1, s2, nx, x, y, forward, jr, jmeta):
    """Move the segment s1..s2 (between p and nx) between x and y, where, travelling so that
    p→s1, y follows x. ``forward``: x–s1 and s2–y, else x–s2 and s1–y."""
    move2(tour, pos, p, s1, x, y, jr, jmeta)
    move2(tour, pos, p, x, nx, s2, jr, jmeta)
    if forward:
        move2(tour, pos, x, s2, s1, y, jr, jmeta)


@njit(cache=True, nogil=True)
def push(queue, inside, qmeta, v):
    if inside[v]:
        return
    n = queue.shape[0]
    tail = qmeta[0] + qmeta[1]
    if tail >= n:
        tail -= n
    queue[tail] = v
    inside[v] = True
    qmeta[1] += 1


@njit(cache=True, nogil=True)
def pop(queue, inside, qmeta):
    v = queue[qmeta[0]]
    qmeta[0] += 1
    if qmeta[0] == queue.shape[0]:
        qmeta[0] = 0
    qmeta[1] -= 1
    inside[v] = False
    return v


@njit(cache=True, nogil=True)
def two_opt_from(a, tour, pos, kind, xy, mat, cand, cdist, eps, queue, inside, qmeta,
                 jr, jmeta):
    """First improving 2-opt move adding a candidate edge at ``a``; returns the gain (0 if none)."""
    k = cand.shape[1]
    for direction in range(2):
        b = succ(tour, pos, a) if direction == 0 else pred(tour, pos, a)
        dab = dist(a, b, kind, xy, mat)
        for r in range(k):
            c = cand[a, r]
            g = dab - cdist[a, r]
            if g <= eps:
                break
            d = succ(tour, pos, c) if direction == 0 else pred(tour, pos, c)
            if c == b or d == a:
                continue
            gain = g + dist(c, d, kind, xy, mat) - dist(b, d, kind, xy, mat)
            if gain > eps:
                move2(tour, pos, a, b, c, d, jr, jmeta)
                push(queue, inside, qmeta, a)
                push(queue, inside, qmeta, b)
                push(queue, inside, qmeta, c)
                push(queue, inside, qmeta, d)
                return gain
    return 0.0


@njit(cache=True, nogil=True)
def or_opt_from(a, tour, pos, kind, xy, mat, cand, cdist, eps, queue, inside, qmeta, jr, jmeta):
    """First improving move of a segment of 1–3 cities starting at ``a`` next to a candidate
    of one of its ends; returns the gain (0 if none)."""
    n = tour.shape[0]
    k = cand.shape[1]
    for length in range(1, 4):
        if n - length < 4:
            break
        for direction in range(2):
            s1 = a
            s2 = a
            for _ in range(length - 1):
                s2 = succ(tour, pos, s2) if direction == 0 else pred(tour, pos, s2)
            p = pred(tour, pos, s1) if direction == 0 else succ(tour, pos, s1)
            nx = succ(tour, pos, s2) if direction == 0 else pred(tour, pos, s2)
            g1 = (dist(p, s1, kind, xy, mat) + dist(s2, nx, kind, xy, mat)
                  - dist(p, nx, kind, xy, mat))
            if g1 <= eps:
                continue
            for end in range(2):
                e = s1 if end == 0 else s2
                other = s2 if end == 0 else s1
                for r in range(k):
                    c = cand[e, r]
                    g = g1 - cdist[e, r]
                    if g <= eps:
                        break
                    if _in_segment(tour, pos, c, s1, s2, direction):
                        continue
                    for side in range(2):
                        # the tour neighbour of c that s_other will be joined to
                        dd = succ(tour, pos, c) if side == 0 else pred(tour, pos, c)
                        if dd == s1 or dd == s2 or _in_segment(tour, pos, dd, s1, s2, direction):
                            continue
                        gain = g + dist(c, dd, kind, xy, mat) - dist(other, dd, kind, xy, mat)
                        if gain <= eps:
                            continue
                        # orient so that p→s1: then the edge (c, dd) runs x→y
                        if (side == 0) == (direction == 0):
                            x, y = c, dd
                        else:
                            x, y = dd, c
                        forward = (x == c) == (e == s1)
                        or_move(tour, pos, p, s1, s2, nx, x, y, forward, jr, jmeta)
                        push(queue, inside, qmeta, p)
                        push(queue, inside, qmeta, nx)
                        push(queue, inside, qmeta, s1)
                        push(queue, inside, qmeta, s2)
                        push(queue, inside, qmeta, c)
                        push(queue, inside, qmeta, dd)
                        return gain
    return 0.0


@njit(cache=True, nogil=True)
def _in_segment(tour, pos, v, s1, s2, direction):
    n = tour.shape[0]
    if direction == 0:
        span = pos[s2] - pos[s1]
        off = pos[v] - pos[s1]
    else:
        span = pos[s1] - pos[s2]
        off = pos[s1] - pos[v]
    if span < 0:
        span += n
    if off < 0:
        off += n
    return off <= span


@njit(cache=True, nogil=True)
def local_search(tour, pos, queue, inside, qmeta, jr, jmeta, kind, xy, mat, cand, cdist, eps,
                 budget):
    """2-opt + Or-opt from the queued cities until the queue is empty or ``budget`` cities
    were processed (``budget < 0``: no limit). Returns the total gain."""
    total = 0.0
    done = 0
    while qmeta[1] > 0 and (budget < 0 or done < budget):
        a = pop(queue, inside, qmeta)
        done += 1
        gain = two_opt_from(a, tour, pos, kind, xy, mat, cand, cdist, eps, queue, inside, qmeta,
                            jr, jmeta)
        if gain == 0.0:
            gain = or_opt_from(a, tour, pos, kind, xy, mat, cand, cdist, eps, queue, inside,
                               qmeta, jr, jmeta)
        total += gain
    return total
