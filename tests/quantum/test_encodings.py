import numpy as np
import pytest

from problems import BQP, MDKP, MIS, QAP, TSP, InfeasibleSolution, MaxCut
from quantum.encodings import count_problem_bits, make_encoding
from quantum.ising import index_to_bits

PROBLEMS = {
    "MDKP": MDKP.random(8, 3, seed=1),
    "MIS": MIS.random(9, p=0.35, seed=2),
    "TSP": TSP.random(4, seed=3),
    "QAP": QAP.random(3, seed=4),
}


def every_assignment(encoding):
    return index_to_bits(np.arange(1 << encoding.num_problem_bits), encoding.num_problem_bits)


def is_feasible(problem, solution):
    try:
        problem.check(solution)
    except InfeasibleSolution:
        return False
    return True


@pytest.mark.parametrize("kind", PROBLEMS)
def test_feasibility_and_objective_agree_with_the_problem_on_every_assignment(kind):
    problem = PROBLEMS[kind]
    encoding = make_encoding(problem, "lagrangian")
    bits = every_assignment(encoding)
    feasible = encoding.feasible(bits)
    objective = encoding.objective(bits)
    sign = -1.0 if problem.sense == "max" else 1.0
    assert feasible.any()
    for row, ok, value in zip(bits, feasible, objective):
        if ok:
            solution = encoding.decode(row)
            problem.check(solution)
            assert sign * value == pytest.approx(problem.evaluate(solution))
        elif kind in ("MDKP", "MIS"):  # binary problems: the bits are the solution
            assert not is_feasible(problem, row)


@pytest.mark.parametrize("kind", PROBLEMS)
def test_lagrangian_qubo_is_objective_plus_multiplier_terms(kind):
    encoding = make_encoding(PROBLEMS[kind], "lagrangian")
    rng = np.random.default_rng(0)
    lam = rng.uniform(encoding.lower, encoding.upper)
    rho = 1.7
    qubo = encoding.qubo(lam, rho)
    bits = rng.integers(0, 2, size=(50, encoding.num_qubits))
    c = encoding.constraints(bits)
    expected = (encoding.objective(bits) + c @ lam
                + 0.5 * rho * np.sum(np.where(encoding.equality, c, 0.0) ** 2, axis=1))
    assert np.allclose(qubo.energies(bits), expected)
    assert qubo.num_variables == count_problem_bits(PROBLEMS[kind])  # slack-free


@pytest.mark.parametrize("kind", PROBLEMS)
def test_repair_always_returns_a_solution_the_problem_accepts(kind):
    problem = PROBLEMS[kind]
    encoding = make_encoding(problem, "lagrangian")
    rng = np.random.default_rng(1)
    for bits in rng.integers(0, 2, size=(40, encoding.num_qubits)):
        repaired = encoding.repair(bits)
        assert encoding.feasible(repaired)[0]
        problem.check(encoding.decode(repaired))


def test_mdkp_repair_leaves_no_item_that_still_fits():
    problem = PROBLEMS["MDKP"]
    encoding = make_encoding(problem)
    repaired = encoding.repair(np.ones(problem.size, dtype=np.int8))
    for item in np.flatnonzero(repaired == 0):
        grown = repaired.copy()
        grown[item] = 1
        assert not encoding.feasible(grown)[0]


@pytest.mark.parametrize("kind", PROBLEMS)
def test_slack_encoding_wraps_the_problem_qubo(kind):
    problem = PROBLEMS[kind]
    encoding = make_encoding(problem, "slack")
    assert encoding.num_multipliers == 0
    assert encoding.qubo() is encoding.qubo(None)
    assert encoding.num_qubits == problem.to_qubo().num_variables
    assert encoding.slack_bits == encoding.num_qubits - count_problem_bits(problem)


def test_slack_free_mdkp_needs_exactly_one_qubit_per_item():
    problem = MDKP.random(10, 10, seed=0)
    assert make_encoding(problem, "lagrangian").num_qubits == 10
    assert make_encoding(problem, "slack").num_qubits > 10 * 10


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown encoding 'unary'"):
        make_encoding(PROBLEMS["MIS"], "unary")
    with pytest.raises(ValueError, match="quantum encodings exist for MDKP, MIS, TSP, QAP"):
        make_encoding(object())
    with pytest.raises(ValueError, match="penalty applies to the slack encoding"):
        make_encoding(PROBLEMS["MIS"], "lagrangian", penalty=3.0)
    with pytest.raises(ValueError, match="multipliers must be"):
        make_encoding(PROBLEMS["MDKP"]).qubo(np.array([1.0, np.nan, 0.0]))


QUADRATIC = {"BQP": BQP.random(9, density=0.6, constraints=3, seed=5, sense="max"),
             "MaxCut": MaxCut.random(9, p=0.5, signed=True, seed=6),
             "BQP-constant": BQP([1.0, -2.0, 3.0], pairs=[[0, 2]], coefficients=[-4.0],
                                 constant=7.5, A=[[1, 1, 1]], constraint_senses=("==",),
                                 rhs=[2])}


@pytest.mark.parametrize("kind", QUADRATIC)
def test_bqp_lagrangian_agrees_with_the_problem_on_every_assignment(kind):
    problem = QUADRATIC[kind]
    encoding = make_encoding(problem, "lagrangian")
    assert encoding.num_qubits == problem.size  # one qubit per variable, no slack
    assert encoding.num_multipliers == problem.bqp.num_constraints
    bits = every_assignment(encoding)
    sign = -1.0 if problem.sense == "max" else 1.0
    for row, ok, value in zip(bits, encoding.feasible(bits), encoding.objective(bits)):
        assert ok == is_feasible(problem, row)
        assert sign * value == pytest.approx(problem.evaluate(row))
    rng = np.random.default_rng(0)
    lam = rng.uniform(encoding.lower, encoding.upper)
    c = encoding.constraints(bits)
    expected = (encoding.objective(bits) + c @ lam
                + 0.5 * 1.3 * np.sum(np.where(encoding.equality, c, 0.0) ** 2, axis=1))
    assert np.allclose(encoding.qubo(lam, 1.3).energies(bits), expected)


def test_bqp_repair_reaches_feasible_points_of_packing_rows():
    problem = BQP.random(10, density=0.5, seed=7, sense="max")
    problem = BQP(problem.linear, problem.pairs, problem.coefficients, sense="max",
                  A=[[1, 2, 3, 1, 2, 3, 1, 2, 3, 1], [3, 0, 1, 0, 3, 0, 1, 0, 3, 0]],
                  constraint_senses=("<=", "<="), rhs=[6, 4])
    encoding = make_encoding(problem, "lagrangian")
    for bits in np.random.default_rng(1).integers(0, 2, size=(30, 10)):
        repaired = encoding.repair(bits)
        problem.check(repaired)
        gains = [problem.evaluate(np.where(np.arange(10) == i, 1 - repaired, repaired))
                 for i in range(10)]
        feasible = [is_feasible(problem, np.where(np.arange(10) == i, 1 - repaired, repaired))
                    for i in range(10)]
        best = problem.evaluate(repaired)  # no single feasible flip improves it
        assert all(not ok or gain <= best + 1e-9 for gain, ok in zip(gains, feasible))
