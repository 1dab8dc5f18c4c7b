import itertools

import numpy as np
import pytest

from problems import BQP, MaxCut
from solvers import solve
from solvers.algorithms.tabu import tabu_search


def brute_force_energy(Q: np.ndarray) -> float:
    bits = np.array(list(itertools.product((0, 1), repeat=len(Q))), dtype=float)
    return float(np.einsum("ki,ij,kj->k", bits, Q, bits).min())


@pytest.mark.parametrize("seed", range(5))
def test_finds_the_brute_force_optimum_of_small_random_qubos(seed):
    rng = np.random.default_rng(seed)
    Q = rng.integers(-20, 21, size=(14, 14)).astype(float)
    Q = (Q + Q.T) / 2
    x, energy, _ = tabu_search(Q, seed=seed, iterations=20_000)
    assert energy == pytest.approx(brute_force_energy(Q))
    assert float(x @ Q @ x) == pytest.approx(energy)


def test_same_seed_and_budget_give_the_same_answer():
    problem = MaxCut.random(120, p=0.1, signed=True, seed=4)
    first = solve(problem, "tabu", seed=7, iterations=30_000, time_limit=600)
    second = solve(problem, "tabu", seed=7, iterations=30_000, time_limit=600)
    assert np.array_equal(first.solution, second.solution)
    assert first.info["moves"] == second.info["moves"] == 30_000


def test_results_are_verified_and_traced():
    problem = BQP.random(40, density=0.3, seed=2, sense="max")
    result = solve(problem, "tabu", seed=0, iterations=20_000, time_limit=600)
    assert result.feasible and result.status == "feasible"
    assert result.objective == problem.evaluate(result.solution)
    assert result.trace[-1][1] == result.objective
    assert "claimed_objective_mismatch" not in result.info
    values = [value for _, value in result.trace]
    assert values == sorted(values)  # maximising: each entry improves


def test_constrained_bqp_goes_through_its_penalty_qubo():
    problem = BQP.random(10, constraints=3, seed=1, sense="max")
    result = solve(problem, "tabu", seed=0, iterations=20_000, time_limit=600)
    assert result.feasible
    assert result.objective == solve(problem, "exact").objective
    assert result.info["qubo_variables"] > problem.size  # slack bits


def test_time_limit_is_kept():
    problem = MaxCut.random(300, p=0.1, seed=0)
    solve(problem, "tabu", iterations=100)  # compile outside the timed call
    result = solve(problem, "tabu", time_limit=0.5)
    assert result.time_s < 1.5 and result.feasible


@pytest.mark.parametrize("options, message", [({"iterations": 0}, "iterations"),
                                              ({"elite": 0}, "elite"),
                                              ({"stall": -1}, "stall"),
                                              ({"tenure": -2}, "tenure")])
def test_bad_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        solve(MaxCut.random(5, seed=0), "tabu", **options)
