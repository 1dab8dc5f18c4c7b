"""Compiled forms every problem produces: a ``MILP`` and a ``QUBO``.

Both are plain data plus a ``decode`` that maps a raw answer (variable values or
bits) back to a solution of the source problem; nothing downstream needs to know
how the encoding was built.

Conventions
-----------
* ``MILP``: ``sense`` is the source problem's sense; objective value is
  ``objective @ x + objective_offset``; constraints ``row_lower <= A @ x <= row_upper``.
* ``QUBO``: energy ``x @ Q @ x + offset`` is always *minimised*. On every
  feasible assignment (slack bits set right) it equals the problem's objective
  for ``sense == "min"`` and minus the objective for ``sense == "max"``; every
  infeasible assignment has a strictly larger energy than the best feasible one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class MILP:
    """A mixed-integer linear program with its own ``decode``.

    >>> import numpy as np, scipy.sparse as sp
    >>> m = MILP(objective=np.array([1.0, 2.0]), A=sp.csr_matrix([[1.0, 1.0]]),
    ...          row_lower=np.array([-np.inf]), row_upper=np.array([1.0]),
    ...          lower=np.zeros(2), upper=np.ones(2), integer=np.array([True, True]),
    ...          names=("a", "b"), sense="max", decode=lambda v: np.round(v).astype(int))
    >>> m.num_variables, m.num_constraints
    (2, 1)
    """

    objective: np.ndarray
    A: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    names: tuple[str, ...]
    sense: str
    decode: Callable[[np.ndarray], Any]
    objective_offset: float = 0.0
    row_names: tuple[str, ...] | None = None

    def __post_init__(self):
        n = len(self.objective)
        if self.A.shape[1] != n:
            raise ValueError(f"MILP: A has {self.A.shape[1]} columns for {n} variables")
        m = self.A.shape[0]
        for what, arr, size in (("row_lower", self.row_lower, m), ("row_upper", self.row_upper, m),
                                ("lower", self.lower, n), ("upper", self.upper, n),
                                ("integer", self.integer, n)):
            if len(arr) != size:
                raise ValueError(f"MILP: {what} has length {len(arr)}, expected {size}")
        if len(self.names) != n:
            raise ValueError(f"MILP: {len(self.names)} names for {n} variables")
        if self.sense not in ("min", "max"):
            raise ValueError(f"MILP: sense must be 'min' or 'max', got {self.sense!r}")

    @property
    def num_variables(self) -> int:
        return len(self.objective)

    @property
    def num_constraints(self) -> int:
        return self.A.shape[0]

    def value(self, x: np.ndarray) -> float:
        return float(self.objective @ x + self.objective_offset)

    def is_feasible(self, x: np.ndarray, tol: float = 1e-6) -> bool:
        x = np.asarray(x, dtype=float)
        ax = self.A @ x
        return bool(np.all(ax >= self.row_lower - tol) and np.all(ax <= self.row_upper + tol)
                    and np.all(x >= self.lower - tol) and np.all(x <= self.upper + tol))


@dataclass(frozen=True)
class QUBO:
    """Minimise ``x @ Q @ x + offset`` over ``x`` in {0,1}^n, with its own ``decode``.

    ``Q`` is symmetric; the linear terms sit on its diagonal (x_i^2 = x_i).

    >>> import numpy as np
    >>> q = QUBO(Q=np.array([[-1.0, 1.0], [1.0, -1.0]]), offset=0.0, names=("a", "b"),
    ...          decode=lambda bits: bits, slack_bits=0)
    >>> q.energy(np.array([1, 0])), q.energy(np.array([1, 1]))
    (-1.0, 0.0)
    """

    Q: np.ndarray
    offset: float
    names: tuple[str, ...]
    decode: Callable[[np.ndarray], Any]
    slack_bits: int = 0
    penalty: float = 0.0
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        Q = np.asarray(self.Q, dtype=float)
        if Q.ndim != 2 or Q.shape[0] != Q.shape[1]:
            raise ValueError(f"QUBO: Q must be square, got shape {Q.shape}")
        if not np.allclose(Q, Q.T):
            raise ValueError("QUBO: Q must be symmetric")
        if len(self.names) != Q.shape[0]:
            raise ValueError(f"QUBO: {len(self.names)} names for {Q.shape[0]} variables")

    @property
    def num_variables(self) -> int:
        return self.Q.shape[0]

    def energy(self, bits: np.ndarray) -> float:
        x = np.asarray(bits, dtype=float)
        return float(x @ self.Q @ x + self.offset)

    def energies(self, bits: np.ndarray) -> np.ndarray:
        """Energies of many assignments, one per row of ``bits``."""
        x = np.asarray(bits, dtype=float)
        return np.einsum("ki,ij,kj->k", x, self.Q, x) + self.offset


class QUBOBuilder:
    """Accumulates linear, quadratic and squared-penalty terms into a symmetric ``Q``.

    >>> b = QUBOBuilder(["x", "y"])
    >>> b.add_linear(0, -1.0); b.add_squared_penalty({0: 1.0, 1: 1.0}, rhs=1.0, weight=2.0)
    >>> float(b.build(decode=lambda z: z).energy([1, 0]))
    -1.0
    """

    def __init__(self, names):
        self.names = list(names)
        self.Q = np.zeros((len(self.names), len(self.names)))
        self.offset = 0.0

    def add_variables(self, names) -> list[int]:
        start = len(self.names)
        self.names.extend(names)
        grown = np.zeros((len(self.names), len(self.names)))
        grown[:start, :start] = self.Q
        self.Q = grown
        return list(range(start, len(self.names)))

    def add_constant(self, value: float) -> None:
        self.offset += value

    def add_linear(self, i: int, coef: float) -> None:
        self.Q[i, i] += coef

    def add_quadratic(self, i: int, j: int, coef: float) -> None:
        """Add ``coef * x_i * x_j`` (i != j allowed or i == j for a linear term)."""
        if i == j:
            self.Q[i, i] += coef
        else:
            self.Q[i, j] += coef / 2.0
            self.Q[j, i] += coef / 2.0

    def add_squared_penalty(self, coefs: dict[int, float], rhs: float, weight: float) -> None:
        """Add ``weight * (sum_i coefs[i] x_i - rhs)^2``."""
        idx = np.fromiter(coefs.keys(), dtype=int)
        a = np.fromiter(coefs.values(), dtype=float)
        self.Q[np.ix_(idx, idx)] += weight * np.outer(a, a)
        self.Q[idx, idx] += -2.0 * weight * rhs * a
        self.offset += weight * rhs * rhs

    def add_inequality_with_slack(self, coefs: dict[int, float], rhs: float, weight: float,
                                  prefix: str) -> int:
        """Penalise ``sum coefs x <= rhs`` via log-encoded integer slack; returns slack bits added.

        Requires integer coefficients and rhs (scale first). The slack ``s`` ranges over
        ``0..rhs - min(lhs)`` and is written in binary with the last weight cut so the range is exact.
        """
        lo = sum(min(0.0, c) for c in coefs.values())
        span = int(np.floor(rhs - lo + 1e-9))
        if span < 0:
            raise ValueError(f"constraint {prefix} cannot be satisfied by any assignment")
        if span == 0:
            self.add_squared_penalty(coefs, rhs, weight)
            return 0
        weights = []
        remaining = span
        power = 1
        while remaining > 0:
            w = min(power, remaining)
            weights.append(w)
            remaining -= w
            power *= 2
        slack = self.add_variables([f"{prefix}_slack{k}" for k in range(len(weights))])
        full = dict(coefs)
        for s, w in zip(slack, weights):
            full[s] = float(w)
        self.add_squared_penalty(full, rhs, weight)
        return len(weights)

    def build(self, decode, slack_bits: int = 0, penalty: float = 0.0, info=None) -> QUBO:
        Q = (self.Q + self.Q.T) / 2.0
        return QUBO(Q=Q, offset=float(self.offset), names=tuple(self.names), decode=decode,
                    slack_bits=slack_bits, penalty=penalty, info=dict(info or {}))


def decode_bits(values, n: int) -> np.ndarray:
    """The first ``n`` entries of a raw answer, rounded to 0/1 (drops slack variables).

    >>> decode_bits([0.9999, 0.0, 1.0], 2)
    array([1, 0], dtype=int8)
    """
    return np.rint(np.asarray(values, dtype=float)[:n]).astype(np.int8)
