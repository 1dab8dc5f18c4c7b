"""Heatmap + MCTS (``method="mcts"``) against OR-Tools on the TSP benchmarks.

    .venv/bin/python bench/tsp_mcts.py [--sizes 500,1000,10000,tsplib] [--count 16] [--first 0]
                                       [--budget 0.05] [--variants heatmap=uniform,...]
                                       [--no-ortools] [--tsplib pcb442,rat783,...]
    .venv/bin/python bench/tsp_mcts.py --tau-grid [--grid-sizes 500,1000] [--grid-count 4]
                                       [--taus 0.1,0.2,0.3,0.5,1.0] [--grid-rounds 40]
    .venv/bin/python bench/tsp_mcts.py --big 100000 --big-time 60     # memory check only

Every method gets ``budget·N`` seconds per instance (default 0.05·N) in this one process,
on one thread (torch limited to one thread; the search is single-threaded; OR-Tools routing
too). References for the gaps (``bench/tsp_sets.py``): an LKH-3 run per TSP-500/1000 instance
(the shipped tours' gap to it is printed alongside), the published LKH-3 mean for TSP-10000,
the optimum for TSPLIB.

``--variants`` adds MCTS columns with other options (ablations), e.g.
``heatmap=uniform,heatmap=knn-prior,restart=sample``. ``--tau-grid`` runs the softdist
temperature grid on generated instances (``TSP.random``), never on the test sets.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.tsp_sets import (  # noqa: E402
    LKH_MEAN_10000, SHARED, fmt, gap, instances, mean_gap, reference)
from problems import TSP  # noqa: E402
from solvers import solve  # noqa: E402

TSPLIB = ("pcb442", "rat783", "pr1002", "u1060", "vm1084", "pcb1173", "d1291", "fl1577",
          "d2103", "pcb3038", "fnl4461", "rl5915", "rl11849", "usa13509", "brd14051", "d15112",
          "d18512")
TARGETS = {"TSP-500": 1.0, "TSP-1000": 1.5, "TSP-10000": 3.0}
# solvers/algorithms/ortools_routing.py refuses larger instances (dense matrix)
ORTOOLS_MAX = 10_000


def parse_variants(text: str) -> dict[str, dict]:
    variants: dict[str, dict] = {}
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        if not value:
            raise SystemExit(f"--variants items look like option=value, got {item!r}")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        variants[item] = {key: parsed}
    return variants


def run_method(problem, method: str, limit: float, **options) -> tuple[float, float]:
    result = solve(problem, method, time_limit=limit, seed=0, **options)
    if not result.feasible:
        raise RuntimeError(f"{method} on {problem.name}: {result.status} {result.info}")
    return result.objective, result.time_s


def benchmark(args) -> None:
    variants = {"mcts": {}} | parse_variants(args.variants)
    for options in variants.values():  # load networks / compiled code outside the timed runs
        solve(TSP.random(100, seed=1), "mcts", max_iterations=5, **options)
    columns = list(variants) + ([] if args.no_ortools else ["ortools"])
    print(f"MCTS benchmark, {args.budget:g}·N s per instance and method, one thread; cells: "
          f"gap % to the reference, or the tour length where the row has none\n")
    print("| set | instance | n | reference | ref value | budget s | "
          + " | ".join(columns) + " | mcts s | ortools s |")
    print("|---|---|---:|---|---:|---:|" + "---:|" * len(columns) + "---:|---:|")
    per_set: dict[str, dict[str, list]] = {}
    for set_name, problem in instances(args.sizes.split(","), args.count, args.tsplib.split(","),
                                          args.first):
        ref, ref_kind = reference(set_name, problem)
        limit = args.budget * problem.size
        row: dict[str, tuple[float, float] | None] = {}
        for name, options in variants.items():
            row[name] = run_method(problem, "mcts", limit, **options)
        if not args.no_ortools:
            row["ortools"] = (run_method(problem, "ortools", limit)
                              if problem.size <= ORTOOLS_MAX else None)
        store = per_set.setdefault(set_name, {"ref": [], "shipped": []})
        store["ref"].append(ref)
        store["shipped"].append(problem.best_known if set_name != "TSPLIB" else None)
        for c in columns:
            store.setdefault(c, []).append(None if row[c] is None else row[c][0])
            store.setdefault(c + " s", []).append(None if row[c] is None else row[c][1])
        cells = [fmt(gap(row[c][0], ref)) if row[c] and ref else
                 ("-" if row[c] is None else f"{row[c][0]:.4f}") for c in columns]
        ortools_s = "-" if not row.get("ortools") else f"{row['ortools'][1]:.1f}"
        print(f"| {set_name} | {problem.name} | {problem.size} | {ref_kind} | "
              f"{'-' if ref is None else f'{ref:.6g}'} | {limit:.1f} | " + " | ".join(cells)
              + f" | {row['mcts'][1]:.1f} | {ortools_s} |", flush=True)
    summary(per_set, columns)


def summary(per_set: dict, columns: list[str]) -> None:
    print("\nMean gap % per set over the instances each method ran on (TSP-10000: gap of the "
          f"mean length to the LKH-3 mean {LKH_MEAN_10000}). 'met': mcts ≤ target and ≤ 1/3 of "
          "OR-Tools's gap on the instances both ran ('paired' of them):\n")
    print("| set | instances | " + " | ".join(f"{c} gap %" for c in columns)
          + " | mcts mean s | ortools mean s | shipped-tour gap % | target % | paired | met |")
    print("|---|---:|" + "---:|" * len(columns) + "---:|---:|---:|---:|---:|---|")
    for set_name, store in per_set.items():
        refs = store["ref"]
        means = {c: mean_gap(set_name, store[c], refs) for c in columns}
        shipped = mean_gap(set_name, store["shipped"], refs) \
            if set_name in ("TSP-500", "TSP-1000") else None
        times = {c: _mean(store.get(c + " s", [])) for c in ("mcts", "ortools")}
        target = TARGETS.get(set_name)
        paired = [i for i, o in enumerate(store.get("ortools", [])) if o is not None]
        met = "-"
        if paired:

            def pick(values):
                return [values[i] for i in paired]

            mine = mean_gap(set_name, pick(store["mcts"]), pick(refs))
            theirs = mean_gap(set_name, pick(store["ortools"]), pick(refs))
            if mine is not None and theirs is not None:
                ok = mine <= theirs / 3 and (target is None or mine <= target)
                met = "yes" if ok else "no"
        print(f"| {set_name} | {len(refs)} | " + " | ".join(fmt(means[c]) for c in columns)
              + f" | {fmt(times['mcts'], 1)} | {fmt(times['ortools'], 1)} | {fmt(shipped)} | "
              f"{'-' if target is None else target} | {len(paired)} | {met} |")


def tau_grid(args) -> None:
    """Mean final length per softdist tau on generated instances, at a fixed number of rounds
    (``--grid-rounds``·N), so that the grid does not depend on the machine's load."""
    solve(TSP.random(100, seed=1), "mcts", max_iterations=5)  # load the compiled code
    taus = [float(t) for t in args.taus.split(",")]
    others = {name: {"heatmap": name} for name in ("knn-prior", "gnn", "uniform")}
    columns = {f"tau={t:g}": {"tau": t} for t in taus} | others
    print(f"softdist tau grid: TSP.random(n, seed=1000+i), i < {args.grid_count}, "
          f"{args.grid_rounds:g}·N rounds each, seed 0; tau relative to the mean "
          f"nearest-neighbour distance\n")
    print("| n | " + " | ".join(columns) + " | mean s per run |")
    print("|---:|" + "---:|" * (len(columns) + 1))
    for n in (int(s) for s in args.grid_sizes.split(",")):
        lengths = np.zeros((args.grid_count, len(columns)))
        seconds = []
        for i in range(args.grid_count):
            problem = TSP.random(n, seed=1000 + i)
            for j, options in enumerate(columns.values()):
                result = solve(problem, "mcts", seed=0,
                               max_iterations=int(args.grid_rounds * n), **options)
                lengths[i, j] = result.objective
                seconds.append(result.time_s)
        excess = 100 * (lengths / lengths.min(axis=1, keepdims=True) - 1).mean(axis=0)
        print(f"| {n} | " + " | ".join(f"{e:.3f}" for e in excess)
              + f" | {np.mean(seconds):.1f} |", flush=True)
    print("\n(cells: mean % above the shortest tour any column found on the same instance)")


