"""Symmetric travelling salesman problem (TSP).

A solution is a permutation of the cities ``0..n-1``, read as a closed tour.
Distances follow the TSPLIB95 rules exactly, so published optima are reproduced
(berlin52 with its ``.opt.tour`` evaluates to 7542):

* ``EUC_2D``: ``nint(sqrt(dx² + dy²))`` with ``nint(x) = (int)(x + 0.5)``;
* ``CEIL_2D``: ``ceil(sqrt(dx² + dy²))``;
* ``ATT``: pseudo-Euclidean, ``r = sqrt((dx² + dy²) / 10)``, ``t = nint(r)``, plus 1 if ``t < r``;
* ``GEO``: coordinates are ``DDD.MM`` (degrees, minutes), ``PI = 3.141592``, ``RRR = 6378.388``,
  ``(int)(RRR * acos(...) + 1)`` as in the TSPLIB FAQ (degrees truncated, not rounded);
* ``EXPLICIT``: a symmetric matrix given in the file;
* ``EXACT``: plain float Euclidean distance (generated unit-square instances and the
  TSP-500/1000/10000 test sets); not a TSPLIB type.

Coordinate instances never build an n×n matrix (they go up to 100,000 cities): distances are
computed on the fly, vectorised over whole tours.

Files: TSPLIB ``.tsp`` (the types above; ``EXPLICIT`` in the formats ``FULL_MATRIX``,
``UPPER_ROW``, ``LOWER_ROW``, ``UPPER_DIAG_ROW``, ``LOWER_DIAG_ROW`` and their ``_COL``
twins), TSPLIB tours (``read_tour``/``write_tour``) and the test-set ``.txt`` format, one
instance per line: ``x1 y1 ... xn yn output t1 ... tn t1`` (1-based closed tour).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from problems.compiled import MILP, QUBO, QUBOBuilder
from problems.errors import InfeasibleSolution, ProblemFormatError, require_finite

EDGE_WEIGHT_TYPES = ("EUC_2D", "CEIL_2D", "ATT", "GEO", "EXPLICIT", "EXACT")
EXPLICIT_FORMATS = ("FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW", "LOWER_DIAG_ROW",
                    "UPPER_COL", "LOWER_COL", "UPPER_DIAG_COL", "LOWER_DIAG_COL")
DENSE_LIMIT = 20_000  # dense_matrix(): 20,000² float64 is already 3.2 GB
MILP_LIMIT = 60  # to_milp(): MTZ with n(n-1) binaries
QUBO_LIMIT = 40  # to_qubo(): (n-1)² bits, a dense (n-1)²×(n-1)² matrix
GEO_PI = 3.141592
GEO_RRR = 6378.388

# A symmetric matrix given "by columns" lists the same numbers as its transpose "by rows".
_COLUMN_TWINS = {"UPPER_COL": "LOWER_ROW", "LOWER_COL": "UPPER_ROW",
                 "UPPER_DIAG_COL": "LOWER_DIAG_ROW", "LOWER_DIAG_COL": "UPPER_DIAG_ROW"}


def _euclidean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    dx = a[..., 0] - b[..., 0]
    dy = a[..., 1] - b[..., 1]
    return np.sqrt(dx * dx + dy * dy)


def _att(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    dx = a[..., 0] - b[..., 0]
    dy = a[..., 1] - b[..., 1]
    r = np.sqrt((dx * dx + dy * dy) / 10.0)
    t = np.floor(r + 0.5)
    return np.where(t < r, t + 1.0, t)


def _geo_radians(coords: np.ndarray) -> np.ndarray:
    degrees = np.trunc(coords)
    return GEO_PI * (degrees + 5.0 * (coords - degrees) / 3.0) / 180.0


def _geo(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` and ``b`` hold (latitude, longitude) in radians (see ``_geo_radians``)."""
    q1 = np.cos(a[..., 1] - b[..., 1])
    q2 = np.cos(a[..., 0] - b[..., 0])
    q3 = np.cos(a[..., 0] + b[..., 0])
    cosine = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
    return np.floor(GEO_RRR * np.arccos(cosine) + 1.0)


_METRICS = {
    "EXACT": _euclidean,
    "EUC_2D": lambda a, b: np.floor(_euclidean(a, b) + 0.5),
    "CEIL_2D": lambda a, b: np.ceil(_euclidean(a, b)),
    "ATT": _att,
    "GEO": _geo,
}


