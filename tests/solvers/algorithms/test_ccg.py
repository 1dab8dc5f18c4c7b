import math

import numpy as np
import pytest

from problems import RobustKnapsack, load
from solvers import solve
from solvers.algorithms.ccg import MAX_ITEMS, _solve_main, ccg_need, solve_ccg
from solvers.registry import TooLarge
from tests.problems.test_robust_knapsack import all_selections, brute_value, fractional, instance

# Proved optima of branch-and-price (ResultsForBranchAndPrice.csv, "Solved to optimality" = 1)
# that column-and-constraint generation closes within seconds.
BRANCH_AND_PRICE = [
    ("RKP_UN_n20_R1000_H100_h40_dev0.2_d0.5", 6362.0),
    ("RKP_UN_n20_R1000_H100_h80_dev0.15_d0.1", 10213.5),
    ("RKP_SC_n20_R1000_H100_h40_dev0.1_d1", 4785.19),
    ("RKP_WC_n20_R1000_H100_h40_dev0.1_d1", 4026.27),
    # left open in 60 s by CCG with scenario copies, closed by the hull cuts
    ("RKP_SC_n20_R1000_H100_h40_dev0.15_d0.1", 4376.31),
]


@pytest.mark.parametrize("correlation,seed,hull_cuts,integral", [
    ("UN", 0, True, True), ("WC", 1, True, True), ("ASC", 2, True, True), ("SC", 3, True, True),
    ("ASC", 2, False, True), ("SC", 3, False, True), ("UN", 0, True, False),
    ("ASC", 2, True, False),
])
def test_ccg_optimum_equals_enumeration_of_every_selection(correlation, seed, hull_cuts,
                                                           integral):
    """With and without hull cuts, and with data off the integers (cuts valid but not exact
    at their selection, so scenario copies are added as well)."""
    p = RobustKnapsack.random(7, correlation, h=50, delta=1.0, budget_factor=0.3, seed=seed)
    p = p if integral else fractional(p)
    expected = max(brute_value(p, x) for x in all_selections(p.size))
    answer = solve_ccg(p, time_limit=60, hull_cuts=hull_cuts)
    assert answer.status == "optimal"
    if not hull_cuts:
        assert answer.info["hull_cuts"] == 0
    elif integral:
        assert answer.info["scenarios"] == 0
    assert answer.info["lower_bound"] == pytest.approx(expected, abs=1e-6)
    assert answer.info["upper_bound"] >= answer.info["lower_bound"] - 1e-6
    assert brute_value(p, answer.solution) == pytest.approx(expected, abs=1e-6)


def test_solve_verifies_the_ccg_answer_with_the_problem_code():
    p = RobustKnapsack.random(8, "WC", h=60, delta=0.5, budget_factor=0.25, seed=7)
    result = solve(p, "ccg", time_limit=60)
    assert result.feasible and result.status == "optimal"
    assert "claimed_objective_mismatch" not in result.info
    assert result.objective == pytest.approx(result.info["lower_bound"])
    values = [v for _, v in result.trace]
    assert values == sorted(values) and values[0] == 0.0
    assert result.info["iterations"] >= 1
    assert result.info["hull_cuts"] + result.info["scenarios"] >= 1


def test_ortools_baseline_is_ccg():
    p = RobustKnapsack.random(6, "SC", seed=4)
    assert solve(p, "ortools", time_limit=60).objective == pytest.approx(
        solve(p, "ccg", time_limit=60).objective)


def test_highs_main_problem_gives_the_same_optimum():
    p = RobustKnapsack.random(7, "ASC", h=60, delta=0.5, budget_factor=0.3, seed=9)
    scip = solve_ccg(p, time_limit=60)
    highs = solve_ccg(p, time_limit=60, solver="highs")
    assert highs.status == scip.status == "optimal"
    assert highs.info["lower_bound"] == pytest.approx(scip.info["lower_bound"], abs=1e-6)


@pytest.mark.parametrize("name,optimum", BRANCH_AND_PRICE)
def test_ccg_reproduces_branch_and_price_optima(name, optimum):
    p = load(instance(name))
    assert p.best_known == optimum and p.best_known_proven
    answer = solve_ccg(p, time_limit=120)
    assert answer.status == "optimal"
    # the table prints (at least) 6 significant digits: 10213.5 stands for 10213.47...
    printed = 0.5 * 10.0 ** (math.floor(math.log10(optimum)) - 5)
    assert answer.info["lower_bound"] == pytest.approx(optimum, abs=printed + 1e-6)
    assert p.evaluate(answer.solution) == pytest.approx(answer.info["lower_bound"], abs=1e-6)


def test_time_limit_returns_the_best_priced_selection():
    p = RobustKnapsack.random(40, "SC", h=40, delta=0.1, budget_factor=0.2, seed=1)
    result = solve(p, "ccg", time_limit=2)
    assert result.time_s < 2 + 3
    assert result.status == "feasible" and result.info["stopped"] == "time_limit"
    assert result.info["upper_bound"] >= result.info["lower_bound"]
    assert p.evaluate(result.solution) == pytest.approx(result.info["lower_bound"], abs=1e-6)


def test_a_main_problem_out_of_time_still_gives_its_incumbent():
    # n = 60-80 benchmark files: the first main problem ran the whole 60 s without closing its
    # gap, and its incumbent was dropped (the answer was the empty selection)
    p = RobustKnapsack.random(60, "SC", h=40, delta=0.5, budget_factor=0.15, seed=2)
    x, bound = _solve_main(p, [], [], np.zeros(60, dtype=np.int8), "scip", 0, 0.05)
    assert x is not None and len(x) == 60 and math.isfinite(bound)
    assert bound >= p.evaluate(x) - 1e-6


@pytest.mark.parametrize("options,message", [
    (dict(solver="gurobi"), "main-problem solver"), (dict(gap=-1.0), "gap"),
    (dict(gap=float("nan")), "gap"),
])
def test_impossible_options_are_rejected(options, message):
    with pytest.raises(ValueError, match=message):
        solve_ccg(RobustKnapsack.random(4, seed=0), time_limit=5, **options)


def test_other_problem_types_are_rejected():
    from problems import MIS

    with pytest.raises(ValueError, match="RobustKnapsack"):
        solve_ccg(MIS.random(5, p=0.5, seed=0), time_limit=5)


def test_unknown_options_are_rejected_by_solve():
    with pytest.raises(ValueError, match="does not take option"):
        solve(RobustKnapsack.random(4, seed=0), "ccg", time_limit=5, threads=4)


def test_empty_knapsack_is_optimal_when_nothing_fits():
    p = RobustKnapsack(profit=[5, 5], degradation=[1, 1], repair_weight=[1, 1], weight=[9, 9],
                       outsourcing_cost=[7, 6], capacity=3, budget=1)
    answer = solve_ccg(p, time_limit=10)
    assert answer.status == "optimal" and np.array_equal(answer.solution, [0, 0])
    assert answer.info["lower_bound"] == 0.0


def test_need_counts_items_and_solve_refuses_beyond_the_limit():
    small = RobustKnapsack.random(MAX_ITEMS, seed=0)
    assert ccg_need(small).fits and ccg_need(small).amount == MAX_ITEMS
    big = RobustKnapsack.random(MAX_ITEMS + 1, seed=0)
    assert not ccg_need(big).fits
    with pytest.raises(TooLarge, match=f"needs {MAX_ITEMS + 1} items; the limit is {MAX_ITEMS}"):
        solve(big, "ccg", time_limit=5)
