"""Random TSP instances: uniform and clustered cities in the unit square (``EXACT`` distances).

``TSP.random`` and ``TSP.clustered`` call these; a new family of instances goes here.
"""

from __future__ import annotations

import math

import numpy as np

from problems.tsp.model import TSP


def uniform(n: int, seed: int = 0) -> TSP:
    """``n`` cities uniform in the unit square, float Euclidean distances (``EXACT``).

    >>> uniform(100, seed=1).name
    'random100_s1'
    """
    rng = np.random.default_rng(_checked_seed(seed))
    return TSP(name=f"random{_checked_n(n)}_s{seed}", coords=rng.random((n, 2)),
               edge_weight_type="EXACT")


def clustered(n: int, clusters: int = 8, seed: int = 0, spread: float = 0.05) -> TSP:
    """``n`` cities around ``clusters`` uniform centres, Gaussian with std ``spread``,
    clipped to the unit square (``EXACT`` distances).

    >>> clustered(150, clusters=5, seed=3).name
    'clustered150_c5_s3'
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
    return TSP(name=f"clustered{n}_c{clusters}_s{seed}", coords=coords, edge_weight_type="EXACT")


def _checked_n(n) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 3:
        raise ValueError(f"a TSP needs an integer number of cities >= 3, got {n!r}")
    return int(n)


def _checked_seed(seed) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)
