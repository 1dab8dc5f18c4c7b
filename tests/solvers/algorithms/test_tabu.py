import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from problems import BQP, MaxCut
from solvers import solve
from solvers.algorithms.tabu import MAX_ENTRIES, tabu_need, tabu_search
from solvers.registry import TooLarge


def brute_force_energy(Q: np.ndarray) -> float:
    bits = np.array(list(itertools.product((0, 1), repeat=len(Q))), dtype=float)
    return float(np.einsum("ki,ij,kj->k", bits, Q, bits).min())


@pytest.mark.parametrize("seed", range(5))
def test_finds_the_brute_force_optimum_of_small_dense_qubos(seed):
    rng = np.random.default_rng(seed)
    Q = rng.integers(-20, 21, size=(14, 14)).astype(float)
    Q = (Q + Q.T) / 2
    x, energy, info = tabu_search(Q, seed=seed, iterations=20_000)
    assert info["gains"] == "scan"
    assert energy == pytest.approx(brute_force_energy(Q))
    assert float(x @ Q @ x) == pytest.approx(energy)


@pytest.mark.parametrize("seed", range(3))
def test_finds_the_brute_force_optimum_of_sparse_qubos_through_the_gain_trees(seed):
    rng = np.random.default_rng(seed)
    n = 18  # a signed ring with chords
    Q = np.diag(rng.integers(-3, 4, size=n)).astype(float)
    for i in range(n):
        for j in ((i + 1) % n, (i + 5) % n):
            Q[i, j] = Q[j, i] = float(rng.choice([-2, -1, 1, 2]))
    x, energy, info = tabu_search(sp.csr_matrix(Q), seed=seed, iterations=30_000,
                                  gains="trees")
    assert info["gains"] == "trees"
    assert energy == pytest.approx(brute_force_energy(Q))
    assert float(x @ Q @ x) == pytest.approx(energy)


def test_same_seed_and_budget_give_the_same_answer():
    problem = MaxCut.random(300, p=0.01, signed=True, seed=4)
    first = solve(problem, "tabu", seed=7, iterations=30_000, time_limit=600)
    second = solve(problem, "tabu", seed=7, iterations=30_000, time_limit=600)
    assert np.array_equal(first.solution, second.solution)
    assert first.info["moves"] == second.info["moves"] == 30_000
    assert first.info["stopped_by"] == "iterations"
    assert [v for _, v in first.trace] == [v for _, v in second.trace]


def test_restarts_keep_the_search_deterministic_and_the_best_answer():
    problem = MaxCut.random(200, p=0.03, signed=True, seed=5)
    runs = [solve(problem, "tabu", seed=3, iterations=60_000, time_limit=600, restart=5)
            for _ in range(2)]
    assert runs[0].info["restarts"] > 0
    assert np.array_equal(runs[0].solution, runs[1].solution)
    assert [v for _, v in runs[0].trace] == [v for _, v in runs[1].trace]
    assert runs[0].objective == max(v for _, v in runs[0].trace)  # a restart loses no best
    off = solve(problem, "tabu", seed=3, iterations=60_000, time_limit=600, restart=0)
    assert off.info["restarts"] == 0


def test_results_are_verified_and_traced():
    problem = BQP.random(40, density=0.3, seed=2, sense="max")
    result = solve(problem, "tabu", seed=0, iterations=20_000, time_limit=600)
    assert result.feasible and result.status == "feasible"
    assert result.objective == problem.evaluate(result.solution)
    assert result.trace[-1][1] == result.objective
    assert "claimed_objective_mismatch" not in result.info
    values = [value for _, value in result.trace]
    assert values == sorted(values)  # maximising: each entry improves


def test_progress_is_reported_live():
    seen = []
    problem = MaxCut.random(60, p=0.1, seed=1)
    result = solve(problem, "tabu", seed=0, iterations=5_000, time_limit=600,
                   callback=seen.append)
    assert seen and seen[-1].objective == result.objective


def test_constrained_bqp_goes_through_its_penalty_qubo():
    problem = BQP.random(10, constraints=3, seed=1, sense="max")
    result = solve(problem, "tabu", seed=0, iterations=20_000, time_limit=600)
    assert result.feasible
    assert result.objective == solve(problem, "exact").objective
    assert result.info["qubo_variables"] > problem.size  # slack bits
    assert tabu_need(problem).amount == result.info["qubo_variables"] ** 2


def test_time_limit_is_kept():
    problem = MaxCut.random(300, p=0.1, seed=0)
    solve(problem, "tabu", iterations=100)  # compile outside the timed call
    result = solve(problem, "tabu", time_limit=0.5)
    assert result.time_s < 1.5 and result.feasible
    assert result.info["stopped_by"] == "time limit"


def test_too_large_a_qubo_is_refused_before_it_is_built():
    n = 5_000  # one <= row over 5,000 bits: 13 slack bits, a dense 5,013 x 5,013 QUBO
    problem = BQP(linear=np.zeros(n), A=np.ones((1, n)), constraint_senses=("<=",),
                  rhs=[n], sense="max")
    assert tabu_need(problem).amount == (n + 13) ** 2 > MAX_ENTRIES
    with pytest.raises(TooLarge, match=r"needs 25,130,169 matrix entries \(a dense penalty "
                                       r"QUBO\); the limit is 25,000,000"):
        solve(problem, "tabu", iterations=10)
    assert tabu_need(MaxCut(n=4, edges=[(0, 1), (1, 2), (2, 3)])).amount == 4 + 2 * 3


@pytest.mark.parametrize("options, message", [({"iterations": 0}, "iterations"),
                                              ({"tenure": 2}, "tenure"),
                                              ({"jump": 0}, "jump"),
                                              ({"jump": 5, "max_jump": 4}, "max_jump"),
                                              ({"restart": -1}, "restart")])
def test_bad_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        solve(MaxCut.random(5, seed=0), "tabu", **options)
