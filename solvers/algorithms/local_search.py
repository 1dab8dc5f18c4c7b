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
        return _pair_distances(i, j, self)

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
        for a dense matrix (the message names the instance, not the calling method).
    """
    kind_name = str(getattr(problem, "edge_weight_type", "EXACT")).upper()
    coords = getattr(problem, "coords", None)
    n = problem.size
    if kind_name == "EXPLICIT" or coords is None:
        if n > DENSE_LIMIT:
            raise ValueError(f"{problem.name} has no coordinates and {n} cities; instances "
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
        raise ValueError(f"edge weight type {kind_name!r} of {problem.name} is not "
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
        raise ValueError(f"the compiled distance rule disagrees with {name}'s distance for "
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
    return float(cycle_length(np.ascontiguousarray(tour, dtype=np.int32), metric))


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
    if n >= 5:
        local_search(Tour.of(t), Queue.full(n), Journal.empty(64), metric,
                     Candidates.of(neighbors, neighbor_dist), -1)
    return t, tour_length(t, metric)


class Tour(NamedTuple):
    """A tour being changed in place: ``city[p]`` is at position ``p``, ``pos[c]`` is where
    city ``c`` is (``int32`` arrays)."""

    city: np.ndarray
    pos: np.ndarray

    @classmethod
    def of(cls, cities: np.ndarray) -> "Tour":
        """The record of the ``int32`` permutation ``cities`` (kept, not copied)."""
        pos = np.empty(cities.shape[0], dtype=np.int32)
        pos[cities] = np.arange(cities.shape[0], dtype=np.int32)
        return cls(cities, pos)


class Candidates(NamedTuple):
    """Each city's candidate neighbours (N, k) ``int32``, nearest first, and the problem's
    distances to them (N, k) ``float64``."""

    neighbors: np.ndarray
    dist: np.ndarray

    @classmethod
    def of(cls, neighbors: np.ndarray, neighbor_dist: np.ndarray) -> "Candidates":
        return cls(np.ascontiguousarray(neighbors, dtype=np.int32),
                   np.ascontiguousarray(neighbor_dist, dtype=np.float64))


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
# They take the records above (numba passes NamedTuples of arrays to compiled code as they
# are): ``tour`` a ``Tour``, ``metric`` a ``Metric``, ``cand`` ``Candidates``, ``queue`` a
# ``Queue``, ``journal`` a ``Journal``.

@njit(cache=True, nogil=True)
def dist(i, j, metric):
    """Distance between cities ``i`` and ``j`` under the TSPLIB rule ``metric.kind``."""
    kind = metric.kind
    if kind == MATRIX:
        return metric.matrix[i, j]
    xy = metric.xy
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
def _pair_distances(i, j, metric):
    out = np.empty(i.shape[0])
    for t in range(i.shape[0]):
        out[t] = dist(i[t], j[t], metric)
    return out


@njit(cache=True, nogil=True)
def cycle_length(cities, metric):
    """Length of the closed tour ``cities`` (the jitted core of ``tour_length``)."""
    n = cities.shape[0]
    total = 0.0
    for p in range(n):
        total += dist(cities[p], cities[p + 1 if p + 1 < n else 0], metric)
    return total


@njit(cache=True, nogil=True)
def succ(tour, v):
    p = tour.pos[v] + 1
    return tour.city[0] if p == tour.city.shape[0] else tour.city[p]


@njit(cache=True, nogil=True)
def pred(tour, v):
    p = tour.pos[v]
    return tour.city[tour.city.shape[0] - 1] if p == 0 else tour.city[p - 1]


@njit(cache=True, nogil=True)
def reverse_positions(tour, i, j):
    """Reverse the cyclic stretch of positions ``i..j`` (inclusive, going forward)."""
    city = tour.city
    pos = tour.pos
    n = city.shape[0]
    length = j - i
    if length < 0:
        length += n
    for _ in range((length + 1) // 2):
        a = city[i]
        b = city[j]
        city[i] = b
        pos[b] = i
        city[j] = a
        pos[a] = j
        i += 1
        if i == n:
            i = 0
        j -= 1
        if j < 0:
            j = n - 1


@njit(cache=True, nogil=True)
def reverse_path(tour, a, b, journal):
    """Reverse the path from city ``a`` forward to city ``b`` (or, equivalently for the
    cycle, its complement, whichever is shorter) and journal the reversed range."""
    n = tour.city.shape[0]
    i = tour.pos[a]
    j = tour.pos[b]
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
    journaled_reverse(tour, i, j, journal)


@njit(cache=True, nogil=True)
def journaled_reverse(tour, i, j, journal):
    """Reverse tour positions ``i..j`` (cyclically) and push the range on the journal;
    a full journal sets its overflow flag ``journal.meta[1]`` instead."""
    reverse_positions(tour, i, j)
    top = journal.meta[0]
    if top < journal.ranges.shape[0]:
        journal.ranges[top, 0] = i
        journal.ranges[top, 1] = j
        journal.meta[0] = top + 1
    else:
        journal.meta[1] = 1


@njit(cache=True, nogil=True)
def undo_to(tour, journal, top):
    """Undo journaled reversals down to journal height ``top``."""
    while journal.meta[0] > top:
        journal.meta[0] -= 1
        reverse_positions(tour, journal.ranges[journal.meta[0], 0],
                          journal.ranges[journal.meta[0], 1])


@njit(cache=True, nogil=True)
def move2(tour, a, b, c, d, journal):
    """2-opt: replace edges (a, b), (c, d) by (a, c), (b, d); b follows a and d follows c
    in one and the same direction of travel."""
    if succ(tour, a) == b:
        reverse_path(tour, b, c, journal)
    else:
        reverse_path(tour, a, d, journal)


@njit(cache=True, nogil=True)
def or_move(tour, p, s1, s2, nx, x, y, forward, journal):
    """Move the segment s1..s2 (between p and nx) between x and y, where, travelling so that
    p→s1, y follows x. ``forward``: x–s1 and s2–y, else x–s2 and s1–y."""
    move2(tour, p, s1, x, y, journal)
    move2(tour, p, x, nx, s2, journal)
    if forward:
        move2(tour, x, s2, s1, y, journal)


@njit(cache=True, nogil=True)
def push(queue, v):
    if queue.inside[v]:
        return
    n = queue.items.shape[0]
    tail = queue.meta[0] + queue.meta[1]
    if tail >= n:
        tail -= n
    queue.items[tail] = v
    queue.inside[v] = True
    queue.meta[1] += 1


@njit(cache=True, nogil=True)
def pop(queue):
    v = queue.items[queue.meta[0]]
    queue.meta[0] += 1
    if queue.meta[0] == queue.items.shape[0]:
        queue.meta[0] = 0
    queue.meta[1] -= 1
    queue.inside[v] = False
    return v


@njit(cache=True, nogil=True)
def two_opt_from(a, tour, metric, cand, queue, journal):
    """First improving 2-opt move adding a candidate edge at ``a``; returns the gain (0 if none)."""
    eps = metric.eps
    k = cand.neighbors.shape[1]
    for direction in range(2):
        b = succ(tour, a) if direction == 0 else pred(tour, a)
        dab = dist(a, b, metric)
        for r in range(k):
            c = cand.neighbors[a, r]
            g = dab - cand.dist[a, r]
            if g <= eps:
                break
            d = succ(tour, c) if direction == 0 else pred(tour, c)
            if c == b or d == a:
                continue
            gain = g + dist(c, d, metric) - dist(b, d, metric)
            if gain > eps:
                move2(tour, a, b, c, d, journal)
                push(queue, a)
                push(queue, b)
                push(queue, c)
                push(queue, d)
                return gain
    return 0.0


@njit(cache=True, nogil=True)
def or_opt_from(a, tour, metric, cand, queue, journal):
    """First improving move of a segment of 1–3 cities starting at ``a`` next to a candidate
    of one of its ends; returns the gain (0 if none)."""
    eps = metric.eps
    n = tour.city.shape[0]
    k = cand.neighbors.shape[1]
    for length in range(1, 4):
        if n - length < 4:
            break
        for direction in range(2):
            s1 = a
            s2 = a
            for _ in range(length - 1):
                s2 = succ(tour, s2) if direction == 0 else pred(tour, s2)
            p = pred(tour, s1) if direction == 0 else succ(tour, s1)
            nx = succ(tour, s2) if direction == 0 else pred(tour, s2)
            g1 = dist(p, s1, metric) + dist(s2, nx, metric) - dist(p, nx, metric)
            if g1 <= eps:
                continue
            for end in range(2):
                e = s1 if end == 0 else s2
                other = s2 if end == 0 else s1
                for r in range(k):
                    c = cand.neighbors[e, r]
                    g = g1 - cand.dist[e, r]
                    if g <= eps:
                        break
                    if _in_segment(tour, c, s1, s2, direction):
                        continue
                    for side in range(2):
                        # the tour neighbour of c that s_other will be joined to
                        dd = succ(tour, c) if side == 0 else pred(tour, c)
                        if dd == s1 or dd == s2 or _in_segment(tour, dd, s1, s2, direction):
                            continue
                        gain = g + dist(c, dd, metric) - dist(other, dd, metric)
                        if gain <= eps:
                            continue
                        # orient so that p→s1: then the edge (c, dd) runs x→y
                        if (side == 0) == (direction == 0):
                            x, y = c, dd
                        else:
                            x, y = dd, c
                        forward = (x == c) == (e == s1)
                        or_move(tour, p, s1, s2, nx, x, y, forward, journal)
                        push(queue, p)
                        push(queue, nx)
                        push(queue, s1)
                        push(queue, s2)
                        push(queue, c)
                        push(queue, dd)
                        return gain
    return 0.0


@njit(cache=True, nogil=True)
def _in_segment(tour, v, s1, s2, direction):
    n = tour.city.shape[0]
    pos = tour.pos
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
def local_search(tour, queue, journal, metric, cand, budget):
    """2-opt + Or-opt from the queued cities until the queue is empty or ``budget`` cities
    were processed (``budget < 0``: no limit). Returns the total gain."""
    total = 0.0
    done = 0
    while queue.meta[1] > 0 and (budget < 0 or done < budget):
        a = pop(queue)
        done += 1
        gain = two_opt_from(a, tour, metric, cand, queue, journal)
        if gain == 0.0:
            gain = or_opt_from(a, tour, metric, cand, queue, journal)
        total += gain
    return total
