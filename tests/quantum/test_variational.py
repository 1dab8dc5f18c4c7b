import numpy as np
import pytest

from problems.compiled import QUBO
from quantum.backends import TooManyQubits
from quantum.brute_force import minimise_qubo
from quantum.variational import QAOA, VQE, energy_scale


def random_qubo(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    return QUBO(Q=(A + A.T) / 2.0, offset=0.0, names=tuple(f"x{i}" for i in range(n)),
                decode=None)


def test_qaoa_trains_alike_on_the_fast_simulator_and_on_aer():
    # identical energies at every angle (test_simulator); COBYLA paths may part at 1e-15 noise
    qubo = random_qubo(6, 0)
    fast = QAOA(reps=2, maxiter=40, seed=1).run(qubo)
    aer = QAOA(reps=2, maxiter=40, seed=1, backend="statevector").run(qubo)
    assert fast.value == pytest.approx(aer.value, rel=1e-3)
    assert np.allclose(fast.params, aer.params, atol=0.05)


def test_qaoa_beats_uniform_sampling_and_warm_start_is_used():
    qubo = random_qubo(8, 1)
    solver = QAOA(reps=2, maxiter=80, seed=0)
    trained = solver.run(qubo)
    uniform_mean = float(np.mean(qubo.energies(np.indices((2,) * 8).reshape(8, -1).T)))
    assert trained.value < uniform_mean
    warm = solver.run(qubo, initial=trained.params)
    assert warm.value <= trained.value + 1e-6


def test_cvar_vqe_samples_the_ground_state():
    qubo = random_qubo(5, 2)
    ground, _ = minimise_qubo(qubo)
    samples = VQE(ansatz="real_amplitudes", reps=1, alpha=0.2, maxiter=150, seed=0).run(qubo)
    assert qubo.energies(samples.bits).min() == pytest.approx(ground)
    assert samples.weights.sum() == pytest.approx(1.0) and samples.shots == 1024


def test_cvar_vqe_trains_alike_on_the_fast_simulator_and_on_aer():
    qubo = random_qubo(6, 5)
    options = dict(ansatz="real_amplitudes", reps=2, alpha=0.25, maxiter=60, seed=3)
    fast = VQE(backend="fast", **options).run(qubo)
    aer = VQE(**options).run(qubo)
    assert fast.evaluations == aer.evaluations
    assert fast.value == pytest.approx(aer.value, abs=1e-9)
    assert np.allclose(fast.params, aer.params, atol=1e-9)
    assert fast.shots == 1024 and fast.weights.sum() == pytest.approx(1.0)


def test_shot_based_training_counts_shots():
    samples = QAOA(reps=1, maxiter=10, backend="statevector", shots=100, final_shots=50,
                   seed=0).run(random_qubo(4, 3))
    assert samples.shots == samples.evaluations * 100 - 100 + 50


def test_energy_scale_is_the_standard_deviation_over_random_bits():
    qubo = random_qubo(6, 4)
    bits = np.indices((2,) * 6).reshape(6, -1).T
    assert energy_scale(qubo) == pytest.approx(float(np.std(qubo.energies(bits))))


def test_bad_arguments_are_refused_before_simulation():
    with pytest.raises(TooManyQubits, match="needs 30 qubits; backend 'fast'"):
        QAOA().check(30)
    with pytest.raises(ValueError, match="unknown optimizer 'adam'"):
        QAOA(optimizer="adam")
    with pytest.raises(ValueError, match="alpha"):
        VQE(alpha=1.5)
    with pytest.raises(ValueError, match="fast simulator handles QAOA and the real_amplitudes"):
        VQE(backend="fast")
    with pytest.raises(ValueError, match="shots apply to the Aer backends"):
        QAOA(shots=100)
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        QAOA(backend="gpu")
    with pytest.raises(ValueError, match="unknown ansatz"):
        VQE(ansatz="ring")
