"""OR-Tools on the public benchmarks, with gap to the best-known values and time.

    .venv/bin/python bench/ortools_baseline.py [--time-limit 10] [--only tsp,mdkp,qap,mis]

Instances are read from ../shared/benchmarks (skipped when absent). Best-known values
come from the files themselves (.opt.tour, .sln, mkcbres.txt, clique-size comments) or,
for the DIMACS graphs, from the table below (the shared README's confirmed values).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from problems import load  # noqa: E402
from solvers import solve  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"

# alpha(complement) = omega(G), "confirmed here" in shared/benchmarks/README.md.
MIS_BEST = {"keller4.clq": 11, "hamming8-4.clq": 16, "C125.9.clq": 34, "brock200_2.b": 12,
            "brock200_4.b": 17, "p_hat300_1.clq": 8, "p_hat300-2.clq": 25,
            "gen200_p0.9_44.b": 44, "gen200_p0.9_55.b": 55}


def tasks(only):
    if "tsp" in only:
        for name in ("berlin52", "kroA100", "pr1002"):
            yield "TSP", SHARED / "tsplib" / f"{name}.tsp", None, None
    if "mdkp" in only:
        for file in ("mknapcb1.txt", "mknapcb4.txt"):
            for k in range(10):
                yield "MDKP", SHARED / "mknap" / file, k, None
    if "qap" in only:
        for name in ("nug12", "nug14", "nug15", "nug16a", "nug16b", "nug17", "nug18", "nug20",
                     "nug21", "nug22", "nug24", "nug25", "nug27", "nug28", "nug30"):
            yield "QAP", SHARED / "qaplib" / f"{name}.dat", None, None
    if "mis" in only:
        for name, value in MIS_BEST.items():
            yield "MIS", SHARED / "mis" / "dimacs" / name, None, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--only", default="tsp,mdkp,qap,mis")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"no benchmark folder at {SHARED}: nothing to run")
        return
    only = set(args.only.split(","))
    print(f"OR-Tools baseline, time limit {args.time_limit:g} s per instance\n")
    print("| type | instance | n | best known | OR-Tools | gap % | status | time s |")
    print("|---|---|---:|---:|---:|---:|---|---:|")
    gaps: dict[str, list[float]] = {}
    for kind, path, index, best in tasks(only):
        if not path.exists():
            continue
        problem = load(path, index=index)
        best = best if best is not None else problem.best_known
        start = time.perf_counter()
        result = solve(problem, "ortools", time_limit=args.time_limit)
        wall = time.perf_counter() - start
        gap = result.gap_to(best)
        if gap is not None:
            gaps.setdefault(kind, []).append(gap)
        gap_text = "-" if gap is None else f"{gap:.2f}"
        best_text = "-" if best is None else f"{best:.10g}"
        objective = "none found" if result.objective is None else f"{result.objective:.10g}"
        print(f"| {kind} | {problem.name} | {problem.size} | {best_text} | "
              f"{objective} | {gap_text} | {result.status} | {wall:.1f} |", flush=True)
    print()
    for kind, values in gaps.items():
        print(f"{kind}: mean gap {sum(values) / len(values):.3f} % over {len(values)} instances")


if __name__ == "__main__":
    main()
