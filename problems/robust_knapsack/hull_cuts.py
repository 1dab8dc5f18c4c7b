"""Valid inequalities for the recourse hull, lifted from a priced selection.

The robust value of a selection ``x`` is a maximum over the convex hull of its recourse
decisions (minimax over ``Ξ``, see ``formulations.scenario_milp``)::

    value(x) - first stage = max { f y - max_{ξ in Ξ} p̂ ξ (y - r) : (y, r) in conv K, y <= x },
    K = {(y, r) in {0,1}^2n : r <= y, c y + t r <= C}.

The main problem of ``ccg`` replaces ``conv K`` by its LP relaxation, a weaker but valid bound.
``hull_cut`` returns one inequality ``a y + b r <= γ``, valid for all of ``K``, that makes the
bound exact at a priced selection ``S``: with ``ξ*`` its worst case, ``a = f - p̂ ξ*`` and
``b = p̂ ξ*`` on ``S`` and ``γ = Q(S, ξ*)``, so on ``{y <= 1_S}`` the relaxed value is at most
``f y - p̂ ξ* (y - r) <= γ``, the worst case of ``S``. The coefficients of the items outside
``S`` are then lifted one by one (sequential up-lifting of a three-state item: ``a_j = γ -
V(C - c_j)``, ``a_j + b_j = γ - V(C - c_j - t_j)``, ``V`` the knapsack value function of the
items lifted so far), so the inequality stays valid for every selection and also bounds the
neighbours of ``S``.

``V`` is the dynamic programme over integer loads ``0..C``. Data that are not integers are
rounded down first (weights and capacity): that enlarges ``K``, so the inequality stays valid,
but it is then no longer exact at ``S``; ``HullCut.exact`` says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from problems.robust_knapsack.knapsack import add_item, integer_data, is_integral

if TYPE_CHECKING:
    from problems.robust_knapsack.model import RobustKnapsack

# Largest capacity the lifting takes (its value function has C + 1 entries).
MAX_CAPACITY = 10_000_000


@dataclass(frozen=True)
class HullCut:
    """``y_coef @ y + r_coef @ r <= rhs``, valid for every recourse decision of every ``x``.

    ``exact``: the data were integers, so ``rhs`` is the recourse optimum of the selection the
    cut was lifted from and the relaxed bound there equals its worst-case value.
    """

    y_coef: np.ndarray
    r_coef: np.ndarray
    rhs: float
    exact: bool


def hull_cut(problem: RobustKnapsack, selected, xi) -> HullCut:
    """The lifted inequality of the selection ``selected`` (0/1 vector) at its worst case ``xi``.

    Items outside the selection are lifted in order of decreasing weight.

    >>> from problems.robust_knapsack import RobustKnapsack
    >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
    ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
    >>> cut = hull_cut(p, [1, 1], [0.5, 0.5])
    >>> cut.y_coef.tolist(), cut.r_coef.tolist(), round(cut.rhs, 6), cut.exact
    ([7.0, 7.0], [3.0, 3.0], 17.0, True)
    """
    x = np.asarray(selected)
    xi = np.asarray(xi, dtype=float)
    if not fits(problem):
        raise ValueError(f"hull cuts need a capacity of at most {MAX_CAPACITY:,} (a dynamic "
                         f"programme over loads), got {problem.capacity:g}")
    weight, repair, capacity = integer_data(problem)
    damage = problem.degradation * xi
    y_coef = np.where(x == 1, problem.outsourcing_cost - damage, 0.0)
    r_coef = np.where(x == 1, damage, 0.0)
    value = np.zeros(capacity + 1)
    for i in np.flatnonzero(x == 1):
        value = add_item(value, weight[i], repair[i], y_coef[i], r_coef[i])
    rhs = float(value[capacity])
    for j in sorted(np.flatnonzero(x != 1), key=lambda j: -weight[j]):
        if weight[j] > capacity:
            continue  # never produced: any coefficient is valid, 0 keeps it neutral
        produce = rhs - value[capacity - weight[j]]
        y_coef[j] = produce
        if weight[j] + repair[j] <= capacity:
            r_coef[j] = rhs - value[capacity - weight[j] - repair[j]] - produce
        value = add_item(value, weight[j], repair[j], y_coef[j], r_coef[j])
    slack = 1e-9 * max(1.0, abs(rhs))  # float sums in the DP: keep the cut valid
    return HullCut(y_coef=y_coef, r_coef=r_coef, rhs=rhs + slack, exact=is_integral(problem))


def fits(problem: RobustKnapsack) -> bool:
    """Whether the capacity is small enough for the lifting's value function."""
    return problem.capacity < MAX_CAPACITY + 1
