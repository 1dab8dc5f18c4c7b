"""The TSP as a MILP (Miller–Tucker–Zemlin) and as a QUBO (position encoding).

``TSP.to_milp`` and ``TSP.to_qubo`` call these. ``position_bit`` and
``position_length_builder`` are shared with the Lagrangian encodings of ``quantum/encodings.py``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from problems.compiled import MILP, QUBO, QUBOBuilder
from problems.errors import InfeasibleSolution

if TYPE_CHECKING:
    from problems.tsp.model import TSP

MILP_LIMIT = 60  # mtz_milp(): n(n-1) binaries
QUBO_LIMIT = 40  # position_qubo(): (n-1)² bits, a dense (n-1)²×(n-1)² matrix


def mtz_milp(tsp: TSP) -> MILP:
    """Miller–Tucker–Zemlin formulation, for n <= ``MILP_LIMIT``.

    Binaries ``x[i,j]`` (arc i→j, i != j) with one arc out of and one into every city;
    continuous order variables ``u[i]`` in ``[1, n-1]`` for i >= 1 with
    ``u[i] - u[j] + (n-1) x[i,j] <= n-2`` forbid every subtour that avoids city 0.
    ``decode`` follows the arcs from city 0 and returns the tour starting at 0.

    >>> from problems.tsp import TSP
    >>> m = mtz_milp(TSP.random(5, seed=0))
    >>> m.num_variables, m.num_constraints
    (24, 22)
    """
    n = tsp.size
    if n > MILP_LIMIT:
        raise ValueError(f"to_milp builds the MTZ formulation (n(n-1) binaries) only up to "
                         f"{MILP_LIMIT} cities; this instance has {n}. Use the routing "
                         f"baseline (method 'ortools') for larger instances")
    tails, heads = np.nonzero(~np.eye(n, dtype=bool))  # arc k goes tails[k] -> heads[k]
    arcs = len(tails)
    columns = arcs + n - 1  # the arcs, then u[1..n-1]
    every = np.arange(arcs)
    degree = sp.csr_matrix((np.ones(2 * arcs), (np.concatenate([tails, n + heads]),
                                                np.concatenate([every, every]))),
                           shape=(2 * n, columns))
    inner = np.flatnonzero((tails > 0) & (heads > 0))  # u_i - u_j + (n-1) x_ij <= n-2
    k = np.arange(len(inner))
    mtz = sp.csr_matrix((np.concatenate([np.ones(len(inner)), -np.ones(len(inner)),
                                         np.full(len(inner), n - 1.0)]),
                         (np.tile(k, 3), np.concatenate([arcs + tails[inner] - 1,
                                                         arcs + heads[inner] - 1, inner]))),
                        shape=(len(inner), columns))
    names = tuple(f"x[{i},{j}]" for i, j in zip(tails, heads)) + tuple(
        f"u[{i}]" for i in range(1, n))
    row_names = (tuple(f"out[{i}]" for i in range(n)) + tuple(f"in[{j}]" for j in range(n))
                 + tuple(f"mtz[{i},{j}]" for i, j in zip(tails[inner], heads[inner])))

    def decode(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if values.shape != (columns,):
            raise InfeasibleSolution(f"MILP values have shape {values.shape}, expected "
                                     f"({columns},)", constraint="form")
        chosen = values[:arcs] > 0.5
        successors = {}
        for i, j in zip(tails[chosen], heads[chosen]):
            if int(i) in successors:
                raise InfeasibleSolution(f"city {i} has two outgoing arcs",
                                         constraint="degree")
            successors[int(i)] = int(j)
        tour = [0]
        while len(tour) < n:
            nxt = successors.get(tour[-1])
            if nxt is None or nxt in tour:
                raise InfeasibleSolution(f"the arcs from city 0 close a subtour of "
                                         f"{len(tour)} cities, not a tour of {n}",
                                         constraint="subtour")
            tour.append(nxt)
        return np.array(tour, dtype=np.int64)

    return MILP(objective=np.concatenate([tsp.dense_matrix()[tails, heads], np.zeros(n - 1)]),
                A=sp.vstack([degree, mtz]).tocsr(),
                row_lower=np.concatenate([np.ones(2 * n), np.full(len(inner), -np.inf)]),
                row_upper=np.concatenate([np.ones(2 * n), np.full(len(inner), n - 2.0)]),
                lower=np.concatenate([np.zeros(arcs), np.ones(n - 1)]),
                upper=np.concatenate([np.ones(arcs), np.full(n - 1, n - 1.0)]),
                integer=np.concatenate([np.ones(arcs, bool), np.zeros(n - 1, bool)]),
                names=names, sense="min", decode=decode, row_names=row_names)


def position_qubo(tsp: TSP, penalty: float | None = None, encoding: str = "slack") -> QUBO:
    """Position encoding with city 0 fixed at position 0: (n-1)² bits, n <= ``QUBO_LIMIT``.

    Bit ``x[i,t]`` (``i, t`` in ``1..n-1``) puts city ``i`` at position ``t``. The energy is
    the tour length ``sum_t d(city_t, city_t+1)`` (closing through city 0) plus
    ``penalty * (sum_i (sum_t x[i,t] - 1)² + sum_t (sum_i x[i,t] - 1)²)``. There are no
    inequalities, hence no slack bits (``encoding`` is accepted for the common signature).

    Default penalty: ``L + max d`` with ``L`` the length of the tour ``0, 1, ..., n-1``.
    Every infeasible assignment breaks a one-hot row or column by at least 1, so its
    penalty part is >= ``penalty``, and its distance part is >= 0 (distances are
    non-negative): its energy exceeds ``L >= optimum``. A smaller explicit ``penalty``
    voids that guarantee. ``decode`` returns the tour starting at 0 or raises
    ``InfeasibleSolution`` when the bits are not a permutation matrix.

    >>> from problems.tsp import TSP
    >>> q = position_qubo(TSP.random(4, seed=0))
    >>> q.num_variables, q.decode([1, 0, 0, 0, 1, 0, 0, 0, 1]).tolist()
    (9, [0, 1, 2, 3])
    """
    n = tsp.size
    if encoding != "slack":
        raise ValueError(f"the TSP QUBO has only equality constraints, so it takes no slack "
                         f"encoding; encoding must be 'slack', got {encoding!r}")
    if n > QUBO_LIMIT:
        raise ValueError(f"to_qubo builds (n-1)² = {(n - 1) ** 2} bits with a dense matrix; "
                         f"it is offered up to {QUBO_LIMIT} cities, this instance has {n}")
    d = tsp.dense_matrix()
    identity = np.arange(n)
    if penalty is None:
        longest = float(d[~np.eye(n, dtype=bool)].max())
        penalty = tsp.evaluate(identity) + (longest if longest > 0 else 1.0)
    elif not (isinstance(penalty, (int, float, np.number)) and math.isfinite(penalty)
              and penalty > 0):
        raise ValueError(f"penalty must be a positive number, got {penalty!r}")
    m = n - 1

    builder = position_length_builder(d)
    for k in range(1, n):
        builder.add_squared_penalty({position_bit(k, t, n): 1.0 for t in range(1, n)}, 1.0,
                                    penalty)
        builder.add_squared_penalty({position_bit(i, k, n): 1.0 for i in range(1, n)}, 1.0,
                                    penalty)

    def decode(bits) -> np.ndarray:
        x = np.asarray(bits)
        if x.shape != (m * m,) or not np.all((x == 0) | (x == 1)):
            raise InfeasibleSolution(f"expected {m * m} bits of 0/1, got shape {x.shape}",
                                     constraint="form")
        grid = x.reshape(m, m).astype(int)  # grid[city - 1, position - 1]
        for axis, what, other in ((1, "city", "positions"), (0, "position", "cities")):
            sums = grid.sum(axis=axis)
            if np.any(sums != 1):
                k = int(np.flatnonzero(sums != 1)[0])
                raise InfeasibleSolution(f"{what} {k + 1} has {sums[k]} {other}, expected "
                                         f"exactly 1", constraint="one-hot")
        return np.concatenate([[0], 1 + grid.argmax(axis=0)]).astype(np.int64)

    return builder.build(decode=decode, penalty=float(penalty),
                         info={"encoding": "position", "fixed": "city 0 at position 0",
                               "cities": n})


def position_bit(city: int, position: int, n: int) -> int:
    """The bit saying ``city`` is at ``position`` (both 1..n-1; city 0 is fixed first).

    >>> position_bit(1, 1, 4), position_bit(3, 3, 4)
    (0, 8)
    """
    return (city - 1) * (n - 1) + (position - 1)


def position_length_builder(d: np.ndarray) -> QUBOBuilder:
    """The tour-length terms of the position encoding, without its one-hot penalties.

    City 0 is fixed at position 0; bit ``position_bit(i, t, n)`` says city ``i`` is at
    position ``t``. ``TSP.to_qubo`` adds the penalties, the Lagrangian encodings of
    ``quantum/encodings.py`` the constraint rows.

    >>> d = np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]])
    >>> q = position_length_builder(d).build(decode=None)
    >>> float(q.energy([1, 0, 0, 1]))  # tour 0, 1, 2
    6.0
    """
    n = d.shape[0]
    m = n - 1
    builder = QUBOBuilder([f"x[{i},{t}]" for i in range(1, n) for t in range(1, n)])
    for i in range(1, n):
        builder.add_linear(position_bit(i, 1, n), d[0, i])
        builder.add_linear(position_bit(i, m, n), d[i, 0])
        for t in range(1, m):
            for j in range(1, n):
                if j != i:
                    builder.add_quadratic(position_bit(i, t, n), position_bit(j, t + 1, n),
                                          d[i, j])
    return builder

