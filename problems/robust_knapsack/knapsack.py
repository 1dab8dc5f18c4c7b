"""The recourse knapsack solved by dynamic programming over integer loads.

Each item has three states: skipped, produced (weight ``c``, gain ``a``) or produced and
repaired (weight ``c + t``, gain ``a + b``). ``value_function`` adds items one at a time to
``V(w)``, the best gain with load at most ``w``, for every ``w`` in ``0..C``; ``best_decision``
keeps the choices and walks them back. Both need integer weights and take ``O(items * C)``
time; ``hull_cuts`` lifts with the value function and ``worst_case.Recourse`` uses
``best_decision`` when ``fits`` (else SCIP).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from problems.robust_knapsack.model import RobustKnapsack

# Most DP cells (items x (C + 1)) an exact recourse by dynamic programming may take.
MAX_CELLS = 20_000_000


def integer_data(problem: RobustKnapsack) -> tuple[np.ndarray, np.ndarray, int]:
    """Weights, repair weights and capacity rounded down: exact for integer data, and for
    other data a relaxation (every decision that fits still fits).

    >>> from problems.robust_knapsack import RobustKnapsack
    >>> p = RobustKnapsack(profit=[8], degradation=[6], repair_weight=[1.5],
    ...                    weight=[2], outsourcing_cost=[10], capacity=5.5, budget=1)
    >>> integer_data(p)[1:]
    (array([1]), 5)
    """
    return (np.floor(problem.weight).astype(np.int64),
            np.floor(problem.repair_weight).astype(np.int64), math.floor(problem.capacity))


def is_integral(problem: RobustKnapsack) -> bool:
    """Whether weights, repair weights and capacity are integers (the DP is then exact)."""
    weight, repair, capacity = integer_data(problem)
    return bool(np.all(weight == problem.weight) and np.all(repair == problem.repair_weight)
                and capacity == problem.capacity)


def fits(problem: RobustKnapsack, items: int) -> bool:
    """Whether the DP over ``items`` items is exact and within ``MAX_CELLS``."""
    return is_integral(problem) and items * (math.floor(problem.capacity) + 1) <= MAX_CELLS


def add_item(value: np.ndarray, weight: int, repair: int, produce: float, fix: float
             ) -> np.ndarray:
    """``V`` after one more item (skip, produce with gain ``produce``, or also repair for
    ``fix`` more).

    >>> add_item(np.zeros(4), 2, 1, 5.0, 1.0).tolist()
    [0.0, 0.0, 5.0, 6.0]
    """
    best = value.copy()
    if weight < value.size:
        np.maximum(best[weight:], value[:value.size - weight] + produce, out=best[weight:])
    both = weight + repair
    if both < value.size:
        np.maximum(best[both:], value[:value.size - both] + produce + fix, out=best[both:])
    return best


def best_decision(weight: np.ndarray, repair: np.ndarray, capacity: int, produce: np.ndarray,
                  fix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An optimal ``(keep, repair)`` 0/1 pair of vectors for the items given.

    >>> best_decision(np.array([2, 2]), np.array([1, 1]), 5, np.array([4.0, 4.0]),
    ...               np.array([3.0, 1.0]))
    (array([1., 1.]), array([1., 0.]))
    """
    size = capacity + 1
    value = np.zeros(size)
    choices = np.zeros((len(weight), size), dtype=np.int8)
    for k in range(len(weight)):
        new = add_item(value, int(weight[k]), int(repair[k]), float(produce[k]), float(fix[k]))
        changed = new > value
        both = int(weight[k] + repair[k])
        if both < size:
            repaired = np.zeros(size, dtype=bool)
            repaired[both:] = new[both:] == value[:size - both] + produce[k] + fix[k]
            choices[k] = np.where(changed, np.where(repaired, 2, 1), 0)
        else:
            choices[k] = np.where(changed, 1, 0)
        value = new
    keep, fixed = np.zeros(len(weight)), np.zeros(len(weight))
    load = capacity
    for k in range(len(weight) - 1, -1, -1):
        choice = choices[k, load]
        if choice >= 1:
            keep[k] = 1.0
            load -= int(weight[k])
        if choice == 2:
            fixed[k] = 1.0
            load -= int(repair[k])
    return keep, fixed
