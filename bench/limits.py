"""Does every method keep its time limit? Wall time against the limit, cold and warm.

For each registered method and each problem type it supports, one mid-size instance (sized
for the method: the quantum methods get about 16 qubits, ``exact`` what it enumerates, ``sa``
what its dense QUBO holds) is solved in a FRESH Python process (cold: the method's imports
count, as ``solve()`` counts them; an import that outlasts the limit goes on in the background
and the call ends at its limit) and then again in the same process once the imports are done
(warm), at each limit.
``time_s`` is ``Result.time_s`` (the whole ``solve()`` call); ``process`` is the child's wall
time from interpreter start to the end of the cold solve. Target: ``time_s <= 1.1 L + 1``.

    python bench/limits.py --limits 2 10 [--methods sa,mcts] [--out docs/benchmarks/limits.md]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MID = {"TSP": 200, "MIS": 200, "MDKP": 100, "QAP": 20, "RobustKnapsack": 50, "BQP": 200,
       "MaxCut": 400}
SIZES = {  # per method, where the mid size is not what it can hold
    **{m: {"TSP": 5, "MIS": 16, "MDKP": 16, "QAP": 4, "BQP": 16, "MaxCut": 16}
       for m in ("qaoa", "vqe", "cvar-vqe")},
    **{m: {"MIS": 60, "MDKP": 40, "QAP": 8, "MaxCut": 100}
       for m in ("shrink-qaoa", "shrink-cvar-vqe", "qrao", "pce")},
    "sa": {"TSP": 30},
    "exact": {"TSP": 9, "QAP": 8, "MIS": 18, "MDKP": 18, "RobustKnapsack": 10, "BQP": 16,
              "MaxCut": 16},
}

CHILD = r"""
import json, sys, time
began = float(sys.argv[1])
method, kind, size, limit = sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
import problems
from solvers import solve
make = {"TSP": lambda: problems.TSP.random(size, seed=1),
        "MIS": lambda: problems.MIS.random(size, p=0.05 if size > 50 else 0.3, seed=1),
        "MDKP": lambda: problems.MDKP.random(size, 5 if size > 20 else 2, seed=1),
        "QAP": lambda: problems.QAP.random(size, seed=1),
        "RobustKnapsack": lambda: problems.RobustKnapsack.random(size, seed=1),
        "BQP": lambda: problems.BQP.random(size, density=0.1 if size > 50 else 0.5, seed=1),
        "MaxCut": lambda: problems.MaxCut.random(size, p=0.05 if size > 50 else 0.3,
                                                 signed=True, seed=1)}[kind]
out = {}
for run in ("cold", "warm"):
    problem = make()
    if run == "warm":  # warm: the imports the cold call started are done
        from solvers import registry
        from solvers.deadline import Deadline
        from solvers.solve import load_within
        try:
            load_within(registry.get(method), problem, Deadline(None))
        except Exception:
            pass
    try:
        r = solve(problem, method, time_limit=limit, seed=0)
        out[run] = {"time_s": r.time_s, "objective": r.objective, "status": r.status,
                    "setup_s": r.info.get("setup_s"), "stop": str(r.info.get("stop", ""))[:60]}
    except Exception as error:
        out[run] = {"error": f"{type(error).__name__}: {str(error)[:120]}"}
    if run == "cold":
        out["process"] = time.time() - began
print("RESULT " + json.dumps(out))
"""


def measure(method: str, kind: str, size: int, limit: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "NQCO_THREADS": "1"}
    child = subprocess.run([sys.executable, "-c", CHILD, str(time.time()), method, kind,
                            str(size), str(limit)], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=20 * limit + 600)
    lines = [l for l in child.stdout.splitlines() if l.startswith("RESULT ")]
    if not lines:
        return {"cold": {"error": child.stderr.strip().splitlines()[-1][:120]}, "warm": {}}
    return json.loads(lines[-1][len("RESULT "):])


def cell(run: dict, limit: float) -> tuple[str, str, str]:
    if "error" in run:
        return ("-", "-", run["error"])
    ok = run["time_s"] <= 1.1 * limit + 1.0
    objective = "-" if run["objective"] is None else f"{run['objective']:.6g}"
    return (f"{run['time_s']:.2f}" + ("" if ok else " **over**"), objective,
            run["status"] + (f" ({run['stop']})" if run.get("stop") else ""))


def main(argv=None) -> int:
    from solvers import registry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", type=float, nargs="+", default=[2.0, 10.0, 30.0])
    parser.add_argument("--methods", default="all")
    parser.add_argument("--types", default="all")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    chosen = list(registry.methods()) if args.methods == "all" else args.methods.split(",")
    header = ("| method | type | size | limit s | cold time_s | process s | cold objective | "
              "cold status | warm time_s | warm objective |")
    lines = [header, "|" + "---|" * 10]
    print(header, flush=True)
    for limit in args.limits:
        for method in chosen:
            for kind in registry.get(method).types:
                if args.types != "all" and kind not in args.types.split(","):
                    continue
                size = SIZES.get(method, {}).get(kind, MID[kind])
                out = measure(method, kind, size, limit)
                cold_t, cold_obj, cold_status = cell(out["cold"], limit)
                warm_t, warm_obj, _ = cell(out.get("warm") or {"error": "-"}, limit)
                process = f"{out['process']:.1f}" if "process" in out else "-"
                line = (f"| {method} | {kind} | {size} | {limit:g} | {cold_t} | {process} | "
                        f"{cold_obj} | {cold_status} | {warm_t} | {warm_obj} |")
                lines.append(line)
                print(line, flush=True)
    if args.out is not None:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
