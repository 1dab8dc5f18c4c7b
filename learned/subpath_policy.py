"""The learned sub-solver of UDC conquering: open paths with two fixed end cities.

A sub-path of ``L`` cities is given as coordinates ``(L, 2)`` whose first city is the fixed
start and whose last city is the fixed end. ``SubpathPolicy`` (an attention model in the
style of Kool et al. 2019 and POMO) encodes the cities once and then appends one city at a
time, attending over the cities not yet visited; the end city closes the path.

It is trained by ``learned.train_udc_tsp policy`` with REINFORCE and a POMO-style shared
baseline: several rollouts of the same sub-path, each judged against their mean length.
At inference ``solve_subpaths`` runs all sub-paths of a round in one batch, each under
several symmetries of the plane (one greedy and some sampled rollouts per copy), and
returns the shortest path found per sub-path.

>>> import numpy as np
>>> xy = np.random.default_rng(0).random((4, 30, 2))
>>> orders = solve_subpaths(load_policy(device="cpu"), xy, samples=4)
>>> orders.shape, orders[:, 0].tolist(), orders[:, -1].tolist()
((4, 30), [0, 0, 0, 0], [29, 29, 29, 29])
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from learned.checkpoint_io import load_network

CHECKPOINT = Path(__file__).with_name("checkpoints") / "udc_tsp_subpath.pt"
CLIP = 10.0  # logits are CLIP * tanh(compatibility), as in Kool et al.
# The eight symmetries of the unit square, as (swap x/y, flip x, flip y).
SYMMETRIES = [(s, fx, fy) for s in (False, True) for fx in (False, True) for fy in (False, True)]


class SubpathPolicy(nn.Module):
    """Transformer encoder plus a pointer decoder for start-to-end Hamiltonian paths."""

    def __init__(self, dim: int = 64, layers: int = 3, heads: int = 4, ff: int = 128):
        super().__init__()
        self.config = {"dim": dim, "layers": layers, "heads": heads, "ff": ff}
        self.heads = heads
        self.embed = nn.Linear(2, dim)
        self.role = nn.Embedding(3, dim)  # 0: free city, 1: start, 2: end
        block = nn.TransformerEncoderLayer(dim, heads, ff, dropout=0.0, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.context = nn.Linear(3 * dim, dim, bias=False)
        self.keys = nn.Linear(dim, 3 * dim, bias=False)
        self.out = nn.Linear(dim, dim, bias=False)

    def encode(self, xy: torch.Tensor) -> torch.Tensor:
        """City embeddings ``(B, L, dim)`` of normalised sub-paths ``(B, L, 2)``."""
        length = xy.shape[1]
        role = torch.zeros(length, dtype=torch.long, device=xy.device)
        role[0], role[-1] = 1, 2
        return self.norm(self.encoder(self.embed(xy) + self.role(role)))

    def rollout(self, xy: torch.Tensor, rollouts: int = 1, greedy_first: bool = False,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Build ``rollouts`` paths per sub-path from one encoding.

        Returns ``orders (B, P, L)`` (start first, end last) and log-probabilities ``(B, P)``.
        All rollouts are sampled, except the first of each sub-path when ``greedy_first``.
        """
        batch, length, _ = xy.shape
        heads, P = self.heads, rollouts
        h = self.encode(xy)
        dim = h.shape[2]
        head_dim = dim // heads
        glimpse_k, glimpse_v, logit_k = self.keys(h).split(dim, dim=2)
        glimpse_k = glimpse_k.view(batch, length, heads, head_dim).permute(0, 2, 3, 1).contiguous()
        glimpse_v = glimpse_v.view(batch, length, heads, head_dim).transpose(1, 2).contiguous()
        logit_k = logit_k.transpose(1, 2).contiguous()
        w_current, w_static = self.context.weight.split([dim, 2 * dim], dim=1)
        static = (torch.cat([h[:, -1], h.mean(dim=1)], dim=1) @ w_static.T)[:, None, :]
        current_proj = h @ w_current.T
        rows = torch.arange(batch, device=xy.device)[:, None].expand(batch, P)
        visited = torch.zeros(batch, P, length, dtype=torch.bool, device=xy.device)
        visited[:, :, 0] = True
        blocked = visited.clone()
        blocked[:, :, -1] = True
        current = torch.zeros(batch, P, dtype=torch.long, device=xy.device)
        chosen = []
        logp = torch.zeros(batch, P, device=xy.device)
        for _ in range(1, length - 1):
            query = current_proj[rows, current] + static
            q = query.view(batch, P, heads, head_dim).transpose(1, 2)
            compat = (q @ glimpse_k) / math.sqrt(head_dim)
            compat = compat.masked_fill(visited[:, None], float("-inf"))
            glimpse = (torch.softmax(compat, dim=3) @ glimpse_v).transpose(1, 2)
            glimpse = self.out(glimpse.reshape(batch, P, dim))
            logits = (glimpse @ logit_k) / math.sqrt(dim)
            logits = (CLIP * torch.tanh(logits)).masked_fill(blocked, float("-inf"))
            log_probs = torch.log_softmax(logits, dim=2)
            flat = log_probs.reshape(batch * P, length).exp()
            choice = torch.multinomial(flat, 1, generator=generator).view(batch, P)
            if greedy_first:
                choice = torch.cat([log_probs[:, :1].argmax(dim=2), choice[:, 1:]], dim=1)
            logp = logp + torch.gather(log_probs, 2, choice[:, :, None]).squeeze(2)
            chosen.append(choice)
            visited = visited.scatter(2, choice[:, :, None], True)
            blocked = blocked.scatter(2, choice[:, :, None], True)
            current = choice
        first = torch.zeros(batch, P, 1, dtype=torch.long, device=xy.device)
        inner = torch.stack(chosen, dim=2) if chosen else first[:, :, :0]
        orders = torch.cat([first, inner, first + length - 1], dim=2)
        return orders, logp


    def log_likelihood(self, xy: torch.Tensor, paths: torch.Tensor) -> torch.Tensor:
        """Log-probability ``(B,)`` of given paths ``(B, L)`` (teacher forcing, all steps at once).

        Computes exactly what ``rollout`` would for the same choices, so it serves imitation
        of reference paths.
        """
        batch, length, _ = xy.shape
        heads, steps = self.heads, length - 2
        h = self.encode(xy)
        dim = h.shape[2]
        head_dim = dim // heads
        glimpse_k, glimpse_v, logit_k = self.keys(h).split(dim, dim=2)
        glimpse_k = glimpse_k.view(batch, length, heads, head_dim).permute(0, 2, 3, 1)
        glimpse_v = glimpse_v.view(batch, length, heads, head_dim).transpose(1, 2)
        w_current, w_static = self.context.weight.split([dim, 2 * dim], dim=1)
        static = (torch.cat([h[:, -1], h.mean(dim=1)], dim=1) @ w_static.T)[:, None, :]
        previous = paths[:, :steps]
        query = torch.gather(h, 1, previous[:, :, None].expand(-1, -1, dim)) @ w_current.T + static
        position = torch.empty_like(paths).scatter_(
            1, paths, torch.arange(length, device=xy.device).expand(batch, length))
        step = torch.arange(1, length - 1, device=xy.device)
        visited = position[:, None, :] < step[None, :, None]
        blocked = visited.clone()
        blocked[:, :, -1] = True
        q = query.view(batch, steps, heads, head_dim).transpose(1, 2)
        compat = (q @ glimpse_k) / math.sqrt(head_dim)
        compat = compat.masked_fill(visited[:, None], float("-inf"))
        glimpse = (torch.softmax(compat, dim=3) @ glimpse_v).transpose(1, 2)
        glimpse = self.out(glimpse.reshape(batch, steps, dim))
        logits = (glimpse @ logit_k.transpose(1, 2)) / math.sqrt(dim)
        logits = (CLIP * torch.tanh(logits)).masked_fill(blocked, float("-inf"))
        chosen = torch.log_softmax(logits, dim=2).gather(2, paths[:, 1:length - 1, None])
        return chosen.squeeze(2).sum(dim=1)


