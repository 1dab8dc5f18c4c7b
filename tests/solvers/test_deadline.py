"""One clock per solve() call: set-up counts, late methods are caught, anytime methods use it."""

import time

import pytest

from problems import MIS, TSP
from solvers import MethodSpec, registry, solve
from solvers.deadline import Deadline, DeadlineExpired
from solvers.solve import load_within
from tests.solvers.fake_problem import Pick

PICK = Pick(values=(5.0, 1.0, 3.0, 4.0), budget=2)


@pytest.fixture(autouse=True)
def test_doubles(monkeypatch):
    """A method that ignores the deadline and one that keeps it, registered for each test."""
    for spec in (MethodSpec("test-late", "tests.solvers.fake_problem:ignores_the_deadline",
                            ("Pick",), "test double"),
                 MethodSpec("test-on-time", "tests.solvers.fake_problem:honest", ("Pick",),
                            "test double")):
        monkeypatch.setitem(registry._METHODS, spec.name, spec)


def test_deadline_counts_down_and_expires():
    d = Deadline(0.05)
    assert 0 < d.remaining() <= 0.05 and not d.expired()
    time.sleep(0.06)
    assert d.remaining() == 0.0 and d.expired()
    with pytest.raises(DeadlineExpired, match="the search: time limit of 0.05 s reached"):
        d.check("the search")
    assert Deadline(None).remaining() == float("inf") and not Deadline(None).expired()


@pytest.mark.parametrize("bad", [True, 0, -1, float("nan"), float("inf"), "5"])
def test_time_limit_must_be_a_positive_number_and_bool_is_not_one(bad):
    with pytest.raises(ValueError, match="time_limit must be a positive number"):
        solve(PICK, "test-on-time", time_limit=bad)


def test_a_method_that_ignores_the_deadline_is_caught():
    result = solve(PICK, "test-late", time_limit=0.05, delay=0.3)
    assert result.feasible  # the answer is kept, and its lateness recorded
    assert result.info["overran_s"] >= 0.3 - 0.05 - 1e-3
    assert result.time_s >= 0.3


def test_time_s_is_the_whole_call_and_setup_is_reported():
    result = solve(PICK, "test-late", time_limit=5.0, delay=0.05)
    assert "overran_s" not in result.info
    assert 0.0 <= result.info["setup_s"] <= result.time_s
    assert result.time_s >= 0.05
    # the method's trace (its own clock) is shifted onto solve's clock
    assert result.trace[0][0] >= result.info["setup_s"]


def test_the_method_is_given_the_time_left_after_setup(monkeypatch):
    seen = {}

    def spy(problem, *, time_limit=None, seed=0):
        seen["limit"] = time_limit
        from tests.solvers.fake_problem import honest
        return honest(problem)

    import tests.solvers.fake_problem as fake
    monkeypatch.setattr(fake, "spy", spy, raising=False)
    monkeypatch.setitem(registry._METHODS, "test-spy",
                        MethodSpec("test-spy", "tests.solvers.fake_problem:spy", ("Pick",), "t"))
    solve(PICK, "test-spy", time_limit=2.0)
    assert 0 < seen["limit"] <= 2.0
    solve(PICK, "test-spy")
    assert seen["limit"] is None


def test_sa_uses_its_budget_by_restarting():
    graph = MIS.random(60, p=0.1, seed=0)
    short = solve(graph, "sa", seed=0, sweeps=100)
    assert short.info["rounds"] == 1 and short.info["stop"] != "time limit"
    result = solve(graph, "sa", time_limit=1.5, seed=0, sweeps=100)
    assert result.info["stop"] == "time limit" and result.info["rounds"] > 1
    # measured by the method's own report, not by a tight wall-clock bound
    assert result.info["rounds"] > short.info["rounds"]


def test_a_circuit_that_cannot_finish_is_not_started():
    # a 6-city TSP is 25 qubits: one statevector evaluation takes far longer than 2 s
    problem = TSP.random(6, seed=0)
    load_within(registry.get("vqe"), problem, Deadline(None))  # warm: the imports are not timed
    start = time.perf_counter()
    result = solve(problem, "vqe", time_limit=2.0, seed=0)
    assert result.status == "no_solution"
    assert result.info["stop"].startswith("time limit: one evaluation of the 25-qubit circuit")
    assert result.info["circuit_evaluations"] == 0
    assert time.perf_counter() - start < 60  # generous: nothing of 25 qubits ran


def test_imports_that_outlast_the_limit_do_not_stretch_the_call(tmp_path, monkeypatch):
    """An import cannot be interrupted: it runs in the background and the call ends at its
    limit with no solution; once the import is done, a call starts warm."""
    (tmp_path / "nqco_slow_import_for_test.py").write_text("import time\ntime.sleep(1.5)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = MethodSpec("test-slow-import", "tests.solvers.fake_problem:honest", ("Pick",),
                      "test double", imports=("nqco_slow_import_for_test",))
    monkeypatch.setitem(registry._METHODS, spec.name, spec)
    result = solve(PICK, "test-slow-import", time_limit=0.3)
    assert result.status == "no_solution" and result.time_s < 1.2
    assert "importing" in result.info["stop"] and "nqco_slow_import_for_test" in result.info["stop"]
    later = solve(PICK, "test-slow-import", time_limit=5.0)  # waits for the import, then runs
    assert later.feasible and later.info["setup_s"] < 5.0


def test_an_import_error_reaches_the_caller(tmp_path, monkeypatch):
    (tmp_path / "nqco_broken_import_for_test.py").write_text("raise ImportError('no such lib')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = MethodSpec("test-broken-import", "tests.solvers.fake_problem:honest", ("Pick",),
                      "test double", imports=("nqco_broken_import_for_test",))
    monkeypatch.setitem(registry._METHODS, spec.name, spec)
    with pytest.raises(ImportError, match="no such lib"):
        solve(PICK, "test-broken-import", time_limit=5.0)
