"""Write the demo instance folder with fixed seeds, and its manifest of reference values.

Run from the repository root: ``python instances/generate.py`` (``make instances``);
``--only tsp/rand40.tsp ...`` rewrites the named instances and their rows of the manifest
and keeps the other rows. Reference values in ``best_known.csv`` are optima proved by an exact method
(enumeration, MathOpt/CP-SAT/CCG to a closed gap) or, where no proof closed in the
allotted time, the best value any of the long runs found (OR-Tools, the MILP, and for
the TSP also MCTS and LKH-3), marked ``proven=0``. ``best_known.csv`` is the one source
of reference values for ``nqco info``, ``nqco solve`` and the batch report.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from problems import BQP, MDKP, MIS, QAP, TSP, MaxCut, RobustKnapsack, load

HERE = Path(__file__).resolve().parent


def demo_instances():
    """(relative path, problem) pairs of the demo folder: per type one instance that 10 to 16
    qubits hold (every quantum method runs on it) and, where the type has them, larger ones
    for the classical and learned methods, small enough that ``make demo`` (every method,
    5 s each) ends within about five minutes on two cores."""
    return [
        ("tsp/rand40.tsp", TSP.random(40, seed=1)),
        ("tsp/rand100.tsp", TSP.random(100, seed=2)),
        ("tsp/clustered150.tsp", TSP.clustered(150, seed=3)),
        ("mdkp/mdkp_30x5.txt", MDKP.random(30, 5, tightness=0.5, seed=4)),
        ("mdkp/mdkp_10x3.txt", MDKP.random(10, 3, tightness=0.5, seed=12)),  # 10 qubits
        ("mis/er60.col", MIS.random(60, p=0.1, seed=6)),
        ("mis/er12.col", MIS.random(12, p=0.3, seed=13)),  # 12 qubits
        ("qap/uniform4.dat", QAP.random(4, seed=14)),  # 16 qubits (one per facility-location)
        ("qap/uniform8.dat", QAP.random(8, seed=8)),
        ("maxcut/er14.rud", MaxCut.random(14, p=0.4, seed=15)),  # 14 qubits
        ("bqp/bqp12.txt", BQP.random(12, density=0.5, seed=16)),  # 12 qubits
        ("robust_knapsack/RKP_UN_n20_seed10", RobustKnapsack.random(20, correlation="UN", seed=10)),
        ("robust_knapsack/RKP_SC_n20_seed11", RobustKnapsack.random(20, correlation="SC", seed=11)),
    ]


def write(relative: str, problem) -> Path:
    path = HERE / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = {"TSP": "write_tsplib", "MDKP": "write_orlib", "MIS": "write_dimacs",
              "QAP": "write_qaplib", "RobustKnapsack": "write", "MaxCut": "write_rudy",
              "BQP": "write_bqp"}[type(problem).__name__]
    getattr(problem, writer)(path)
    return path


def lkh_tour_length(problem) -> float:
    """LKH-3 (through ``elkai``) on the exact integer distances; verified by ``evaluate``."""
    import elkai
    import numpy as np

    tour = elkai.DistanceMatrix(problem.dense_matrix().tolist()).solve_tsp(runs=10)[:-1]
    problem.check(np.array(tour))
    return problem.evaluate(np.array(tour))


REFERENCE_METHODS = {"TSP": ("ortools", "mcts"), "MDKP": ("ortools", "milp"),
                     "MIS": ("ortools", "milp"), "QAP": ("ortools", "milp"),
                     "MaxCut": ("ortools", "milp"), "BQP": ("ortools", "milp"),
                     "RobustKnapsack": ("ortools",)}


def reference(path: Path, time_limit: float) -> tuple[float, bool, str]:
    """The best verified value of the reference methods (and LKH-3 for the TSP), proved
    optimal when any of them proved it."""
    from solvers import registry, solve

    problem = load(path)
    kind = type(problem).__name__
    methods = list(REFERENCE_METHODS[kind])
    if registry.get("exact").refusal(problem) is None:
        methods.insert(0, "exact")
    found = []
    for method in methods:
        result = solve(problem, method, time_limit=time_limit)
        if result.feasible:
            found.append((result.objective, result.status == "optimal", method))
    if kind == "TSP":
        found.append((lkh_tour_length(problem), False, "lkh3"))
    if not found:
        raise RuntimeError(f"{path}: no reference run found a feasible solution")
    proved = [f for f in found if f[1]]
    if proved:
        return proved[0]
    sign = 1 if problem.sense == "min" else -1
    return min(found, key=lambda f: sign * f[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0,
                        help="seconds per reference solve (default 30)")
    parser.add_argument("--only", nargs="+", metavar="RELATIVE_PATH",
                        help="rewrite only these instances and their manifest rows")
    args = parser.parse_args()
    instances = demo_instances()
    known = [relative for relative, _ in instances]
    unknown = sorted(set(args.only or ()) - set(known))
    if unknown:
        parser.error(f"not demo instances: {', '.join(unknown)}; they are {', '.join(known)}")
    kept = {}
    if args.only and (HERE / "best_known.csv").is_file():
        with open(HERE / "best_known.csv", newline="") as handle:
            kept = {row["instance"]: row for row in csv.DictReader(handle)}
    rows = []
    for relative, problem in instances:
        if args.only and relative not in args.only and relative in kept:
            rows.append(kept[relative])
            continue
        path = write(relative, problem)
        value, proven, method = reference(path, args.time_limit)
        rows.append({"instance": relative, "value": f"{value:.10g}", "proven": int(proven),
                     "method": method})
        print(f"{relative:40s} {value:>14.10g}  {'proven optimal' if proven else 'best found'}")
    with open(HERE / "best_known.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["instance", "value", "proven", "method"])
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
