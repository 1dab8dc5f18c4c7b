import itertools
import math

import numpy as np
import pytest

from problems.errors import InfeasibleSolution
from problems.tsp import TSP


def brute_force(tsp: TSP) -> float:
    from solvers import solve

    return solve(tsp, "exact").objective

# ------------------------------------------------------------------ MILP
@pytest.mark.parametrize("n,seed", [(5, 0), (5, 1), (6, 2), (6, 3)])
def test_milp_optimum_equals_brute_force(n, seed):
    from solvers.algorithms.milp import solve_milp_model

    tsp = TSP.random(n, seed=seed)
    milp = tsp.to_milp()
    values, status, info = solve_milp_model(milp, time_limit=30, threads=1)
    assert status == "optimal"
    tour = milp.decode(values)
    tsp.check(tour)
    assert tour[0] == 0
    optimum = brute_force(tsp)
    assert tsp.evaluate(tour) == pytest.approx(optimum, rel=1e-9)
    assert info["milp_objective"] == pytest.approx(optimum, rel=1e-6)


def test_milp_decode_rejects_subtours_and_large_instances():
    tsp = TSP.random(6, seed=0)
    milp = tsp.to_milp()
    values = np.zeros(milp.num_variables)
    arcs = {name: k for k, name in enumerate(milp.names)}
    for i, j in ((0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)):
        values[arcs[f"x[{i},{j}]"]] = 1.0
    with pytest.raises(InfeasibleSolution, match="subtour of 3 cities"):
        milp.decode(values)
    with pytest.raises(ValueError, match="up to 60 cities"):
        TSP.random(61).to_milp()


# ------------------------------------------------------------------ QUBO
@pytest.mark.parametrize("n,seed", [(4, 0), (4, 5), (5, 1)])
def test_qubo_brute_force_minimum_is_the_optimal_tour(n, seed):
    tsp = TSP.random(n, seed=seed)
    qubo = tsp.to_qubo()
    assert qubo.num_variables == (n - 1) ** 2 and qubo.slack_bits == 0
    bits = np.array(list(itertools.product((0, 1), repeat=qubo.num_variables)))
    energies = qubo.energies(bits)
    optimum = brute_force(tsp)
    assert energies.min() == pytest.approx(optimum, rel=1e-9)
    assert tsp.evaluate(qubo.decode(bits[energies.argmin()])) == pytest.approx(optimum, rel=1e-9)
    grids = bits.reshape(len(bits), n - 1, n - 1)
    feasible = np.all(grids.sum(axis=1) == 1, axis=1) & np.all(grids.sum(axis=2) == 1, axis=1)
    assert feasible.sum() == math.factorial(n - 1)
    for k in np.flatnonzero(feasible):
        assert energies[k] == pytest.approx(tsp.evaluate(qubo.decode(bits[k])), rel=1e-9)
    for k in np.flatnonzero(~feasible)[:50]:
        with pytest.raises(InfeasibleSolution):
            qubo.decode(bits[k])
    assert energies[~feasible].min() > optimum


def test_qubo_decode_and_options_errors():
    qubo = TSP.random(4, seed=0).to_qubo()
    with pytest.raises(InfeasibleSolution, match="city 1 has 2 positions"):
        qubo.decode([1, 1, 0, 0, 0, 0, 0, 0, 1])
    with pytest.raises(InfeasibleSolution, match="expected 9 bits"):
        qubo.decode([1, 0, 0])
    with pytest.raises(ValueError, match="penalty must be a positive number"):
        TSP.random(4).to_qubo(penalty=-1.0)
    with pytest.raises(ValueError, match="encoding must be 'slack'"):
        TSP.random(4).to_qubo(encoding="unary")
    with pytest.raises(ValueError, match="up to 40 cities"):
        TSP.random(41).to_qubo()


def test_qubo_default_penalty_exceeds_a_known_tour():
    tsp = TSP("t", coords=[[0, 0], [0, 3], [4, 3], [4, 0]], edge_weight_type="EUC_2D")
    qubo = tsp.to_qubo()
    assert qubo.penalty > tsp.evaluate([0, 1, 2, 3])
