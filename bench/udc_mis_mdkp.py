"""UDC (``method="udc"``) on MIS and MDKP against CP-SAT, with both ablations, at one budget.

    .venv/bin/python bench/udc_mis_mdkp.py [--er 16] [--er-first 0] [--mis-time 30]
        [--dimacs all|NAME,...] [--ba 1000,5000,10000] [--mknap 1,...,9] [--per-file 30] [--first 0] [--mdkp-time 10]
        [--no-mis] [--no-mdkp] [--paired-seeds 0,1,2 --paired-time 5] [--score-study 8]
        [--one-round]

Every method runs in this process on one thread (``torch.set_num_threads(1)``, CP-SAT
``num_workers=1``), with the same time limit per instance, seed 0. Columns:

* ``udc``: the full method (trained GNN scores);
* ``random``: the same dividing, conquering and local search with random scores (the
  ablation of the GNN);
* ``ls``: the local search alone from a greedy start (``conquer=False``): MIS, the
  minimum-degree greedy then ARW's plain iterated local search (uniform perturbation,
  ``bias=0``: no scores at all); MDKP, the LP-guided greedy then the drop/add pass (the
  ablation of dividing and conquering);
* ``ortools``: CP-SAT (``solve(p, "ortools", num_workers=1)``).

MIS sets: Erdős–Rényi graphs with 700–800 nodes and p = 0.15 from seeds 0..15 (training used
seeds from 10^6 on), the DIMACS clique files of ../shared/benchmarks/mis/dimacs read as their
complements (best known = clique number), and Barabási–Albert graphs (m = 3, seed 1), a
distribution the GNN never saw. MDKP: OR-Library ``mknapcb1..9``, gaps to the 1998
best-known values of ``mkcbres.txt``. Instances come from ../shared/benchmarks (skipped when
absent).

MIS rows end with paired comparisons per graph: wins/ties/losses of ``udc`` against
``random`` and against ``ls``, the two-sided sign test's p-value (ties dropped) and the
Wilcoxon signed-rank p-value. ``--paired-seeds`` adds a study on the ER graphs at
``--paired-time`` seconds: ``udc``, ``random``, ``degree`` (UDC with minus-degree scores: a
hand-made order in place of the network) and ``ls`` with each seed, their means and the
spread over seeds, and the same paired tests on the per-graph means over the seeds.

``--score-study N`` measures where the scores can matter, in steps instead of seconds (so the
load does not change it), on N development ER-700-800 graphs (seeds 5·10^8 + i: neither the
benchmark's nor training's): how well each score order separates the nodes of good solutions
from the rest (AUC against the nodes that some of 4 long plain local-search runs within one
of the best size select), the greedy decoding's size, and the iterated local search after
2,000 / 10,000 / 30,000 steps from the same minimum-degree greedy start with uniform
insertion (``bias=0``) or insertion biased (``BIAS``) by each score order, two seeds each.

``--one-round`` runs UDC with the local search switched off (``rounds=1, ils_steps=0,
final_steps=0``: the greedy decoding by the scores, then one pass of dividing and conquering
with CP-SAT or the policy on the parts) on the ER graphs with each kind of scores.
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
from scipy.stats import binomtest, mannwhitneyu, wilcoxon  # noqa: E402

from learned import mis_search, udc_mis  # noqa: E402
from problems import MDKP, MIS, load  # noqa: E402
from problems import mdkp as mdkp_files  # noqa: E402
from solvers import solve  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"
METHODS = {"udc": ("udc", {}), "random": ("udc", {"scores": "random"}),
           "ortools": ("ortools", {"num_workers": 1})}
LS_OPTIONS = {"MIS": {"conquer": False, "scores": "degree", "bias": 0.0},
              "MDKP": {"conquer": False, "scores": "lp"}}
MKNAP_SHAPE = {k: (m, n) for k, (m, n) in enumerate(
    [(m, n) for m in (5, 10, 30) for n in (100, 250, 500)], start=1)}


def er_graphs(count: int, first: int = 0) -> list[MIS]:
    sizes = np.random.default_rng(2024).integers(700, 801, size=16)
    return [MIS.random(int(sizes[s]), p=0.15, seed=s) for s in range(first, first + count)]


def large_er_graphs(sizes: str, degree: float, count: int) -> list[MIS]:
    """``count`` ER graphs of each size with mean degree ``degree`` (seeds 7·10^5 + k, never
    used in training): the training graphs' degrees at 10-100 times their size."""
    return [MIS.random(int(n), p=degree / (int(n) - 1), seed=700000 + k)
            for n in sizes.split(",") for k in range(1, count + 1)]


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


