"""Training samples for the Neur2RO value network: (instance, x, ξ) with the exact ``Q(x, ξ)``.

Instances follow the benchmark's published generator rules (``RobustKnapsack.random``:
n in 20…80, the four correlation types, h in {40, 80}, δ in {0.1, 0.5, 1}, Γ-factor in
{0.1, 0.15, 0.2}) with seeds of their own; the benchmark files are never read. Per instance a
few first-stage decisions ``x`` (each item kept with a probability drawn per decision) and
per ``x`` a few scenarios ``ξ`` (a random support on the selected items, Dirichlet shares of a budget in
[0, Γ], clipped to [0, 1]). Labels: ``problem.recourse_values`` (MathOpt/SCIP, zero gap).

>>> samples = generate(2, decisions=1, scenarios=2, seed=0, sizes=(20,))
>>> samples["features"].shape, samples["selection"].shape, samples["target"].shape
((4, 20, 6), (4, 20), (4,))
"""

from __future__ import annotations

import numpy as np

from learned.neur2ro.network import item_constants, item_features, value_scale
from problems import RobustKnapsack
from problems.robust_knapsack import CORRELATIONS

SIZES = (20, 30, 40, 50, 60, 70, 80)
H_VALUES = (40, 80)
DELTAS = (0.1, 0.5, 1.0)
BUDGET_FACTORS = (0.1, 0.15, 0.2)


def random_instance(rng: np.random.Generator, sizes=SIZES) -> RobustKnapsack:
    """An instance drawn from the generator grid with a fresh seed."""
    return RobustKnapsack.random(int(rng.choice(sizes)), str(rng.choice(CORRELATIONS)),
                                 h=int(rng.choice(H_VALUES)), delta=float(rng.choice(DELTAS)),
                                 budget_factor=float(rng.choice(BUDGET_FACTORS)),
                                 seed=int(rng.integers(2**31)))


def random_selection(rng: np.random.Generator, n: int) -> np.ndarray:
    """``x`` with each item kept with a probability drawn from U[0.1, 0.9]."""
    return (rng.random(n) < rng.uniform(0.1, 0.9)).astype(float)


def random_scenario(rng: np.random.Generator, x: np.ndarray, budget: float) -> np.ndarray:
    """``ξ`` in Ξ: spend U[0, Γ] (Γ itself half of the time) on a random support of 1 to
    3Γ + 1 items, mostly selected ones, Dirichlet shares clipped to [0, 1]."""
    n = x.size
    xi = np.zeros(n)
    if budget <= 0 or rng.random() < 0.05:
        return xi
    spend = budget if rng.random() < 0.5 else rng.uniform(0, budget)
    pool = np.flatnonzero(x) if x.any() and rng.random() < 0.9 else np.arange(n)
    size = int(rng.integers(1, min(pool.size, int(3 * budget) + 1) + 1))
    support = rng.choice(pool, size=size, replace=False)
    xi[support] = np.minimum(rng.dirichlet(np.full(size, rng.uniform(0.3, 3.0))) * spend, 1.0)
    return xi


def generate(instances: int, decisions: int = 8, scenarios: int = 10, seed: int = 0,
             sizes=SIZES) -> dict[str, np.ndarray]:
    """Labelled samples padded to the largest size: ``features`` (m, N, 6), ``selection``
    (m, N), ``target`` ``Q / Σ f`` (m,), ``instance`` index (m,)."""
    rng = np.random.default_rng(seed)
    width = max(sizes)
    features, selections, targets, owners = [], [], [], []
    for k in range(instances):
        problem = random_instance(rng, sizes)
        n, constants, scale = problem.size, item_constants(problem), value_scale(problem)
        for _ in range(decisions):
            x = random_selection(rng, n)
            xis = [random_scenario(rng, x, problem.budget) for _ in range(scenarios)]
            labels = problem.recourse_values(x, xis) / scale
            for xi, label in zip(xis, labels):
                padded = np.zeros((width, 6))
                padded[:n] = item_features(constants, xi)
                chosen = np.zeros(width)
                chosen[:n] = x
                features.append(padded)
                selections.append(chosen)
                targets.append(label)
                owners.append(k)
    return {"features": np.array(features, dtype=np.float32),
            "selection": np.array(selections, dtype=np.float32),
            "target": np.array(targets, dtype=np.float32), "instance": np.array(owners)}
