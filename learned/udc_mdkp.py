"""UDC for the multidimensional knapsack: learned item scores, item groups, reunion.

``udc_mdkp(profits, weights, capacities, ...)`` follows UDC's divide–conquer–reunion scheme:

1. **Dividing.** A node-scoring GNN (``learned.node_gnn.NodeScorer``) on the bipartite
   item–constraint graph (an edge per nonzero weight, weighing ``w_ij / c_i``; item inputs
   include the LP relaxation's value and reduced cost, constraint inputs the LP dual) gives
   each item a probability of being packed. Greedy decoding by decreasing score, items
   packed while they fit, gives the first solution. Items are then split into groups of
   ``group_size``, the least certain items (score nearest 1/2) first: the "core" of the
   knapsack, where the packings of an LP-guided greedy and an optimum differ.
2. **Conquering.** Each group in turn is a knapsack of its own: the other items stay as
   they are and the group gets each capacity minus what they use (so the union always fits).
   CP-SAT solves it (one worker, a deterministic time limit, the current items as hint); its
   answer replaces the group's items when it is not worse.
3. **Reunion.** Each round regroups the items (their certainty rank plus Gaussian noise of
   one group size, so borders move) with the capacities then left, and a drop/add pass
   (the best 1-1 exchange or addition, by profit, until none improves) polishes the whole
   solution after every round.

Every intermediate solution is feasible: items are only added where they fit.

>>> import numpy as np
>>> x, trace, info = udc_mdkp(np.array([5.0, 4, 3]), np.array([[4.0, 3, 2]]), np.array([5.0]),
...                           rounds=1, scores="lp")
>>> x.tolist(), info["profit"]
([0, 1, 1], 7.0)
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import numpy as np
import torch
from ortools.sat.python import cp_model
from scipy.optimize import linprog

from learned.checkpoint_io import load_network
from learned.node_gnn import NodeScorer

CHECKPOINT = Path(__file__).with_name("checkpoints") / "udc_mdkp_gnn.pt"
TRAIN_COMMAND = "python -m learned.train_udc_mdkp"
SCORE_MODES = ("gnn", "random", "lp")
FEATURES = 8
SCALE = 10**6  # non-integer data are scaled by this before CP-SAT (weights up, capacities down)
GROUP_DETERMINISTIC_TIME = 0.5  # CP-SAT's deterministic time limit per group
GROUP_SECONDS = 1.0  # and its wall limit per group


def lp_relaxation(profits, weights, capacities) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, reduced costs, duals) of the LP relaxation ``max p·x, W x <= c, 0 <= x <= 1``
    (HiGHS through ``scipy.optimize.linprog``).

    >>> x, rc, y = lp_relaxation(np.array([3.0, 2]), np.array([[2.0, 2]]), np.array([3.0]))
    >>> x.tolist(), y.tolist()
    ([1.0, 0.5], [1.0])
    """
    result = linprog(-profits, A_ub=weights, b_ub=capacities, bounds=(0, 1), method="highs")
    if result.status != 0:
        raise RuntimeError(f"the LP relaxation failed: {result.message}")
    duals = -result.ineqlin.marginals
    return result.x, profits - duals @ weights, duals


def graph_inputs(profits, weights, capacities):
    """Node features ``(n + m, FEATURES)``, edge index ``(2, 2E)`` and edge weights of the
    bipartite item–constraint graph (items ``0..n-1``, constraints ``n..n+m-1``).

    >>> x, index, weight = graph_inputs(np.array([3.0, 2]), np.array([[2.0, 1]]),
    ...                                 np.array([2.0]))
    >>> x.shape, index.shape, weight.shape
    (torch.Size([3, 8]), torch.Size([2, 4]), torch.Size([4]))
    """
    m, n = weights.shape
    x_lp, reduced, duals = lp_relaxation(profits, weights, capacities)
    relative = weights / np.maximum(capacities, 1e-9)[:, None]
    load = relative.sum(axis=0)
    mean_profit = max(np.abs(profits).mean(), 1e-9)
    efficiency = profits / np.maximum(load, 1e-9)
    items = np.zeros((n, FEATURES))
    items[:, 0] = 1.0
    items[:, 1] = x_lp
    items[:, 2] = reduced / mean_profit
    items[:, 3] = profits / mean_profit
    items[:, 4] = efficiency / max(np.abs(efficiency).mean(), 1e-9)
    items[:, 5] = load / max(load.mean(), 1e-9)
    rows = np.zeros((m, FEATURES))
    rows[:, 6] = np.minimum(capacities / np.maximum(weights.sum(axis=1), 1e-9), 1.0)
    rows[:, 7] = duals * np.maximum(capacities, 1e-9) / max(profits @ x_lp, 1e-9)
    constraint, item = np.nonzero(weights)
    scale = max(relative[constraint, item].mean(), 1e-12) if len(item) else 1.0
    edge_weight = relative[constraint, item] / scale
    src = np.concatenate([item, n + constraint])
    dst = np.concatenate([n + constraint, item])
    features = torch.from_numpy(np.concatenate([items, rows]).astype(np.float32))
    index = torch.from_numpy(np.stack([src, dst]).astype(np.int64))
    return features, index, torch.from_numpy(np.concatenate([edge_weight] * 2).astype(np.float32))