def run(problem, limit: float, columns=None, seed: int = 0) -> dict[str, float]:
    row = {}
    methods = dict(METHODS, ls=("udc", LS_OPTIONS[type(problem).__name__]),
                   degree=("udc", {"scores": "degree"}))
    for column in columns or COLUMNS:
        method, options = methods[column]
        start = time.perf_counter()
        result = solve(problem, method, time_limit=limit, seed=seed, **options)
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


def paired(a: np.ndarray, b: np.ndarray) -> str:
    """Wins/ties/losses of ``a`` over ``b`` (paired), the sign test's and the Wilcoxon
    signed-rank test's two-sided p-values."""
    diff = np.asarray(a, float) - np.asarray(b, float)
    wins, losses = int((diff > 0).sum()), int((diff < 0).sum())
    sign = binomtest(wins, wins + losses).pvalue if wins + losses else 1.0
    rank = wilcoxon(diff).pvalue if wins + losses else 1.0
    return (f"{wins}/{len(diff) - wins - losses}/{losses} (mean difference {diff.mean():+.2f}, "
            f"sign test p = {sign:.3f}, Wilcoxon p = {rank:.3f})")


def mis_table(title: str, graphs: list[MIS], limit: float,
              columns: tuple[str, ...] = COLUMNS) -> list[str]:
    lines = [f"### {title} ({limit:g} s per graph)", "",
             "| graph | n | best known | " + " | ".join(columns) + " |",
             "|---" * (len(columns) + 3) + "|"]
    rows = []
    for graph in graphs:
        row = run(graph, limit, columns)
        rows.append(row)
        known = f"{graph.best_known:g}" if graph.best_known else "–"
        lines.append(f"| {graph.name} | {graph.n} | {known} | "
                     + " | ".join(_cell(row[c]) for c in columns) + " |")
        print(lines[-1], flush=True)
    if rows:
        lines.append("| **mean** (none found: 0) | | | " + " | ".join(
            f"**{np.mean([np.nan_to_num(r[c]) for r in rows]):.2f}**" for c in columns) + " |")
        lines.append("| max seconds | | | " + " | ".join(
            f"{max(r[c + ' s'] for r in rows):.1f}" for c in columns) + " |")
        lines.append("")
        for other in [c for c in ("random", "degree", "ls") if c in columns]:
            lines.append(f"udc vs {other}, wins/ties/losses: " + paired(
                [r["udc"] for r in rows], [np.nan_to_num(r[other]) for r in rows]))
            lines.append("")
    return lines + [""]


PAIRED = ("udc", "random", "degree", "ls")


