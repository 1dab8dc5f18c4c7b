"""The edge-scoring GNN shared by UDC dividing and the MCTS ``gnn`` heatmap.

An anisotropic, edge-gated graph network (Joshi et al. 2019; the dividing network of UDC)
on the directed k-nearest-neighbour graph: row ``i`` of an ``(N, k)`` neighbour array holds
the ``k`` edges ``i -> neighbors[i, r]``. Everything is stored per edge, so memory is O(N·k).

Inputs are invariant to translation and scale: an edge carries its length and direction
divided by the local scale ``s_i`` (mean distance from ``i`` to its nearest neighbours), the
same length divided by ``s_j``, and its neighbour rank; a node carries ``log(s_i / median s)``.
The output is one logit per edge; a softmax over each row gives the probability that an
edge of a good tour leaves ``i`` towards that neighbour.

>>> import numpy as np
>>> from learned.candidates import knn
>>> coords = np.random.default_rng(0).random((50, 2))
>>> scores = predict_edge_scores(coords, knn(coords, 8))
>>> scores.shape, bool(np.allclose(scores.sum(axis=1), 1.0))
((50, 8), True)
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch_geometric.utils import scatter

from learned.checkpoint_io import load_network
from learned.device import resolve_device

CHECKPOINT = Path(__file__).with_name("checkpoints") / "udc_tsp_gnn.pt"
SCALE_NEIGHBOURS = 8  # the local scale s_i is the mean distance to this many nearest neighbours
RANK_SCALE = 16.0  # neighbour ranks enter as rank / RANK_SCALE
CHUNK_EDGES = 1 << 18  # edges per slice at inference: bounds the memory of huge graphs
EDGE_FEATURES = 5
NODE_FEATURES = 1


def edge_features(coords: np.ndarray, neighbors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale-free node features ``(N, 1)`` and edge features ``(N, k, 5)`` (float32).

    >>> from learned.candidates import knn
    >>> c = np.random.default_rng(1).random((20, 2))
    >>> x, e = edge_features(c, knn(c, 6))
    >>> x.shape, e.shape
    ((20, 1), (20, 6, 5))
    """
    n, k = neighbors.shape
    delta = coords[neighbors] - coords[:, None, :]
    dist = np.sqrt((delta ** 2).sum(axis=2))
    scale = dist[:, :min(k, SCALE_NEIGHBOURS)].mean(axis=1)
    typical = float(np.median(scale))
    if typical <= 0.0:  # more than half of the cities are stacked on top of others
        typical = float(scale.max()) if scale.max() > 0 else 1.0
    scale = np.maximum(scale, 1e-3 * typical)
    rank = np.broadcast_to(np.arange(k, dtype=float) / RANK_SCALE, (n, k))
    feats = np.stack([dist / scale[:, None], delta[..., 0] / scale[:, None],
                      delta[..., 1] / scale[:, None], dist / scale[neighbors], rank], axis=2)
    node = np.log(scale / typical)[:, None]
    return node.astype(np.float32), feats.astype(np.float32)