def normalise(xy: np.ndarray) -> np.ndarray:
    """Translate and scale each sub-path ``(B, L, 2)`` into the unit square, keeping its shape.

    >>> normalise(np.array([[[2.0, 2.0], [4.0, 3.0]]])).tolist()
    [[[0.0, 0.0], [1.0, 0.5]]]
    """
    low = xy.min(axis=1, keepdims=True)
    span = (xy.max(axis=1, keepdims=True) - low).max(axis=2, keepdims=True)
    return (xy - low) / np.where(span > 0, span, 1.0)


def symmetry(xy: torch.Tensor, index: int) -> torch.Tensor:
    """Apply the ``index``-th of the eight square symmetries to coordinates in [0, 1]²."""
    swap, flip_x, flip_y = SYMMETRIES[index % 8]
    x, y = xy[..., 0], xy[..., 1]
    if swap:
        x, y = y, x
    if flip_x:
        x = 1.0 - x
    if flip_y:
        y = 1.0 - y
    return torch.stack([x, y], dim=-1)


def path_lengths(xy: torch.Tensor, orders: torch.Tensor) -> torch.Tensor:
    """Length of each open path ``orders (B, L)`` over ``xy (B, L, 2)``."""
    ordered = torch.gather(xy, 1, orders[:, :, None].expand(-1, -1, 2))
    return (ordered[:, 1:] - ordered[:, :-1]).norm(dim=2).sum(dim=1)


