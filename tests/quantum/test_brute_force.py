import numpy as np
import pytest

from problems import MDKP, MIS, QAP, TSP
from quantum.brute_force import (ExactMinimiser, approximation_ratio, feasible_optimum,
                                 minimise_qubo, optimal_probability)
from quantum.encodings import make_encoding
from quantum.samples import Samples
from solvers.algorithms.exact import solve_exact


@pytest.mark.parametrize("problem", [MDKP.random(10, 2, seed=2), MIS.random(11, p=0.3, seed=2),
                                     TSP.random(4, seed=2), QAP.random(3, seed=2)],
                         ids=["MDKP", "MIS", "TSP", "QAP"])
def test_feasible_optimum_matches_the_exact_solver(problem):
    reference = feasible_optimum(make_encoding(problem))
    exact = solve_exact(problem, time_limit=None, seed=0)
    assert reference.objective == pytest.approx(problem.evaluate(exact.solution))
    assert reference.count >= 1 and reference.feasible_count >= reference.count


def test_minimiser_agrees_with_enumeration_and_refuses_large_qubos():
    encoding = make_encoding(MIS.random(8, p=0.4, seed=1))
    qubo = encoding.qubo(np.full(encoding.num_multipliers, 2.0))
    energy, bits = minimise_qubo(qubo)
    assert energy == pytest.approx(qubo.energy(bits))
    assert -energy == feasible_optimum(encoding).objective  # λ > 1: the exact-penalty regime
    with pytest.raises(ValueError, match="at most 24"):
        ExactMinimiser().check(25)


def test_optimal_probability_counts_only_feasible_optimal_mass():
    problem = MIS(3, [[0, 1]])
    encoding = make_encoding(problem)
    reference = feasible_optimum(encoding)
    samples = Samples(bits=np.array([[1, 0, 1], [0, 1, 1], [1, 1, 1], [0, 0, 1]], np.int8),
                      weights=np.array([0.1, 0.2, 0.3, 0.4]))
    assert reference.objective == 2 and reference.count == 2
    assert optimal_probability(encoding, samples, reference) == pytest.approx(0.3)
    assert approximation_ratio(1.0, 2.0, "max") == 0.5
