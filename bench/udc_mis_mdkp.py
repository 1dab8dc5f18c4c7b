"""UDC (``method="udc"``) on MIS and MDKP against CP-SAT, with both ablations, at one budget.

    .venv/bin/python bench/udc_mis_mdkp.py [--er 16] [--er-first 0] [--mis-time 30]
        [--dimacs all|NAME,...] [--ba 1000,5000,10000] [--mknap 1,...,9] [--per-file 30] [--first 0] [--mdkp-time 10]
        [--no-mis] [--no-mdkp]

Every method runs in this process on one thread (``torch.set_num_threads(1)``, CP-SAT
``num_workers=1``), with the same time limit per instance, seed 0. Columns:

* ``udc``: the full method (trained GNN scores);
* ``random``: the same dividing, conquering and local search with random scores (the
  ablation of the GNN);
* ``ls``: UDC's own final improvement alone from a greedy start (``conquer=False``): MIS,
  the minimum-degree greedy then ARW's iterated local search; MDKP, the LP-guided greedy then
  the drop/add pass (the ablation of dividing and conquering);
* ``ortools``: CP-SAT (``solve(p, "ortools", num_workers=1)``).

MIS sets: Erdős–Rényi graphs with 700–800 nodes and p = 0.15 from seeds 0..15 (training used
seeds from 10^6 on), the DIMACS clique files of ../shared/benchmarks/mis/dimacs read as their
complements (best known = clique number), and Barabási–Albert graphs (m = 3, seed 1), a
distribution the GNN never saw. MDKP: OR-Library ``mknapcb1..9``, gaps to the 1998
best-known values of ``mkcbres.txt``. Instances come from ../shared/benchmarks (skipped when
absent).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from problems import MDKP, MIS, load  # noqa: E402
from problems import mdkp as mdkp_files  # noqa: E402
from solvers import solve  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"
METHODS = {"udc": ("udc", {}), "random": ("udc", {"scores": "random"}),
           "ortools": ("ortools", {"num_workers": 1})}
LS_OPTIONS = {"MIS": {"conquer": False, "scores": "degree"},
              "MDKP": {"conquer": False, "scores": "lp"}}
MKNAP_SHAPE = {k: (m, n) for k, (m, n) in enumerate(
    [(m, n) for m in (5, 10, 30) for n in (100, 250, 500)], start=1)}


def er_graphs(count: int, first: int = 0) -> list[MIS]:
    sizes = np.random.default_rng(2024).integers(700, 801, size=16)
    return [MIS.random(int(sizes[s]), p=0.15, seed=s) for s in range(first, first + count)]


def dimacs_graphs(names: str) -> list[MIS]:
    folder = SHARED / "mis" / "dimacs"
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.is_file())
    if names != "all":
        wanted = names.split(",")
        files = [p for p in files if p.name.removesuffix(".b").removesuffix(".clq") in wanted]
    return [load(p) for p in files]


def mknap_problems(files: list[int], per_file: int, first: int = 0) -> list[MDKP]:
    problems = []
    for k in files:
        path = SHARED / "mknap" / f"mknapcb{k}.txt"
        if path.is_file():
            problems += [mdkp_files.read(path, i) for i in range(first, first + per_file)]
    return problems


def run(problem, limit: float) -> dict[str, float]:
    row = {}
    methods = dict(METHODS, ls=("udc", LS_OPTIONS[type(problem).__name__]))
    for column, (method, options) in methods.items():
        start = time.perf_counter()
        result = solve(problem, method, time_limit=limit, seed=0, **options)
        if result.solution is None:
            print(f"{problem.name} {column}: {result.status} {result.info}", flush=True)
            row[column] = float("nan")
        else:
            problem.check(result.solution)
            row[column] = result.objective
        row[f"{column} s"] = time.perf_counter() - start
    return row


COLUMNS = ("udc", "random", "ls", "ortools")


def _cell(value: float) -> str:
    return "none found" if np.isnan(value) else f"{value:g}"


def mis_table(title: str, graphs: list[MIS], limit: float) -> list[str]:
    lines = [f"### {title} ({limit:g} s per graph)", "",
             "| graph | n | best known | " + " | ".join(COLUMNS) + " |",
             "|---" * (len(COLUMNS) + 3) + "|"]
    rows = []
    for graph in graphs:
        row = run(graph, limit)
        rows.append(row)
        known = f"{graph.best_known:g}" if graph.best_known else "–"
        lines.append(f"| {graph.name} | {graph.n} | {known} | "
                     + " | ".join(_cell(row[c]) for c in COLUMNS) + " |")
        print(lines[-1], flush=True)
    if rows:
        lines.append("| **mean** (none found: 0) | | | " + " | ".join(
            f"**{np.mean([np.nan_to_num(r[c]) for r in rows]):.2f}**" for c in COLUMNS) + " |")
        lines.append("| max seconds | | | " + " | ".join(
            f"{max(r[c + ' s'] for r in rows):.1f}" for c in COLUMNS) + " |")
    return lines + [""]


def mdkp_table(problems: list[MDKP], limit: float) -> list[str]:
    lines = [f"### OR-Library mknapcb ({limit:g} s per instance; gap % to the 1998 "
             "best-known values of mkcbres.txt, some improved since)", "",
             "| file | m × n | instances | " + " | ".join(COLUMNS) + " |",
             "|---" * (len(COLUMNS) + 3) + "|"]
    by_file: dict[str, list[dict]] = {}
    for problem in problems:
        row = run(problem, limit)
        gaps = {c: 100 * (1 - row[c] / problem.best_known) for c in COLUMNS}
        by_file.setdefault(problem.name.rsplit("-", 1)[0], []).append(gaps)
        print(problem.name, {c: round(g, 3) for c, g in gaps.items()}, flush=True)
    for name, rows in by_file.items():
        m, n = MKNAP_SHAPE[int(name.removeprefix("mknapcb"))]
        lines.append(f"| {name} | {m} × {n} | {len(rows)} | " + " | ".join(
            f"{np.mean([r[c] for r in rows]):.3f}" for c in COLUMNS) + " |")
    large = [r for name, rows in by_file.items()
             if MKNAP_SHAPE[int(name.removeprefix("mknapcb"))][1] >= 250 for r in rows]
    if large:
        lines.append(f"| **250/500 items** | | {len(large)} | " + " | ".join(
            f"**{np.mean([r[c] for r in large]):.3f}**" for c in COLUMNS) + " |")
    return lines + [""]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--er", type=int, default=16, help="ER-700-800 graphs (0..16)")
    parser.add_argument("--er-first", type=int, default=0, help="first ER graph (0..15)")
    parser.add_argument("--mis-time", type=float, default=30.0)
    parser.add_argument("--dimacs", default="all", help="'all', 'none' or names")
    parser.add_argument("--ba", default="1000,5000,10000", help="BA sizes, or 'none'")
    parser.add_argument("--mknap", default="1,2,3,4,5,6,7,8,9", help="mknapcb files")
    parser.add_argument("--per-file", type=int, default=30)
    parser.add_argument("--first", type=int, default=0, help="first instance of each file")
    parser.add_argument("--mdkp-time", type=float, default=10.0)
    parser.add_argument("--no-mis", action="store_true")
    parser.add_argument("--no-mdkp", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out = []
    if not args.no_mis:
        solve(MIS.random(100, seed=1), "udc", rounds=1)  # load the network, compile numba
        out += mis_table("ER-700-800, p = 0.15", er_graphs(args.er, args.er_first), args.mis_time)
        if args.dimacs != "none":
            out += mis_table("DIMACS complements", dimacs_graphs(args.dimacs), args.mis_time)
        if args.ba != "none":
            graphs = [MIS.barabasi_albert(int(n), 3, seed=1) for n in args.ba.split(",")]
            out += mis_table("Barabási–Albert, m = 3", graphs, args.mis_time)
    if not args.no_mdkp:
        solve(MDKP.random(30, 3, seed=1), "udc", rounds=1)
        files = [int(k) for k in args.mknap.split(",")]
        out += mdkp_table(mknap_problems(files, args.per_file, args.first), args.mdkp_time)
    print("\n".join(out))


if __name__ == "__main__":
    main()
