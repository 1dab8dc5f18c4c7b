import numpy as np
import pytest
from qiskit.quantum_info import Statevector

from quantum.backends import AerRunner
from quantum.circuits import hardware_efficient
from quantum.real_amplitudes import RealAmplitudesSimulator, _evolve
from quantum.simulator import cvar_from_distribution


@pytest.mark.parametrize("n,reps,seed", [(1, 1, 0), (2, 1, 1), (3, 2, 2), (5, 3, 3), (8, 1, 4),
                                         (9, 2, 5)])
def test_real_amplitudes_simulator_matches_aer_to_1e9(n, reps, seed):
    rng = np.random.default_rng(seed)
    costs = rng.normal(size=1 << n)
    simulator = RealAmplitudesSimulator(costs, reps)
    circuit = hardware_efficient(n, "real_amplitudes", reps)
    assert simulator.num_parameters == circuit.num_parameters
    theta = rng.uniform(-np.pi, np.pi, circuit.num_parameters)
    reference = Statevector(circuit.assign_parameters(theta)).data
    assert np.abs(simulator.state(theta) - reference).max() < 1e-9
    states, aer = AerRunner(circuit, "statevector").distribution(list(theta))
    probabilities = simulator.probabilities(theta)
    assert np.abs(probabilities[states] - aer).max() < 1e-9
    assert simulator.expectation(theta) == pytest.approx(float(aer @ costs[states]), abs=1e-9)
    for alpha in (0.1, 0.25, 1.0):
        assert simulator.cvar(theta, alpha) == pytest.approx(
            cvar_from_distribution(costs[states], aer, alpha), abs=1e-9)


@pytest.mark.parametrize("low_bits", [1, 2, 3])
def test_real_amplitudes_blocking_is_exact(low_bits):
    rng = np.random.default_rng(low_bits)
    costs = rng.normal(size=1 << 7)
    simulator = RealAmplitudesSimulator(costs, 2)
    theta = rng.uniform(-np.pi, np.pi, simulator.num_parameters)
    blocked = _evolve(theta, np.empty(costs.size), np.empty(costs.size), low_bits)
    assert np.abs(blocked - simulator.state(theta)).max() < 1e-13


def test_real_amplitudes_bad_inputs():
    with pytest.raises(ValueError, match="power of two"):
        RealAmplitudesSimulator(np.zeros(6), 1)
    with pytest.raises(ValueError, match="NaN"):
        RealAmplitudesSimulator(np.array([0.0, np.inf]), 1)
    with pytest.raises(ValueError, match="reps"):
        RealAmplitudesSimulator(np.zeros(4), 0)
    simulator = RealAmplitudesSimulator(np.zeros(4), 1)
    with pytest.raises(ValueError, match="has 4 parameters, got 3"):
        simulator.expectation(np.zeros(3))
    with pytest.raises(ValueError, match="alpha"):
        simulator.cvar(np.zeros(4), 0.0)
