import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp, Statevector

from quantum.circuits import circuit_stats, hardware_efficient, qaoa_circuit, qaoa_values


def test_qaoa_values_follow_the_circuit_parameter_order():
    circuit = qaoa_circuit(SparsePauliOp(["ZI", "IZ"], [1.0, -0.5]), reps=2)
    values = qaoa_values(circuit, gammas=[0.1, 0.2], betas=[0.3, 0.4])
    by_name = dict(zip((p.name for p in circuit.parameters), values))
    assert by_name == {"β[0]": 0.3, "β[1]": 0.4, "γ[0]": 0.1, "γ[1]": 0.2}


def test_qaoa_with_zero_angles_is_the_uniform_superposition():
    circuit = qaoa_circuit(SparsePauliOp(["ZZ"], [1.0]), reps=1)
    state = Statevector(circuit.assign_parameters(qaoa_values(circuit, [0.0], [0.0])))
    assert np.allclose(state.probabilities(), 0.25)


@pytest.mark.parametrize("kind,reps,expected",
                         [("efficient_su2", 2, 24), ("real_amplitudes", 1, 8)])
def test_hardware_efficient_parameter_counts(kind, reps, expected):
    assert hardware_efficient(4, kind, reps).num_parameters == expected


def test_circuit_stats_count_cx_after_transpiling():
    operator = SparsePauliOp(["ZZI", "IZZ", "ZIZ"], [1.0, 1.0, 1.0])
    stats = circuit_stats(qaoa_circuit(operator, reps=2))
    assert stats["two_qubit_gates"] == 2 * 3 * 2  # each ZZ term: CX, RZ, CX
    assert stats["depth"] > 0


def test_bad_ansatz_and_reps_are_refused():
    with pytest.raises(ValueError, match="unknown ansatz 'su3'"):
        hardware_efficient(3, "su3")
    with pytest.raises(ValueError, match="positive integer"):
        qaoa_circuit(SparsePauliOp(["Z"], [1.0]), reps=0)
