import numpy as np
import pytest

from problems import MDKP, MIS, QAP
from quantum.repair import decode, is_feasible, verify_and_repair

PROBLEMS = [MIS.random(25, p=0.3, seed=1), MIS(5, [[0, 1], [1, 2], [2, 3], [3, 4], [0, 4]]),
            MDKP.random(20, 4, tightness=0.25, seed=1), MDKP([5, 4, 3], [[4, 3, 2], [1, 4, 4]],
                                                              [5, 5]),
            QAP.random(5, seed=1), QAP.random(3, seed=2)]


def size(problem):
    return problem.size ** 2 if isinstance(problem, QAP) else problem.size


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_repair_always_returns_a_solution_check_accepts(problem):
    rng = np.random.default_rng(0)
    sign = 1.0 if problem.sense == "max" else -1.0
    for trial in range(40):
        density = rng.uniform(0.0, 1.0)
        bits = (rng.random(size(problem)) < density).astype(np.int8)
        out = verify_and_repair(problem, bits)
        problem.check(out.solution)
        assert out.objective == problem.evaluate(out.solution)
        raw = decode(problem, bits)
        assert out.raw_feasible == is_feasible(problem, raw) == (not out.repaired)
        if out.raw_feasible:  # local search never makes a feasible solution worse
            assert sign * out.objective >= sign * out.raw_objective - 1e-9
        else:
            assert out.raw_objective is None


def test_mis_local_search_makes_a_one_two_swap():
    star = MIS(4, [[0, 1], [0, 2], [0, 3]])  # {0} is maximal; {1, 2, 3} is the optimum
    out = verify_and_repair(star, [1, 0, 0, 0])
    assert out.raw_feasible and out.objective == 3.0 and out.improved


def test_mdkp_local_search_swaps_for_profit():
    problem = MDKP([1, 10], [[5, 5]], [5])
    out = verify_and_repair(problem, [1, 0])
    assert out.objective == 10.0


def test_qap_repair_projects_to_a_permutation_and_search_does_not_worsen():
    problem = QAP.random(4, seed=3)
    out = verify_and_repair(problem, np.ones(16, dtype=np.int8))
    assert out.repaired and sorted(out.solution.tolist()) == [0, 1, 2, 3]
    without = verify_and_repair(problem, np.ones(16, dtype=np.int8), local_search=False)
    assert out.objective <= without.objective


def test_one_flip_descent_ends_in_a_one_flip_local_optimum():
    from problems.bqp import MaxCut

    problem = MaxCut.random(60, p=0.2, signed=True, seed=3)
    out = verify_and_repair(problem, np.zeros(60, dtype=np.int8))
    for k in range(60):
        flipped = out.bits.copy()
        flipped[k] ^= 1
        assert problem.evaluate(flipped) <= out.objective + 1e-9
