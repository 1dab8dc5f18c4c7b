"""Exact column-and-constraint generation on the Arslan & Detienne robust knapsack files.

    .venv/bin/python bench/robust_knapsack_ccg.py [--sizes 20,30] [--per-type 3] \
        [--time-limit 60] [--hull-cuts on|off|both]

For each size and correlation type (UN, WC, ASC, SC) it takes ``--per-type`` files spread
evenly over the sorted names (so h, Γ-factor and δ vary), solves them with ``solve(p, "ccg")``
(the objective is recomputed by the problem's own exact ``evaluate``) and compares with the
branch-and-price best primal bound of ``ResultsForBranchAndPrice.csv``. "gap %" is CCG's
shortfall against that value (positive = worse); "own gap %" is CCG's (upper - lower) / lower;
"cpu s" the process CPU time of the call (SCIP runs in-process), "time s" its wall-clock.
``--hull-cuts off`` is plain CCG with scenario copies (the ablation). The B&P times are the
paper's, on other hardware. ``--generated K`` runs K unseen instances per size and type from
the published generator instead (h = 40, Γ-factor and δ cycling over 0.1/0.15/0.2 and
0.1/0.5/1, seeds 0..K-1), which have no B&P value.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from problems import RobustKnapsack, load  # noqa: E402
from solvers import solve  # noqa: E402

FOLDER = ROOT.parent / "shared" / "benchmarks" / "robust-knapsack"
INSTANCES = FOLDER / "TwoStageRobustKnapsackInstances"
TYPES = ("UN", "WC", "ASC", "SC")


def branch_and_price_times() -> dict[str, str]:
    """B&P seconds per file as printed (``TIME_LIMIT``, the 3 h limit, when not proved)."""
    table = FOLDER / "ResultsForBranchAndPrice.csv"
    if not table.is_file():
        return {}
    with open(table, newline="", encoding="utf-8-sig") as handle:
        return {row["File name"]: row["Time"] for row in csv.DictReader(handle)}


def chosen(size: int, kind: str, per_type: int) -> list[Path]:
    files = sorted(INSTANCES.glob(f"RKP_{kind}_n{size}_*"))
    if not files:
        return []
    picks = np.unique(np.linspace(0, len(files) - 1, per_type).round().astype(int))
    return [files[k] for k in picks]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20,30")
    parser.add_argument("--per-type", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--hull-cuts", choices=("on", "off", "both"), default="on")
    parser.add_argument("--generated", type=int, default=0)
    args = parser.parse_args()
    variants = {"on": (True,), "off": (False,), "both": (True, False)}[args.hull_cuts]
    if args.generated:
        generated(args, variants)
        return
    if not INSTANCES.is_dir():
        print(f"no robust-knapsack instances at {INSTANCES}: nothing to run")
        return
    bp_time = branch_and_price_times()
    print(f"CCG (MathOpt SCIP, 1 thread) vs branch-and-price, time limit {args.time_limit:g} s\n")
    print("| instance | n | B&P value | B&P proved | B&P time s | hull cuts | CCG value | gap % | "
          "own gap % | status | iterations | cuts | scenarios | cpu s | time s |")
    print("|---|---:|---:|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    summary: dict[tuple[int, bool], list[tuple[float, float, bool]]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        for kind in TYPES:
            for path in chosen(size, kind, args.per_type):
                problem = load(path)
                for cuts in variants:
                    start, cpu = time.perf_counter(), time.process_time()
                    result = solve(problem, "ccg", time_limit=args.time_limit, hull_cuts=cuts)
                    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
                    gap = result.gap_to(problem.best_known)
                    info = result.info
                    own = 100.0 * info["gap"]
                    summary.setdefault((size, cuts), []).append(
                        (gap, wall, result.status == "optimal"))
                    print(f"| {problem.name} | {size} | {problem.best_known:.10g} | "
                          f"{'yes' if problem.best_known_proven else 'no'} | "
                          f"{_seconds(bp_time.get(problem.name, '-'))} | "
                          f"{'on' if cuts else 'off'} | {result.objective:.10g} | {gap:.4f} | "
                          f"{own:.4f} | {result.status} | {info['iterations']} | "
                          f"{info['hull_cuts']} | {info['scenarios']} | {cpu:.1f} | "
                          f"{wall:.1f} |", flush=True)
    print()
    for (size, cuts), rows in summary.items():
        gaps = [g for g, _, _ in rows]
        print(f"n = {size}, hull cuts {'on' if cuts else 'off'}: "
              f"{sum(c for *_, c in rows)}/{len(rows)} proved optimal, "
              f"mean gap to B&P {np.mean(gaps):.4f} %, max {np.max(gaps):.4f} %, "
              f"median time {np.median([w for _, w, _ in rows]):.1f} s, "
              f"max {np.max([w for _, w, _ in rows]):.1f} s")


def generated(args, variants) -> None:
    print(f"CCG on generated instances, time limit {args.time_limit:g} s\n")
    print("| instance | n | hull cuts | value | own gap % | status | iterations | cuts | "
          "scenarios | cpu s | time s |")
    print("|---|---:|---|---:|---:|---|---:|---:|---:|---:|---:|")
    proved: dict[tuple[int, bool], list[float]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        for kind in TYPES:
            for seed in range(args.generated):
                problem = RobustKnapsack.random(size, kind, h=40, delta=(0.1, 0.5, 1.0)[seed % 3],
                                                budget_factor=(0.1, 0.15, 0.2)[seed % 3],
                                                seed=seed)
                for cuts in variants:
                    start, cpu = time.perf_counter(), time.process_time()
                    result = solve(problem, "ccg", time_limit=args.time_limit, hull_cuts=cuts)
                    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
                    info = result.info
                    if result.status == "optimal":
                        proved.setdefault((size, cuts), []).append(wall)
                    print(f"| {problem.name} | {size} | {'on' if cuts else 'off'} | "
                          f"{result.objective:.10g} | {100.0 * info['gap']:.4f} | "
                          f"{result.status} | {info['iterations']} | {info['hull_cuts']} | "
                          f"{info['scenarios']} | {cpu:.1f} | {wall:.1f} |", flush=True)
    print()
    for size in (int(s) for s in args.sizes.split(",")):
        for cuts in variants:
            times = proved.get((size, cuts), [])
            print(f"n = {size}, hull cuts {'on' if cuts else 'off'}: {len(times)}/"
                  f"{len(TYPES) * args.generated} proved"
                  + (f", max time to proof {max(times):.1f} s" if times else ""))


def _seconds(text: str) -> str:
    try:
        return f"{float(text):.3g}"
    except ValueError:
        return "3 h limit" if text == "TIME_LIMIT" else text


if __name__ == "__main__":
    main()
