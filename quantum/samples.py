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


class UniformSampler:
    """Control inner solver: ``shots`` uniformly random bitstrings, no circuit, no training.

    It has the inner-solver interface of ``quantum.variational`` (``check``, ``run``), so any
    pipeline can swap its circuit for it at the same number of samples.

    >>> from problems.compiled import QUBO
    >>> q = QUBO(Q=np.eye(3), offset=0.0, names=("a", "b", "c"), decode=None)
    >>> UniformSampler(shots=8, seed=0).run(q).bits.shape[1]
    3
    """

    name = "uniform"

    def __init__(self, *, shots: int = 1024, seed: int = 0):
        if not isinstance(shots, int) or isinstance(shots, bool) or shots < 1:
            raise ValueError(f"UniformSampler: shots must be a positive integer, got {shots!r}")
        self.shots, self.rng = shots, np.random.default_rng(seed)

    def check(self, num_qubits: int, what: str = "the encoding") -> None:
        """Any number of bits can be sampled."""

    def run(self, qubo, initial=None, deadline: float | None = None) -> Samples:
        """``shots`` uniform bitstrings over ``qubo``'s variables (``initial`` is ignored)."""
        bits = self.rng.integers(0, 2, size=(self.shots, qubo.num_variables))
        return unique_samples(bits, shots=self.shots)
