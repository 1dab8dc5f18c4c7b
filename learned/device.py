"""The torch device a learned component runs on: one rule for every caller.

``"auto"`` picks the first CUDA device when torch sees one, else the CPU; ``"cpu"``,
``"cuda"`` and ``"cuda:N"`` (or a ``torch.device`` of those types) are taken as given.
"""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """The ``torch.device`` for ``device``: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Raises ``ValueError`` for any other value, and when CUDA is asked for but torch sees no
    CUDA device.

    >>> resolve_device("cpu")
    device(type='cpu')
    >>> resolve_device("tpu")
    Traceback (most recent call last):
    ...
    ValueError: device must be 'auto', 'cpu' or 'cuda[:N]', got 'tpu'
    """
    if isinstance(device, torch.device):
        chosen = device
    elif device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            chosen = torch.device(device)
        except (RuntimeError, TypeError):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]', "
                             f"got {device!r}") from None
    if chosen.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was requested but torch sees no CUDA device; "
                         f"use device='auto' or 'cpu'")
    return chosen