@dataclass(frozen=True, eq=False)
class TSP:
    """A symmetric TSP over coordinates (``coords``, n×2) or an explicit ``matrix`` (n×n).

    ``edge_weight_type`` is one of ``EDGE_WEIGHT_TYPES``; ``matrix`` is given only for
    ``"EXPLICIT"`` and ``coords`` only for the others. Arrays are copied and made read-only.

    >>> tsp = TSP("square", coords=[[0, 0], [0, 3], [4, 3], [4, 0]], edge_weight_type="EUC_2D")
    >>> tsp.size, tsp.evaluate([0, 1, 2, 3]), tsp.evaluate([0, 2, 1, 3])
    (4, 14.0, 18.0)
    """

    name: str
    coords: np.ndarray | None = None
    edge_weight_type: str = "EXACT"
    matrix: np.ndarray | None = None
    best_known: float | None = None
    _points: np.ndarray | None = field(init=False, repr=False, default=None)

    sense: ClassVar[str] = "min"
    solution_kind: ClassVar[str] = "permutation"

    def __post_init__(self):
        kind = self.edge_weight_type
        if kind not in EDGE_WEIGHT_TYPES:
            raise ProblemFormatError(f"unknown edge_weight_type {kind!r}; expected one of "
                                     f"{', '.join(EDGE_WEIGHT_TYPES)}")
        if kind == "EXPLICIT":
            if self.matrix is None or self.coords is not None:
                raise ProblemFormatError("an EXPLICIT TSP takes a matrix and no coords")
            object.__setattr__(self, "matrix", _checked_matrix(self.matrix))
            n = len(self.matrix)
        else:
            if self.coords is None or self.matrix is not None:
                raise ProblemFormatError(f"a {kind} TSP takes coords (n×2) and no matrix")
            coords = _checked_coords(self.coords)
            object.__setattr__(self, "coords", coords)
            points = _geo_radians(coords) if kind == "GEO" else coords
            points.setflags(write=False)
            object.__setattr__(self, "_points", points)
            n = len(coords)
        if n < 3:
            raise ProblemFormatError(f"a TSP needs at least 3 cities, got {n}")
        if self.best_known is not None:
            if not (isinstance(self.best_known, (int, float, np.number))
                    and math.isfinite(self.best_known)):
                raise ProblemFormatError(f"best_known must be a finite number or None, "
                                         f"got {self.best_known!r}")
            object.__setattr__(self, "best_known", float(self.best_known))

    @property
    def size(self) -> int:
        """Number of cities."""
        return len(self.matrix) if self.matrix is not None else len(self.coords)

    @property
    def integer_distances(self) -> bool:
        """True when every distance is an integer (TSPLIB rounded types, integral matrices).

        >>> TSP.random(5).integer_distances
        False
        """
        if self.matrix is not None:
            return bool(np.all(self.matrix == np.round(self.matrix)))
        return self.edge_weight_type != "EXACT"

    # ----------------------------------------------------------------- distances
    def _dist(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        if self.matrix is not None:
            return self.matrix[i, j]
        return _METRICS[self.edge_weight_type](self._points[i], self._points[j])

    def distance(self, i, j) -> float | np.ndarray:
        """Distance between cities ``i`` and ``j`` (integers or broadcastable integer arrays).

        >>> tsp = TSP("t", coords=[[0, 0], [3, 4], [6, 8]], edge_weight_type="EUC_2D")
        >>> tsp.distance(0, 1), tsp.distance([0, 0], [1, 2]).tolist()
        (5.0, [5.0, 10.0])
        """
        ii, jj = np.asarray(i), np.asarray(j)
        n = self.size
        for what, arr in (("i", ii), ("j", jj)):
            if arr.dtype.kind not in "iu":
                raise ValueError(f"distance: {what} must hold integer city indices, "
                                 f"got dtype {arr.dtype}")
            if arr.size and (arr.min() < 0 or arr.max() >= n):
                raise ValueError(f"distance: {what} holds a city outside 0..{n - 1}")
        d = self._dist(ii, jj)
        return float(d) if np.ndim(d) == 0 else d

    def dense_matrix(self) -> np.ndarray:
        """The full n×n distance matrix (read-only); only for n <= ``DENSE_LIMIT``.

        >>> TSP("t", coords=[[0, 0], [3, 4], [6, 8]], edge_weight_type="EUC_2D").dense_matrix()[0]
        array([ 0.,  5., 10.])
        """
        if self.matrix is not None:
            return self.matrix
        n = self.size
        if n > DENSE_LIMIT:
            raise ValueError(f"dense_matrix: {n} cities would need {8 * n * n / 1e9:.1f} GB; "
                             f"it is offered up to {DENSE_LIMIT} cities. Use distance(i, j) "
                             f"on the pairs you need instead")
        out = np.empty((n, n))
        columns = np.arange(n)
        rows_per_block = max(1, 4_000_000 // n)
        for start in range(0, n, rows_per_block):
            rows = np.arange(start, min(n, start + rows_per_block))
            out[rows] = self._dist(rows[:, None], columns[None, :])
        out.setflags(write=False)
        return out

    # ----------------------------------------------------------------- solutions
    def _tour(self, tour) -> np.ndarray:
        """``tour`` as an int64 array after checking it is a permutation of 0..n-1."""
        n = self.size
        try:
            arr = np.asarray(tour)
        except (TypeError, ValueError) as error:
            raise InfeasibleSolution(f"a TSP tour must be a sequence of city indices: {error}",
                                     constraint="form") from None
        if arr.ndim != 1:
            raise InfeasibleSolution(f"a TSP tour is a 1-D sequence of city indices, got "
                                     f"shape {arr.shape}", constraint="form")
        if len(arr) != n:
            raise InfeasibleSolution(f"tour has {len(arr)} entries, expected {n} "
                                     f"(every city exactly once)", constraint="form")
        if arr.dtype.kind == "f":
            bad = np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)))
            if bad.size:
                raise InfeasibleSolution(f"tour entry {bad[0]} is {arr[bad[0]]!r}, not an "
                                         f"integer city index", constraint="form")
        elif arr.dtype.kind not in "iu":
            raise InfeasibleSolution(f"tour entries must be integer city indices, got dtype "
                                     f"{arr.dtype}", constraint="form")
        arr = arr.astype(np.int64)
        outside = np.flatnonzero((arr < 0) | (arr >= n))
        if outside.size:
            k = outside[0]
            raise InfeasibleSolution(f"tour entry {k} is city {arr[k]}, outside 0..{n - 1}",
                                     constraint="permutation")
        counts = np.bincount(arr, minlength=n)
        if np.any(counts != 1):
            repeated = int(np.flatnonzero(counts > 1)[0])
            missing = int(np.flatnonzero(counts == 0)[0])
            raise InfeasibleSolution(f"city {repeated} is visited {counts[repeated]} times and "
                                     f"city {missing} never", constraint="permutation")
        return arr

    def _length(self, tour: np.ndarray) -> float:
        return float(np.sum(self._dist(tour, np.roll(tour, -1))))

    def evaluate(self, tour) -> float:
        """Length of the closed ``tour``; ``InfeasibleSolution`` if it is not a permutation.

        >>> TSP("t", coords=[[0, 0], [3, 4], [6, 8]], edge_weight_type="EUC_2D").evaluate([2, 0, 1])
        20.0
        """
        return self._length(self._tour(tour))

    def check(self, tour) -> None:
        """Raise ``InfeasibleSolution`` unless ``tour`` visits every city exactly once.

        >>> TSP.random(4).check([3, 1, 0, 2])
        """
        self._tour(tour)

    # ----------------------------------------------------------------- generators
    @classmethod
    def random(cls, n: int, seed: int = 0) -> TSP:
        """``n`` cities uniform in the unit square, float Euclidean distances (``EXACT``).

        >>> TSP.random(100, seed=1).coords.shape
        (100, 2)
        """
        rng = np.random.default_rng(_checked_seed(seed))
        return cls(name=f"random{_checked_n(n)}_s{seed}", coords=rng.random((n, 2)),
                   edge_weight_type="EXACT")

    @classmethod
    def clustered(cls, n: int, clusters: int = 8, seed: int = 0, spread: float = 0.05) -> TSP:
        """``n`` cities around ``clusters`` uniform centres, Gaussian with std ``spread``,
        clipped to the unit square (``EXACT`` distances).

        >>> TSP.clustered(150, clusters=5, seed=3).size
        150
        """
        n = _checked_n(n)
        if not (isinstance(clusters, (int, np.integer)) and 1 <= clusters <= n):
            raise ValueError(f"clusters must be an integer in 1..n={n}, got {clusters!r}")
        if not (isinstance(spread, (int, float)) and math.isfinite(spread) and spread > 0):
            raise ValueError(f"spread must be a positive number, got {spread!r}")
        rng = np.random.default_rng(_checked_seed(seed))
        centres = rng.random((clusters, 2))
        members = rng.integers(clusters, size=n)
        coords = np.clip(centres[members] + rng.normal(0.0, spread, size=(n, 2)), 0.0, 1.0)
        return cls(name=f"clustered{n}_c{clusters}_s{seed}", coords=coords,
                   edge_weight_type="EXACT")

    # ----------------------------------------------------------------- compiled forms
    def to_milp(self) -> MILP:
        """Miller–Tucker–Zemlin formulation, for n <= ``MILP_LIMIT``.

        Binaries ``x[i,j]`` (arc i→j, i != j) with one arc out of and one into every city;
        continuous order variables ``u[i]`` in ``[1, n-1]`` for i >= 1 with
        ``u[i] - u[j] + (n-1) x[i,j] <= n-2`` forbid every subtour that avoids city 0.
        ``decode`` follows the arcs from city 0 and returns the tour starting at 0.

        >>> m = TSP.random(5, seed=0).to_milp()
        >>> m.num_variables, m.num_constraints
        (24, 22)
        """
        n = self.size
        if n > MILP_LIMIT:
            raise ValueError(f"to_milp builds the MTZ formulation (n(n-1) binaries) only up to "
                             f"{MILP_LIMIT} cities; this instance has {n}. Use the routing "
                             f"baseline (method 'ortools') for larger instances")
        tails, heads = np.nonzero(~np.eye(n, dtype=bool))  # arc k goes tails[k] -> heads[k]
        arcs = len(tails)
        columns = arcs + n - 1  # the arcs, then u[1..n-1]
        every = np.arange(arcs)
        degree = sp.csr_matrix((np.ones(2 * arcs), (np.concatenate([tails, n + heads]),
                                                    np.concatenate([every, every]))),
                               shape=(2 * n, columns))
        inner = np.flatnonzero((tails > 0) & (heads > 0))  # u_i - u_j + (n-1) x_ij <= n-2
        k = np.arange(len(inner))
        mtz = sp.csr_matrix((np.concatenate([np.ones(len(inner)), -np.ones(len(inner)),
                                             np.full(len(inner), n - 1.0)]),
                             (np.tile(k, 3), np.concatenate([arcs + tails[inner] - 1,
                                                             arcs + heads[inner] - 1, inner]))),
                            shape=(len(inner), columns))
        names = tuple(f"x[{i},{j}]" for i, j in zip(tails, heads)) + tuple(
            f"u[{i}]" for i in range(1, n))
        row_names = (tuple(f"out[{i}]" for i in range(n)) + tuple(f"in[{j}]" for j in range(n))
                     + tuple(f"mtz[{i},{j}]" for i, j in zip(tails[inner], heads[inner])))

        def decode(values: np.ndarray) -> np.ndarray:
            values = np.asarray(values, dtype=float)
            if values.shape != (columns,):
                raise InfeasibleSolution(f"MILP values have shape {values.shape}, expected "
                                         f"({columns},)", constraint="form")
            chosen = values[:arcs] > 0.5
            successors = {}
            for i, j in zip(tails[chosen], heads[chosen]):
                if int(i) in successors:
                    raise InfeasibleSolution(f"city {i} has two outgoing arcs",
                                             constraint="degree")
                successors[int(i)] = int(j)
            tour = [0]
            while len(tour) < n:
                nxt = successors.get(tour[-1])
                if nxt is None or nxt in tour:
                    raise InfeasibleSolution(f"the arcs from city 0 close a subtour of "
                                             f"{len(tour)} cities, not a tour of {n}",
                                             constraint="subtour")
                tour.append(nxt)
            return np.array(tour, dtype=np.int64)

        return MILP(objective=np.concatenate([self.dense_matrix()[tails, heads], np.zeros(n - 1)]),
                    A=sp.vstack([degree, mtz]).tocsr(),
                    row_lower=np.concatenate([np.ones(2 * n), np.full(len(inner), -np.inf)]),
                    row_upper=np.concatenate([np.ones(2 * n), np.full(len(inner), n - 2.0)]),
                    lower=np.concatenate([np.zeros(arcs), np.ones(n - 1)]),
                    upper=np.concatenate([np.ones(arcs), np.full(n - 1, n - 1.0)]),
                    integer=np.concatenate([np.ones(arcs, bool), np.zeros(n - 1, bool)]),
                    names=names, sense="min", decode=decode, row_names=row_names)

    def to_qubo(self, penalty: float | None = None, encoding: str = "slack") -> QUBO:
        """Position encoding with city 0 fixed at position 0: (n-1)² bits, n <= ``QUBO_LIMIT``.

        Bit ``x[i,t]`` (``i, t`` in ``1..n-1``) puts city ``i`` at position ``t``. The energy is
        the tour length ``sum_t d(city_t, city_t+1)`` (closing through city 0) plus
        ``penalty * (sum_i (sum_t x[i,t] - 1)² + sum_t (sum_i x[i,t] - 1)²)``. There are no
        inequalities, hence no slack bits (``encoding`` is accepted for the common signature).

        Default penalty: ``L + max d`` with ``L`` the length of the tour ``0, 1, ..., n-1``.
        Every infeasible assignment breaks a one-hot row or column by at least 1, so its
        penalty part is >= ``penalty``, and its distance part is >= 0 (distances are
        non-negative): its energy exceeds ``L >= optimum``. A smaller explicit ``penalty``
        voids that guarantee. ``decode`` returns the tour starting at 0 or raises
        ``InfeasibleSolution`` when the bits are not a permutation matrix.

        >>> q = TSP.random(4, seed=0).to_qubo()
        >>> q.num_variables, q.decode([1, 0, 0, 0, 1, 0, 0, 0, 1]).tolist()
        (9, [0, 1, 2, 3])
        """
        n = self.size
        if encoding != "slack":
            raise ValueError(f"the TSP QUBO has only equality constraints, so it takes no slack "
                             f"encoding; encoding must be 'slack', got {encoding!r}")
        if n > QUBO_LIMIT:
            raise ValueError(f"to_qubo builds (n-1)² = {(n - 1) ** 2} bits with a dense matrix; "
                             f"it is offered up to {QUBO_LIMIT} cities, this instance has {n}")
        d = self.dense_matrix()
        identity = np.arange(n)
        if penalty is None:
            longest = float(d[~np.eye(n, dtype=bool)].max())
            penalty = self._length(identity) + (longest if longest > 0 else 1.0)
        elif not (isinstance(penalty, (int, float, np.number)) and math.isfinite(penalty)
                  and penalty > 0):
            raise ValueError(f"penalty must be a positive number, got {penalty!r}")
        m = n - 1

        builder = position_length_builder(d)
        for k in range(1, n):
            builder.add_squared_penalty({position_bit(k, t, n): 1.0 for t in range(1, n)}, 1.0,
                                        penalty)
            builder.add_squared_penalty({position_bit(i, k, n): 1.0 for i in range(1, n)}, 1.0,
                                        penalty)

        def decode(bits) -> np.ndarray:
            x = np.asarray(bits)
            if x.shape != (m * m,) or not np.all((x == 0) | (x == 1)):
                raise InfeasibleSolution(f"expected {m * m} bits of 0/1, got shape {x.shape}",
                                         constraint="form")
            grid = x.reshape(m, m).astype(int)  # grid[city - 1, position - 1]
            for axis, what, other in ((1, "city", "positions"), (0, "position", "cities")):
                sums = grid.sum(axis=axis)
                if np.any(sums != 1):
                    k = int(np.flatnonzero(sums != 1)[0])
                    raise InfeasibleSolution(f"{what} {k + 1} has {sums[k]} {other}, expected "
                                             f"exactly 1", constraint="one-hot")
            return np.concatenate([[0], 1 + grid.argmax(axis=0)]).astype(np.int64)

        return builder.build(decode=decode, penalty=float(penalty),
                             info={"encoding": "position", "fixed": "city 0 at position 0",
                                   "cities": n})

    # ----------------------------------------------------------------- writer
    def write_tsplib(self, path: str | Path) -> None:
        """Write a TSPLIB ``.tsp`` file that ``read`` loads back.

        TSPLIB types are written as they are (``EXPLICIT`` as ``FULL_MATRIX``) and round-trip
        exactly. ``EXACT`` (float Euclidean) has no TSPLIB type: it is written as ``EUC_2D``
        with the coordinates multiplied by ``scale = 10**k`` (so the largest |coordinate|
        becomes at most 10⁶; 10⁶ for the unit square) and rounded to integers, the scale
        stated in the COMMENT. The loaded instance therefore has the distances
        ``nint(scale * d)`` up to that coordinate rounding: the same tours, scaled.

        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "r.tsp")
        >>> TSP.random(5, seed=0).write_tsplib(p)
        >>> read(p).edge_weight_type, read(p).size
        ('EUC_2D', 5)
        """
        kind, comment = self.edge_weight_type, "written by nqco"
        if kind == "EXPLICIT":
            body = ["EDGE_WEIGHT_FORMAT : FULL_MATRIX", "EDGE_WEIGHT_SECTION"]
            body += [" ".join(_number(v) for v in row) for row in self.matrix.tolist()]
        elif kind == "EXACT":
            largest = float(np.abs(self.coords).max())
            scale = 10.0 ** (6 - math.ceil(math.log10(largest))) if largest > 0 else 1.0
            kind, comment = "EUC_2D", (f"float Euclidean (EXACT) coordinates scaled by "
                                       f"{scale:g} and rounded to integers")
            scaled = np.rint(self.coords * scale).astype(np.int64).tolist()
            body = ["NODE_COORD_SECTION"] + [f"{k + 1} {x} {y}" for k, (x, y) in enumerate(scaled)]
        else:
            body = ["NODE_COORD_SECTION"] + [f"{k + 1} {x!r} {y!r}"
                                             for k, (x, y) in enumerate(self.coords.tolist())]
        lines = [f"NAME : {self.name}", "TYPE : TSP", f"COMMENT : {comment}",
                 f"DIMENSION : {self.size}", f"EDGE_WEIGHT_TYPE : {kind}", *body, "EOF"]
        Path(path).write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------- QUBO
