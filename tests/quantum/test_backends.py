import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from quantum.backends import AerRunner, TooManyQubits, check_qubits, noise_model


def bell_like():
    circuit = QuantumCircuit(2)
    circuit.ry(Parameter("t"), 0)
    circuit.cx(0, 1)
    return circuit


def test_exact_statevector_probabilities():
    states, probabilities = AerRunner(bell_like()).distribution([np.pi / 2])
    assert states.tolist() == [0, 1, 2, 3]
    assert np.allclose(probabilities, [0.5, 0.0, 0.0, 0.5])


@pytest.mark.parametrize("method", ["statevector", "matrix_product_state"])
def test_shot_frequencies_are_seeded_and_sum_to_one(method):
    first = AerRunner(bell_like(), method, shots=400, seed=3).distribution([np.pi / 2])
    second = AerRunner(bell_like(), method, shots=400, seed=3).distribution([np.pi / 2])
    assert set(first[0].tolist()) <= {0, 3}
    assert first[1].sum() == pytest.approx(1.0)
    assert np.array_equal(first[1], second[1])


def test_noise_switches_to_shots_and_spreads_the_distribution():
    runner = AerRunner(bell_like(), noise=0.2, seed=1)
    assert runner.shots is not None
    states, _ = runner.distribution([np.pi / 2])
    assert {1, 2} & set(states.tolist())  # depolarizing noise leaks into 01 / 10


def test_qubit_limits_and_bad_arguments_are_refused_before_running():
    with pytest.raises(TooManyQubits, match="needs 27 qubits; backend 'statevector'"):
        check_qubits("statevector", 27)
    check_qubits("matrix_product_state", 40)
    with pytest.raises(ValueError, match="unknown backend 'qpu'"):
        check_qubits("qpu", 3)
    with pytest.raises(ValueError, match="unknown backend 'fast'"):
        AerRunner(bell_like(), "fast")
    with pytest.raises(ValueError, match="shots must be a positive integer"):
        AerRunner(bell_like(), shots=0)
    with pytest.raises(ValueError, match="depolarizing probability"):
        noise_model(1.5)