def paired_study(graphs: list[MIS], seeds: list[int], limit: float) -> list[str]:
    """Each of ``PAIRED`` on each graph with each seed at ``limit`` seconds."""
    sizes = {c: np.zeros((len(graphs), len(seeds))) for c in PAIRED}
    for i, graph in enumerate(graphs):
        for j, seed in enumerate(seeds):
            row = run(graph, limit, PAIRED, seed)
            for c in PAIRED:
                sizes[c][i, j] = row[c]
        print(graph.name, {c: sizes[c][i].tolist() for c in PAIRED}, flush=True)
    lines = [f"### Paired study: {len(graphs)} ER-700-800 graphs × seeds {seeds}, "
             f"{limit:g} s per run", "",
             "| column | mean size | mean per seed | per graph (mean over seeds) |",
             "|---|---|---|---|"]
    for c in PAIRED:
        per_seed = ", ".join(f"{m:.2f}" for m in sizes[c].mean(0))
        per_graph = " ".join(f"{m:g}" for m in sizes[c].mean(1).round(2))
        lines.append(f"| {c} | {sizes[c].mean():.3f} | {per_seed} | {per_graph} |")
    lines.append("")
    for other in ("random", "degree", "ls"):
        lines.append(f"udc vs {other}, per graph (mean over seeds): "
                     + paired(sizes["udc"].mean(1), sizes[other].mean(1)))
        lines.append("")
        lines.append(f"udc vs {other}, per (graph, seed) run: "
                     + paired(sizes["udc"].ravel(), sizes[other].ravel()))
        lines.append("")
    return lines


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


def score_study(count: int) -> list[str]:
    rng = np.random.default_rng(5)
    graphs = [MIS.random(int(rng.integers(700, 801)), p=0.15, seed=5 * 10**8 + i)
              for i in range(count)]
    budgets, modes = (2000, 10000, 30000), ("gnn", "degree", "random")
    auc, greedy, ils = {m: [] for m in modes}, {m: [] for m in modes}, {}
    for graph in graphs:
        indptr, indices = mis_search.csr(graph.n, graph.edges)
        scores = {m: udc_mis.scores_for(m, graph.n, graph.edges, 7) for m in modes}
        start = mis_search.greedy(indptr, indices, np.argsort(-scores["degree"], kind="stable"))
        runs = {m: _ils(indptr, indices, start, udc_mis.perturbation_weights(scores[m],
                        udc_mis.BIAS), budgets) for m in modes}
        runs["uniform"] = _ils(indptr, indices, start, np.zeros(0), budgets)
        sizes = runs["uniform"][:, -1]
        good = np.zeros(graph.n, bool)
        for seed in range(4):
            best = _ils(indptr, indices, mis_search.greedy(
                indptr, indices, np.random.default_rng(seed).permutation(graph.n)),
                np.zeros(0), (60000,), seeds=(100 + seed,), keep=True)
            if best.sum() >= sizes.max() - 1:
                good |= best.astype(bool)
        for m in modes:
            auc[m].append(mannwhitneyu(scores[m][good], scores[m][~good]).statistic
                          / (good.sum() * (~good).sum()))
            greedy[m].append(mis_search.greedy(
                indptr, indices, np.argsort(-scores[m], kind="stable")).sum())
        for m, r in runs.items():
            ils.setdefault(m, []).append(r)
        print(graph.name, {m: r.mean(0).tolist() for m, r in runs.items()}, flush=True)
    lines = [f"### Score study: {count} development ER-700-800 graphs, steps not seconds", "",
             "| scores | AUC (nodes of good solutions) | greedy size | "
             + " | ".join(f"ILS {b} steps" for b in budgets) + " |", "|---" * 6 + "|"]
    for m in ("uniform",) + modes:
        head = (f"{np.mean(auc[m]):.3f} | {np.mean(greedy[m]):.2f}" if m in auc
                else "– | –")
        lines.append(f"| {m} | {head} | " + " | ".join(
            f"{v:.3f}" for v in np.mean([r.mean(0) for r in ils[m]], 0)) + " |")
    lines.append("")
    final = {m: np.array([r[:, -1].mean() for r in ils[m]]) for m in ils}
    for other in ("random", "degree", "uniform"):
        lines += [f"gnn-biased vs {other} after {budgets[-1]} steps, per graph: "
                  + paired(final["gnn"], final[other]), ""]
    return lines


