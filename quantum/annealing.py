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
from quantum.timing import fits

PROBE = 10  # sweeps of the read that times a sweep when the first full read may not fit
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
                        deadline: float | None = None) -> Samples:
    """Anneal ``reads`` random starts for ``sweeps`` sweeps each; the final states as ``Samples``.

    The work is fixed by ``sweeps`` and ``reads``, so a seed fixes the result. With a
    ``deadline`` (a ``time.perf_counter()`` value) a read starts only while one as slow as
    the slowest so far still fits: the clock then decides how many reads run, and
    ``Samples.evaluations`` says how many sweeps did. When not even the first read fits (timed
    by a ``PROBE``-sweep read on a separate random stream), it alone runs, shortened to the
    sweeps that fit: the only case where the clock changes a read.

    >>> q = QUBO(Q=np.array([[-1.0, 2.0], [2.0, -1.0]]), offset=0.0, names=("a", "b"), decode=None)
    >>> s = simulated_annealing(q, sweeps=100, reads=4)
    >>> float(min(q.energies(s.bits)))
    -1.0
    """
    check_positive(sweeps=sweeps, reads=reads)
    Q = np.ascontiguousarray(qubo.Q, dtype=float)
    if not np.all(np.isfinite(Q)):
        raise ValueError("simulated annealing: the QUBO holds NaN or inf")
    rng = np.random.default_rng(seed)
    n = qubo.num_variables
    if deadline is not None and sweeps > PROBE:
        began = time.perf_counter()
        probe = np.random.default_rng(seed + 1)
        _anneal(Q, probe.integers(0, 2, size=n).astype(float), schedule(qubo, PROBE),
                probe.random((PROBE, n)))
        per_sweep = (time.perf_counter() - began) / PROBE
        if not fits(deadline, per_sweep * sweeps):
            sweeps = max(PROBE, int(0.8 * (deadline - time.perf_counter()) / per_sweep))
            reads = 1
    betas = schedule(qubo, sweeps)
    finals, slowest = [], 0.0
    for _ in range(reads):
        if finals and not fits(deadline, slowest):
            break
        began = time.perf_counter()
        x = rng.integers(0, 2, size=n).astype(float)
        finals.append(_anneal(Q, x, betas, rng.random((sweeps, n))))
        slowest = max(slowest, time.perf_counter() - began)
    return unique_samples(np.array(finals, dtype=np.int8), evaluations=len(finals) * sweeps)


def check_positive(**values) -> None:
    """Raise ``ValueError`` unless every value is a positive integer (``None`` allowed).

    >>> check_positive(sweeps=0)
    Traceback (most recent call last):
    ...
    ValueError: simulated annealing: sweeps must be a positive integer, got 0
    """
    for what, value in values.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 1):
            raise ValueError(f"simulated annealing: {what} must be a positive integer, "
                             f"got {value!r}")


class Annealer:
    """Simulated annealing with the inner-solver interface of ``quantum.variational``.

    Each ``run`` anneals ``rounds`` batches of ``reads`` reads; ``rounds=None`` repeats batches
    until the deadline it is given (one batch without a deadline). Every batch draws its seed
    from the annealer's own stream, so the first k batches are the same whatever the clock.

    >>> q = QUBO(Q=np.array([[-1.0, 2.0], [2.0, -1.0]]), offset=0.0, names=("a", "b"), decode=None)
    >>> float(min(q.energies(Annealer(sweeps=50, reads=4).run(q).bits)))
    -1.0
    """

    name = "sa"

    def __init__(self, *, sweeps: int = 1000, reads: int = 16, seed: int = 0,
                 rounds: int | None = 1):
        check_positive(sweeps=sweeps, reads=reads, rounds=rounds)
        self.sweeps, self.reads, self.rounds = sweeps, reads, rounds
        self.rng = np.random.default_rng(seed)
        self.batches = 0  # batches annealed so far, over all runs

    def check(self, num_qubits: int, what: str = "the encoding") -> None:
        """Annealing keeps a dense Q matrix: refuse beyond ``MAX_VARIABLES`` variables."""
        if num_qubits > MAX_VARIABLES:
            raise ValueError(f"{what} needs {num_qubits} variables; simulated annealing keeps "
                             f"a dense QUBO and handles at most {MAX_VARIABLES}")

    def run(self, qubo: QUBO, initial=None, deadline: float | None = None) -> Samples:
        """Anneal ``qubo`` (``initial`` is ignored: annealing restarts from random states)."""
        bits, counts, sweeps, done, slowest = [], [], 0, 0, 0.0
        while True:
            began = time.perf_counter()
            samples = simulated_annealing(qubo, sweeps=self.sweeps, reads=self.reads,
                                          seed=int(self.rng.integers(2**31)), deadline=deadline)
            slowest = max(slowest, time.perf_counter() - began)
            bits.append(samples.bits)
            counts.append(samples.weights * max(samples.evaluations // self.sweeps, 1))
            sweeps += samples.evaluations
            done += 1
            if self.rounds is not None and done >= self.rounds:
                break
            if deadline is None and self.rounds is None:
                break
            if not fits(deadline, slowest / self.reads):  # a round stops at the deadline
                break                                      # read by read: one read must fit
        self.batches += done
        return unique_samples(np.concatenate(bits), np.concatenate(counts), evaluations=sweeps)
