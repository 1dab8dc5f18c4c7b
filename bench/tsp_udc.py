"""UDC (``method="udc"``) against OR-Tools on the TSP benchmarks, with both ablations.

    .venv/bin/python bench/tsp_udc.py [--sets 500,1000,10000,tsplib] [--count 4]
                                      [--budget 0.01] [--no-ablations] [--no-ortools]
    .venv/bin/python bench/tsp_udc.py --big 100000 --big-time 120   # memory check only

Every method gets ``budget·N`` seconds per instance (default 0.01·N) and runs in this one
process on one thread (``torch.set_num_threads(1)``; OR-Tools routing is single-threaded).
Columns:

* ``udc``: the full method (GNN dividing, policy conquering polished by 2-opt/Or-opt);
* ``ortools``: ``solve(p, "ortools", time_limit=...)``;
* ablation of dividing: ``ri+both`` starts from a random-insertion tour instead of the GNN;
  ``gnn init`` / ``ri init`` are the two initial tours before any conquering;
* ablations of conquering on the same sub-paths: ``local`` (2-opt/Or-opt only, no policy)
  and ``policy`` (the learned sub-solver only, no 2-opt/Or-opt).

Gaps are to each instance's reference: the tour stored with TSP-500/1000 (Concorde; its
lengths average 0.2/0.5 % above the published Concorde means), the TSPLIB optimum, and for
TSP-10000, which ships no tour, the published LKH-3 mean 71.7778 (Fu et al. 2021; not
confirmed here, and a mean over all 16 instances, not per instance).
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

import numpy as np  # noqa: E402
import torch  # noqa: E402

from problems import TSP, load  # noqa: E402
from solvers import solve  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"
RANDOM_SETS = {"500": "tsp500_test_concorde.txt", "1000": "tsp1000_test_concorde.txt",
               "10000": "tsp10000_test_concorde.txt"}
DEFAULT_COUNT = {"500": 16, "1000": 16, "10000": 4}
LKH_MEAN_10000 = 71.7778
TSPLIB = ("eil51", "berlin52", "st70", "kroA100", "kroC100", "ch150", "a280", "pcb442",
          "rat783", "pr1002", "u1060", "vm1084", "pcb1173", "d1291", "fl1577", "d2103",
          "pcb3038", "fnl4461", "rl5915")
VARIANTS = {"udc": {}, "ri+both": {"init": "random_insertion"}, "local": {"conquer": "local"},
            "policy": {"conquer": "policy"}}


def instances(sets, count):
    for name in sets:
        if name in RANDOM_SETS:
            path = SHARED / "tsp-random" / RANDOM_SETS[name]
            if not path.exists():
                print(f"skipped TSP-{name}: {path} is missing")
                continue
            for index in range(count or DEFAULT_COUNT[name]):
                yield f"TSP-{name}", load(path, index=index)
        elif name == "tsplib":
            names = TSPLIB[:count] if count else TSPLIB
            for stem in names:
                path = SHARED / "tsplib" / f"{stem}.tsp"
                if path.exists():
                    yield "TSPLIB", load(path)
        else:
            raise SystemExit(f"unknown set {name!r}; choose from 500, 1000, 10000, tsplib")


def gap(value, reference):
    return None if reference is None else 100.0 * (value / reference - 1.0)


def fmt(value):
    return "-" if value is None else f"{value:.2f}"


def run(problem, budget, ablations, ortools):
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
    if ortools:
        start = time.perf_counter()
        result = solve(problem, "ortools", time_limit=limit, seed=0)
        row["ortools"] = (result.objective, time.perf_counter() - start)
    return limit, row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="500,1000,10000,tsplib")
    parser.add_argument("--count", type=int, default=None,
                        help="instances per set (default 16/16/4 and all TSPLIB names)")
    parser.add_argument("--budget", type=float, default=0.01, help="seconds per city")
    parser.add_argument("--no-ablations", action="store_true")
    parser.add_argument("--no-ortools", action="store_true")
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
    ablations, ortools = not args.no_ablations, not args.no_ortools
    solve(TSP.random(200, seed=1), "udc", rounds=1)  # load both networks and compile numba
    columns = ["udc"] + (["ortools"] if ortools else []) + \
        (["gnn init", "ri init", "ri+both", "local", "policy"] if ablations else [])
    print(f"UDC benchmark, {args.budget:g}·N s per instance and method, 1 thread\n")
    print("| set | instance | n | reference | budget s | rounds | "
          + " | ".join(f"{c} gap %" for c in columns) + " | udc s |")
    print("|---|---|---:|---:|---:|---:|" + "---:|" * len(columns) + "---:|")
    per_set: dict[str, dict[str, list]] = {}
    for set_name, problem in instances(args.sets.split(","), args.count):
        limit, row = run(problem, args.budget, ablations, ortools)
        reference = problem.best_known
        store = per_set.setdefault(set_name, {c: [] for c in columns})
        for c in columns:
            store[c].append(row[c][0])
        cells = [fmt(gap(row[c][0], reference)) if reference else f"{row[c][0]:.4f}"
                 for c in columns]
        ref_text = "-" if reference is None else f"{reference:.6g}"
        print(f"| {set_name} | {problem.name} | {problem.size} | {ref_text} | {limit:.2f} | "
              f"{row['rounds']} | " + " | ".join(cells) + f" | {row['udc'][1]:.2f} |", flush=True)
        store.setdefault("reference", []).append(reference)
    print("\nMean gap % per set (TSP-10000: gap of the mean length to the LKH-3 mean "
          f"{LKH_MEAN_10000}):\n")
    print("| set | instances | " + " | ".join(columns) + " |")
    print("|---|---:|" + "---:|" * len(columns))
    for set_name, store in per_set.items():
        refs = store["reference"]
        cells = []
        for c in columns:
            values = np.array(store[c], dtype=float)
            if all(r is not None for r in refs):
                cells.append(f"{np.mean(100 * (values / np.array(refs, dtype=float) - 1)):.2f}")
            elif set_name == "TSP-10000":
                cells.append(f"{100 * (values.mean() / LKH_MEAN_10000 - 1):.2f}")
            else:
                cells.append("-")
        print(f"| {set_name} | {len(refs)} | " + " | ".join(cells) + " |")


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
