"""Verify-and-repair of expanded bits: the problem's ``check``, a greedy repair, a local search.

``verify_and_repair(problem, bits)`` decodes the problem's own bits (the layout of
``problem.to_qubo()``: one bit per node or item, ``x[i, k]`` at ``i·n + k`` for QAP), asks the
problem's ``check`` whether the raw solution is feasible, repairs an infeasible one greedily and
then improves the (now feasible) solution by a local search:

* MIS: drop the node with the most selected neighbours (ties: highest degree) until
  independent; local search adds free nodes and makes (1, 2)-swaps (drop one node, add two of
  its non-adjacent "1-tight" neighbours);
* MDKP: drop the chosen item that uses the most of the overloaded capacities per unit of
  profit until every row fits; local search adds items that fit and swaps one item out and one
  in when that raises the profit and fits;
* QAP: the permutation sharing the most ones with the bits (Hungarian method); local search
  makes the best pairwise exchange until none improves;
* any other problem with ``to_qubo()`` and no slack: one-flip descent on the QUBO energy.

The repaired solution always passes ``check`` (asserted).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from problems.errors import InfeasibleSolution

TOLERANCE = 1e-9


@dataclass(frozen=True)
class Repaired:
    """What ``verify_and_repair`` did to one bit vector.

    ``raw_feasible`` and ``raw_objective`` describe the solution before any repair
    (``raw_objective`` is ``None`` when it was infeasible); ``repaired`` whether the greedy
    repair ran; ``objective`` the final, checked objective.
    """

    solution: Any
    bits: np.ndarray
    objective: float
    raw_feasible: bool
    raw_objective: float | None
    repaired: bool
    improved: bool


def decode(problem, bits) -> Any:
    """The problem's solution for its own bits (``to_qubo`` layout).

    >>> from problems import QAP
    >>> decode(QAP.random(2), [0, 1, 1, 0]).tolist()
    [1, 0]
    """
    bits = np.asarray(bits, dtype=np.int8)
    kind = type(problem).__name__
    if kind in ("MIS", "MDKP"):
        return bits.copy()
    if kind == "QAP":
        n = problem.size
        grid = bits.reshape(n, n)
        return np.where(grid.sum(axis=1) == 1, grid.argmax(axis=1), -1).astype(np.int64)
    return qubo_of(problem).decode(bits)


_QUBOS: dict[int, tuple[Any, Any]] = {}  # id(problem) -> (problem, its QUBO), the last few


def qubo_of(problem):
    """``problem.to_qubo()``, built once per problem for the last ``4`` problems asked about:
    the pipeline decodes and searches up to nine candidates, and building the dense QUBO of a
    1,000-node graph each time cost seconds of a 30 s limit.
    """
    key = id(problem)
    if key not in _QUBOS or _QUBOS[key][0] is not problem:
        while len(_QUBOS) >= 4:
            _QUBOS.pop(next(iter(_QUBOS)))
        _QUBOS[key] = (problem, problem.to_qubo())
    return _QUBOS[key][1]


def is_feasible(problem, solution) -> bool:
    """Whether ``problem.check`` accepts ``solution``."""
    try:
        problem.check(solution)
    except InfeasibleSolution:
        return False
    return True


def verify_and_repair(problem, bits, *, time_limit: float | None = None,
                      local_search: bool = True) -> Repaired:
    """Check the decoded ``bits``; repair greedily if infeasible; improve by local search.

    >>> from problems import MIS
    >>> r = verify_and_repair(MIS(3, [[0, 1], [1, 2]]), [1, 1, 0])
    >>> r.raw_feasible, r.repaired, r.bits.tolist(), r.objective
    (False, True, [1, 0, 1], 2.0)
    """
    kind = type(problem).__name__
    x = np.array(bits, dtype=np.int8).reshape(-1)
    solution = decode(problem, x)
    raw_feasible = is_feasible(problem, solution)
    raw_objective = problem.evaluate(solution) if raw_feasible else None
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    repair, improve = _ROUTINES.get(kind, (_qubo_descent, _qubo_descent))
    repaired = not raw_feasible
    if repaired:
        x = repair(problem, x)
    before = x.copy()
    if local_search:
        x = improve(problem, x, deadline)
    solution = decode(problem, x)
    problem.check(solution)
    return Repaired(solution=solution, bits=x, objective=problem.evaluate(solution),
                    raw_feasible=raw_feasible, raw_objective=raw_objective, repaired=repaired,
                    improved=bool(np.any(before != x)))


def _expired(deadline) -> bool:
    return deadline is not None and time.perf_counter() >= deadline


def _no_local_search(problem, x, deadline):
    return x


# ----------------------------------------------------------------------- MIS
def _adjacency(problem) -> np.ndarray:
    n = problem.size
    adjacency = np.zeros((n, n), dtype=bool)
    adjacency[problem.edges[:, 0], problem.edges[:, 1]] = True
    return adjacency | adjacency.T


def _mis_repair(problem, x):
    adjacency = _adjacency(problem)
    degree = adjacency.sum(axis=1)
    while True:
        conflicts = (adjacency[:, x.astype(bool)].sum(axis=1)) * x
        if not conflicts.any():
            return x
        worst = np.flatnonzero(conflicts == conflicts.max())
        x[worst[np.argmax(degree[worst])]] = 0


def _mis_local_search(problem, x, deadline):
    adjacency = _adjacency(problem)
    degree = adjacency.sum(axis=1)
    while not _expired(deadline):
        selected = x.astype(bool)
        tight = adjacency[:, selected].sum(axis=1)  # selected neighbours of every node
        free = np.flatnonzero(~selected & (tight == 0))
        if free.size:
            x[free[np.argmin(degree[free])]] = 1
            continue
        swapped = False
        for v in np.flatnonzero(selected):
            candidates = np.flatnonzero(adjacency[v] & ~selected & (tight == 1))
            if candidates.size < 2:
                continue
            inner = adjacency[np.ix_(candidates, candidates)]
            pairs = np.argwhere(~inner & ~np.eye(candidates.size, dtype=bool))
            if pairs.size:
                x[v] = 0
                x[candidates[pairs[0]]] = 1
                swapped = True
                break
        if not swapped:
            return x
    return x


# ---------------------------------------------------------------------- MDKP
def _mdkp_repair(problem, x):
    W, C, p = problem.weights, problem.capacities, problem.profits
    relative = W / np.maximum(C, 1e-12)[:, None]
    while True:
        over = W @ x - C > TOLERANCE * np.maximum(1.0, C)
        if not over.any():
            return x
        chosen = np.flatnonzero(x)
        pressure = relative[over][:, chosen].sum(axis=0)
        x[chosen[np.argmax(pressure / np.maximum(p[chosen], 1e-12))]] = 0


def _mdkp_local_search(problem, x, deadline):
    W, C, p = problem.weights, problem.capacities, problem.profits
    slack_tol = TOLERANCE * np.maximum(1.0, C)
    while not _expired(deadline):
        room = C - W @ x + slack_tol
        outside = np.flatnonzero(x == 0)
        fits = outside[np.all(W[:, outside] <= room[:, None], axis=0) & (p[outside] > 0)]
        if fits.size:
            x[fits[np.argmax(p[fits])]] = 1
            continue
        inside = np.flatnonzero(x == 1)
        if not inside.size or not outside.size:
            return x
        gain = p[outside][None, :] - p[inside][:, None]  # swap inside[a] out, outside[b] in
        after = room[:, None, None] + W[:, inside][:, :, None] - W[:, outside][:, None, :]
        ok = np.all(after >= 0, axis=0) & (gain > TOLERANCE)
        if not ok.any():
            return x
        a, b = np.unravel_index(int(np.argmax(np.where(ok, gain, -np.inf))), gain.shape)
        x[inside[a]], x[outside[b]] = 0, 1
    return x


# ----------------------------------------------------------------------- QAP
def _qap_repair(problem, x):
    n = problem.size
    rows, cols = linear_sum_assignment(-x.reshape(n, n).astype(float))
    out = np.zeros((n, n), dtype=np.int8)
    out[rows, cols] = 1
    return out.reshape(-1)


def _qap_local_search(problem, x, deadline):
    n = problem.size
    perm = x.reshape(n, n).argmax(axis=1)
    A, B = problem.flow, problem.distance
    cost = problem.evaluate(perm)
    while not _expired(deadline):
        best, move = cost, None
        for i in range(n):
            for j in range(i + 1, n):
                trial = perm.copy()
                trial[i], trial[j] = perm[j], perm[i]
                value = float(np.sum(A * B[np.ix_(trial, trial)]))
                if value < best - TOLERANCE * max(1.0, abs(best)):
                    best, move = value, trial
        if move is None:
            break
        perm, cost = move, best
    out = np.zeros((n, n), dtype=np.int8)
    out[np.arange(n), perm] = 1
    return out.reshape(-1)


# ---------------------------------------------------------- unconstrained QUBO
def _qubo_descent(problem, x, deadline=None):
    """One-flip steepest descent on ``problem.to_qubo()`` (no slack allowed)."""
    qubo = qubo_of(problem)
    if qubo.slack_bits:
        raise ValueError(f"verify_and_repair: {type(problem).__name__} has no repair routine "
                         "and its QUBO has slack bits")
    Q = np.asarray(qubo.Q, dtype=float)
    diagonal = np.diag(Q)
    xf = x.astype(float)
    field = 2.0 * (Q @ xf) - 2.0 * diagonal * xf + diagonal  # energy change of 0 -> 1
    tolerance = TOLERANCE * max(1.0, float(np.abs(diagonal).max(initial=0.0)))
    while not _expired(deadline):
        delta = (1.0 - 2.0 * xf) * field
        k = int(np.argmin(delta))
        if delta[k] >= -tolerance:
            break
        step = 1.0 - 2.0 * xf[k]
        xf[k] += step
        column = 2.0 * step * Q[:, k]
        column[k] = 0.0
        field += column
    return xf.astype(np.int8)


_ROUTINES = {"MIS": (_mis_repair, _mis_local_search),
             "MDKP": (_mdkp_repair, _mdkp_local_search),
             "QAP": (_qap_repair, _qap_local_search)}
