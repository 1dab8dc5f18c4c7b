"""The node-scoring GNN shared by UDC for MIS and for the multidimensional knapsack.

A stack of residual ``torch_geometric.nn.GraphConv`` layers (sum aggregation with edge
weights, so degrees and weights stay visible) with LayerNorm and SiLU, and a linear head:
one logit per node. MIS runs it on the graph itself; the knapsack on the bipartite
item–constraint graph (items and constraints are both nodes, an edge weighs ``w_ij / c_i``).

>>> import torch
>>> net = NodeScorer(features=3, layers=2, dim=8)
>>> edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
>>> net(torch.ones(3, 3), edge_index).shape
torch.Size([3])
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch_geometric.nn import GraphConv


class NodeScorer(nn.Module):
    """``layers`` residual GraphConv blocks of width ``dim`` over ``features`` node inputs."""

    def __init__(self, features: int, layers: int = 4, dim: int = 32):
        super().__init__()
        self.config = {"features": features, "layers": layers, "dim": dim}
        self.embed = nn.Linear(features, dim)
        self.convs = nn.ModuleList(GraphConv(dim, dim, aggr="mean") for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        self.head = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, 1))

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor,
                edge_weight: torch.Tensor | None = None) -> torch.Tensor:
        """Logits ``(N,)`` for node features ``(N, features)`` and a ``(2, E)`` edge index
        holding both directions of every edge."""
        h = self.embed(x)
        for conv, norm in zip(self.convs, self.norms):
            h = h + nn.functional.silu(norm(conv(h, edge_index, edge_weight)))
        return self.head(h).squeeze(1)


def undirected_index(edges: np.ndarray) -> torch.Tensor:
    """The ``(2, 2E)`` edge index holding ``u -> v`` and ``v -> u`` for each row of ``edges``.

    >>> undirected_index(np.array([[0, 1]])).tolist()
    [[0, 1], [1, 0]]
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    return torch.from_numpy(np.concatenate([edges, edges[:, ::-1]]).T.copy())