class EdgeGatedConv(nn.Module):
    """One residual anisotropic layer: edges update from both ends, nodes from gated messages.

    ``e' = A e + B h_i + C h_j``; ``h_i += SiLU(LN(U h_i + sum_j g_ij V h_j / sum_j g_ij))``
    with ``g = sigmoid(e')``, summed over the edges leaving ``i`` (``torch_geometric`` scatter);
    ``e += SiLU(LN(e'))``. With ``chunk`` (inference only) the edges are processed in slices
    of that many and ``e`` is updated in place, so the peak memory is one ``(E, dim)`` array.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.U, self.V = nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.A, self.B = nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.C = nn.Linear(dim, dim, bias=False)
        self.norm_h, self.norm_e = nn.LayerNorm(dim), nn.LayerNorm(dim)

    def forward(self, h: torch.Tensor, e: torch.Tensor, edge_index: torch.Tensor,
                chunk: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        n, edges = h.shape[0], e.shape[0]
        bh, ch, vh = self.B(h), self.C(h), self.V(h)
        if chunk is None or edges <= chunk:
            src, dst = edge_index
            e_hat = self.A(e) + bh[src] + ch[dst]
            gate = torch.sigmoid(e_hat)
            num = scatter(gate * vh[dst], src, dim=0, dim_size=n, reduce="sum")
            den = scatter(gate, src, dim=0, dim_size=n, reduce="sum")
            e = e + nn.functional.silu(self.norm_e(e_hat))
        else:
            if torch.is_grad_enabled():
                raise ValueError("chunked EdgeGatedConv is for inference (torch.no_grad) only")
            num, den = torch.zeros_like(h), torch.zeros_like(h)
            for lo in range(0, edges, chunk):
                src, dst = edge_index[:, lo:lo + chunk]
                e_hat = self.A(e[lo:lo + chunk]) + bh[src] + ch[dst]
                gate = torch.sigmoid(e_hat)
                num.index_add_(0, src, gate * vh[dst])
                den.index_add_(0, src, gate)
                e[lo:lo + chunk] += nn.functional.silu(self.norm_e(e_hat))
        h = h + nn.functional.silu(self.norm_h(self.U(h) + num / (den + 1e-6)))
        return h, e


class EdgeGNN(nn.Module):
    """Stack of ``EdgeGatedConv`` layers with an MLP that turns edge states into logits."""

    def __init__(self, layers: int = 8, dim: int = 48):
        super().__init__()
        self.config = {"layers": layers, "dim": dim}
        self.embed_node = nn.Linear(NODE_FEATURES, dim)
        self.embed_edge = nn.Linear(EDGE_FEATURES, dim)
        self.layers = nn.ModuleList(EdgeGatedConv(dim) for _ in range(layers))
        self.head = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, 1))

    def forward(self, x: torch.Tensor, e: torch.Tensor, edge_index: torch.Tensor,
                chunk: int | None = None) -> torch.Tensor:
        """Logits ``(E,)`` for node features ``(N, 1)``, edge features ``(E, 5)``, edges ``(2, E)``.

        ``chunk`` bounds the edges processed at once (inference only; see ``EdgeGatedConv``).
        """
        h, e = self.embed_node(x), self.embed_edge(e)
        for layer in self.layers:
            h, e = layer(h, e, edge_index, chunk)
        if chunk is None:
            return self.head(e).squeeze(1)
        return torch.cat([self.head(e[lo:lo + chunk]).squeeze(1)
                          for lo in range(0, e.shape[0], chunk)])


def edge_index_of(neighbors: np.ndarray) -> torch.Tensor:
    """The ``(2, N·k)`` edge index of the directed kNN graph, row-major like ``neighbors``."""
    n, k = neighbors.shape
    src = np.repeat(np.arange(n, dtype=np.int64), k)
    return torch.from_numpy(np.stack([src, neighbors.reshape(-1).astype(np.int64)]))


@functools.lru_cache(maxsize=4)
def load_model(path: str = str(CHECKPOINT), device: str = "cpu") -> EdgeGNN:
    """The trained ``EdgeGNN`` from a checkpoint written by ``learned.train_udc_tsp`` (cached)."""
    return load_network(EdgeGNN, path, device, "python -m learned.train_udc_tsp gnn")


def predict_edge_scores(coords: np.ndarray, neighbors: np.ndarray,
                        device: str = "auto", checkpoint: str | Path | None = None) -> np.ndarray:
    """Row-normalised edge probabilities of the shipped GNN on the kNN graph ``neighbors``.

    Parameters
    ----------
    coords : (N, 2) city coordinates (any scale; features are scale-free).
    neighbors : (N, k) neighbour indices, e.g. ``knn(coords, 16)``; ``neighbors[i]`` must not
        contain ``i``. The network was trained with k between 8 and 24.
    device : ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    checkpoint : another checkpoint file; default the shipped ``udc_tsp_gnn.pt``.

    Returns
    -------
    (N, k) float64 array, each row summing to 1: ``scores[i, r]`` is the probability that a
    good tour goes from ``i`` to ``neighbors[i, r]``.

    >>> from learned.candidates import knn
    >>> c = np.random.default_rng(2).random((30, 2))
    >>> predict_edge_scores(c, knn(c, 5), device="cpu").shape
    (30, 5)
    """
    coords = check_coords(coords)
    neighbors = _check_neighbors(neighbors, len(coords))
    dev = resolve_device(device)
    model = load_model(str(checkpoint or CHECKPOINT), str(dev))
    node, feats = edge_features(coords, neighbors)
    n, k = neighbors.shape
    with torch.inference_mode():
        logits = model(torch.from_numpy(node).to(dev),
                       torch.from_numpy(feats.reshape(n * k, EDGE_FEATURES)).to(dev),
                       edge_index_of(neighbors).to(dev), chunk=CHUNK_EDGES)
        probs = torch.softmax(logits.view(n, k).double(), dim=1)
    return probs.cpu().numpy()


def check_coords(coords) -> np.ndarray:
    """``coords`` as a float (N, 2) array of at least 3 finite points, else ``ValueError``.

    >>> check_coords([[0, 0], [1, 0], [0, 1]]).shape
    (3, 2)
    """
    try:
        coords = np.asarray(coords, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"coords must be numbers ({error})") from None
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise ValueError(f"coords must have shape (N, 2), got {coords.shape}")
    if len(coords) < 3:
        raise ValueError(f"need at least 3 cities, got {len(coords)}")
    if not np.all(np.isfinite(coords)):
        bad = int(np.argwhere(~np.isfinite(coords))[0][0])
        raise ValueError(f"coords must be finite, city {bad} is {coords[bad].tolist()}")
    return coords


def _check_neighbors(neighbors, n: int) -> np.ndarray:
    neighbors = np.asarray(neighbors)
    if neighbors.ndim != 2 or neighbors.shape[0] != n or neighbors.shape[1] < 1:
        raise ValueError(f"neighbors must have shape (N={n}, k>=1), got {neighbors.shape}")
    if not np.issubdtype(neighbors.dtype, np.integer):
        raise ValueError(f"neighbors must hold integer city indices, got dtype {neighbors.dtype}")
    if neighbors.min() < 0 or neighbors.max() >= n:
        raise ValueError(f"neighbors holds indices outside 0..{n - 1}")
    rows = np.nonzero((neighbors == np.arange(n)[:, None]).any(axis=1))[0]
    if len(rows):
        raise ValueError(f"neighbors[{rows[0]}] contains city {rows[0]} itself")
    return neighbors
