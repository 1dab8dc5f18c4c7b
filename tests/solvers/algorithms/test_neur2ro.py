import time

import numpy as np
import pytest

from learned.neur2ro.network import CHECKPOINT
from problems import RobustKnapsack
from solvers import solve
from solvers.algorithms.neur2ro import solve_neur2ro
from tests.problems.test_robust_knapsack import all_selections, brute_value

SURROGATES = (["trained"] if CHECKPOINT.is_file() else []) + ["untrained", "nominal"]


@pytest.mark.parametrize("surrogate", SURROGATES)
def test_solve_confirms_the_exact_value_of_the_final_selection(surrogate):
    p = RobustKnapsack.random(10, "WC", h=40, delta=0.5, budget_factor=0.2, seed=2)
    result = solve(p, "neur2ro", time_limit=30, surrogate=surrogate, max_iterations=4)
    assert result.feasible and result.status == "feasible"
    assert "claimed_objective_mismatch" not in result.info
    assert result.objective == pytest.approx(result.info["exact_value"], abs=1e-6)
    assert result.objective == pytest.approx(brute_value(p, result.solution), abs=1e-6)
    assert result.info["iterations"] >= 1 and result.info["candidates_priced"] >= 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tiny_instances_are_bracketed_by_exact_value_and_certified_bound(seed):
    p = RobustKnapsack.random(6, ("UN", "ASC", "SC")[seed], h=50, delta=1.0,
                              budget_factor=0.3, seed=seed)
    optimum = max(brute_value(p, x) for x in all_selections(p.size))
    answer = solve_neur2ro(p, time_limit=60, certify=True,
                           surrogate=SURROGATES[0])
    info = answer.info
    assert info["exact_value"] == pytest.approx(brute_value(p, answer.solution), abs=1e-6)
    assert info["exact_value"] <= optimum + 1e-6 <= info["exact_upper_bound"] + 2e-6


@pytest.mark.parametrize("adversary", ["exact", "network"])
def test_surrogate_loop_stops_for_a_stated_reason_and_reports_its_bound(adversary):
    p = RobustKnapsack.random(10, "SC", seed=5)
    info = solve_neur2ro(p, time_limit=60, surrogate=SURROGATES[0], adversary=adversary).info
    assert info["adversary"] == adversary
    assert info["stopped"] in ("surrogate_gap_closed", "repeated_scenario",
                               "repeated_selection", "max_iterations", "time_limit")
    assert info["surrogate_bound"] >= info["surrogate_value"] - 2e-3 * abs(info["surrogate_value"])
    if info["scenarios"]:
        assert len(info["selected_scenario"]) == p.size


def test_time_limit_is_a_wall_clock_promise():
    p = RobustKnapsack.random(60, "ASC", h=40, delta=0.1, budget_factor=0.2, seed=1)
    start = time.perf_counter()
    answer = solve_neur2ro(p, time_limit=4, surrogate="untrained")
    assert time.perf_counter() - start < 4 + 2
    assert np.array_equal(answer.solution, np.rint(answer.solution))


@pytest.mark.parametrize("options,message", [
    (dict(surrogate="oracle"), "surrogate"), (dict(max_iterations=0), "max_iterations"),
    (dict(gap=-1.0), "gap"), (dict(adversary="oracle"), "adversary"),
    (dict(node_limit=0), "node_limit"), (dict(node_limit=2.5), "node_limit"),
])
def test_impossible_options_are_rejected(options, message):
    with pytest.raises(ValueError, match=message):
        solve_neur2ro(RobustKnapsack.random(4, seed=0), time_limit=5, **options)


def test_other_problem_types_are_rejected():
    from problems import MIS

    with pytest.raises(ValueError, match="RobustKnapsack"):
        solve_neur2ro(MIS.random(5, p=0.5, seed=0), time_limit=5)


@pytest.mark.parametrize("surrogate", SURROGATES[:-1])
def test_the_nominal_optimum_is_a_candidate_so_learning_can_only_add(surrogate):
    # the first main problem has no scenario: its x is the nominal optimum, priced like the rest
    p = RobustKnapsack.random(12, "SC", h=60, delta=1.0, budget_factor=0.2, seed=3)
    nominal = solve_neur2ro(p, time_limit=60, surrogate="nominal").info
    learned = solve_neur2ro(p, time_limit=60, surrogate=surrogate, max_iterations=4).info
    assert nominal["iterations"] == 1 and nominal["stopped"] == "nominal_surrogate"
    assert learned["candidates_priced"] + learned["candidates_screened"] >= min(
        2, learned["candidates"])
    assert learned["exact_value"] >= nominal["exact_value"] - 1e-6


def test_instances_beyond_the_declared_limit_are_refused_before_anything_is_built():
    from solvers.registry import TooLarge

    with pytest.raises(TooLarge, match="needs 101 items; the limit is 100"):
        solve(RobustKnapsack.random(101, seed=0), "neur2ro", time_limit=5)


def test_node_capped_main_problems_still_return_an_exactly_priced_selection():
    # one node per main problem: SCIP hands back its (warm-started) incumbent and dual bound
    p = RobustKnapsack.random(12, "ASC", h=40, delta=1.0, budget_factor=0.2, seed=4)
    capped = solve(p, "neur2ro", time_limit=30, node_limit=1, surrogate=SURROGATES[0])
    assert capped.objective == pytest.approx(brute_value(p, capped.solution), abs=1e-6)
    assert capped.info["iterations"] >= 1 and capped.info["candidates_priced"] >= 1
