"""Random robust knapsack instances, made as the published files were.

``RobustKnapsack.random`` calls ``arslan_detienne``; a new family of instances goes here.
"""

from __future__ import annotations

import math

import numpy as np

from problems.robust_knapsack.model import RobustKnapsack

CORRELATIONS = ("UN", "WC", "ASC", "SC")


def arslan_detienne(n: int, correlation: str = "UN", h: int = 40, delta: float = 0.1,
                    budget_factor: float = 0.1, seed: int = 0) -> RobustKnapsack:
    """An instance from the Arslan & Detienne / Neur2RO generator (R = 1000, H = 100).

    ``c ~ U[1, R]``, ``C = floor(h / (H + 1) * sum c)``, ``Γ = budget_factor * n``;
    ``p̄``: UN ``U[1, R]``, WC ``c ± R/20``, ASC ``c + R/10 ± R/1000``, SC ``c + R/10``;
    ``p̂ = p̄ U[(1 - δ)/2, (1 + δ)/2]``; ``f = p̄ U[1.1, 1.5]``; ``t``: UN ``U[1, c]``,
    WC ``p̂/2 ± R/40``, ASC ``p̂/2 + c/10 ± R/1000``, SC ``p̂/2 + c/10``. Like the 504
    published files, every item value is rounded to an integer of at least 1.

    >>> arslan_detienne(20, "SC", h=80, delta=0.5, budget_factor=0.15, seed=1).name
    'RKP_SC_n20_R1000_H100_h80_dev0.15_d0.5_seed1'
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"RobustKnapsack.random: n must be a positive integer, got {n!r}")
    if correlation not in CORRELATIONS:
        raise ValueError(f"RobustKnapsack.random: correlation must be one of "
                         f"{', '.join(CORRELATIONS)}, got {correlation!r}")
    for what, value, low, high in (("h", h, 0, math.inf), ("delta", delta, 0, 1),
                                   ("budget_factor", budget_factor, 0, 1)):
        if not (isinstance(value, (int, float)) and low <= value <= high) \
                or isinstance(value, bool):
            raise ValueError(f"RobustKnapsack.random: {what} must be a number in "
                             f"[{low}, {high}], got {value!r}")
    R, H = 1000.0, 100.0
    rng = np.random.default_rng(seed)

    def integral(values):
        return np.maximum(np.rint(values), 1.0)

    c = integral(rng.uniform(1, R, n))
    if correlation == "UN":
        profit = integral(rng.uniform(1, R, n))
    elif correlation == "WC":
        profit = integral(rng.uniform(c - R / 20, c + R / 20))
    elif correlation == "ASC":
        profit = integral(rng.uniform(c + R / 10 - R / 1000, c + R / 10 + R / 1000))
    else:
        profit = c + R / 10
    degradation = integral(profit * rng.uniform((1 - delta) / 2, (1 + delta) / 2, n))
    outsourcing = integral(profit * rng.uniform(1.1, 1.5, n))
    if correlation == "UN":
        repair = integral(rng.uniform(1, c))
    elif correlation == "WC":
        repair = integral(rng.uniform(degradation / 2 - R / 40, degradation / 2 + R / 40))
    elif correlation == "ASC":
        base = degradation / 2 + c / 10
        repair = integral(rng.uniform(base - R / 1000, base + R / 1000))
    else:
        repair = integral(degradation / 2 + c / 10)
    return RobustKnapsack(profit=profit, degradation=degradation, repair_weight=repair,
                          weight=c, outsourcing_cost=outsourcing,
                          capacity=math.floor(h / (H + 1) * c.sum()), budget=budget_factor * n,
                          name=f"RKP_{correlation}_n{n}_R1000_H100_h{h:g}_dev{budget_factor:g}"
                               f"_d{delta:g}_seed{seed}")