def big(n: int, seconds: float) -> None:
    """MCTS on a generated ``n``-city instance in a child process; prints its peak memory."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); import torch, time, resource; "
            "torch.set_num_threads(1); from problems import TSP; from solvers import solve; "
            f"p = TSP.random({n}, seed=0); r = solve(p, 'mcts', time_limit={seconds}); "
            "print(r.objective, r.time_s, r.info['rounds'], r.trace[0][1], "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    length, wall, rounds, first, rss_kb = out.stdout.split()
    print(f"| n | time limit s | time s | rounds | first length | final length | "
          f"final / sqrt(n) | peak RSS GB |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n"
          f"| {n} | {seconds:g} | {float(wall):.1f} | {rounds} | {float(first):.2f} | "
          f"{float(length):.2f} | {float(length) / n ** 0.5:.4f} | {int(rss_kb) / 2**20:.2f} |")


def _mean(values):
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="500,1000,10000,tsplib")
    parser.add_argument("--count", type=int, default=None,
                        help="instances per random set (default 16/16/4)")
    parser.add_argument("--first", type=int, default=0,
                        help="index of the first instance of each random set (to split a run)")
    parser.add_argument("--tsplib", default=",".join(TSPLIB), help="TSPLIB names to run")
    parser.add_argument("--budget", type=float, default=0.05, help="seconds per city")
    parser.add_argument("--variants", default="", help="extra mcts columns: option=value,...")
    parser.add_argument("--no-ortools", action="store_true")
    parser.add_argument("--tau-grid", action="store_true")
    parser.add_argument("--taus", default="0.1,0.2,0.3,0.5,1.0")
    parser.add_argument("--grid-sizes", default="500,1000")
    parser.add_argument("--grid-count", type=int, default=4)
    parser.add_argument("--grid-rounds", type=float, default=40.0, help="rounds per city")
    parser.add_argument("--big", type=int, default=None)
    parser.add_argument("--big-time", type=float, default=60.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.big:
        return big(args.big, args.big_time)
    if args.tau_grid:
        return tau_grid(args)
    if not SHARED.is_dir():
        print(f"no benchmark folder at {SHARED}: nothing to run")
        return
    benchmark(args)


if __name__ == "__main__":
    main()
