"""UDC (``method="udc"``) against OR-Tools on the TSP benchmarks, with both ablations.

    .venv/bin/python bench/tsp_udc.py [--sets 500,1000,10000,tsplib] [--count 4] [--first 0]
                                      [--budget 0.01] [--no-ablations] [--no-ortools] [--mcts]
    .venv/bin/python bench/tsp_udc.py --big 100000 --big-time 120   # memory check only

Every method gets ``budget·N`` seconds per instance (default 0.01·N) and runs in this one
process on one thread (``torch.set_num_threads(1)``; OR-Tools routing is single-threaded).
Columns:

* ``udc``: the full method (GNN dividing, policy conquering polished by 2-opt/Or-opt);
* ``ortools``: ``solve(p, "ortools", time_limit=...)``;
* ``mcts`` (with ``--mcts``): nqco's heatmap + MCTS method at the same budget;
* ablation of dividing: ``ri+both`` starts from a random-insertion tour instead of the GNN;
  ``gnn init`` / ``ri init`` are the two initial tours before any conquering;
* ablations of conquering on the same sub-paths: ``local`` (2-opt/Or-opt only, no policy)
  and ``policy`` (the learned sub-solver only, no 2-opt/Or-opt);
* ``no polish``: the full method without the whole-tour 2-opt/Or-opt between rounds
  (``polish_tour=False``), i.e. sub-path conquering and reunion alone, as in UDC.

All variants but ``no polish`` polish the whole tour between rounds.

Gaps are to the references of ``bench/tsp_sets.py`` (the same as the MCTS benchmark): an
LKH-3 run per TSP-500/1000 instance, the published LKH-3 mean for TSP-10000, the TSPLIB optimum.
Instances come from ../shared/benchmarks (skipped when absent).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bench.tsp_sets import (  # noqa: E402
    LKH_MEAN_10000, SHARED, fmt, instances, mean_gap, reference)
from problems import TSP  # noqa: E402
from solvers import solve  # noqa: E402
from solvers.result import gap  # noqa: E402

TSPLIB = ("eil51", "berlin52", "st70", "kroA100", "kroC100", "ch150", "a280", "pcb442",
          "rat783", "pr1002", "u1060", "vm1084", "pcb1173", "d1291", "fl1577", "d2103",
          "pcb3038", "fnl4461", "rl5915")
TARGETS = {"TSP-500": 3.0, "TSP-1000": 3.0, "TSP-10000": 6.0}
VARIANTS = {"udc": {}, "ri+both": {"init": "random_insertion"}, "local": {"conquer": "local"},
            "policy": {"conquer": "policy"}, "no polish": {"polish_tour": False}}


def run(problem, budget, ablations, others):
    limit = max(budget * problem.size, 0.05)
    row = {}
    for variant, options in VARIANTS.items():
        if variant != "udc" and not ablations:
            continue
        start = time.perf_counter()
        result = solve(problem, "udc", time_limit=limit, seed=0, **options)
        row[variant] = (result.objective, time.perf_counter() - start)
        if variant == "udc":
            row["gnn init"] = (result.info["initial_length"], result.info["divide_s"])
            row["rounds"] = result.info["rounds"]
        if variant == "ri+both":
            row["ri init"] = (result.info["initial_length"], result.info["divide_s"])
    for method in others:  # the other methods at the same budget
        start = time.perf_counter()
        result = solve(problem, method, time_limit=limit, seed=0)
        row[method] = (result.objective, time.perf_counter() - start)
    return limit, row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="500,1000,10000,tsplib")
    parser.add_argument("--count", type=int, default=None,
                        help="instances per set (default 16/16/4 and all TSPLIB names)")
    parser.add_argument("--first", type=int, default=0,
                        help="index of the first instance of each random set (to split a run)")
    parser.add_argument("--budget", type=float, default=0.01, help="seconds per city")
    parser.add_argument("--no-ablations", action="store_true")
    parser.add_argument("--no-ortools", action="store_true")
    parser.add_argument("--mcts", action="store_true",
                        help="add nqco's other TSP method, heatmap + MCTS, at the same budget")
    parser.add_argument("--big", type=int, default=None,
                        help="only run UDC on one generated instance of this size and report "
                             "its peak memory")
    parser.add_argument("--big-time", type=float, default=120.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.big:
        return big(args.big, args.big_time)
    if not SHARED.is_dir():
        print(f"no benchmark folder at {SHARED}: nothing to run")
        return
    ablations = not args.no_ablations
    others = (["ortools"] if not args.no_ortools else []) + (["mcts"] if args.mcts else [])
    solve(TSP.random(200, seed=1), "udc", rounds=1)  # load both networks and compile numba
    if args.mcts:
        solve(TSP.random(200, seed=1), "mcts", max_iterations=10)
    columns = ["udc"] + others + \
        (["gnn init", "ri init", "ri+both", "local", "policy", "no polish"] if ablations else [])
    print(f"UDC benchmark, {args.budget:g}·N s per instance and method, 1 thread\n")
    print("| set | instance | n | reference | ref value | budget s | rounds | "
          + " | ".join(f"{c} gap %" for c in columns) + " | udc s |")
    print("|---|---|---:|---|---:|---:|---:|" + "---:|" * len(columns) + "---:|")
    per_set: dict[str, dict[str, list]] = {}
    tsplib = TSPLIB[:args.count] if args.count else TSPLIB
    for set_name, problem in instances(args.sets.split(","), args.count, tsplib, args.first):
        limit, row = run(problem, args.budget, ablations, others)
        ref, ref_kind = reference(set_name, problem)
        store = per_set.setdefault(set_name, {c: [] for c in columns} | {"ref": []})
        store["ref"].append(ref)
        for c in columns:
            store[c].append(row[c][0])
        cells = [fmt(gap(row[c][0], ref, "min")) if ref else f"{row[c][0]:.4f}" for c in columns]
        print(f"| {set_name} | {problem.name} | {problem.size} | {ref_kind} | "
              f"{'-' if ref is None else f'{ref:.6g}'} | {limit:.2f} | {row['rounds']} | "
              + " | ".join(cells) + f" | {row['udc'][1]:.2f} |", flush=True)
    print("\nMean gap % per set (TSP-10000: gap of the mean length to the LKH-3 mean "
          f"{LKH_MEAN_10000}):\n")
    print("| set | instances | " + " | ".join(columns) + " | target % |")
    print("|---|---:|" + "---:|" * (len(columns) + 1))
    for set_name, store in per_set.items():
        cells = [fmt(mean_gap(set_name, store[c], store["ref"])) for c in columns]
        print(f"| {set_name} | {len(store['ref'])} | " + " | ".join(cells)
              + f" | {TARGETS.get(set_name, '-')} |")


def big(n: int, seconds: float) -> None:
    """UDC on a generated ``n``-city instance in a child process; prints its peak memory."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); import torch, time; "
            "torch.set_num_threads(1); from problems import TSP; from solvers import solve; "
            f"p = TSP.random({n}, seed=0); t = time.perf_counter(); "
            f"r = solve(p, 'udc', time_limit={seconds}); "
            "import resource; "
            "print(r.objective, r.info['initial_length'], r.info['rounds'], r.info['divide_s'], "
            "time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    length, initial, rounds, divide, wall, rss_kb = out.stdout.split()
    print(f"| n | time limit s | wall s | dividing s | rounds | initial length | final length | "
          f"final / sqrt(n) | peak RSS GB |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
          f"| {n} | {seconds:g} | {float(wall):.1f} | {float(divide):.1f} | {rounds} | "
          f"{float(initial):.2f} | {float(length):.2f} | {float(length) / n ** 0.5:.4f} | "
          f"{int(rss_kb) / 1e6:.2f} |")


if __name__ == "__main__":
    main()
