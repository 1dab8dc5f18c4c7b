"""Neur2RO, its two ablations and exact CCG on a stratified subset of the robust knapsack files.

    .venv/bin/python bench/robust_knapsack.py [--sizes 20,30,40,50,60,70,80] [--per-cell 2]
        [--methods neur2ro,untrained,nominal] [--time-limit 60] [--shard 0/1] [--reverse]
        [--jsonl rows.jsonl]
    .venv/bin/python bench/robust_knapsack.py --summarize rows0.jsonl rows1.jsonl ...

Files: for each size n and correlation type (a "cell", numbered j in that order) up to two
files, one with h = 40 and Γ-factor ``DEVS[j % 3]``, δ ``DELTAS[j % 3]``, one with h = 80 and
``DEVS[(j + 1) % 3]``, ``DELTAS[(j + 2) % 3]`` (the h = 40 one first in even cells, the h = 80
one in odd cells, so ``--per-cell 1`` still alternates h): with every size and
``--per-cell 2`` that is 56 files covering both h, the three Γ factors and the three δ in
every size. ``--shard k/m`` keeps every m-th file from the k-th (run m shards side by side and
``--summarize`` their ``--jsonl`` rows; ``--reverse`` runs them largest first, so a second
process can work a shard from the other end — a file run twice counts once). Methods, each with ``--time-limit``: ``neur2ro``
(trained network), ``untrained`` (``neur2ro`` with ``surrogate="untrained"``), ``nominal``
(``surrogate="nominal"``) and, when asked for, ``ccg``; all run on one file before the next,
so a partial run compares the methods on the same rows. Every value is ``solve()``'s,
re-evaluated by the problem's exact ``evaluate``. "time s" is the method's wall time
(``Result.time_s``, the figure the time limit bounds); "total s" adds ``solve()``'s exact
re-evaluation of the answer; "cpu s" is this process's CPU time for the whole call (SCIP runs
in-process), the fairer figure on a shared machine. "rel err %" is
``(B&P best primal bound - value) / B&P`` (negative: better than B&P's value).
"""

from __future__ import annotations

import argparse
import json
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


def summarize(rows: list[dict]) -> None:
    """The summary table of ``rows`` (one dict per method and file), methods in first-seen order,
    then each learned variant against the ``nominal`` ablation file by file."""
    unique: dict[tuple[str, str], dict] = {}
    for row in rows:  # a file run twice (overlapping shards) counts once, its first run
        unique.setdefault((row["method"], row["instance"]), row)
    rows = list(unique.values())
    methods = list(dict.fromkeys(row["method"] for row in rows))
    print("\n| method | files | median rel err % | mean rel err % | max rel err % | "
          "mean time s | max time s | mean total s | mean cpu s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label in methods:
        mine = [row for row in rows if row["method"] == label]
        errors = np.array([row["error"] for row in mine])
        times = np.array([row["time_s"] for row in mine])
        totals = np.array([row["total_s"] for row in mine])
        cpus = np.array([row["cpu_s"] for row in mine])
        print(f"| {label} | {len(mine)} | {np.median(errors):.3f} | {errors.mean():.3f} | "
              f"{errors.max():.3f} | {times.mean():.1f} | {times.max():.1f} | "
              f"{totals.mean():.1f} | {cpus.mean():.1f} |")
    values = {(row["method"], row["instance"]): row["value"] for row in rows}
    for label in methods:
        for other in ("nominal", "untrained"):
            if label == "nominal" or other == label or other not in methods:
                continue
            common = [name for method, name in values if method == label
                      and (other, name) in values]
            diffs = np.array([values[label, name] - values[other, name] for name in common])
            tol = 1e-6 * np.maximum(1.0, np.abs([values[other, name] for name in common]))
            print(f"\n{label} against {other} on {len(common)} files: better on "
                  f"{int(np.sum(diffs > tol))}, equal on {int(np.sum(np.abs(diffs) <= tol))}, "
                  f"worse on {int(np.sum(diffs < -tol))}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20,30,40,50,60,70,80")
    parser.add_argument("--per-cell", type=int, default=2, choices=(1, 2))
    parser.add_argument("--methods", default="neur2ro,untrained,nominal")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--shard", default="0/1", help="k/m: every m-th file from the k-th")
    parser.add_argument("--jsonl", help="append one JSON row per method and file here")
    parser.add_argument("--reverse", action="store_true",
                        help="run the (shard's) files largest first")
    parser.add_argument("--summarize", nargs="+", metavar="JSONL",
                        help="print the summary of earlier --jsonl files and stop")
    args = parser.parse_args()
    if args.summarize:
        summarize([json.loads(line) for path in args.summarize
                   for line in Path(path).read_text().splitlines() if line.strip()])
        return
    shard, shards = (int(v) for v in args.shard.split("/"))
    methods = args.methods.split(",")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    if not INSTANCES.is_dir():
        print(f"no robust-knapsack instances at {INSTANCES}: nothing to run")
        return
    import torch

    torch.set_num_threads(1)
    files = stratified([int(s) for s in args.sizes.split(",")], args.per_cell)[shard::shards]
    if args.reverse:
        files.reverse()
    print(f"{len(files)} files, time limit {args.time_limit:g} s per method and file\n",
          flush=True)
    print("| instance | method | B&P value | value | rel err % | status | iterations | "
          "stopped | chosen | time s | total s | cpu s |")
    print("|---|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|")
    rows: list[dict] = []
    for path in files:
        problem = load(path)
        for label in methods:
            method, options = METHODS[label]
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                result = solve(problem, method, time_limit=args.time_limit, **options)
            except RuntimeError as error:  # a solver failure is a row, not the end of the run
                print(f"| {problem.name} | {label} | {problem.best_known:.10g} | - | - | "
                      f"error: {error} | - | - | - | - | {time.perf_counter() - start:.1f} | "
                      f"{time.process_time() - cpu_start:.1f} |", flush=True)
                continue
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            error = 100.0 * (problem.best_known - result.objective) / problem.best_known
            info = result.info
            row = {"instance": problem.name, "method": label, "best_known": problem.best_known,
                   "value": result.objective, "error": error, "time_s": result.time_s,
                   "total_s": wall, "cpu_s": cpu, "status": result.status,
                   "iterations": info.get("iterations"), "stopped": info.get("stopped"),
                   "chosen": info.get("chosen_candidate")}
            rows.append(row)
            if args.jsonl:
                with open(args.jsonl, "a") as out:
                    out.write(json.dumps(row) + "\n")
            print(f"| {problem.name} | {label} | {problem.best_known:.10g} | "
                  f"{result.objective:.10g} | {error:.3f} | {result.status} | "
                  f"{info.get('iterations', '-')} | {info.get('stopped', '-')} | "
                  f"{info.get('chosen_candidate', '-')} | {result.time_s:.1f} | {wall:.1f} | "
                  f"{cpu:.1f} |", flush=True)
    if rows:
        summarize(rows)


if __name__ == "__main__":
    main()