def position_bit(city: int, position: int, n: int) -> int:
    """The bit saying ``city`` is at ``position`` (both 1..n-1; city 0 is fixed first).

    >>> position_bit(1, 1, 4), position_bit(3, 3, 4)
    (0, 8)
    """
    return (city - 1) * (n - 1) + (position - 1)


def position_length_builder(d: np.ndarray) -> QUBOBuilder:
    """The tour-length terms of the position encoding, without its one-hot penalties.

    City 0 is fixed at position 0; bit ``position_bit(i, t, n)`` says city ``i`` is at
    position ``t``. ``TSP.to_qubo`` adds the penalties, the Lagrangian encodings of
    ``quantum/encodings.py`` the constraint rows.

    >>> d = np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]])
    >>> q = position_length_builder(d).build(decode=None)
    >>> float(q.energy([1, 0, 0, 1]))  # tour 0, 1, 2
    6.0
    """
    n = d.shape[0]
    m = n - 1
    builder = QUBOBuilder([f"x[{i},{t}]" for i in range(1, n) for t in range(1, n)])
    for i in range(1, n):
        builder.add_linear(position_bit(i, 1, n), d[0, i])
        builder.add_linear(position_bit(i, m, n), d[i, 0])
        for t in range(1, m):
            for j in range(1, n):
                if j != i:
                    builder.add_quadratic(position_bit(i, t, n), position_bit(j, t + 1, n),
                                          d[i, j])
    return builder


