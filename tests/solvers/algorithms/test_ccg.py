import math
import time

import numpy as np
import pytest

from problems import RobustKnapsack, load
from solvers import solve
from solvers.algorithms.ccg import solve_ccg
from tests.problems.test_robust_knapsack import all_selections, brute_value, instance

# Proved optima of branch-and-price (ResultsForBranchAndPrice.csv, "Solved to optimality" = 1)
# that column-and-constraint generation closes within seconds.
BRANCH_AND_PRICE = [
    ("RKP_UN_n20_R1000_H100_h40_dev0.2_d0.5", 6362.0),
    ("RKP_UN_n20_R1000_H100_h80_dev0.15_d0.1", 10213.5),
    ("RKP_SC_n20_R1000_H100_h40_dev0.1_d1", 4785.19),
    ("RKP_WC_n20_R1000_H100_h40_dev0.1_d1", 4026.27),
]


@pytest.mark.parametrize("correlation,seed", [("UN", 0), ("WC", 1), ("ASC", 2), ("SC", 3)])
def test_ccg_optimum_equals_enumeration_of_every_selection(correlation, seed):
    p = RobustKnapsack.random(7, correlation, h=50, delta=1.0, budget_factor=0.3, seed=seed)
    expected = max(brute_value(p, x) for x in all_selections(p.size))
    answer = solve_ccg(p, time_limit=60)
    assert answer.status == "optimal"
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
    assert result.info["iterations"] >= 1 and result.info["scenarios"] >= 1


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
    start = time.perf_counter()
    answer = solve_ccg(p, time_limit=2)
    assert time.perf_counter() - start < 2 + 3
    assert answer.status == "feasible" and answer.info["stopped"] == "time_limit"
    assert answer.info["upper_bound"] >= answer.info["lower_bound"]
    assert p.evaluate(answer.solution) == pytest.approx(answer.info["lower_bound"], abs=1e-6)


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
