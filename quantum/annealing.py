"""Simulated annealing on a QUBO: the classical reference on the very QUBOs the circuits see.

Single-bit-flip Metropolis sweeps with a geometric schedule in the inverse temperature β, from
β_hot (the largest possible uphill flip accepted with probability 1/2) to β_cold (the smallest
uphill flip accepted with probability 1/100); the local fields are updated in O(n) per accepted
flip. The kernel is compiled with numba.
"""

from __future__ import annotations

import math
import time

import numba
import numpy as np

from problems.compiled import QUBO
from quantum.samples import Samples, unique_samples

PROBE = 10  # sweeps of the timing read
MAX_VARIABLES = 5000  # a dense 5000 x 5000 float64 QUBO is 200 MB


@numba.njit(cache=True)
def _anneal(Q, x, betas, uniforms):  # pragma: no cover - compiled
    n = x.size
    diagonal = np.diag(Q).copy()
    field = diagonal + 2.0 * (Q @ x - diagonal * x)
    for s in range(betas.size):
        beta = betas[s]
        for i in range(n):
            delta = (1.0 - 2.0 * x[i]) * field[i]
            if delta <= 0.0 or uniforms[s, i] < math.exp(-beta * delta):
                change = 1.0 - 2.0 * x[i]
                x[i] = 1.0 - x[i]
                for j in range(n):
                    if j != i:
                        field[j] += 2.0 * Q[j, i] * change
    return x


def schedule(qubo: QUBO, sweeps: int) -> np.ndarray:
    """Inverse temperatures, geometric from β_hot to β_cold (see the module docstring).

    >>> q = QUBO(Q=np.array([[1.0, 0.5], [0.5, -1.0]]), offset=0.0, names=("a", "b"), decode=None)
    >>> b = schedule(q, 3); bool(b[0] < b[-1])
    True
    """
    Q = np.asarray(qubo.Q, dtype=float)
    off = np.abs(Q - np.diag(np.diag(Q)))
    largest = float(np.max(np.abs(np.diag(Q)) + 2.0 * off.sum(axis=1)))
    magnitudes = np.concatenate((np.abs(np.diag(Q)), 2.0 * off.ravel()))
    magnitudes = magnitudes[magnitudes > 1e-12 * max(largest, 1e-300)]
    if largest <= 0 or magnitudes.size == 0:
        return np.ones(sweeps)
    hot = math.log(2.0) / largest
    cold = max(math.log(100.0) / float(magnitudes.min()), hot)
    return np.geomspace(hot, cold, sweeps)


def simulated_annealing(qubo: QUBO, *, sweeps: int = 1000, reads: int = 16, seed: int = 0,
                        time_limit: float | None = None) -> Samples:
    """Anneal ``reads`` random starts for ``sweeps`` sweeps each; the final states as ``Samples``.

    With a ``time_limit`` a short probe read first times a sweep and ``sweeps`` is lowered so
    that the reads fit; no new read starts once the limit has passed (at least one runs).

    >>> q = QUBO(Q=np.array([[-1.0, 2.0], [2.0, -1.0]]), offset=0.0, names=("a", "b"), decode=None)
    >>> s = simulated_annealing(q, sweeps=100, reads=4)
    >>> float(min(q.energies(s.bits)))
    -1.0
    """
    for what, value in (("sweeps", sweeps), ("reads", reads)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"simulated annealing: {what} must be a positive integer, "
                             f"got {value!r}")
    Q = np.ascontiguousarray(qubo.Q, dtype=float)
    if not np.all(np.isfinite(Q)):
        raise ValueError("simulated annealing: the QUBO holds NaN or inf")
    rng = np.random.default_rng(seed)
    n = qubo.num_variables
    start = time.perf_counter()
    finals = []
    if time_limit is not None and sweeps > PROBE:
        # a short probe read times one sweep, so that all reads fit into the time limit
        finals.append(_anneal(Q, rng.integers(0, 2, size=n).astype(float),
                              schedule(qubo, PROBE), rng.random((PROBE, n))))
        per_sweep = (time.perf_counter() - start) / PROBE
        sweeps = int(min(sweeps, max(PROBE, 0.8 * time_limit / (reads * per_sweep))))
    betas = schedule(qubo, sweeps)
    for _ in range(reads):
        x = rng.integers(0, 2, size=n).astype(float)
        finals.append(_anneal(Q, x, betas, rng.random((sweeps, n))))
        if time_limit is not None and time.perf_counter() - start >= time_limit:
            break
    return unique_samples(np.array(finals, dtype=np.int8),
                          evaluations=len(finals) * sweeps)


class Annealer:
    """Simulated annealing with the inner-solver interface of ``quantum.variational``.

    >>> q = QUBO(Q=np.array([[-1.0, 2.0], [2.0, -1.0]]), offset=0.0, names=("a", "b"), decode=None)
    >>> float(min(q.energies(Annealer(sweeps=50, reads=4).run(q).bits)))
    -1.0
    """

    name = "sa"

    def __init__(self, *, sweeps: int = 1000, reads: int = 16, seed: int = 0,
                 time_limit: float | None = None):
        self.sweeps, self.reads, self.time_limit = sweeps, reads, time_limit
        self.rng = np.random.default_rng(seed)

    def check(self, num_qubits: int, what: str = "the encoding") -> None:
        """Annealing keeps a dense Q matrix: refuse beyond ``MAX_VARIABLES`` variables."""
        if num_qubits > MAX_VARIABLES:
            raise ValueError(f"{what} needs {num_qubits} variables; simulated annealing keeps "
                             f"a dense QUBO and handles at most {MAX_VARIABLES}")

    def run(self, qubo: QUBO, initial=None) -> Samples:
        """Anneal ``qubo`` (``initial`` is ignored: annealing restarts from random states)."""
        return simulated_annealing(qubo, sweeps=self.sweeps, reads=self.reads,
                                   seed=int(self.rng.integers(2**31)), time_limit=self.time_limit)
