"""The Neur2RO second-stage network for ``problems.RobustKnapsack``: it learns the *loss*
``Δ(x, ξ) = Q(x, 0) - Q(x, ξ)`` that the scenario ξ causes, and the surrogate second stage is
``V(x, ξ) = Q(x, 0) - Δ̂(x, ξ)`` with the nominal recourse ``Q(x, 0)`` kept as an exact MILP
block (``solvers.algorithms.neur2ro``).

Why a residual: a first version learned ``Q / Σ f`` itself (1.3 % validation error), and the
CCG's main problem exploited that error: it chose selections with more items than the capacity
can produce, where the network over-estimated ``Q`` by 10–15 %, and lost to the plain nominal
second stage. With ``Q(x, 0)`` exact, capacity saturation is modelled exactly, the network only
has to get the (much smaller) loss right, and a network that predicts 0 gives back the nominal
method.

The output is ``Δ / loss_scale`` with ``loss_scale = 0.02 Σ f`` (targets of order 1).

DeepSets form, chosen so that both optimisation problems of the surrogate CCG stay small MILPs:

* per item ``i`` a feature vector ``z_i(ξ_i)`` (``item_features``): outsourcing cost,
  degradation and damage ``ξ_i p̂_i`` as shares of ``Σ f``, weight and repair weight as shares
  of the capacity, and ``ξ_i t_i / C``; every feature is a share of a total, so sums over the
  items mean the same thing for every n (the nominal profit ``p̄`` is left out: it does not
  enter ``Q``);
* a bias-free item encoder ``φ`` (two ReLU layers) and the selection-weighted sum
  ``e = Σ_i x_i φ(z_i)``: an unselected item contributes nothing, a bias would count items
  (and so depend on n), and for fixed ``ξ`` the sum is *linear* in the binary ``x`` (no big-M
  in the main problem's item layer);
* a value head ``ρ`` of ReLU layers with biases (the capacity makes ``Q`` a thresholded
  function of the aggregate).

>>> import torch
>>> from problems import RobustKnapsack
>>> net = ValueNetwork(seed=0)
>>> p = RobustKnapsack.random(6, seed=1)
>>> v = net.loss(p, np.ones(6), np.zeros(6))
>>> isinstance(v, float)
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

CHECKPOINT = Path(__file__).resolve().parent.parent / "checkpoints" / "neur2ro_rkp.pt"
TRAIN_COMMAND = ".venv/bin/python -m learned.neur2ro.train"
FEATURES = 6


def item_constants(problem) -> np.ndarray:
    """The ``ξ``-independent item features, shape (n, 4): ``f/Σf, p̂/Σf, c/C, t/C`` (the sums
    and ``C`` at least 1e-9 to stay finite).

    >>> from problems import RobustKnapsack
    >>> item_constants(RobustKnapsack.random(3, seed=0)).shape
    (3, 4)
    """
    total = max(float(np.sum(problem.outsourcing_cost)), 1e-9)
    capacity = max(float(problem.capacity), 1e-9)
    return np.column_stack([problem.outsourcing_cost / total, problem.degradation / total,
                            problem.weight / capacity, problem.repair_weight / capacity])


def item_features(constants: np.ndarray, xi: np.ndarray) -> np.ndarray:
    """Per-item network input ``[f/Σf, p̂/Σf, c/C, t/C, ξ p̂/Σf, ξ t/C]``, shape (..., n, 6).

    ``constants`` (n, 4) from ``item_constants``; ``xi`` (..., n).

    >>> item_features(np.ones((2, 4)), np.array([0.5, 0.0]))[:, 4:].tolist()
    [[0.5, 0.5], [0.0, 0.0]]
    """
    xi = np.asarray(xi, dtype=float)
    constants = np.broadcast_to(constants, xi.shape + (4,))
    return np.concatenate([constants, (xi * constants[..., 1])[..., None],
                           (xi * constants[..., 3])[..., None]], axis=-1)


LOSS_SCALE_SHARE = 0.02


def loss_scale(problem) -> float:
    """``0.02 Σ f``: the network predicts ``Δ / loss_scale`` (``0 <= Δ <= Σ p̂ ξ x``)."""
    return LOSS_SCALE_SHARE * max(float(np.sum(problem.outsourcing_cost)), 1e-9)


class ValueNetwork(nn.Module):
    """``Δ̂(x, ξ) / loss_scale = ρ(Σ_i x_i φ(z_i))``, ``φ`` = bias-free Linear-ReLU-Linear-ReLU,
    ``ρ`` = Linear-ReLU-Linear-ReLU-Linear (with biases).

    Parameters
    ----------
    item_widths : widths of the two item-encoder layers.
    head_widths : widths of the two hidden value-head layers.
    seed : initialisation seed (the untrained ablation uses it as is).

    The default widths are small on purpose: every hidden unit is a binary variable per item
    (adversarial problem) or per scenario (main problem) once embedded.
    """

    def __init__(self, item_widths=(16, 8), head_widths=(16, 8), seed: int = 0):
        super().__init__()
        self.config = {"item_widths": list(item_widths), "head_widths": list(head_widths),
                       "seed": seed}
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        (a, b), (c, d) = item_widths, head_widths
        self.item_layers = nn.ModuleList([nn.Linear(FEATURES, a, bias=False),
                                          nn.Linear(a, b, bias=False)])
        self.head_layers = nn.ModuleList([nn.Linear(b, c), nn.Linear(c, d), nn.Linear(d, 1)])
        torch.random.set_rng_state(generator_state)

    def embed_items(self, features: torch.Tensor) -> torch.Tensor:
        """``φ(z)`` for features of shape (..., 6)."""
        hidden = features
        for layer in self.item_layers:
            hidden = torch.relu(layer(hidden))
        return hidden

    def head(self, aggregate: torch.Tensor) -> torch.Tensor:
        """``ρ(e)`` for aggregates of shape (..., width): shape (...,)."""
        hidden = aggregate
        for layer in self.head_layers[:-1]:
            hidden = torch.relu(layer(hidden))
        return self.head_layers[-1](hidden).squeeze(-1)

    def forward(self, features: torch.Tensor, selection: torch.Tensor) -> torch.Tensor:
        """``Δ̂ / loss_scale`` for features (batch, n, 6) and selections ``x`` (batch, n) (0 on padding)."""
        return self.head((selection.unsqueeze(-1) * self.embed_items(features)).sum(dim=-2))

    def loss(self, problem, x, xi) -> float:
        """``Δ̂(x, ξ)`` in the problem's units for one instance, computed in the network's own
        precision."""
        dtype = self.head_layers[0].weight.dtype
        features = item_features(item_constants(problem), np.asarray(xi, dtype=float))
        with torch.no_grad():
            out = self(torch.as_tensor(features, dtype=dtype)[None],
                       torch.as_tensor(np.asarray(x, dtype=float), dtype=dtype)[None])
        return float(out[0]) * loss_scale(problem)

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every layer's ``(W, b)`` in float64 (``b`` zeros for the bias-free item encoder),
        item layers first; the MILP embedding reads these."""
        layers = []
        for layer in list(self.item_layers) + list(self.head_layers):
            weight = layer.weight.detach().double().numpy()
            bias = (layer.bias.detach().double().numpy() if layer.bias is not None
                    else np.zeros(weight.shape[0]))
            layers.append((weight, bias))
        return layers


def load_value_network(path: str | Path = CHECKPOINT) -> ValueNetwork:
    """The shipped (or given) checkpoint as a float64 network in eval mode."""
    from learned.checkpoint_io import load_network

    return load_network(ValueNetwork, path, "cpu", TRAIN_COMMAND).double()
