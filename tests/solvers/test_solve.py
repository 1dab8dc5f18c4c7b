import pytest

from solvers import MethodSpec, UnknownMethod, UnsupportedProblem, methods, solve
from solvers import registry
from tests.solvers.fake_problem import Pick

PICK = Pick(values=(5.0, 1.0, 3.0, 4.0), budget=2)


def register_for_the_test(monkeypatch, spec: MethodSpec) -> None:
    """Register ``spec`` until the end of the current test."""
    monkeypatch.setitem(registry._METHODS, spec.name, spec)


@pytest.fixture(autouse=True)
def fake_methods(monkeypatch):
    """The test doubles of ``fake_problem`` (honest and lying), registered for each test and
    gone after it."""
    for name in ("honest", "lies_about_objective", "infeasible", "nothing"):
        register_for_the_test(monkeypatch, MethodSpec(
            f"test-{name}", f"tests.solvers.fake_problem:{name}", ("Pick",), "test double"))


def test_objective_is_recomputed_by_the_problem():
    result = solve(PICK, "test-honest")
    assert result.feasible and result.objective == 9.0
    assert result.trace[-1][1] == 9.0  # the trace ends at the verified value
    assert "claimed_objective_mismatch" not in result.info


def test_a_method_cannot_report_an_objective_the_problem_does_not_confirm():
    result = solve(PICK, "test-lies_about_objective")
    assert result.objective == 5.0
    assert result.info["claimed_objective_mismatch"] == 1e9


def test_infeasible_answers_are_reported_as_such():
    result = solve(PICK, "test-infeasible")
    assert not result.feasible and result.objective is None and result.status == "infeasible"
    assert "budget" in result.info["violation"]


def test_no_solution():
    result = solve(PICK, "test-nothing")
    assert result.status == "no_solution" and not result.feasible


def test_unknown_method_lists_the_available_ones():
    with pytest.raises(UnknownMethod, match="available methods: .*ortools"):
        solve(PICK, "simulated-magic")


def test_unsupported_problem_lists_methods_that_support_it():
    with pytest.raises(UnsupportedProblem, match="does not support Pick; methods that do: .*test-honest"):
        solve(PICK, "ccg")


@pytest.mark.parametrize("limit", [0, -1, float("nan"), float("inf"), "5"])
def test_bad_time_limits_are_refused(limit):
    with pytest.raises(ValueError, match="time_limit"):
        solve(PICK, "test-honest", time_limit=limit)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(ValueError, match="seed"):
        solve(PICK, "test-honest", seed=seed)


def test_unknown_options_are_named():
    with pytest.raises(ValueError, match="does not take option.*colour.*accepts: greedy"):
        solve(PICK, "test-honest", colour="red")


def test_methods_lists_types():
    table = methods()
    assert set(table["ortools"]) == {"TSP", "MDKP", "MIS", "QAP", "RobustKnapsack", "BQP", "MaxCut"}
    assert "ccg" in methods("RobustKnapsack") and "ccg" not in methods("TSP")


def test_result_gap_and_summary():
    result = solve(PICK, "test-honest")
    assert result.gap_to(10.0) == pytest.approx(10.0)
    assert result.gap_to(None) is None
    assert "test-honest" in result.summary()
    assert result.to_dict()["solution"] == [1, 0, 0, 1]


def test_a_declared_limit_refuses_before_solving_with_the_amount_needed(monkeypatch):
    register_for_the_test(monkeypatch, MethodSpec(
        "test-limited", "tests.solvers.fake_problem:honest", ("Pick",), "test double",
        limit="3 values", need="tests.solvers.fake_problem:pick_need"))
    with pytest.raises(registry.TooLarge, match="Pick pick needs 4 values; the limit is 3"):
        solve(PICK, "test-limited")
    assert solve(Pick(values=(1.0, 2.0), budget=1), "test-limited").feasible


def test_a_claimed_optimum_the_problem_does_not_confirm_is_not_reported_optimal(monkeypatch):
    register_for_the_test(monkeypatch, MethodSpec(
        "test-false-proof", "tests.solvers.fake_problem:false_proof", ("Pick",), "test double"))
    result = solve(PICK, "test-false-proof")
    assert result.feasible and result.status == "feasible"
    assert result.info["claimed_objective_mismatch"] == 12.0


def test_the_test_doubles_are_registered_only_while_a_test_runs(fake_methods, monkeypatch):
    assert "test-honest" in methods("Pick")
    monkeypatch.undo()
    assert not methods("Pick")


def test_a_load_that_imports_frees_the_garbage_of_that_moment_before_it_freezes(tmp_path,
                                                                                  monkeypatch):
    """``gc.freeze()`` after a heavy import must not keep the caller's cyclic garbage forever."""
    import dataclasses
    import gc
    import sys
    import weakref

    from solvers.deadline import Deadline
    from solvers.solve import load_within

    (tmp_path / "nqco_probe_module.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = dataclasses.replace(registry.get("exact"), imports=("nqco_probe_module",))

    class Cycle:
        pass

    garbage = Cycle()
    garbage.itself = garbage
    alive = weakref.ref(garbage)
    del garbage
    gc.disable()
    try:
        assert load_within(spec, None, Deadline(None))
    finally:
        gc.enable()
        imported = sys.modules.pop("nqco_probe_module", None)
    gc.collect()
    assert imported is not None and alive() is None
