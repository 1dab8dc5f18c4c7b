import numpy as np
import pytest
from scipy.optimize import linprog

from problems import MDKP
from quantum.brute_force import ExactMinimiser
from quantum.encodings import make_encoding
from quantum.lagrangian import solve_lagrangian
from quantum.multipliers import METHODS, Cut, DualState, get_update


def lp_bound(problem):
    """The LP relaxation value, which equals the Lagrangian dual of MDKP (integrality property)."""
    result = linprog(-problem.profits, A_ub=problem.weights, b_ub=problem.capacities,
                     bounds=[(0, 1)] * problem.size)
    return -result.fun


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [0, 1])
def test_each_method_converges_to_the_known_dual_of_a_small_mdkp(method, seed):
    problem = MDKP.random(8, 2, seed=seed)
    dual = lp_bound(problem)
    out = solve_lagrangian(make_encoding(problem), ExactMinimiser(), multipliers=method,
                           max_iterations=40, patience=40)
    estimates = [-h["dual_estimate"] for h in out.history]  # profit units: upper bounds
    assert min(estimates) >= dual - 1e-6  # weak duality: every d(λ) bounds the optimum
    assert min(estimates) <= dual * 1.01  # converged to within 1 % of the dual optimum
    assert out.dual_estimate == pytest.approx(min(estimates))
    problem.check(out.solution)


def test_multipliers_stay_in_their_box():
    cut = Cut(np.array([1.0, -1.0]), 0.0, np.array([100.0, -100.0]))
    state = DualState(cuts=(cut,), lower=np.array([0.0, -2.0]), upper=np.array([3.0, 2.0]),
                      scale=10.0, rho=50.0, rho_max=50.0)
    for method in METHODS:
        lam = get_update(method)(state).lam
        assert np.all(lam >= state.lower) and np.all(lam <= state.upper), method


def test_zero_subgradient_keeps_the_multipliers():
    cut = Cut(np.array([0.5]), 1.0, np.array([0.0]))
    state = DualState(cuts=(cut,), lower=np.zeros(1), upper=np.ones(1), scale=1.0, rho=1.0,
                      rho_max=1.0, target=2.0)
    for method in ("subgradient", "dual-averaging", "bundle"):
        assert get_update(method)(state).lam.tolist() == [0.5]


def test_unknown_method_names_the_choices():
    with pytest.raises(ValueError, match="unknown multiplier method 'newton'.*subgradient"):
        get_update("newton")