# --------------------------------------------------------------------- validation helpers
def _checked_n(n) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 3:
        raise ValueError(f"a TSP needs an integer number of cities >= 3, got {n!r}")
    return int(n)


def _checked_seed(seed) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _checked_coords(coords) -> np.ndarray:
    try:
        arr = np.array(coords, dtype=float)
    except (TypeError, ValueError) as error:
        raise ProblemFormatError(f"coords must be an n×2 array of numbers: {error}") from None
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ProblemFormatError(f"coords must have shape (n, 2), got {arr.shape}")
    require_finite(arr, "coordinates")
    arr.setflags(write=False)
    return arr


def _checked_matrix(matrix) -> np.ndarray:
    try:
        arr = np.array(matrix, dtype=float)
    except (TypeError, ValueError) as error:
        raise ProblemFormatError(f"matrix must be an n×n array of numbers: {error}") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ProblemFormatError(f"the distance matrix must be square, got shape {arr.shape}")
    require_finite(arr, "distances")
    if np.any(arr < 0):
        i, j = np.argwhere(arr < 0)[0]
        raise ProblemFormatError(f"distances must be non-negative, d[{i},{j}] = {arr[i, j]:g}")
    if not np.array_equal(arr, arr.T):
        i, j = np.argwhere(arr != arr.T)[0]
        raise ProblemFormatError(f"the distance matrix must be symmetric (this is the symmetric "
                                 f"TSP): d[{i},{j}] = {arr[i, j]:g} but d[{j},{i}] = {arr[j, i]:g}")
    arr.setflags(write=False)
    return arr


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --------------------------------------------------------------------- TSPLIB reading
def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _keyword(line: str) -> tuple[str, str]:
    """``"KEY : value"`` → ``("KEY", "value")``; a section line gives ``("X_SECTION", "")``."""
    if ":" in line:
        key, _, value = line.partition(":")
        return key.strip().upper(), value.strip()
    key, _, value = line.partition(" ")
    return key.strip().upper(), value.strip()


