import pytest

from problems import MDKP, MIS
from solvers import solve


@pytest.mark.parametrize("solver", ["scip", "highs"])
def test_milp_agrees_with_exact_on_small_instances(solver):
    problem = MDKP.random(10, 3, seed=3)
    exact = solve(problem, "exact")
    milp = solve(problem, "milp", solver=solver, time_limit=30)
    assert milp.status == "optimal" and milp.objective == pytest.approx(exact.objective)


def test_milp_returns_a_feasible_anytime_answer_on_a_larger_instance():
    # regression: SCIP with threads > 1 made MathOpt raise an internal error here
    result = solve(MDKP.random(60, 10, seed=1), "milp", time_limit=2)
    assert result.feasible


def test_unknown_milp_solver_is_named():
    with pytest.raises(ValueError, match="unknown MILP solver 'gurobi'.*scip"):
        solve(MIS.random(5, p=0.5, seed=0), "milp", solver="gurobi")


def test_milp_on_the_robust_knapsack_prices_the_nominal_solution_exactly():
    from problems import RobustKnapsack

    problem = RobustKnapsack.random(10, seed=3)
    result = solve(problem, "milp", time_limit=20)
    assert result.feasible and result.objective == pytest.approx(problem.evaluate(result.solution))
    # the nominal MILP's optimum is no proof for the robust objective
    assert result.status == "feasible"
    assert result.info["claimed_objective_mismatch"] > result.objective