@functools.lru_cache(maxsize=2)
def load_model(path: str = str(CHECKPOINT)) -> NodeScorer:
    """The trained MDKP ``NodeScorer`` (cached)."""
    return load_network(NodeScorer, path, "cpu", TRAIN_COMMAND)


def predict_scores(profits, weights, capacities, model: NodeScorer | None = None) -> np.ndarray:
    """Probability per item of being packed, by the GNN."""
    model = model or load_model()
    with torch.no_grad():
        logits = model(*graph_inputs(profits, weights, capacities))
    return torch.sigmoid(logits[:len(profits)]).numpy().astype(np.float64)


def scores_for(mode: str, profits, weights, capacities, seed: int) -> np.ndarray:
    """Item scores of a ``mode``: ``"gnn"``, ``"random"`` (the ablation) or ``"lp"``
    (``sigmoid(reduced cost / its median size)``: 1/2 for the LP's fractional items, near 0
    or 1 for items far from the core)."""
    if mode == "gnn":
        return predict_scores(profits, weights, capacities)
    if mode == "random":
        return np.random.default_rng(seed).random(len(profits))
    if mode == "lp":
        _, reduced, _ = lp_relaxation(profits, weights, capacities)
        scale = max(float(np.median(np.abs(reduced))), 1e-12)
        return 1.0 / (1.0 + np.exp(-np.clip(reduced / scale, -50, 50)))
    raise ValueError(f"scores must be one of {SCORE_MODES}, got {mode!r}")