def one_round(graphs: list[MIS]) -> list[str]:
    modes = ("gnn", "random", "degree")
    sizes = {m: [] for m in modes}
    for graph in graphs:
        for m in modes:
            result = solve(graph, "udc", rounds=1, seed=0, scores=m, ils_steps=0,
                           final_steps=0)
            graph.check(result.solution)
            sizes[m].append(result.objective)
        print(graph.name, {m: v[-1] for m, v in sizes.items()}, flush=True)
    lines = [f"### UDC without local search ({len(graphs)} ER-700-800 graphs, one round)", "",
             "| scores | mean size | per graph |", "|---|---|---|"]
    lines += [f"| {m} | {np.mean(v):.3f} | {' '.join(f'{x:g}' for x in v)} |"
              for m, v in sizes.items()]
    lines.append("")
    for other in ("random", "degree"):
        lines += [f"gnn vs {other}: " + paired(sizes["gnn"], sizes[other]), ""]
    return lines


def _ils(indptr, indices, start, weights, budgets, seeds=(0, 1), keep=False):
    """Best sizes after each of ``budgets`` steps, a row per seed (or the best set)."""
    rows = []
    for seed in seeds:
        sol = start.copy()
        tight, best, done = mis_search.tightness(indptr, indices, sol), sol.copy(), 0
        state, row = mis_search.rng_state(seed), []
        for budget in budgets:
            mis_search.iterated_local_search(indptr, indices, sol, tight, best,
                                             budget - done, state, weights)
            done = budget
            row.append(best.sum())
        rows.append(row)
    return best if keep else np.array(rows, dtype=float)


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
    parser.add_argument("--paired-seeds", default="", help="seeds of the paired ER study")
    parser.add_argument("--paired-time", type=float, default=5.0)
    parser.add_argument("--no-tables", action="store_true", help="the paired study alone")
    parser.add_argument("--score-study", type=int, default=0, help="development graphs")
    parser.add_argument("--one-round", action="store_true", help="UDC without local search")
    parser.add_argument("--large-er", default="none",
                        help="sizes of larger ER graphs (e.g. 5000,10000,20000), or 'none'")
    parser.add_argument("--large-degree", type=float, default=50.0)
    parser.add_argument("--large-count", type=int, default=3, help="graphs per size")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out = []
    if not args.no_mis:
        solve(MIS.random(100, seed=1), "udc", rounds=1)  # load the network, compile numba
        graphs = er_graphs(args.er, args.er_first)
        if args.score_study:
            out += score_study(args.score_study)
        if args.one_round:
            out += one_round(graphs)
        if args.paired_seeds:
            seeds = [int(s) for s in args.paired_seeds.split(",")]
            out += paired_study(graphs, seeds, args.paired_time)
        if not args.no_tables:
            out += mis_table("ER-700-800, p = 0.15", graphs, args.mis_time)
        if args.dimacs != "none" and not args.no_tables:
            out += mis_table("DIMACS complements", dimacs_graphs(args.dimacs), args.mis_time)
        if args.large_er != "none":
            graphs = large_er_graphs(args.large_er, args.large_degree, args.large_count)
            out += mis_table(f"ER, mean degree {args.large_degree:g}, larger than trained",
                             graphs, args.mis_time, ("udc", "random", "degree", "ls", "ortools"))
        if args.ba != "none" and not args.no_tables:
            graphs = [MIS.barabasi_albert(int(n), 3, seed=1) for n in args.ba.split(",")]
            out += mis_table("Barabási–Albert, m = 3", graphs, args.mis_time)
    if not args.no_mdkp:
        solve(MDKP.random(30, 3, seed=1), "udc", rounds=1)
        files = [int(k) for k in args.mknap.split(",")]
        out += mdkp_table(mknap_problems(files, args.per_file, args.first), args.mdkp_time)
    print("\n".join(out))


if __name__ == "__main__":
    main()
