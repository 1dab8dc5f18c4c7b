"""Exact references by enumeration (at most ``MAX_VARIABLES`` bits).

* ``minimise_qubo``: the ground state of a QUBO from its full cost vector.
* ``ExactMinimiser``: an inner solver with the interface of ``quantum.variational`` that returns
  the exact minimiser, so the multiplier loop sees the true dual function (tests, references).
* ``feasible_optimum``: the best feasible objective of an encoding over all bit strings, and
  from it ``optimal_probability`` (P(optimal) of a sampled distribution) and
  ``approximation_ratio``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from problems.compiled import QUBO
from quantum.ising import cost_vector, index_to_bits
from quantum.samples import Samples

MAX_VARIABLES = 24
CHUNK = 1 << 16


def _check_size(n: int, what: str) -> None:
    if n > MAX_VARIABLES:
        raise ValueError(f"{what} has {n} variables; exact enumeration handles at most "
                         f"{MAX_VARIABLES}")


def minimise_qubo(qubo: QUBO) -> tuple[float, np.ndarray]:
    """Minimum energy and one minimising bit vector (the lowest index among ties).

    >>> q = QUBO(Q=np.array([[-1.0, 2.0], [2.0, -1.0]]), offset=0.0, names=("a", "b"), decode=None)
    >>> energy, bits = minimise_qubo(q); energy, bits.tolist()
    (-1.0, [1, 0])
    """
    _check_size(qubo.num_variables, "the QUBO")
    costs = cost_vector(qubo)
    best = int(np.argmin(costs))
    return float(costs[best]), index_to_bits(np.array([best]), qubo.num_variables)[0]


class ExactMinimiser:
    """Inner solver returning the exact ground state of each QUBO (one sample, weight 1).

    >>> q = QUBO(Q=np.array([[-1.0, 2.0], [2.0, -1.0]]), offset=0.0, names=("a", "b"), decode=None)
    >>> ExactMinimiser().run(q).bits.tolist()
    [[1, 0]]
    """

    name = "exact"

    def check(self, num_qubits: int, what: str = "the encoding") -> None:
        _check_size(num_qubits, what)

    def run(self, qubo: QUBO, initial=None, deadline: float | None = None) -> Samples:
        energy, bits = minimise_qubo(qubo)
        return Samples(bits=bits[None, :], weights=np.ones(1), value=energy, evaluations=1)


@dataclass(frozen=True)
class Reference:
    """Best feasible objective (the problem's sense) and how many bit strings reach it."""

    objective: float
    bits: np.ndarray
    count: int
    feasible_count: int


def feasible_optimum(encoding) -> Reference:
    """Enumerate every assignment of the encoding's problem bits; the best feasible one.

    >>> from problems import MDKP
    >>> from quantum.encodings import make_encoding
    >>> ref = feasible_optimum(make_encoding(MDKP([3, 4, 5], [[2, 3, 4]], [5])))
    >>> ref.objective, ref.bits.tolist(), ref.count
    (7.0, [1, 1, 0], 1)
    """
    n = encoding.num_problem_bits
    _check_size(n, "the encoding")
    sign = -1.0 if encoding.problem.sense == "max" else 1.0
    best, best_bits, count, feasible_total = np.inf, None, 0, 0
    for start in range(0, 1 << n, CHUNK):
        bits = index_to_bits(np.arange(start, min(start + CHUNK, 1 << n)), n)
        feasible = encoding.feasible(bits)
        if not feasible.any():
            continue
        feasible_total += int(feasible.sum())
        values = encoding.objective(bits[feasible])
        low = float(values.min())
        ties = np.isclose(values, low, rtol=1e-9, atol=1e-9)
        if best_bits is None or low < best - 1e-9 * max(1.0, abs(best)):
            best, best_bits, count = low, bits[feasible][int(np.argmin(values))], int(ties.sum())
        elif np.isclose(low, best, rtol=1e-9, atol=1e-9):
            count += int(ties.sum())
    if best_bits is None:
        raise ValueError(f"{encoding.problem.name}: no assignment is feasible")
    return Reference(objective=sign * best, bits=best_bits, count=count,
                     feasible_count=feasible_total)


def optimal_probability(encoding, samples: Samples, reference: Reference) -> float:
    """Probability mass of raw samples (no repair) that are feasible and optimal.

    >>> from problems import MDKP
    >>> from quantum.encodings import make_encoding
    >>> enc = make_encoding(MDKP([3, 4, 5], [[2, 3, 4]], [5]))
    >>> s = Samples(bits=np.array([[1, 1, 0], [0, 0, 1]], np.int8), weights=np.array([0.25, 0.75]))
    >>> optimal_probability(enc, s, feasible_optimum(enc))
    0.25
    """
    sign = -1.0 if encoding.problem.sense == "max" else 1.0
    feasible = encoding.feasible(samples.bits)
    values = sign * encoding.objective(samples.bits)
    hit = feasible & np.isclose(values, reference.objective, rtol=1e-9, atol=1e-9)
    return float(samples.weights[hit].sum())


def approximation_ratio(value: float, optimum: float, sense: str) -> float:
    """``value / optimum`` for maximisation, ``optimum / value`` for minimisation (1 is best).

    >>> approximation_ratio(9.0, 10.0, "max"), approximation_ratio(12.0, 10.0, "min")
    (0.9, 0.8333333333333334)
    """
    if sense == "max":
        return value / optimum if optimum != 0 else float(value == optimum)
    return optimum / value if value != 0 else float(value == optimum)
