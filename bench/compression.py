"""Fewer qubits (issue 16): shrink-qaoa, shrink-cvar-vqe, QRAO and PCE against their controls.

    .venv/bin/python bench/compression.py [--families mis,mdkp,qap,maxcut] [--seeds 5]
        [--methods shrink-qaoa,...] [--instances NAME,...] [--time-limit 60]
        [--maxcut-time-limit 60] [--jsonl runs.jsonl]

Every run goes through ``solve()`` (the returned solution is verified by the problem's
``check``). Per run: qubits against the full slack-free encoding (one qubit per problem bit),
raw (pre-repair) feasibility and objective, feasibility after repair, gap to the reference
(best-known value of the file, else the optimum by enumeration for QAP n <= 8, else CP-SAT with
a 20 s limit, marked; Gset: the best-known cut of ``../shared/benchmarks/README.md``), wall
time. Rows ``+uniform`` / ``+sa`` / ``+random-parameters`` are the controls: the same pipeline
with the circuit replaced by uniform random bitstrings at the same number of samples, by
simulated annealing on the same reduced QUBOs given the wall time the quantum row took on that
run, or (PCE) by random search over the circuit's parameters (untrained, as many batches of
random parameter vectors as the trained run took Adam steps, the same decoding and search).
``qrao +uniform`` gets as qubit budget the qubits the QRAO run of that seed used (QRAO takes
fewer than ``--max-qubits`` when its plan does not fit the time limit).
``qaoa (unshrunk)`` runs where the problem's bits fit into the qubit budget. MaxCut (Gset,
800–1,000 nodes, and a generated graph of the same size): PCE and its controls only (shrinking 800 bits to 20 merges 780 times on a dense QUBO).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from problems import MDKP, MIS, QAP, MaxCut, load_all  # noqa: E402
from problems.mis import read as read_graph  # noqa: E402
from solvers import solve  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"
BUDGET = 20
QUANTUM = ("shrink-qaoa", "shrink-cvar-vqe", "qrao", "pce")
# the uniform control of shrink-cvar-vqe is the same run as that of shrink-qaoa (same loop, same
# 1024 samples per solve), so it is listed once
CONTROLS = {"shrink-qaoa": ("uniform", "sa"), "pce": ("random-parameters", "sa"),
            "qrao": ("uniform",)}
GSET = ("G11", "G12", "G13", "G14", "G15", "G16", "G17", "G43", "G44", "G45", "G46", "G47")
LOOP = {"max_iterations": 4, "patience": 2}
OPTIONS = {"shrink-qaoa": {"maxiter": 30, **LOOP}, "shrink-cvar-vqe": {"maxiter": 60, **LOOP},
           "qrao": {"maxiter": 60, "shots": 512}, "pce": {}}


def instances(families):
    out = []
    if "mis" in families:
        out += [MIS.random(n, p=p, seed=1) for n, p in ((16, 0.25), (30, 0.2), (60, 0.1),
                                                        (100, 0.05), (200, 0.03))]
        for name in ("C125.9.clq", "keller4.clq", "brock200_2.b"):
            path = SHARED / "mis" / "dimacs" / name
            if path.is_file():
                out.append(read_graph(path))
    if "mdkp" in families:
        for file, picks in (("mknap1.txt", ("mknap1-05", "mknap1-06")),
                            ("mknap2.txt", ("WEISH01", "WEISH10", "SENTO1", "PB4"))):
            path = SHARED / "mknap" / file
            if path.is_file():
                out += [p for p in load_all(path) if p.name in picks]
        out += [MDKP.random(n, m, seed=1) for n, m in ((16, 3), (30, 5), (60, 5), (100, 10))]
    if "qap" in families:
        out += [QAP.random(n, seed=1) for n in (4, 5, 6, 7, 8)]
        for name in ("esc8b", "chr12a", "had12", "nug12", "rou12"):
            path = SHARED / "qaplib" / f"{name}.dat"
            if path.is_file():
                out.append(load_all(path)[0])
    if "maxcut" in families:
        out.append(MaxCut.random(800, p=0.01, seed=1))
        known = gset_best_known()
        for name in GSET:
            path = SHARED / "maxcut" / "gset" / f"{name}.rud"
            if path.is_file() and name in known:
                out.append(replace(load_all(path)[0], best_known=known[name]))
    return out


def gset_best_known() -> dict[str, float]:
    """Best-known cuts from the benchmark folder's README table (``| G11 | 800 | 1600 | 564 |``)."""
    readme = SHARED / "README.md"
    if not readme.is_file():
        return {}
    found = re.findall(r"^\| (G\d+) \| \d+ \| \d+ \| (\d+) \|", readme.read_text(), re.M)
    return {name: float(value) for name, value in found}


