"""Sparse candidate graphs for large routing problems: each city's k nearest neighbours.

Everything downstream (heatmaps, local search, MCTS, divide-and-conquer) works on the
``(N, k)`` arrays returned here, so memory stays O(N·k) and never N×N.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def knn(coords: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` nearest neighbours of every point, nearest first, the point itself excluded.

    Parameters
    ----------
    coords : (N, d) array of finite floats (d = 2 for plane coordinates).
    k : number of neighbours, ``1 <= k <= N - 1``.

    Returns
    -------
    (N, k) int32 array; row ``i`` lists the neighbours of ``i`` by increasing Euclidean
    distance (ties keep cKDTree's order). Duplicate points are each other's neighbours.

    Raises
    ------
    ValueError
        If ``coords`` is not an (N, d) array of finite numbers or ``k`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> knn(np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]), 1).tolist()
    [[1], [0], [1]]
    """
    points = _as_points(coords)
    n = points.shape[0]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= n - 1:
        raise ValueError(f"knn: k must be an integer between 1 and N - 1 = {n - 1}, got {k!r}")
    k = int(k)
    tree = cKDTree(points)
    # Ask for one more than needed: the point itself is normally the first hit, but with
    # duplicate points it may come later, so drop it wherever it is.
    _, found = tree.query(points, k=k + 1)
    found = np.asarray(found, dtype=np.int64).reshape(n, k + 1)
    is_self = found == np.arange(n)[:, None]
    has_self = is_self.any(axis=1)
    # Rows where the point is missing among k + 1 hits (k + 1 duplicates at distance 0):
    # drop the last hit instead, which keeps exactly k other points.
    is_self[~has_self, k] = True
    return found[~is_self].reshape(n, k).astype(np.int32)


def knn_from_matrix(matrix: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` nearest neighbours of every city from a full distance matrix.

    For instances without coordinates (TSPLIB ``EXPLICIT``); the matrix is the caller's,
    so this is for sizes where an N×N array is already in memory.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0, 2, 9], [2, 0, 4], [9, 4, 0]])
    >>> knn_from_matrix(d, 1).tolist()
    [[1], [0], [1]]
    """
    values = np.asarray(matrix, dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] < 2:
        raise ValueError(f"knn_from_matrix: expected a square (N, N) matrix with N >= 2, "
                         f"got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        bad = np.argwhere(~np.isfinite(values))[0].tolist()
        raise ValueError(f"knn_from_matrix: distances must be finite, found "
                         f"{values[tuple(bad)]} at {bad}")
    n = values.shape[0]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= n - 1:
        raise ValueError(f"knn_from_matrix: k must be an integer between 1 and N - 1 = {n - 1}, "
                         f"got {k!r}")
    values = values.copy()
    np.fill_diagonal(values, np.inf)
    order = np.argsort(values, axis=1, kind="stable")[:, :int(k)]
    return order.astype(np.int32)


def _as_points(coords) -> np.ndarray:
    try:
        points = np.asarray(coords, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"knn: coordinates must be numbers ({error})") from None
    if points.ndim != 2 or points.shape[0] < 2 or points.shape[1] < 1:
        raise ValueError(f"knn: expected an (N, d) coordinate array with N >= 2, "
                         f"got shape {points.shape}")
    if not np.all(np.isfinite(points)):
        bad = np.argwhere(~np.isfinite(points))[0].tolist()
        raise ValueError(f"knn: coordinates must be finite, found {points[tuple(bad)]} at "
                         f"index {bad}")
    return points
