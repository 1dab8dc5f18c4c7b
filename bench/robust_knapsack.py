"""Neur2RO, its two ablations and exact CCG on a stratified subset of the robust knapsack files.

    .venv/bin/python bench/robust_knapsack.py [--sizes 20,30,40,50,60,70,80] [--per-cell 2]
        [--methods neur2ro,untrained,nominal,ccg] [--time-limit 60]

Files: for each size n and correlation type (a "cell", numbered j in that order) up to two
files, one with h = 40 and Γ-factor ``DEVS[j % 3]``, δ ``DELTAS[j % 3]``, one with h = 80 and
``DEVS[(j + 1) % 3]``, ``DELTAS[(j + 2) % 3]`` (the h = 40 one first in even cells, the h = 80
one in odd cells, so ``--per-cell 1`` still alternates h): with every size and
``--per-cell 2`` that is 56 files covering both h, the three Γ factors and the three δ in
every size. Methods, each
with ``--time-limit``: ``neur2ro`` (trained network), ``untrained`` (``neur2ro`` with
``surrogate="untrained"``), ``nominal`` (``surrogate="nominal"``) and ``ccg``; all four run on
one file before the next, so a partial run compares the methods on the same rows. Every value
is ``solve()``'s, re-evaluated by the problem's exact ``evaluate`` (that re-evaluation is
inside "time s"); "cpu s" is this process's CPU time for the call (SCIP runs in-process), the
fairer figure on a shared machine. "rel err %" is
``(B&P best primal bound - value) / B&P`` (negative: better than B&P's value).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from problems import load  # noqa: E402
from solvers import solve  # noqa: E402

FOLDER = ROOT.parent / "shared" / "benchmarks" / "robust-knapsack"
INSTANCES = FOLDER / "TwoStageRobustKnapsackInstances"
TYPES = ("UN", "WC", "ASC", "SC")
DEVS = ("0.1", "0.15", "0.2")
DELTAS = ("0.1", "0.5", "1")
METHODS = {"neur2ro": ("neur2ro", {}), "untrained": ("neur2ro", {"surrogate": "untrained"}),
           "nominal": ("neur2ro", {"surrogate": "nominal"}), "ccg": ("ccg", {})}


def stratified(sizes, per_cell: int) -> list[Path]:
    """The files of the module docstring, in size then type order."""
    files = []
    for j, (size, kind) in enumerate((s, k) for s in sizes for k in TYPES):
        picks = [(40, DEVS[j % 3], DELTAS[j % 3]), (80, DEVS[(j + 1) % 3], DELTAS[(j + 2) % 3])]
        if j % 2:
            picks.reverse()
        for h, dev, delta in picks[:per_cell]:
            files.append(INSTANCES / f"RKP_{kind}_n{size}_R1000_H100_h{h}_dev{dev}_d{delta}")
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20,30,40,50,60,70,80")
    parser.add_argument("--per-cell", type=int, default=2, choices=(1, 2))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    methods = args.methods.split(",")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    if not INSTANCES.is_dir():
        print(f"no robust-knapsack instances at {INSTANCES}: nothing to run")
        return
    import torch

    torch.set_num_threads(1)
    files = stratified([int(s) for s in args.sizes.split(",")], args.per_cell)
    print(f"{len(files)} files, time limit {args.time_limit:g} s per method and file\n",
          flush=True)
    print("| instance | method | B&P value | value | rel err % | status | iterations | "
          "stopped | time s | cpu s |")
    print("|---|---|---:|---:|---:|---|---:|---|---:|---:|")
    rows: dict[str, list[tuple[float, float, float]]] = {m: [] for m in methods}
    for path in files:
        problem = load(path)
        for label in methods:
            method, options = METHODS[label]
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                result = solve(problem, method, time_limit=args.time_limit, **options)
            except RuntimeError as error:  # a solver failure is a row, not the end of the run
                print(f"| {problem.name} | {label} | {problem.best_known:.10g} | - | - | "
                      f"error: {error} | - | - | {time.perf_counter() - start:.1f} | "
                      f"{time.process_time() - cpu_start:.1f} |", flush=True)
                continue
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            error = 100.0 * (problem.best_known - result.objective) / problem.best_known
            rows[label].append((error, wall, cpu))
            info = result.info
            print(f"| {problem.name} | {label} | {problem.best_known:.10g} | "
                  f"{result.objective:.10g} | {error:.3f} | {result.status} | "
                  f"{info.get('iterations', '-')} | {info.get('stopped', '-')} | {wall:.1f} | "
                  f"{cpu:.1f} |",
                  flush=True)
    print("\n| method | files | median rel err % | mean rel err % | max rel err % | "
          "mean time s | max time s | mean cpu s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, entries in rows.items():
        if not entries:
            continue
        errors, walls, cpus = np.array(entries).T
        print(f"| {label} | {len(entries)} | {np.median(errors):.3f} | {errors.mean():.3f} | "
              f"{errors.max():.3f} | {walls.mean():.1f} | {walls.max():.1f} | "
              f"{cpus.mean():.1f} |")


if __name__ == "__main__":
    main()