def reference(problem) -> tuple[float, str]:
    if problem.best_known is not None:
        return problem.best_known, "best-known"
    if isinstance(problem, QAP) and problem.size <= 8:
        perms = np.array(list(itertools.permutations(range(problem.size))))
        A, B = problem.flow, problem.distance
        costs = np.einsum("ij,pij->p", A, B[perms[:, :, None], perms[:, None, :]])
        return float(costs.min()), "exact"
    if isinstance(problem, MaxCut):  # CP-SAT proves nothing at 800 nodes; tabu is stronger
        result = solve(problem, "tabu", time_limit=20.0)
        return result.objective, "tabu 20 s (not proved)"
    result = solve(problem, "ortools", time_limit=20.0, num_workers=1)
    return result.objective, "cp-sat" + ("" if result.status == "optimal" else " (not proved)")


def bits(problem) -> int:
    return problem.size ** 2 if isinstance(problem, QAP) else problem.size


def run(problem, method, control, seed, time_limit, reference_value, steps=None,
        max_qubits=None):
    options = dict(OPTIONS.get(method, {}))
    if control:
        options["control"] = control
    if steps is not None:
        options["steps"] = steps
    if max_qubits is not None:
        options["max_qubits"] = max_qubits
    start = time.perf_counter()
    result = solve(problem, method, seed=seed, time_limit=time_limit, **options)
    wall = time.perf_counter() - start
    info = result.info
    sign = 1.0 if problem.sense == "max" else -1.0

    def gap(value):
        if value is None:
            return None
        return 100.0 * sign * (reference_value - value) / abs(reference_value)

    return {"instance": problem.name, "family": type(problem).__name__, "method": method,
            "control": control, "seed": seed, "variables": bits(problem),
            "qubits": info.get("qubits") if result.solution is not None else None,
            "feasible": result.feasible,
            "raw_feasible": info.get("raw_feasible"), "raw_gap": gap(info.get("raw_objective")),
            "gap": gap(result.objective), "gap_before_search": gap(info.get(
                "objective_before_search")), "repairs": info.get("repairs"),
            "merges": info.get("merges"), "time": wall, "status": result.status,
            "trained_steps": info.get("trained_steps"), "evaluations": info.get("evaluations"),
            "stop": info.get("stop"), "overran_s": info.get("overran_s", 0.0),
            "fewer_qubits": info.get("fewer_qubits"),
            "options": options, "reduced_variables": info.get("reduced_variables"),
            "shrink_s": info.get("shrink_s"),
            **({"error": info.get("stop")} if result.solution is None else {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="mis,mdkp,qap")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--methods", default=",".join(QUANTUM))
    parser.add_argument("--instances", default=None,
                        help="only instances whose name contains one of these strings")
    parser.add_argument("--no-controls", action="store_true")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--maxcut-time-limit", type=float, default=60.0)
    parser.add_argument("--pce-steps", type=int, default=100)
    parser.add_argument("--pce-restarts", type=int, default=1)
    parser.add_argument("--pce-options", default=None, metavar="JSON",
                        help='further options of pce and of its controls, e.g. '
                             '\'{"roundings": 64, "alpha_growth": 10}\'')
    parser.add_argument("--max-qubits", type=int, default=BUDGET,
                        help=f"qubit budget of every method (default {BUDGET})")
    parser.add_argument("--jsonl", default=None, help="append every run as a JSON line here")
    parser.add_argument("--table", nargs="+", default=None, metavar="JSONL",
                        help="run nothing: print the tables of the runs recorded in these files")
    args = parser.parse_args()
    if args.table:
        table([json.loads(line) for path in args.table for line in open(path) if line.strip()])
        return
    import qiskit_optimization.algorithms.qrao  # noqa: F401  imports are not timed
    import torch

    import solvers.algorithms.compression  # noqa: F401

    torch.set_num_threads(1)
    solve(QAP.random(3, seed=0), "pce", steps=2)  # torch's first optimizer step (lazy imports)
    solve(MIS.random(12, p=0.3, seed=0), "qrao", maxiter=5, shots=16)  # Aer's first circuits
    methods = args.methods.split(",")
    for method in ("shrink-qaoa", "shrink-cvar-vqe", "pce"):
        OPTIONS[method]["max_qubits"] = args.max_qubits
    OPTIONS["qrao"]["max_qubits"] = args.max_qubits
    OPTIONS["pce"]["steps"] = args.pce_steps
    OPTIONS["pce"]["restarts"] = args.pce_restarts
    OPTIONS["pce"].update(json.loads(args.pce_options) if args.pce_options else {})
    rows = []
    for problem in instances(set(args.families.split(","))):
        if args.instances and not any(s in problem.name for s in args.instances.split(",")):
            continue
        value, source = reference(problem)
        print(f"# {problem.name}: {bits(problem)} bits, reference {value:g} ({source})",
              file=sys.stderr, flush=True)
        maxcut = isinstance(problem, MaxCut)
        plan = [(m, None) for m in methods if m == "pce" or not maxcut]
        if not args.no_controls:
            plan += [(m, c) for m, _ in plan for c in CONTROLS.get(m, ())]
        if bits(problem) <= args.max_qubits:
            plan.append(("qaoa", None))
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            spent, trained, used = {}, {}, {}
            for method, control in plan:
                limit = args.maxcut_time_limit if maxcut else args.time_limit
                if control == "sa":
                    limit = max(1.0, spent.get(method, args.time_limit))
                if method == "qaoa":
                    row = run_plain(problem, seed, value)
                else:
                    try:
                        # random parameters: as many batches as the trained run's Adam steps
                        steps = trained.get(method) if control == "random-parameters" else None
                        # QRAO's control: the qubits the QRAO run fitted into its time limit
                        cap = used.get(method) if method == "qrao" and control else None
                        row = run(problem, method, control, seed, limit, value, steps, cap)
                    except (ValueError, RuntimeError) as error:  # e.g. a refusal
                        row = {"instance": problem.name, "family": type(problem).__name__,
                               "method": method, "control": control, "seed": seed,
                               "variables": bits(problem), "qubits": None, "feasible": False,
                               "raw_feasible": False, "raw_gap": None, "gap": None,
                               "gap_before_search": None, "repairs": None, "merges": None,
                               "time": limit, "error": str(error)}
                spent[method] = row["time"] if control is None else spent.get(method)
                if control is None and row.get("qubits"):
                    used[method] = row["qubits"]
                if control is None and row.get("trained_steps") is not None:
                    trained[method] = max(1, row["trained_steps"])
                row["reference"], row["reference_source"] = value, source
                rows.append(row)
                if args.jsonl:
                    with open(args.jsonl, "a") as handle:
                        handle.write(json.dumps(row) + "\n")
                print(f"  {problem.name} {method}{'+' + control if control else ''} seed {seed}: "
                      f"gap {row['gap']} % raw {row['raw_gap']} {row['time']:.1f} s",
                      file=sys.stderr, flush=True)
    table(rows)


def run_plain(problem, seed, value):
    """The unshrunk slack-free QAOA loop (its own repair), where the bits fit the budget."""
    start = time.perf_counter()
    result = solve(problem, "qaoa", seed=seed, maxiter=30, **LOOP)
    sign = 1.0 if problem.sense == "max" else -1.0
    return {"instance": problem.name, "family": type(problem).__name__,
            "method": "qaoa (unshrunk)", "control": None, "seed": seed,
            "variables": bits(problem), "qubits": result.info["qubits"],
            "feasible": result.feasible, "raw_feasible": None, "raw_gap": None,
            "gap": 100.0 * sign * (value - result.objective) / abs(value),
            "gap_before_search": None, "repairs": None, "merges": 0,
            "time": time.perf_counter() - start}


def mean(values):
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else math.nan


def reduction(runs) -> float:
    """Mean qubit reduction in percent against one qubit per problem bit (runs that ran)."""
    return 100 * (1 - mean([r["qubits"] / r["variables"] for r in runs if r["qubits"]]))


def table(rows) -> None:
    groups = defaultdict(list)
    for row in rows:
        label = row["method"] + (f" +{row['control']}" if row["control"] else "")
        groups[(row["family"], row["instance"], label)].append(row)
    print("| family | instance | method | runs | bits | qubits | fewer qubits % | raw feasible % "
          "| raw gap % (raw-feasible runs) | feasible after repair % | mean gap % | max gap % "
          "| time s |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (family, instance, label), runs in groups.items():
        print(f"| {family} | {instance} | {label} | {len(runs)} | {runs[0]['variables']} "
              f"| {mean([r['qubits'] for r in runs]):.1f} | {reduction(runs):.0f} "
              f"| {100 * mean([float(bool(r['raw_feasible'])) for r in runs]):.0f} "
              f"| {mean([r['raw_gap'] for r in runs]):.2f} "
              f"| {100 * mean([float(r['feasible']) for r in runs]):.0f} "
              f"| {mean([r['gap'] for r in runs]):.2f} "
              f"| {max((r['gap'] for r in runs if r['gap'] is not None), default=math.nan):.2f} "
              f"| {mean([r['time'] for r in runs]):.1f} |")
    print("\nPer family and method (all instances and seeds):\n")
    print("| family | method | runs | no answer (error) | fewer qubits % | raw feasible % "
          "| feasible after repair % | mean gap % | mean gap before local search % | time s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    families = defaultdict(list)
    for (family, _, label), runs in groups.items():
        families[(family, label)] += runs
    for (family, label), runs in sorted(families.items()):
        print(f"| {family} | {label} | {len(runs)} | {sum('error' in r for r in runs)} "
              f"| {reduction(runs):.0f} "
              f"| {100 * mean([float(bool(r['raw_feasible'])) for r in runs]):.0f} "
              f"| {100 * mean([float(r['feasible']) for r in runs]):.0f} "
              f"| {mean([r['gap'] for r in runs]):.2f} "
              f"| {mean([r['gap_before_search'] for r in runs]):.2f} "
              f"| {mean([r['time'] for r in runs]):.1f} |")


if __name__ == "__main__":
    main()
