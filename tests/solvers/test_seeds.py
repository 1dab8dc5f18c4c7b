"""Same seed, options and machine: same solution, in one process and across processes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from problems import MDKP, MIS, TSP
from solvers import solve

ROOT = Path(__file__).resolve().parents[2]

# work budgets instead of time limits, so that the clock decides nothing
RUNS = {
    "sa": (lambda: MIS.random(120, p=0.05, seed=3), {"sweeps": 200, "reads": 4, "rounds": 3}),
    "sa-mdkp": (lambda: MDKP.random(40, 5, seed=1), {"sweeps": 200, "reads": 4}),
    "mcts": (lambda: TSP.random(120, seed=2), {"max_iterations": 30}),
    "udc": (lambda: TSP.random(200, seed=2), {"rounds": 2}),
    "qaoa": (lambda: MIS.random(10, p=0.3, seed=4), {"max_iterations": 3, "maxiter": 30}),
}


def run_all(seed: int) -> dict:
    """Each run's solution as a list, keyed by run name."""
    out = {}
    for name, (make, options) in RUNS.items():
        result = solve(make(), name.split("-")[0], seed=seed, **options)
        assert result.feasible, (name, result.status)
        out[name] = [int(v) for v in result.solution]
    return out


def test_same_seed_same_solution_in_one_process_and_in_another():
    first = run_all(seed=5)
    assert run_all(seed=5) == first
    code = ("import json; from tests.solvers.test_seeds import run_all; "
            "print(json.dumps(run_all(seed=5)))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
    assert child.returncode == 0, child.stderr[-2000:]
    assert json.loads(child.stdout.strip().splitlines()[-1]) == first


def test_a_time_limited_sa_run_says_the_clock_decided():
    result = solve(MIS.random(80, p=0.05, seed=3), "sa", seed=1, sweeps=100, time_limit=0.5)
    assert result.info["stop"] == "time limit" and result.info["rounds"] >= 1


@pytest.mark.parametrize("method,problem", [
    ("ortools", MIS.random(30, p=0.2, seed=0)),
    ("milp", MIS.random(30, p=0.2, seed=0)),
    ("sa", MIS.random(30, p=0.2, seed=0)),
    ("mcts", TSP.random(30, seed=0)),
])
def test_seeds_beyond_31_bits_reach_every_library_in_range(method, problem):
    options = {"max_iterations": 5} if method == "mcts" else {}
    big = solve(problem, method, seed=2**40 + 3, time_limit=1, **options)
    assert big.feasible and big.seed == 2**40 + 3
    assert 0 <= big.info["method_seed"] < 2**31


@pytest.mark.parametrize("seed", [-1, True, 1.5, "3"])
def test_bad_seeds_are_refused_once_in_solve(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        solve(MIS.random(6, seed=0), "exact", seed=seed)


def test_deterministic_cp_sat_repeats_and_says_how_it_stopped():
    graph = MIS.random(150, p=0.1, seed=7)
    a = solve(graph, "ortools", seed=3, time_limit=2, deterministic=True)
    b = solve(graph, "ortools", seed=3, time_limit=2, deterministic=True)
    assert a.info["num_workers"] == 1
    if a.status != "optimal":
        assert a.info["stopped_by"] in ("deterministic time", "wall clock")
    if a.info.get("stopped_by", "deterministic time") == "deterministic time" and \
            b.info.get("stopped_by", "deterministic time") == "deterministic time":
        assert list(a.solution) == list(b.solution)


def test_unknown_options_get_the_same_error_for_every_method():
    for method, problem in (("ortools", MIS.random(6, seed=0)), ("ortools", TSP.random(6)),
                            ("sa", MIS.random(6, seed=0)), ("mcts", TSP.random(6))):
        with pytest.raises(ValueError, match=f"method '{method}' does not take option"):
            solve(problem, method, bogus=1)
