"""Checkpoints of the shipped networks: ``{"config": constructor arguments, "model": weights}``.

Both networks (``learned.gnn.EdgeGNN``, ``learned.subpath_policy.SubpathPolicy``) keep their
constructor arguments in ``model.config``, so a checkpoint rebuilds its network by itself.

>>> import tempfile, torch
>>> from torch import nn
>>> class Tiny(nn.Linear):
...     def __init__(self, width):
...         super().__init__(width, 1)
...         self.config = {"width": width}
>>> path = Path(tempfile.mkdtemp()) / "tiny.pt"
>>> save_network(Tiny(3), path)
>>> load_network(Tiny, path, "cpu", "no command").in_features
3
"""

from __future__ import annotations

from pathlib import Path

import torch


def save_network(model: torch.nn.Module, path: str | Path, **meta) -> None:
    """Write ``model``'s config and weights (and any ``meta`` entries) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": model.config, "model": model.state_dict(), **meta}, path)


def load_network(network: type, path: str | Path, device: str, train_command: str):
    """The ``network`` stored at ``path``, on ``device``, in eval mode; a missing file raises
    ``FileNotFoundError`` naming ``train_command``, the command that writes it."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{network.__name__} checkpoint {path} is missing; train it with "
                                f"`{train_command}`")
    state = torch.load(path, map_location=device, weights_only=True)
    model = network(**state["config"])
    model.load_state_dict(state["model"])
    return model.to(device).eval()
