"""The symmetric TSP: the ``TSP`` object, its distance rules and its solution check.

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
computed on the fly, vectorised over whole tours. The generators, the MILP/QUBO forms and the
file formats live in the sibling modules; the methods here hand over to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from problems.checks import PermutationWords, best_known_value, permutation_vector
from problems.compiled import MILP, QUBO
from problems.errors import ProblemFormatError, require_finite
from problems.views import SolutionViews

EDGE_WEIGHT_TYPES = ("EUC_2D", "CEIL_2D", "ATT", "GEO", "EXPLICIT", "EXACT")
DENSE_LIMIT = 20_000  # dense_matrix(): 20,000² float64 is already 3.2 GB
GEO_PI = 3.141592
GEO_RRR = 6378.388
TOUR_WORDS = PermutationWords(solution="tour", slot="stop", item="city", items="city indices",
                              repeated="city {value} is visited {count} times and city "
                                       "{missing} never")


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
class TSP(SolutionViews):
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
        object.__setattr__(self, "best_known", best_known_value(self.best_known))

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
    def _length(self, tour: np.ndarray) -> float:
        return float(np.sum(self._dist(tour, np.roll(tour, -1))))

    def evaluate(self, tour) -> float:
        """Length of the closed ``tour``; ``InfeasibleSolution`` if it is not a permutation.

        >>> TSP("t", coords=[[0, 0], [3, 4], [6, 8]], edge_weight_type="EUC_2D").evaluate([2, 0, 1])
        20.0
        """
        return self._length(permutation_vector(tour, self.size, TOUR_WORDS))

    def check(self, tour) -> None:
        """Raise ``InfeasibleSolution`` unless ``tour`` visits every city exactly once.

        >>> TSP.random(4).check([3, 1, 0, 2])
        """
        permutation_vector(tour, self.size, TOUR_WORDS)

    # ----------------------------------------------------------------- generators
    @classmethod
    def random(cls, n: int, seed: int = 0) -> TSP:
        """``n`` cities uniform in the unit square, float Euclidean distances (``EXACT``).

        See ``problems.tsp.generators.uniform``.

        >>> TSP.random(100, seed=1).coords.shape
        (100, 2)
        """
        from problems.tsp import generators

        return generators.uniform(n, seed=seed)

    @classmethod
    def clustered(cls, n: int, clusters: int = 8, seed: int = 0, spread: float = 0.05) -> TSP:
        """``n`` cities around ``clusters`` uniform centres (``EXACT`` distances).

        See ``problems.tsp.generators.clustered``.

        >>> TSP.clustered(150, clusters=5, seed=3).size
        150
        """
        from problems.tsp import generators

        return generators.clustered(n, clusters=clusters, seed=seed, spread=spread)

    # ----------------------------------------------------------------- compiled forms
    def to_milp(self) -> MILP:
        """Miller–Tucker–Zemlin formulation; see ``problems.tsp.formulations.mtz_milp``.

        >>> m = TSP.random(5, seed=0).to_milp()
        >>> m.num_variables, m.num_constraints
        (24, 22)
        """
        from problems.tsp import formulations

        return formulations.mtz_milp(self)

    def to_qubo(self, penalty: float | None = None, encoding: str = "slack") -> QUBO:
        """Position encoding, city 0 fixed first; see ``problems.tsp.formulations.position_qubo``.

        >>> q = TSP.random(4, seed=0).to_qubo()
        >>> q.num_variables, q.decode([1, 0, 0, 0, 1, 0, 0, 0, 1]).tolist()
        (9, [0, 1, 2, 3])
        """
        from problems.tsp import formulations

        return formulations.position_qubo(self, penalty=penalty, encoding=encoding)

    # ----------------------------------------------------------------- writer
    def write_tsplib(self, path: str | Path) -> None:
        """Write a TSPLIB ``.tsp`` file that ``read`` loads back; see
        ``problems.tsp.formats.write_tsplib``.

        >>> import tempfile, os
        >>> from problems.tsp import read
        >>> p = os.path.join(tempfile.mkdtemp(), "r.tsp")
        >>> TSP.random(5, seed=0).write_tsplib(p)
        >>> read(p).edge_weight_type, read(p).size
        ('EUC_2D', 5)
        """
        from problems.tsp import formats

        formats.write_tsplib(self, path)


# --------------------------------------------------------------------- validation helpers
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

