import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp

from problems.compiled import QUBO
from quantum.ising import (bits_to_index, cost_vector, from_quadratic_program, index_to_bits,
                           ising_to_qubo, qubo_to_ising, to_quadratic_program)


def random_qubo(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    return QUBO(Q=(A + A.T) / 2.0, offset=float(rng.normal()),
                names=tuple(f"x{i}" for i in range(n)), decode=lambda b: b)


@pytest.mark.parametrize("n,seed", [(1, 0), (3, 1), (6, 2), (9, 3)])
def test_ising_diagonal_equals_brute_force_energies(n, seed):
    qubo = random_qubo(n, seed)
    every = index_to_bits(np.arange(1 << n), n)
    brute = np.array([qubo.energy(bits) for bits in every])
    operator, offset = qubo_to_ising(qubo)
    diagonal = np.real(np.diag(operator.to_matrix())) + offset
    assert np.allclose(diagonal, brute, atol=1e-10)
    assert np.allclose(cost_vector(qubo), brute, atol=1e-10)
    assert np.argmin(diagonal) == np.argmin(brute)


def test_ising_round_trip_and_quadratic_program_round_trip():
    qubo = random_qubo(5, 7)
    back = ising_to_qubo(*qubo_to_ising(qubo))
    assert np.allclose(back.Q, qubo.Q) and back.offset == pytest.approx(qubo.offset)
    program = to_quadratic_program(qubo)
    bits = index_to_bits(np.arange(32), 5)
    assert np.allclose([program.objective.evaluate(b) for b in bits], qubo.energies(bits))
    again = from_quadratic_program(program)
    assert np.allclose(again.energies(bits), qubo.energies(bits))
    assert again.decode(np.array([1, 0, 1, 1, 0])).tolist() == [1, 0, 1, 1, 0]


def test_from_quadratic_program_converts_constraints_with_slack():
    from qiskit_optimization import QuadraticProgram

    program = QuadraticProgram()
    for name in "abc":
        program.binary_var(name)
    program.maximize(linear={"a": 3, "b": 4, "c": 5})
    program.linear_constraint({"a": 2, "b": 3, "c": 4}, "<=", 5)
    qubo = from_quadratic_program(program)
    assert qubo.slack_bits > 0
    every = index_to_bits(np.arange(1 << qubo.num_variables), qubo.num_variables)
    best = every[np.argmin(qubo.energies(every))]
    assert qubo.decode(best).tolist() == [1.0, 1.0, 0.0]


def test_bit_order_is_little_endian_and_invertible():
    bits = index_to_bits(np.array([0, 1, 6]), 3)
    assert bits.tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 1]]
    assert bits_to_index(bits).tolist() == [0, 1, 6]


def test_non_diagonal_or_many_body_operators_are_refused():
    with pytest.raises(ValueError, match="not diagonal"):
        ising_to_qubo(SparsePauliOp(["XZ"], [1.0]))
    with pytest.raises(ValueError, match="at most two"):
        ising_to_qubo(SparsePauliOp(["ZZZ"], [1.0]))
