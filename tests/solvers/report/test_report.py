import math

import pytest

from problems import TSP
from solvers.report import write_report
from solvers.report.tables import geometric_mean_gap, markdown_table
from solvers.runs.store import FILE_ERROR_METHOD, Record, ResultStore


def run(path, method, seed, objective, *, sense="max", kind="MIS", name=None, best=None,
        status=None, time_s=1.0, time_limit=5.0, solution=None, trace=(), error=None, size=10):
    feasible = objective is not None
    return Record(instance_path=str(path), instance_index=0, method=method, seed=seed,
                  time_limit=time_limit, options={}, status=status or "feasible",
                  objective=objective, feasible=feasible, time_s=time_s, solution=solution,
                  trace=trace, error=error, best_known=best, problem_type=kind, sense=sense,
                  size=size, instance_name=name or str(path).rsplit("/", 1)[-1])


@pytest.fixture
def store(tmp_path):
    """MIS (max) and TSP (min) results of a baseline and two other methods, with failures."""
    tsp = TSP.random(6, seed=0)
    tsp_path = tmp_path / "t6.tsp"
    tsp.write_tsplib(tsp_path)
    tour = [0, 2, 4, 1, 3, 5]
    length = tsp.evaluate(tour)
    records = [
        run("/d/m1.col", "ortools", 0, 10.0, best=10.0, status="optimal",
            trace=((0.1, 7.0), (0.5, 10.0))),
        run("/d/m1.col", "ortools", 1, 10.0, best=10.0, status="optimal"),
        run("/d/m1.col", "greedy", 0, 8.0, best=10.0, time_s=0.1, trace=((0.05, 8.0),)),
        run("/d/m1.col", "greedy", 1, 9.0, best=10.0, time_s=0.3),
        run("/d/m2.col", "ortools", 0, 20.0, size=30),
        run("/d/m2.col", "greedy", 0, 20.0, size=30, time_s=0.2),
        run("/d/m2.col", "greedy", 2, None, size=30, status="timeout",
            error="killed after 12.0 s: past the time limit (5 s) plus grace (7 s)"),
        run(tsp_path, "ortools", 0, length, sense="min", kind="TSP", size=6, name=tsp.name,
            solution=tour, trace=((0.2, length * 1.2), (0.9, length))),
        run(tsp_path, "mcts", 0, length * 1.1, sense="min", kind="TSP", size=6, name=tsp.name,
            solution=list(range(6))),
        Record(instance_path="/d/mknap_broken.txt", instance_index=0, method=FILE_ERROR_METHOD,
               seed=0, time_limit=5.0, options={}, status="error", objective=None,
               feasible=False, time_s=None,
               error="ProblemFormatError: mknap_broken.txt line 1: expected a count"),
    ]
    db = tmp_path / "results.sqlite"
    with ResultStore(db) as results:
        for record in records:
            results.add(record)
    return db


def test_geometric_mean_gap():
    assert geometric_mean_gap([15.0, 0.0]) == pytest.approx(100 * (math.sqrt(1.15) - 1))
    assert geometric_mean_gap([-100.0]) is None and geometric_mean_gap([]) is None


def test_report_on_mixed_problem_types(store, tmp_path):
    out = tmp_path / "report"
    report = write_report(store, baseline="ortools", output=out)
    names = {p.name for p in report.files}
    assert names == {"report.md", "report.html", "gap_to_best_known.png", "time_vs_gap.png",
                     "anytime.png", "tour.png", "performance_profile.png"}
    for png in out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size < 200_000
    text = (out / "report.md").read_text()
    assert text.index("## TSP") < text.index("## MIS")  # types in a fixed order
    lines = text.splitlines()
    # m1: greedy mean of 8 and 9 against the baseline's 10 (and best-known 10): 15 % worse
    # the best objective of each instance in bold; a run without a solution says why
    assert "| m1.col | 10 | 10 | 10 | greedy | 8.5 | 15.00 | 15.00 | 0.20 | 2/2 | feasible |  |" \
        in lines
    assert "| m1.col | 10 | 10 | 10 | ortools | **10** | 0.00 | 0.00 | 1.00 | 2/2 | optimal |  |" \
        in lines
    assert ("| m2.col | 30 | - | 20 | greedy | **20** | 0.00 | - | 0.20 | 1/2 (1 timeout) | mixed "
            "| killed after 12.0 s: past the time limit (5 s) plus grace (7 s) |") in lines
    geo = f"{100 * (math.sqrt(1.15) - 1):.2f}"
    assert f"| greedy | 2 | 7.50 | {geo} | 15.00 | 15.00 | 0/1/1 | 0.20 | 1 | 0 |" in lines
    assert "| ortools | 2 | 0.00 | 0.00 | 0.00 | 0.00 | - | 1.00 | 0 | 0 |" in lines
    assert "| mcts | 1 | 10.00 | 10.00 | - | - | 0/0/1 | 1.00 | 0 | 0 |" in lines
    assert "past the time limit (5 s) plus grace (7 s)" in text
    assert "mknap_broken.txt line 1: expected a count" in text
    html = (out / "report.html").read_text()
    assert html.count("src='data:image/png;base64,") == 5
    assert "<td class='best'>10</td>" in html and "href='#tsp'" in html
    assert "<th>gap to baseline %</th>" in html and "m1.col" in html
    assert report.tables_markdown.count("## ") == 4  # per type: per instance, per method
    assert "| greedy | 2 | 7.50 |" in report.tables_markdown


def test_an_absent_baseline_or_tour_instance_is_a_clear_error(store, tmp_path):
    with pytest.raises(ValueError, match="baseline method 'gurobi' has no results.*greedy"):
        write_report(store, baseline="gurobi", output=tmp_path / "r")
    with pytest.raises(ValueError, match="no TSP instance named 'berlin52'"):
        write_report(store, baseline="ortools", output=tmp_path / "r",
                     tour_instance="berlin52")
    with pytest.raises(ValueError, match="no results"):
        empty = tmp_path / "empty.sqlite"
        ResultStore(empty).close()
        write_report(empty, output=tmp_path / "r")


def test_runs_with_other_time_limits_get_their_own_label(store, tmp_path):
    with ResultStore(store) as results:
        results.add(run("/d/m1.col", "greedy", 0, 10.0, best=10.0, time_limit=60.0))
    text = write_report(store, baseline="ortools", output=tmp_path / "r").markdown
    assert "| greedy [t=60s] | **10** | 0.00 | 0.00 |" in text
    assert "| greedy [t=5s] | 8.5 | 15.00 | 15.00 |" in text


def test_markdown_table_escapes_pipes():
    assert markdown_table(["a"], [["x|y"]]).splitlines()[-1] == "| x\\|y |"


def test_skipped_runs_are_listed_with_the_reason_and_count_in_no_gap(store, tmp_path):
    with ResultStore(store) as results:
        results.add(Record(instance_path="/d/m2.col", instance_index=0, method="exact", seed=0,
                           time_limit=5.0, options={}, status="skipped", objective=None,
                           feasible=False, time_s=0.0, problem_type="MIS", sense="max", size=30,
                           instance_name="m2.col",
                           error="method 'exact' handles sizes up to 18, this instance has "
                                 "size 30"))
    lines = write_report(store, baseline="ortools", output=tmp_path / "r").markdown.splitlines()
    assert ("| m2.col | 30 | - | 20 | exact | - | - | - | - | 0/1 (1 skipped) | skipped | "
            "method 'exact' handles sizes up to 18, this instance has size 30 |") in lines
    assert "| exact | 0 | - | - | - | - | 0/0/0 | - | 0 | 1 |" in lines
