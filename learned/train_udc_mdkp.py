"""Train the MDKP item-scoring GNN of ``learned.udc_mdkp`` on CP-SAT solutions.

Training instances are Chu–Beasley style (``MDKP.random``: 100–250 items, 5/10/30
constraints, tightness 0.25/0.5/0.75) from seeds ``seed * 10**6 + i``; never the OR-Library
files. Each is labelled by CP-SAT (one worker, ``--label-seconds``, hinted with the LP
greedy packing): the label of an item is whether CP-SAT's best packing holds it. Labels are
best-found rather than proved optima for most instances of 250 items; the network learns
which items good packings take, and the LP relaxation is among its inputs. The loss is
binary cross-entropy over items.

Validation (16 instances from seeds ``7 * 10**8 + i``, 250 items): the mean gap to the
instance's CP-SAT label packing of greedy decoding plus the drop/add pass, by GNN scores,
LP values and random scores.

    python -m learned.train_udc_mdkp --instances 120 --epochs 30 --seed 0
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from ortools.sat.python import cp_model

from learned.checkpoint_io import save_network
from learned.node_gnn import NodeScorer
from learned.udc_mdkp import (CHECKPOINT, FEATURES, drop_add, graph_inputs, greedy_fill,
                              scores_for)
from problems import MDKP

TRAIN_SEED_STRIDE = 10**6
VALIDATION_SEED = 7 * 10**8


def cp_sat_label(problem: MDKP, seconds: float, seed: int) -> np.ndarray:
    """CP-SAT's best packing within ``seconds`` (one worker), hinted by the LP greedy."""
    start = greedy_fill(problem.profits, problem.weights, problem.capacities,
                        np.zeros(problem.size, dtype=np.int8),
                        np.argsort(-scores_for("lp", problem.profits, problem.weights,
                                               problem.capacities, seed), kind="stable"))
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{j}") for j in range(problem.size)]
    for row, capacity in zip(problem.weights.astype(np.int64), problem.capacities):
        model.add(cp_model.LinearExpr.weighted_sum(x, row.tolist()) <= int(capacity))
    model.maximize(cp_model.LinearExpr.weighted_sum(x, problem.profits.astype(np.int64).tolist()))
    for var, value in zip(x, start):
        model.add_hint(var, bool(value))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = seconds
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return start
    return np.array([solver.boolean_value(v) for v in x], dtype=np.int8)


def instance(rng: np.random.Generator, seed: int, n: int | None = None) -> MDKP:
    n = n or int(rng.choice([100, 150, 200, 250]))
    return MDKP.random(n, int(rng.choice([5, 10, 30])), float(rng.choice([0.25, 0.5, 0.75])),
                       seed=seed)


def labelled(problems: list[MDKP], seconds: float, log: str) -> list:
    data = []
    for k, problem in enumerate(problems):
        label = cp_sat_label(problem, seconds, k)
        features, index, weight = graph_inputs(problem.profits, problem.weights,
                                               problem.capacities)
        data.append((problem, features, index, weight, torch.from_numpy(label.astype(np.float32))))
        if (k + 1) % 20 == 0:
            print(f"{log}: labelled {k + 1}/{len(problems)}", flush=True)
    return data


def decoded_profit(problem: MDKP, scores: np.ndarray) -> float:
    x = greedy_fill(problem.profits, problem.weights, problem.capacities,
                    np.zeros(problem.size, dtype=np.int8), np.argsort(-scores, kind="stable"))
    drop_add(problem.profits, problem.weights, problem.capacities, x, np.inf)
    return float(problem.profits @ x)


def validate(model: NodeScorer, data: list) -> dict[str, float]:
    """Mean gap (%) to the label packing of greedy + drop/add by GNN, LP and random scores."""
    gaps = {"gnn": [], "lp": [], "random": []}
    model.eval()
    with torch.no_grad():
        for k, (problem, features, index, weight, label) in enumerate(data):
            reference = float(problem.profits @ label.numpy())
            scores = {"gnn": model(features, index, weight)[:problem.size].numpy(),
                      "lp": scores_for("lp", problem.profits, problem.weights,
                                       problem.capacities, k),
                      "random": np.random.default_rng(k).random(problem.size)}
            for key, value in scores.items():
                gaps[key].append(100 * (1 - decoded_profit(problem, value) / reference))
    model.train()
    return {key: round(float(np.mean(value)), 3) for key, value in gaps.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=120)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--label-seconds", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--out", default=str(CHECKPOINT))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    train = labelled([instance(rng, args.seed * TRAIN_SEED_STRIDE + i)
                      for i in range(args.instances)], args.label_seconds, "train")
    valid_rng = np.random.default_rng(VALIDATION_SEED)
    valid = labelled([instance(valid_rng, VALIDATION_SEED + i, n=250) for i in range(16)],
                     args.label_seconds, "validation")
    print(f"labels done in {time.perf_counter() - start:.0f}s", flush=True)
    model = NodeScorer(FEATURES, layers=args.layers, dim=args.dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    print(f"before training: {validate(model, valid)}", flush=True)
    for epoch in range(1, args.epochs + 1):
        losses = []
        for k in rng.permutation(len(train)):
            problem, features, index, weight, label = train[k]
            logits = model(features, index, weight)[:problem.size]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, label)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        if epoch % 5 == 0 or epoch == args.epochs:
            print(f"epoch {epoch} loss {np.mean(losses):.4f} {time.perf_counter() - start:.0f}s "
                  f"validation gaps % {validate(model, valid)}", flush=True)
    save_network(model, args.out, command=f"python -m learned.train_udc_mdkp --instances "
                 f"{args.instances} --epochs {args.epochs} --label-seconds {args.label_seconds} "
                 f"--seed {args.seed} --layers {args.layers} --dim {args.dim} --lr {args.lr}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