def _float(token: str, path: Path, line: int, what: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise ProblemFormatError(f"expected a number for {what}, got {token!r}",
                                 path=path, line=line) from None
    if not math.isfinite(value):
        raise ProblemFormatError(f"{what} must be a finite number, got {token!r}",
                                 path=path, line=line)
    return value


class _Lines:
    """Numbered, stripped, non-empty lines of a text file."""

    def __init__(self, path: Path):
        with open(path, encoding="utf-8", errors="replace") as handle:
            self.items = [(k + 1, s) for k, raw in enumerate(handle) if (s := raw.strip())]
        self.pos = 0
        self.last_line = self.items[-1][0] if self.items else 0

    def peek(self) -> tuple[int, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self) -> tuple[int, str] | None:
        item = self.peek()
        self.pos += item is not None
        return item


def _read_node_coords(lines: _Lines, n: int, path: Path, section_line: int) -> np.ndarray:
    coords = np.empty((n, 2))
    first_seen: dict[int, int] = {}
    for _ in range(n):
        item = lines.peek()
        if item is None or not _is_number(item[1].split()[0]):
            where = lines.last_line if item is None else item[0]
            raise ProblemFormatError(f"DIMENSION is {n} but NODE_COORD_SECTION (line "
                                     f"{section_line}) lists only {len(first_seen)} nodes",
                                     path=path, line=where)
        lineno, text = lines.next()
        tokens = text.split()
        if len(tokens) != 3:
            raise ProblemFormatError(f"expected 'id x y': a node id and 2 coordinates, got "
                                     f"{len(tokens) - 1} coordinate(s)", path=path, line=lineno)
        try:
            node = int(tokens[0])
        except ValueError:
            raise ProblemFormatError(f"node id must be an integer, got {tokens[0]!r}",
                                     path=path, line=lineno) from None
        if not 1 <= node <= n:
            raise ProblemFormatError(f"node id {node} outside 1..{n} (DIMENSION {n})",
                                     path=path, line=lineno)
        if node in first_seen:
            raise ProblemFormatError(f"duplicate node id {node} (first given on line "
                                     f"{first_seen[node]})", path=path, line=lineno)
        first_seen[node] = lineno
        coords[node - 1] = [_float(t, path, lineno, f"node {node}'s coordinate")
                            for t in tokens[1:]]
    return coords


def _edge_weight_count(fmt: str, n: int) -> int:
    if fmt == "FULL_MATRIX":
        return n * n
    return n * (n - 1) // 2 if fmt in ("UPPER_ROW", "LOWER_ROW") else n * (n + 1) // 2


def _read_edge_weights(lines: _Lines, n: int, fmt: str, path: Path,
                       section_line: int) -> np.ndarray:
    fmt = _COLUMN_TWINS.get(fmt, fmt)
    needed = _edge_weight_count(fmt, n)
    values: list[float] = []
    origin: list[int] = []
    while len(values) < needed:
        item = lines.peek()
        if item is None or not _is_number(item[1].split()[0]):
            where = lines.last_line if item is None else item[0]
            raise ProblemFormatError(f"EDGE_WEIGHT_SECTION (line {section_line}) holds "
                                     f"{len(values)} numbers, but {fmt} with DIMENSION {n} "
                                     f"needs {needed}", path=path, line=where)
        lineno, text = lines.next()
        for token in text.split():
            values.append(_float(token, path, lineno, "an edge weight"))
            origin.append(lineno)
    if len(values) > needed:
        raise ProblemFormatError(f"EDGE_WEIGHT_SECTION holds more than the {needed} numbers "
                                 f"that {fmt} with DIMENSION {n} needs", path=path,
                                 line=origin[needed])
    flat = np.array(values)
    if np.any(flat < 0):
        k = int(np.flatnonzero(flat < 0)[0])
        raise ProblemFormatError(f"edge weights must be non-negative, got {values[k]:g}",
                                 path=path, line=origin[k])
    if fmt == "FULL_MATRIX":
        matrix = flat.reshape(n, n)
        asym = np.argwhere(matrix != matrix.T)
        if asym.size:
            i, j = sorted(asym[0])
            raise ProblemFormatError(f"FULL_MATRIX is not symmetric: d({i + 1},{j + 1}) = "
                                     f"{matrix[i, j]:g} but d({j + 1},{i + 1}) = {matrix[j, i]:g}"
                                     f" (TYPE TSP is symmetric)", path=path,
                                     line=origin[j * n + i])
        return matrix
    offset = {"UPPER_ROW": 1, "UPPER_DIAG_ROW": 0, "LOWER_ROW": -1, "LOWER_DIAG_ROW": 0}[fmt]
    rows, cols = (np.triu_indices(n, offset) if fmt.startswith("UPPER")
                  else np.tril_indices(n, offset))
    matrix = np.zeros((n, n))
    matrix[rows, cols] = flat
    matrix[cols, rows] = flat
    return matrix


def _skip_section(lines: _Lines) -> None:
    while (item := lines.peek()) is not None and _is_number(item[1].split()[0]):
        lines.next()


def _read_tsplib(path: Path) -> TSP:
    lines = _Lines(path)
    header: dict[str, tuple[str, int]] = {}
    coords = matrix = None
    n = None
    while (item := lines.next()) is not None:
        lineno, text = item
        key, value = _keyword(text)
        if key == "EOF":
            break
        if _is_number(key):
            raise ProblemFormatError("unexpected data line: expected 'KEY : value', a section "
                                     "name or EOF (more entries than DIMENSION?)",
                                     path=path, line=lineno)
        if key.endswith("_SECTION") and n is None:
            raise ProblemFormatError(f"DIMENSION must be given before {key}", path=path,
                                     line=lineno)
        if key == "NODE_COORD_SECTION":
            coords = _read_node_coords(lines, n, path, lineno)
        elif key == "EDGE_WEIGHT_SECTION":
            if "EDGE_WEIGHT_FORMAT" not in header:
                raise ProblemFormatError("EDGE_WEIGHT_FORMAT must be given before "
                                         "EDGE_WEIGHT_SECTION", path=path, line=lineno)
            fmt = header["EDGE_WEIGHT_FORMAT"][0].upper()
            if fmt not in EXPLICIT_FORMATS:
                raise ProblemFormatError(f"unsupported EDGE_WEIGHT_FORMAT {fmt!r}; expected one "
                                         f"of {', '.join(EXPLICIT_FORMATS)}", path=path,
                                         line=header["EDGE_WEIGHT_FORMAT"][1])
            matrix = _read_edge_weights(lines, n, fmt, path, lineno)
        elif key in ("DISPLAY_DATA_SECTION", "TOUR_SECTION"):
            _skip_section(lines)
        elif key == "FIXED_EDGES_SECTION":
            raise ProblemFormatError("FIXED_EDGES_SECTION (edges every tour must use, as in "
                                     "Hamiltonian-path variants like linhp318) is not supported",
                                     path=path, line=lineno)
        elif key.endswith("_SECTION"):
            raise ProblemFormatError(f"{key} is not supported for a symmetric TSP", path=path,
                                     line=lineno)
        else:
            header[key] = (value, lineno)
            if key == "DIMENSION":
                try:
                    n = int(value)
                except ValueError:
                    raise ProblemFormatError(f"DIMENSION must be an integer, got {value!r}",
                                             path=path, line=lineno) from None
                if n < 3:
                    raise ProblemFormatError(f"DIMENSION must be at least 3, got {n}",
                                             path=path, line=lineno)

    kind_value, kind_line = header.get("TYPE", ("TSP", None))
    if kind_value.upper().split()[:1] != ["TSP"]:
        raise ProblemFormatError(f"TYPE {kind_value!r} is not supported: only symmetric TSP "
                                 f"(TYPE : TSP)", path=path, line=kind_line)
    if "EDGE_WEIGHT_TYPE" not in header:
        raise ProblemFormatError("missing EDGE_WEIGHT_TYPE", path=path)
    weight_type, weight_line = header["EDGE_WEIGHT_TYPE"]
    weight_type = weight_type.upper()
    if weight_type not in EDGE_WEIGHT_TYPES or weight_type == "EXACT":
        raise ProblemFormatError(f"unsupported EDGE_WEIGHT_TYPE {weight_type!r}; expected one of "
                                 f"EUC_2D, CEIL_2D, ATT, GEO, EXPLICIT", path=path,
                                 line=weight_line)
    if n is None:
        raise ProblemFormatError("missing DIMENSION", path=path)
    name = header.get("NAME", (path.stem, None))[0] or path.stem
    if weight_type == "EXPLICIT":
        if matrix is None:
            raise ProblemFormatError("EDGE_WEIGHT_TYPE EXPLICIT needs an EDGE_WEIGHT_SECTION; "
                                     "none found", path=path)
        problem = TSP(name=name, matrix=matrix, edge_weight_type="EXPLICIT")
    else:
        if coords is None:
            raise ProblemFormatError(f"EDGE_WEIGHT_TYPE {weight_type} needs a NODE_COORD_SECTION;"
                                     f" none found", path=path)
        problem = TSP(name=name, coords=coords, edge_weight_type=weight_type)
    return replace(problem, best_known=_best_known(path, problem))


def _best_known(path: Path, problem: TSP) -> float | None:
    """Length of ``<stem>.opt.tour`` beside the file, else the ``bestSolutions.txt`` entry."""
    tour_path = path.with_name(path.stem + ".opt.tour")
    if tour_path.is_file():
        tour = read_tour(tour_path)
        if len(tour) != problem.size:
            raise ProblemFormatError(f"the tour has {len(tour)} cities but {path.name} has "
                                     f"{problem.size}", path=tour_path)
        return problem.evaluate(tour)
    table = path.with_name("bestSolutions.txt")
    if table.is_file():
        for lineno, text in _Lines(table).items:
            key, value = _keyword(text)
            if key == path.stem.upper():
                return _float(value.split()[0] if value else "", table, lineno,
                              f"the best-known value of {path.stem}")
    return None


def read_tour(path: str | Path) -> np.ndarray:
    """The first tour of a TSPLIB ``.tour``/``.opt.tour`` file, 0-based.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.tour")
    >>> write_tour(p, [2, 0, 1], name="t")
    >>> read_tour(p).tolist()
    [2, 0, 1]
    """
    path = Path(path)
    lines = _Lines(path)
    dimension = None
    while (item := lines.next()) is not None:
        lineno, text = item
        key, value = _keyword(text)
        if key == "DIMENSION":
            try:
                dimension = int(value)
            except ValueError:
                raise ProblemFormatError(f"DIMENSION must be an integer, got {value!r}",
                                         path=path, line=lineno) from None
        elif key == "TOUR_SECTION":
            break
        elif key == "EOF" or _is_number(key):
            raise ProblemFormatError("expected a TOUR_SECTION before the tour", path=path,
                                     line=lineno)
    else:
        raise ProblemFormatError("no TOUR_SECTION found", path=path)
    entries: list[tuple[str, int]] = []
    while (item := lines.peek()) is not None and _is_number(item[1].split()[0]):
        lineno, text = lines.next()
        entries += [(token, lineno) for token in text.split()]
    nodes: list[int] = []
    first_seen: dict[int, int] = {}
    for token, lineno in entries:
        try:
            node = int(token)
        except ValueError:
            raise ProblemFormatError(f"tour entries must be integer node ids, got {token!r}",
                                     path=path, line=lineno) from None
        if node == -1:
            break
        if node < 1 or (dimension is not None and node > dimension):
            raise ProblemFormatError(f"node id {node} outside 1..{dimension or 'n'}",
                                     path=path, line=lineno)
        if node in first_seen:
            raise ProblemFormatError(f"node {node} appears twice in the tour (first on line "
                                     f"{first_seen[node]})", path=path, line=lineno)
        first_seen[node] = lineno
        nodes.append(node)
    count = dimension if dimension is not None else len(nodes)
    if len(nodes) != count or (nodes and max(nodes) != count):
        raise ProblemFormatError(f"the tour lists {len(nodes)} distinct nodes, expected a "
                                 f"permutation of 1..{count}", path=path)
    if count == 0:
        raise ProblemFormatError("the tour is empty", path=path)
    return np.array(nodes, dtype=np.int64) - 1


def write_tour(path: str | Path, tour, name: str) -> None:
    """Write ``tour`` (0-based permutation) as a TSPLIB tour file (1-based, ending with -1).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.tour")
    >>> write_tour(p, [1, 0, 2], name="t")
    >>> open(p).read().split("TOUR_SECTION")[1].split()
    ['2', '1', '3', '-1', 'EOF']
    """
    arr = np.asarray(tour)
    if (arr.ndim != 1 or arr.dtype.kind not in "iu"
            or not np.array_equal(np.sort(arr), np.arange(len(arr)))):
        raise ValueError("write_tour: tour must be a permutation of the integers 0..n-1")
    lines = [f"NAME : {name}", "TYPE : TOUR", f"DIMENSION : {len(arr)}", "TOUR_SECTION"]
    lines += [str(v + 1) for v in arr.tolist()] + ["-1", "EOF"]
    Path(path).write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------- test-set files
def _test_set_line(path: Path, index: int) -> tuple[int, str]:
    seen = 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if raw.strip():
                if seen == index:
                    return lineno, raw
                seen += 1
    raise ProblemFormatError(f"instance index {index} out of range: the file holds {seen} "
                             f"instance(s)", path=path)


def _read_test_set(path: Path, index: int) -> TSP:
    lineno, text = _test_set_line(path, index)
    tokens = text.split()
    if "output" not in tokens:
        raise ProblemFormatError("expected 'x1 y1 ... xn yn output t1 ... tn t1': no 'output' "
                                 "token", path=path, line=lineno)
    split = tokens.index("output")
    if split % 2:
        raise ProblemFormatError(f"odd number of coordinates ({split}) before 'output': "
                                 f"expected x y pairs", path=path, line=lineno)
    n = split // 2
    try:
        coords = np.array(tokens[:split], dtype=float).reshape(n, 2)
    except ValueError:
        bad = next(t for t in tokens[:split] if not _is_number(t))
        raise ProblemFormatError(f"expected a coordinate, got {bad!r}", path=path,
                                 line=lineno) from None
    require_finite(coords, "coordinates", path=path, line=lineno)
    tour_tokens = tokens[split + 1:]
    if len(tour_tokens) != n + 1:
        raise ProblemFormatError(f"the tour after 'output' has {len(tour_tokens)} entries, "
                                 f"expected {n + 1} (n = {n} cities, closed by repeating the "
                                 f"first)", path=path, line=lineno)
    try:
        tour = np.array([int(t) for t in tour_tokens], dtype=np.int64)
    except ValueError:
        raise ProblemFormatError("tour entries after 'output' must be integers", path=path,
                                 line=lineno) from None
    if tour[0] != tour[-1]:
        raise ProblemFormatError(f"the tour must be closed (end with its first city "
                                 f"{tour[0]}), it ends with {tour[-1]}", path=path, line=lineno)
    problem = TSP(name=f"{path.stem}-{index}", coords=coords, edge_weight_type="EXACT")
    try:
        length = problem.evaluate(tour[:-1] - 1)
    except InfeasibleSolution as error:
        raise ProblemFormatError(f"the tour after 'output' (0-based here) is not a permutation: "
                                 f"{error}", path=path, line=lineno) from None
    placeholder = np.array_equal(tour[:-1], np.arange(1, n + 1))
    return replace(problem, best_known=None if placeholder else length)


# --------------------------------------------------------------------- module interface
def _first_line_has_output(path: Path, head: str) -> bool:
    first = head.split("\n", 1)[0]
    tokens = first.split()
    if not tokens or not _is_number(tokens[0]):
        return False
    if "\n" not in head and len(head) >= 4096:
        with open(path, encoding="utf-8", errors="replace") as handle:
            tokens = handle.readline().split()
    return "output" in tokens


def sniff(path: str | Path, head: str) -> bool:
    """True for ``.tsp`` files and for ``.txt`` files whose first line holds the token ``output``.

    >>> sniff(Path("berlin52.tsp"), "NAME: berlin52")
    True
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".tsp":
        return True
    return suffix == ".txt" and _first_line_has_output(path, head)


def count(path: str | Path) -> int:
    """Instances in ``path``: 1 for ``.tsp``, the number of non-empty lines for a test set."""
    path = Path(path)
    if path.suffix.lower() == ".tsp":
        return 1
    with open(path, "rb") as handle:
        return sum(1 for raw in handle if raw.strip())


def read(path: str | Path, index: int | None = None) -> TSP:
    """Read a TSPLIB ``.tsp`` file or instance ``index`` (default 0) of a test-set ``.txt``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "two.txt")
    >>> _ = open(p, "w").write("0 0 0 1 1 1 output 1 2 3 1\\n0 0 0 2 2 2 output 1 3 2 1\\n")
    >>> count(p), read(p, index=1).name, read(p, index=1).best_known
    (2, 'two-1', 6.82842712474619)
    """
    path = Path(path)
    if path.suffix.lower() == ".tsp":
        if index not in (None, 0):
            raise ProblemFormatError(f"a .tsp file holds one instance; index {index} is out of "
                                     f"range", path=path)
        return _read_tsplib(path)
    if index is not None and not (isinstance(index, (int, np.integer)) and index >= 0):
        raise ProblemFormatError(f"instance index must be a non-negative integer, got {index!r}",
                                 path=path)
    return _read_test_set(path, 0 if index is None else int(index))
