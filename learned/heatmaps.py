"""Edge heatmaps for the TSP on a sparse candidate graph.

A heatmap gives, for every city ``i`` and each of its ``k`` candidate neighbours
``neighbors[i, r]``, a score ``H[i, r] >= 0`` with ``H[i].sum() == 1``: how likely the edge
is in a good tour. All heatmaps are (N, k) arrays, never N×N, and are computed with torch
(on the GPU when one is present and ``device="auto"``).

* ``softdist``: row-wise softmax of ``-d_ij / tau`` (Xia et al., ICML 2024), with ``tau``
  relative to the mean nearest-neighbour distance so that it does not depend on units.
* ``knn-prior``: ``H[i, r] = p_r``, the frequency with which a near-optimal tour goes from a
  city to its r-th nearest neighbour (Pan et al. 2024), from a table shipped in
  ``learned/data/knn_prior.json`` (estimated by ``learned/fit_knn_prior.py``).
* ``uniform``: ``1 / k``.
* ``gnn``: edge scores of the graph neural network of ``learned/gnn.py``.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from learned.device import resolve_device

HEATMAPS = ("softdist", "knn-prior", "uniform", "gnn")
PRIOR_PATH = Path(__file__).with_name("data") / "knn_prior.json"

# softdist temperature relative to the mean nearest-neighbour distance, from the grid in
# docs/benchmarks.md (bench/tsp_mcts.py --tau-grid on generated instances).
SOFTDIST_TAU = 0.3


def softdist(neighbor_dist: np.ndarray, *, tau: float | None = None,
             device: str | torch.device = "auto") -> np.ndarray:
    """SoftDist heatmap: ``softmax(-d / (tau · mean nearest-neighbour distance))`` per row.

    Parameters
    ----------
    neighbor_dist : (N, k) distances from each city to its candidates.
    tau : temperature relative to the mean nearest-neighbour distance (default
        ``SOFTDIST_TAU``); scale-invariant, so it suits any unit.

    Examples
    --------
    >>> import numpy as np
    >>> h = softdist(np.array([[1.0, 2.0], [1.0, 1.0]]), tau=1.0, device="cpu")
    >>> np.round(h, 3).tolist()
    [[0.731, 0.269], [0.5, 0.5]]
    """
    dist = _check_dist(neighbor_dist)
    tau = SOFTDIST_TAU if tau is None else tau
    if not (isinstance(tau, (int, float)) and math.isfinite(tau) and tau > 0):
        raise ValueError(f"softdist: tau must be a positive number, got {tau!r}")
    scale = float(dist[:, 0].mean())
    if scale <= 0:  # all cities stacked on their nearest neighbour: no length scale
        positive = dist[dist > 0]
        scale = float(positive.mean()) if positive.size else 1.0
    d = torch.as_tensor(dist, device=resolve_device(device))
    return torch.softmax(-d / (tau * scale), dim=1).cpu().numpy().astype(np.float64)


def knn_prior(n_cities: int, k: int, *, device: str | torch.device = "auto") -> np.ndarray:
    """k-NN prior heatmap: every row is the shipped rank distribution for ``n_cities``.

    The table row estimated at the size closest to ``n_cities`` (on a log scale) is used;
    ranks beyond the table get the smallest tabulated probability. Rows are renormalised
    over the ``k`` candidates, which must be sorted by distance.

    >>> h = knn_prior(500, 5, device="cpu")
    >>> h.shape, bool(h[0, 0] > h[0, 1] > h[0, 4])
    ((500, 5), True)
    """
    if not (isinstance(n_cities, (int, np.integer)) and n_cities >= 2):
        raise ValueError(f"knn_prior: n_cities must be an integer >= 2, got {n_cities!r}")
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= n_cities - 1):
        raise ValueError(f"knn_prior: k must be between 1 and {n_cities - 1}, got {k!r}")
    sizes, table = prior_table()
    row = table[int(np.argmin(np.abs(np.log(sizes) - math.log(n_cities))))]
    p = np.full(k, row[row > 0].min())
    m = min(k, row.size)
    p[:m] = np.maximum(row[:m], p[:m].min())
    weights = torch.as_tensor(p, device=resolve_device(device))
    weights = weights / weights.sum()
    return weights.expand(int(n_cities), k).cpu().numpy().astype(np.float64)


def uniform(n_cities: int, k: int) -> np.ndarray:
    """Uniform heatmap ``1 / k`` (the search's exploration alone decides).

    >>> uniform(3, 2).tolist()
    [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]
    """
    return np.full((int(n_cities), int(k)), 1.0 / k)


def gnn(coords: np.ndarray, neighbors: np.ndarray, *,
        device: str | torch.device = "auto") -> np.ndarray:
    """Edge probabilities predicted by the graph neural network of ``learned/gnn.py``."""
    try:
        from learned.gnn import predict_edge_scores
    except ImportError as error:
        raise ValueError("the gnn heatmap needs learned/gnn.py (predict_edge_scores), which is "
                         f"not available ({error}); use heatmap='softdist' or "
                         "'knn-prior'") from None
    if coords is None:
        raise ValueError("the gnn heatmap needs city coordinates; this instance has none "
                         "(EXPLICIT): use heatmap='softdist' or 'knn-prior'")
    try:
        raw = predict_edge_scores(np.asarray(coords, dtype=float), neighbors,
                                  device=str(resolve_device(device)))
    except FileNotFoundError as error:
        raise ValueError(f"the gnn heatmap needs the trained GNN checkpoint: {error}") from None
    scores = np.asarray(raw, dtype=np.float64)
    if scores.shape != neighbors.shape or not np.all(np.isfinite(scores)) or np.any(scores < 0):
        raise ValueError(f"learned.gnn.predict_edge_scores returned {scores.shape} scores with "
                         f"non-finite or negative entries; expected finite (N, k) = "
                         f"{neighbors.shape} probabilities")
    return _normalise_rows(scores)


def heatmap(kind: str, neighbors: np.ndarray, neighbor_dist: np.ndarray, *,
            coords: np.ndarray | None = None, device: str | torch.device = "auto",
            tau: float | None = None) -> np.ndarray:
    """The heatmap named ``kind`` on the candidate graph ``neighbors`` (N, k).

    Examples
    --------
    >>> import numpy as np
    >>> from learned.candidates import knn
    >>> xy = np.random.default_rng(0).random((50, 2))
    >>> nb = knn(xy, 6)
    >>> d = np.linalg.norm(xy[:, None] - xy[nb], axis=2)
    >>> h = heatmap("softdist", nb, d, device="cpu")
    >>> h.shape, bool(np.allclose(h.sum(axis=1), 1.0))
    ((50, 6), True)
    """
    neighbors = np.asarray(neighbors)
    if neighbors.ndim != 2 or neighbors.shape != np.shape(neighbor_dist):
        raise ValueError(f"heatmap: neighbors {neighbors.shape} and neighbor_dist "
                         f"{np.shape(neighbor_dist)} must be (N, k) arrays of the same shape")
    if tau is not None and kind != "softdist":
        raise ValueError(f"heatmap: tau applies to 'softdist' only, not to {kind!r}")
    n, k = neighbors.shape
    if kind == "softdist":
        return softdist(neighbor_dist, tau=tau, device=device)
    if kind == "knn-prior":
        return knn_prior(n, k, device=device)
    if kind == "uniform":
        return uniform(n, k)
    if kind == "gnn":
        return gnn(coords, neighbors, device=device)
    raise ValueError(f"unknown heatmap {kind!r}; choose one of {', '.join(HEATMAPS)}")


@lru_cache(maxsize=1)
def prior_table() -> tuple[np.ndarray, np.ndarray]:
    """The shipped k-NN prior: sizes (S,) and rank probabilities (S, R) (rank 1 first)."""
    try:
        data = json.loads(PRIOR_PATH.read_text())
        sizes = np.asarray(data["sizes"], dtype=float)
        table = np.asarray(data["probabilities"], dtype=float)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"the k-NN prior table {PRIOR_PATH} is missing or malformed ({error}); "
                         f"re-create it with learned/fit_knn_prior.py") from None
    if (table.ndim != 2 or table.shape[0] != sizes.size or sizes.size == 0
            or not np.all(np.isfinite(table)) or np.any(table < 0) or np.any(sizes < 2)):
        raise ValueError(f"the k-NN prior table {PRIOR_PATH} is malformed: expected one row of "
                         f"non-negative probabilities per size")
    return sizes, table


def _check_dist(neighbor_dist) -> np.ndarray:
    dist = np.asarray(neighbor_dist, dtype=np.float64)
    if dist.ndim != 2 or dist.shape[1] < 1 or dist.shape[0] < 1:
        raise ValueError(f"softdist: expected an (N, k) distance array, got shape {dist.shape}")
    if not np.all(np.isfinite(dist)) or np.any(dist < 0):
        bad = np.argwhere(~np.isfinite(dist) | (dist < 0))[0].tolist()
        raise ValueError(f"softdist: distances must be finite and non-negative, found "
                         f"{dist[tuple(bad)]} at {bad}")
    return dist


def _normalise_rows(scores: np.ndarray) -> np.ndarray:
    sums = scores.sum(axis=1, keepdims=True)
    k = scores.shape[1]
    return np.where(sums > 0, scores / np.where(sums > 0, sums, 1.0), 1.0 / k)
