"""The ``nqco`` command, run as a user runs it: a subprocess of ``solvers.cli`` (the console
script's target) under the interpreter running the tests, on this tree's code."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from problems import MIS, TSP, load
from problems.tsp import read_tour
from solvers import solve

ROOT = Path(__file__).resolve().parents[2]
NQCO = [sys.executable, "-m", "solvers.cli"]


def nqco(*args, cwd=ROOT, timeout=120, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*NQCO, *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_methods_lists_names_types_and_descriptions():
    out = nqco("methods")
    assert out.returncode == 0, out.stderr
    header, rule, *rows = out.stdout.splitlines()
    assert header.split()[:3] == ["method", "problem", "types"]
    exact = next(r for r in rows if r.startswith("exact "))
    assert "MIS" in exact and "brute-force" in exact
    only_robust = nqco("methods", "robust_knapsack").stdout
    assert "ccg" in only_robust and "mcts " not in only_robust
    assert "test-crash" not in out.stdout


def test_warmup_runs_every_method_with_numba_kernels_once():
    out = nqco("warmup")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    methods = [line.split()[1] for line in lines if line.startswith("warm-up:")]
    assert methods == ["mcts", "mcts", "udc", "udc", "sa", "qaoa", "cvar-vqe", "tabu"], out.stdout
    assert lines[-1].startswith("compiled and cached in ")


def test_plugin_modules_from_the_environment_register_methods():
    env = {**os.environ, "NQCO_PLUGINS": "tests.solvers.fake_methods"}
    out = nqco("methods", "MIS", env=env)
    assert out.returncode == 0, out.stderr
    assert "test-crash" in out.stdout and "test double" in out.stdout
    env["NQCO_PLUGINS"] = "tests.solvers.no_such_module"
    out = nqco("methods", env=env)
    assert out.returncode == 2
    assert "plugin module 'tests.solvers.no_such_module' cannot be imported" in out.stderr


def test_generate_then_info(tmp_path):
    out = nqco("generate", "MIS", "--n", 9, "--count", 2, "-o", tmp_path, "--seed", 3,
               "--p", 0.3)
    assert out.returncode == 0, out.stderr
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["mis_n9_seed3.col", "mis_n9_seed4.col"]
    expected = MIS.random(9, p=0.3, seed=3)
    assert load(files[0]).num_edges == expected.num_edges
    out = nqco("generate", "MIS", "--generator", "barabasi_albert", "--n", 12, "--m", 2,
               "-o", tmp_path / "ba")
    assert out.returncode == 0, out.stderr
    graph = load(tmp_path / "ba" / "mis_barabasi_albert_n12_seed0.col")
    assert graph.num_edges == MIS.barabasi_albert(12, 2, seed=0).num_edges
    info = nqco("info", files[0])
    assert info.returncode == 0, info.stderr
    assert "type       MIS" in info.stdout and "instances  1" in info.stdout
    assert info.stdout.splitlines()[-1].split()[2] == "9"  # the size column


def test_solve_prints_the_verified_objective_and_writes_json_and_tour(tmp_path):
    graph = tmp_path / "g.col"
    MIS.random(10, p=0.3, seed=5).write_dimacs(graph)
    reference = solve(load(graph), "exact")
    (tmp_path / "best_known.csv").write_text(f"instance,value\ng.col,{reference.objective}\n")
    out = nqco("solve", graph, "-m", "exact", "--seed", 2, "-o", tmp_path / "sol.json")
    assert out.returncode == 0, out.stderr
    assert f"objective  {reference.objective:.10g}" in out.stdout
    assert "(gap 0.000 %)" in out.stdout and "status     optimal" in out.stdout
    written = json.loads((tmp_path / "sol.json").read_text())
    assert written["objective"] == reference.objective and written["seed"] == 2
    assert load(graph).evaluate(written["solution"]) == reference.objective

    cities = tmp_path / "t.tsp"
    TSP.random(7, seed=1).write_tsplib(cities)
    out = nqco("solve", cities, "-m", "exact", "-o", tmp_path / "tour.json")
    assert out.returncode == 0, out.stderr
    tour = read_tour(tmp_path / "tour.tour")
    objective = json.loads((tmp_path / "tour.json").read_text())["objective"]
    assert load(cities).evaluate(tour) == pytest.approx(objective)


def test_batch_then_report(tmp_path):
    folder = tmp_path / "instances"
    folder.mkdir()
    for k in range(2):
        MIS.random(9, p=0.3, seed=k).write_dimacs(folder / f"g{k}.col")
    (folder / "broken.col").write_text("p edge 3 1\ne 1 x\n")
    db = tmp_path / "results.sqlite"
    out = nqco("batch", folder, "-m", "exact", "--seeds", "0,1", "-t", 5, "--db", db,
               "--workers", 2)
    assert out.returncode == 0, out.stderr
    assert "3 instance(s) in 3 file(s)" in out.stdout
    assert "6 task(s): 0 already in" in out.stdout and "this run: 2 error, 4 optimal" in out.stdout
    assert "6/6" in out.stderr  # the progress bar reached the end
    report = nqco("report", db, "--baseline", "exact", "-o", tmp_path / "report")
    assert report.returncode == 0, report.stderr
    assert "## MIS: per method" in report.stdout
    assert "| exact | 2 | 0.00 | 0.00 |" in report.stdout
    for name in ("report.md", "report.html", "gap_to_best_known.png", "anytime.png"):
        assert (tmp_path / "report" / name).stat().st_size > 0
    assert "broken.col line 2" in (tmp_path / "report" / "report.md").read_text()


@pytest.mark.parametrize("args, message", [
    (("solve", "no-such-file.tsp", "-m", "exact"), "no-such-file.tsp: no such file"),
    (("solve", "{graph}", "-m", "simulated-magic"), "unknown method 'simulated-magic'"),
    (("solve", "{graph}", "-m", "exact", "--index", "3"), "instance index 3 out of range"),
    (("batch", "{folder}", "-m", "exact", "-t", "-5"), "expected a positive number of seconds"),
    (("batch", "{folder}", "-m", "exact", "--seeds", "1,x"), "bad seed 'x'"),
    (("batch", "{folder}", "-m", "exact,nope"), "unknown method 'nope'"),
    (("batch", "{folder}/nowhere", "-m", "exact"), "nowhere: no such folder"),
    (("batch", "{folder}", "-m", "exact", "-O", "milp.solver=highs"), "names method 'milp'"),
    (("report", "{folder}/missing.sqlite"), "missing.sqlite: no such results store"),
    (("generate", "SAT", "--n", "5", "-o", "{folder}"), "unknown problem type 'SAT'"),
    (("generate", "MIS", "--n", "5", "-o", "{folder}", "--q", "1"), "no option --q"),
    (("generate", "MIS", "--generator", "rb", "--n", "5", "-o", "{folder}"), "needs --k"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_code_2(tmp_path, args, message):
    MIS.random(6, p=0.3, seed=0).write_dimacs(tmp_path / "g.col")
    args = [a.format(graph=tmp_path / "g.col", folder=tmp_path) for a in args]
    out = nqco(*args)
    assert out.returncode == 2, out
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "results.sqlite").exists()


def test_solve_plot_and_output_write_a_picture_and_the_standard_file(tmp_path):
    import sys

    from problems.solution_io import read_solution

    instance = tmp_path / "g.col"
    problem = MIS.random(12, p=0.3, seed=3)
    problem.write_dimacs(instance)
    out = subprocess.run([sys.executable, "-c",
                          "import sys; from solvers.cli import main; sys.exit(main())", "solve",
                          instance, "-m", "exact", "--plot", tmp_path / "g.png", "-o",
                          tmp_path / "g.json"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "g.png").stat().st_size > 5000
    objective = json.loads((tmp_path / "g.json").read_text())["objective"]
    assert problem.evaluate(read_solution(problem, tmp_path / "g.txt")) == objective