def greedy_fill(profits, weights, capacities, x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Add the items of ``order`` with positive profit that still fit (``x`` in place)."""
    slack = capacities - weights @ x
    for j in order:
        if not x[j] and profits[j] > 0 and np.all(weights[:, j] <= slack):
            x[j] = 1
            slack -= weights[:, j]
    return x


def drop_add(profits, weights, capacities, x: np.ndarray, deadline: float) -> np.ndarray:
    """Best-improvement exchanges (``x`` in place): add the most profitable item that fits,
    else swap one packed item for one more profitable unpacked item that fits in its place;
    until no move improves or ``deadline``."""
    while time.perf_counter() < deadline:
        slack = capacities - weights @ x
        packed, free = np.flatnonzero(x), np.flatnonzero(x == 0)
        if not len(free):
            break
        fits = np.all(weights[:, free] <= slack[:, None], axis=0) & (profits[free] > 0)
        if fits.any():
            x[free[np.argmax(np.where(fits, profits[free], -np.inf))]] = 1
            continue
        if not len(packed):
            break
        gain = profits[free][None, :] - profits[packed][:, None]
        room = slack[:, None, None] + weights[:, packed][:, :, None]
        swap_fits = np.all(weights[:, free][:, None, :] <= room, axis=0)
        gain = np.where(swap_fits, gain, -np.inf)
        best = np.unravel_index(np.argmax(gain), gain.shape)
        if gain[best] <= 0:
            break
        x[packed[best[0]]], x[free[best[1]]] = 0, 1
    return x


def _integer_data(weights, capacities) -> tuple[np.ndarray, np.ndarray]:
    """Integer weights and capacities for CP-SAT; scaled data round weights up and
    capacities down, so a CP-SAT answer always fits the real capacities."""
    if np.all(weights == np.round(weights)) and np.all(capacities == np.round(capacities)):
        return weights.astype(np.int64), np.floor(capacities).astype(np.int64)
    return np.ceil(weights * SCALE).astype(np.int64), np.floor(capacities * SCALE).astype(np.int64)


def conquer_group(profits, weights, capacities, x: np.ndarray, group: np.ndarray, seed: int,
                  seconds: float) -> bool:
    """Re-solve ``group`` by CP-SAT with the other items fixed (``x`` in place); True when
    the group's profit rose."""
    outside = capacities - weights @ x + weights[:, group] @ x[group]
    sub_weights, sub_capacities = _integer_data(weights[:, group], np.maximum(outside, 0.0))
    model = cp_model.CpModel()
    v = [model.new_bool_var(f"x{j}") for j in group]
    for row, capacity in zip(sub_weights, sub_capacities):
        model.add(cp_model.LinearExpr.weighted_sum(v, row.tolist()) <= int(capacity))
    scaled = np.round(profits[group] * SCALE / max(np.abs(profits[group]).max(), 1e-12))
    model.maximize(cp_model.LinearExpr.weighted_sum(v, scaled.astype(np.int64).tolist()))
    for var, value in zip(v, x[group]):
        model.add_hint(var, bool(value))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    solver.parameters.max_deterministic_time = GROUP_DETERMINISTIC_TIME
    solver.parameters.max_time_in_seconds = max(min(seconds, GROUP_SECONDS), 0.01)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    chosen = np.array([solver.value(var) for var in v], dtype=np.int8)
    if profits[group] @ chosen <= profits[group] @ x[group]:
        return False
    if np.any(weights[:, group] @ chosen > outside + 1e-9 * np.maximum(1, np.abs(outside))):
        return False
    x[group] = chosen
    return True


def udc_mdkp(profits, weights, capacities, *, time_limit: float | None = None, seed: int = 0,
             rounds: int | None = None, scores: str = "gnn", conquer: bool = True,
             group_size: int = 30, threads: int | None = 1):
    """A feasible packing of the knapsack ``(profits, weights (m, n), capacities)`` by UDC.

    Parameters
    ----------
    time_limit : seconds for the whole call; ``None`` needs ``rounds``.
    seed : seeds the grouping noise and CP-SAT; with ``rounds``, no time limit and groups
        that CP-SAT finishes within its deterministic limit, the answer is reproducible.
    rounds : regrouping rounds (``None``: until the time limit).
    scores : ``"gnn"`` (trained network), ``"random"`` (ablation) or ``"lp"``.
    conquer : ``False``: greedy decoding and the drop/add pass alone (the ablation of UDC
        against its own final improvement pass).
    group_size : items per group.
    threads : torch CPU threads while the GNN runs (``None``: leave torch's setting).

    Returns
    -------
    (0/1 int8 vector, trace of (seconds, profit), info dict).
    """
    start = time.perf_counter()
    profits = np.asarray(profits, dtype=float)
    weights = np.asarray(weights, dtype=float)
    capacities = np.asarray(capacities, dtype=float)
    if time_limit is None and rounds is None:
        raise ValueError("udc_mdkp needs a time_limit or a number of rounds")
    for name, value, low in (("rounds", rounds, 0), ("group_size", group_size, 1)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < low):
            raise ValueError(f"udc_mdkp: {name} must be an integer >= {low}, got {value!r}")
    deadline = start + time_limit if time_limit is not None else np.inf
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        item_scores = scores_for(scores, profits, weights, capacities, seed)
    finally:
        torch.set_num_threads(previous_threads)
    n = len(profits)
    x = greedy_fill(profits, weights, capacities, np.zeros(n, dtype=np.int8),
                    np.argsort(-item_scores, kind="stable"))
    trace = [(time.perf_counter() - start, float(profits @ x))]
    info = {"scores": scores, "initial_profit": trace[0][1], "rounds": 0, "groups": 0,
            "improving_groups": 0, "divide_s": trace[0][0]}

    def record():
        if profits @ x > trace[-1][1]:
            trace.append((time.perf_counter() - start, float(profits @ x)))

    drop_add(profits, weights, capacities, x, deadline)
    record()
    rng = np.random.default_rng(seed)
    rank = np.argsort(np.argsort(np.abs(item_scores - 0.5), kind="stable"), kind="stable")
    done = 0
    while conquer and (rounds is None or done < rounds) and time.perf_counter() < deadline:
        noise = rng.normal(size=n) * group_size * (1.0 if done else 0.0)
        order = np.argsort(rank + noise, kind="stable")
        for lo in range(0, n, group_size):
            if time.perf_counter() >= deadline:
                break
            info["groups"] += 1
            info["improving_groups"] += conquer_group(
                profits, weights, capacities, x, order[lo:lo + group_size],
                int(rng.integers(2**31)), deadline - time.perf_counter())
        drop_add(profits, weights, capacities, x, deadline)
        record()
        done += 1
    info["rounds"] = done
    if np.any(weights @ x > capacities + 1e-9 * np.maximum(1.0, capacities)):
        raise RuntimeError("udc_mdkp produced an overloaded packing; this is a bug")
    info["profit"] = float(profits @ x)
    return x, tuple(trace), info