def make_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A seeded torch generator on ``device`` for reproducible sampling."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    return generator


@functools.lru_cache(maxsize=4)
def load_policy(path: str = str(CHECKPOINT), device: str = "cpu") -> SubpathPolicy:
    """The trained ``SubpathPolicy`` from a checkpoint of ``learned.train_udc_tsp`` (cached)."""
    return load_network(SubpathPolicy, path, device, "python -m learned.train_udc_tsp policy")


def solve_subpaths(policy: SubpathPolicy, xy: np.ndarray, samples: int = 8,
                   generator: torch.Generator | None = None, symmetries: int = 4,
                   chunk: int = 256) -> np.ndarray:
    """Shortest path found per sub-path: ``orders (B, L)`` with ``orders[:, 0] == 0`` and
    ``orders[:, -1] == L - 1``.

    Parameters
    ----------
    policy : a trained ``SubpathPolicy`` (see ``load_policy``).
    xy : (B, L, 2) coordinates; the first city of each row is its start, the last its end.
    samples : rollouts per sub-path, spread over ``min(samples, symmetries)`` symmetric copies
        of the plane; the first rollout on each copy is greedy, the others are sampled.
    generator : torch generator for the sampled rollouts (seeded for reproducibility).
    symmetries : how many of the eight square symmetries to encode (1..8).
    chunk : the most sub-paths encoded in one forward pass (bounds memory).

    >>> xy = np.random.default_rng(1).random((2, 12, 2))
    >>> solve_subpaths(load_policy(device="cpu"), xy, samples=2).shape
    (2, 12)
    """
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 3 or xy.shape[2] != 2 or xy.shape[1] < 3:
        raise ValueError(f"sub-paths must have shape (B, L >= 3, 2), got {xy.shape}")
    if not isinstance(samples, int) or samples < 1:
        raise ValueError(f"samples must be a positive integer, got {samples!r}")
    if not isinstance(symmetries, int) or not 1 <= symmetries <= 8:
        raise ValueError(f"symmetries must be an integer in 1..8, got {symmetries!r}")
    batch, length, _ = xy.shape
    if length == 3:
        return np.tile(np.arange(3), (batch, 1))
    device = next(policy.parameters()).device
    base = torch.as_tensor(normalise(xy), dtype=torch.float32, device=device)
    copies = min(samples, symmetries)
    per_copy = -(-samples // copies)
    best_orders = torch.empty(batch, length, dtype=torch.long, device=device)
    with torch.inference_mode():
        for lo in range(0, batch, chunk):
            part = base[lo:lo + chunk]
            variants = torch.stack([symmetry(part, s) for s in range(copies)], dim=1)
            orders, _ = policy.rollout(variants.reshape(-1, length, 2), rollouts=per_copy,
                                       greedy_first=True, generator=generator)
            orders = orders.view(len(part), copies * per_copy, length)
            lengths = path_lengths(part.repeat_interleave(copies * per_copy, dim=0),
                                   orders.reshape(-1, length)).view(len(part), -1)
            best = lengths.argmin(dim=1)
            best_orders[lo:lo + chunk] = orders[torch.arange(len(part), device=device), best]
    return best_orders.cpu().numpy()
