"""``Samples``: what every inner solver (QAOA, VQE, CVaR-VQE, annealing) hands back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Samples:
    """Distinct bitstrings drawn from a trained state (or found by annealing), with frequencies.

    ``bits`` is an int8 array (k, n), ``weights`` sums to 1; ``params`` are the trained angles
    (``None`` for annealing); ``value`` the final training objective in the QUBO's energy
    units; ``evaluations`` the circuit (energy) evaluations spent; ``shots`` the shots spent,
    the final sample included (training on exact probabilities costs no shots).

    >>> s = unique_samples(np.array([[0, 1], [0, 1], [1, 1]]))
    >>> s.bits.tolist(), s.weights.tolist()
    ([[0, 1], [1, 1]], [0.6666666666666666, 0.3333333333333333])
    """

    bits: np.ndarray
    weights: np.ndarray
    params: np.ndarray | None = None
    value: float = float("nan")
    evaluations: int = 0
    shots: int = 0


def unique_samples(bits: np.ndarray, counts: np.ndarray | None = None, **fields) -> Samples:
    """Merge repeated rows of ``bits`` (optionally weighted by ``counts``) into ``Samples``."""
    bits = np.asarray(bits, dtype=np.int8)
    counts = np.ones(len(bits)) if counts is None else np.asarray(counts, dtype=float)
    rows, inverse = np.unique(bits, axis=0, return_inverse=True)
    weights = np.bincount(inverse.ravel(), weights=counts, minlength=len(rows))
    return Samples(bits=rows, weights=weights / weights.sum(), **fields)
