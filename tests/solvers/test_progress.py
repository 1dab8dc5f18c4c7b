"""Live progress: improvements reach the callback, the log and ``nqco solve -v`` as they are found."""

import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from problems import MDKP, MIS, QAP, TSP
from solvers import solve
from solvers.progress import Progress

ROOT = Path(__file__).resolve().parents[2]


def test_progress_keeps_only_improvements_in_the_problem_sense():
    seen = []
    progress = Progress("m", "p", sense="min", best_known=100.0, callback=seen.append)
    for value in (120, 130, 110, 110, 100):
        progress.improved(value, round=value)
    assert [(e.objective, e.gap, e.detail["round"]) for e in seen] == [
        (120, 20.0, 120), (110, 10.0, 110), (100, 0.0, 100)]
    assert all(a.seconds <= b.seconds for a, b in zip(seen, seen[1:]))


@pytest.mark.parametrize("problem, method, options", [
    (TSP.random(150, seed=1), "mcts", {"time_limit": 1.0}),
    (TSP.random(150, seed=1), "udc", {"rounds": 2}),
    (TSP.random(60, seed=1), "ortools", {"time_limit": 1.0}),
    (MIS.random(60, seed=1), "ortools", {"time_limit": 1.0}),
    (MDKP.random(30, 5, seed=1), "ortools", {"time_limit": 1.0}),
    (QAP.random(8, seed=1), "ortools", {"time_limit": 1.0}),
    (MIS.random(20, seed=1), "sa", {"time_limit": 1.0}),
    (MDKP.random(8, 2, seed=0), "qaoa", {"max_iterations": 2}),
])
def test_methods_report_each_improvement_while_they_run(problem, method, options):
    seen = []
    result = solve(problem, method, callback=seen.append, **options)
    assert seen, f"{method} reported no improvement"
    assert seen[-1].objective == pytest.approx(result.objective, rel=1e-6)
    assert all(e.method == method and e.problem == problem.name for e in seen)
    assert all(e.seconds <= result.time_s for e in seen)


def test_log_true_routes_improvements_through_the_nqco_logger(caplog):
    with caplog.at_level(logging.INFO, logger="nqco.progress"):
        result = solve(MIS.random(10, p=0.3, seed=2), "exact", log=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "nqco.progress"]
    assert lines and f"objective {result.objective:g}" in lines[-1]


def test_methods_without_a_progress_keyword_report_their_trace_at_the_end():
    seen = []
    result = solve(MIS.random(10, p=0.3, seed=2), "milp", callback=seen.append)
    assert [e.objective for e in seen][-1] == result.objective
    assert seen[-1].detail == {"reported": "at the end"}


def test_solve_refuses_progress_as_a_user_option():
    with pytest.raises(ValueError, match="does not take option"):
        solve(MIS.random(8, seed=0), "exact", progress=object())


def test_solve_verbose_prints_improvements_before_the_run_ends(tmp_path):
    instance = tmp_path / "g.col"
    MIS.random(10, p=0.3, seed=1).write_dimacs(instance)
    command = [sys.executable, "-c", "import sys; from solvers.cli import main; sys.exit(main())",
               "solve", str(instance), "-m", "test-slow-improver", "-v",
               "--plugins", "tests.solvers.fake_methods"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        line = process.stderr.readline()
        arrived = time.perf_counter() - started
        still_running = process.poll() is None
    finally:
        out, err = process.communicate(timeout=60)
    assert "objective" in line and "stage found" in line, line + err
    assert still_running, f"the improvement arrived only after the run ended ({arrived:.1f} s)"
    assert process.returncode == 0 and "status     optimal" in out
