import numpy as np
import pytest
import torch
from qiskit.quantum_info import Statevector

from problems.compiled import QUBO
from quantum.backends import AerRunner
from quantum.circuits import qaoa_circuit, qaoa_values
from quantum.ising import cost_vector, qubo_to_ising
from quantum.simulator import DiagonalQAOA, ProductQAOA, _evolve, cvar_from_distribution


def random_qubo(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    return QUBO(Q=(A + A.T) / 2.0, offset=float(rng.normal()),
                names=tuple(f"x{i}" for i in range(n)), decode=None)


@pytest.mark.parametrize("n,reps,seed", [(2, 1, 0), (5, 2, 1), (7, 3, 2), (10, 2, 3)])
def test_fast_simulator_matches_aer_to_1e9(n, reps, seed):
    qubo = random_qubo(n, seed)
    operator, offset = qubo_to_ising(qubo)
    circuit = qaoa_circuit(operator, reps)
    rng = np.random.default_rng(seed)
    gammas, betas = rng.uniform(-1, 1, reps), rng.uniform(-1, 1, reps)
    simulator = DiagonalQAOA(cost_vector(qubo), device="cpu")
    values = qaoa_values(circuit, gammas, betas)
    reference = Statevector(circuit.assign_parameters(values))
    assert simulator.expectation(gammas, betas) == pytest.approx(
        reference.expectation_value(operator).real + offset, abs=1e-9)
    states, aer = AerRunner(circuit, "statevector").distribution(values)
    fast = simulator.probabilities(gammas, betas).numpy()
    assert np.abs(fast[states] - aer).max() < 1e-9
    assert float(aer @ cost_vector(qubo)) == pytest.approx(
        simulator.expectation(gammas, betas), abs=1e-9)


@pytest.mark.parametrize("n,reps,seed", [(1, 1, 0), (2, 3, 1), (3, 2, 2), (5, 1, 3), (13, 2, 4),
                                         (14, 1, 5), (16, 2, 6)])
def test_numba_kernel_equals_torch_kernel(n, reps, seed):
    rng = np.random.default_rng(seed)
    costs = rng.normal(size=1 << n) * 3.0
    gammas, betas = rng.uniform(-2, 2, reps), rng.uniform(-2, 2, reps)
    numba = DiagonalQAOA(costs, device="cpu")
    reference = DiagonalQAOA(costs, device="cpu", kernel="torch")
    assert numba.kernel == "numba"
    psi = reference.state(gammas, betas).numpy()
    assert np.abs(numba.state(gammas, betas).numpy() - psi).max() < 1e-12
    assert numba.expectation(gammas, betas) == pytest.approx(
        reference.expectation(gammas, betas), abs=1e-12)
    assert numba.expectation(gammas, betas) == pytest.approx(  # reused buffer
        reference.expectation(gammas, betas), abs=1e-12)
    assert numba.cvar(gammas, betas, 0.3) == pytest.approx(
        reference.cvar(gammas, betas, 0.3), abs=1e-12)


@pytest.mark.parametrize("n", [1, 3, 5, 7, 10])
@pytest.mark.parametrize("blocking", [(1, 1, 0), (2, 3, 1), (3, 2, 2), (2, 2, 4), (4, 5, 0)])
def test_numba_cache_blocking_is_exact(n, blocking):
    """Tiny blocks exercise every sweep shape (odd groups, rows shorter than the low block)."""
    rng = np.random.default_rng(n)
    costs = rng.normal(size=1 << n)
    gammas, betas = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2)
    reference = DiagonalQAOA(costs, device="cpu", kernel="torch").state(gammas, betas).numpy()
    psi = np.empty(1 << n, dtype=np.complex128)
    energy = _evolve(psi, costs, gammas, betas, True, *blocking)
    assert np.abs(psi - reference).max() < 1e-12
    assert energy == pytest.approx(float(np.abs(reference) ** 2 @ costs), abs=1e-12)


def test_numba_kernel_without_layers_is_the_uniform_state():
    simulator = DiagonalQAOA(np.arange(8.0), device="cpu")
    assert np.allclose(simulator.state([], []).numpy(), 8 ** -0.5)
    assert simulator.expectation([], []) == pytest.approx(3.5)


def test_cvar_is_the_mean_of_the_best_tail():
    costs = torch.tensor([4.0, 1.0, 3.0, 2.0], dtype=torch.float64)
    probabilities = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    assert cvar_from_distribution(costs, probabilities, 0.2) == pytest.approx(1.0)
    assert cvar_from_distribution(costs, probabilities, 0.5) == pytest.approx((0.2 + 0.6) / 0.5)
    assert cvar_from_distribution(costs, probabilities, 1.0) == pytest.approx(
        float(costs @ probabilities))
    with pytest.raises(ValueError, match="alpha"):
        cvar_from_distribution(costs, probabilities, 0.0)


def test_simulator_cvar_below_expectation_and_bad_inputs():
    simulator = DiagonalQAOA(cost_vector(random_qubo(4, 5)), device="cpu")
    assert simulator.cvar([0.3], [0.2], 0.25) <= simulator.expectation([0.3], [0.2])
    with pytest.raises(ValueError, match="power of two"):
        DiagonalQAOA(np.zeros(6))
    with pytest.raises(ValueError, match="NaN"):
        DiagonalQAOA(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="as many gammas as betas"):
        simulator.expectation([0.1, 0.2], [0.3])
    with pytest.raises(ValueError, match="unknown kernel"):
        DiagonalQAOA(np.zeros(4), device="cpu", kernel="numpy")
    with pytest.raises(ValueError, match="CPU only"):
        DiagonalQAOA(np.zeros(4), device="meta", kernel="numba")


def test_product_simulator_matches_the_full_state_on_linear_costs():
    rng = np.random.default_rng(7)
    linear = rng.normal(size=6)
    qubo = QUBO(Q=np.diag(linear), offset=0.4, names=tuple("abcdef"), decode=None)
    full = DiagonalQAOA(cost_vector(qubo), device="cpu")
    product = ProductQAOA(linear, 0.4)
    gammas, betas = [0.7, -0.2, 1.1], [0.3, -0.5, 0.2]
    assert product.expectation(gammas, betas) == pytest.approx(
        full.expectation(gammas, betas), abs=1e-12)
    probabilities = full.probabilities(gammas, betas).numpy()
    marginals = [probabilities[((np.arange(64) >> i) & 1) == 1].sum() for i in range(6)]
    assert np.allclose(product.marginals(gammas, betas), marginals, atol=1e-12)
    bits = product.sample(gammas, betas, 20000, np.random.default_rng(0))
    assert np.allclose(bits.mean(axis=0), marginals, atol=0.02)
