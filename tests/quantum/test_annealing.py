import time

import numpy as np
import pytest

from problems.compiled import QUBO
from quantum.annealing import Annealer, schedule, simulated_annealing
from quantum.brute_force import minimise_qubo


def random_qubo(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    return QUBO(Q=(A + A.T) / 2.0, offset=0.0, names=tuple(f"x{i}" for i in range(n)),
                decode=None)


@pytest.mark.parametrize("seed", range(4))
def test_annealing_finds_the_ground_state_of_small_qubos(seed):
    qubo = random_qubo(12, seed)
    ground, _ = minimise_qubo(qubo)
    samples = simulated_annealing(qubo, sweeps=300, reads=8, seed=seed)
    assert qubo.energies(samples.bits).min() == pytest.approx(ground)
    assert samples.weights.sum() == pytest.approx(1.0)


def test_schedule_heats_then_cools_and_seeds_reproduce():
    qubo = random_qubo(6, 0)
    betas = schedule(qubo, 50)
    assert betas[0] < betas[-1] and np.all(np.diff(betas) > 0)
    a = simulated_annealing(qubo, sweeps=20, reads=3, seed=9)
    b = simulated_annealing(qubo, sweeps=20, reads=3, seed=9)
    assert np.array_equal(a.bits, b.bits)


def test_a_deadline_changes_nothing_when_the_reads_fit_and_shortens_one_that_cannot():
    qubo = random_qubo(30, 1)
    free = simulated_annealing(qubo, sweeps=200, reads=6, seed=4)
    roomy = simulated_annealing(qubo, sweeps=200, reads=6, seed=4,
                                deadline=time.perf_counter() + 600)
    assert np.array_equal(free.bits, roomy.bits) and roomy.evaluations == 6 * 200
    tight = simulated_annealing(qubo, sweeps=10**7, reads=6, seed=4,
                                deadline=time.perf_counter() + 1e-3)
    assert len(tight.bits) == 1 and tight.evaluations < 10**7


def test_annealer_rounds_are_counted_and_a_deadline_adds_rounds():
    qubo = random_qubo(20, 2)
    fixed = Annealer(sweeps=50, reads=4, seed=3, rounds=3)
    first = fixed.run(qubo)
    assert fixed.batches == 3 and first.evaluations == 3 * 4 * 50
    again = Annealer(sweeps=50, reads=4, seed=3, rounds=3).run(qubo)
    assert np.array_equal(first.bits, again.bits) and np.allclose(first.weights, again.weights)
    anytime = Annealer(sweeps=50, reads=4, seed=3, rounds=None)
    anytime.run(qubo, deadline=time.perf_counter() + 0.3)
    assert anytime.batches > 3


def test_bad_arguments():
    with pytest.raises(ValueError, match="sweeps must be a positive integer"):
        simulated_annealing(random_qubo(3, 0), sweeps=0)
    bad = QUBO(Q=np.array([[np.inf]]), offset=0.0, names=("a",), decode=None)
    with pytest.raises(ValueError, match="NaN or inf"):
        simulated_annealing(bad)
    with pytest.raises(ValueError, match="at most 5000"):
        Annealer().check(6000)
