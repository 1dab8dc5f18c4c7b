import time

import numpy as np
import pytest
import torch
from qiskit import QuantumCircuit, transpile
from qiskit.quantum_info import SparsePauliOp
from qiskit_aer import AerSimulator
from qiskit_aer.primitives import EstimatorV2

from problems import MIS, MaxCut
from problems.compiled import QUBO
from quantum.pce import (KEEP, PCE, Brickwork, Correlators, _Lowest, apply_chunks, choose_body,
                         ising_terms, pauli_label, pauli_strings, qubits_for)
from quantum.repair import verify_and_repair


def qiskit_brickwork(params, n, layers):
    circuit = QuantumCircuit(n)
    for layer in range(layers + 1):
        for q in range(n):
            circuit.ry(params[layer, q, 0], q)
            circuit.rz(params[layer, q, 1], q)
        if layer < layers:
            for q in range(n - 1):
                circuit.cz(q, q + 1)
    return circuit


@pytest.mark.parametrize("n, body, count", [(4, 2, 18), (4, 3, 12), (7, 3, 105)])
def test_correlators_match_the_aer_estimator(n, body, count):
    # every ZZ/XX/YY pair or triple; 7 qubits take two chunks of the batched simulator
    layers = 2
    params = np.random.default_rng(3).uniform(-np.pi, np.pi, size=(2, layers + 1, n, 2))
    strings = pauli_strings(n, count, body)
    states = Brickwork(n, layers, dtype=torch.float64).states(torch.tensor(params))
    ours = Correlators(n, strings, dtype=torch.float64)(states).numpy()
    observables = [SparsePauliOp(pauli_label(*s, n)) for s in strings]
    estimator = EstimatorV2(options={"backend_options": {"method": "statevector"}})
    for restart in range(2):  # a batch of two circuits
        circuit = qiskit_brickwork(params[restart], n, layers)
        circuit = transpile(circuit, AerSimulator(method="statevector"), optimization_level=0)
        aer = estimator.run([(circuit, observables)]).result()[0].data.evs
        assert np.allclose(ours[restart], aer, atol=1e-10)


def test_chunks_restore_the_qubit_order():
    # X on qubit 0 only, through chunks of widths 2 and 1: |000> -> |001>
    x, one = torch.tensor([[0.0, 1.0], [1.0, 0.0]]), torch.eye(2)
    state = torch.zeros(1, 8)
    state[0, 0] = 1.0
    out = apply_chunks(state, [torch.kron(one, x), one], [2, 1], 3, 1)
    assert out[0].tolist() == [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_capacity_and_layout():
    assert qubits_for(3) == 2 and qubits_for(4) == 3 and qubits_for(570) == 20
    assert qubits_for(3420, body=3) == 20 and qubits_for(3421, body=3) == 21
    assert pauli_strings(3, 9)[-1] == ("Y", (1, 2))
    assert pauli_strings(4, 12, body=3)[4] == ("X", (0, 1, 2))
    with pytest.raises(ValueError, match="at most"):
        pauli_strings(3, 10)
    assert choose_body(570, 20) == 2 and choose_body(571, 20) == 3


def test_three_body_holds_a_gset_sized_problem_on_fourteen_qubits():
    pce = PCE(max_qubits=20)
    assert pce.qubits(800) == 13 and pce.qubits(1000) == 14
    pce.check(3420)
    with pytest.raises(ValueError, match="3420 with 3-body"):
        pce.check(3421)


def test_training_stops_at_the_deadline():
    qubo = MIS.random(40, p=0.1, seed=0).to_qubo()
    pce = PCE(steps=10_000, seed=0)
    pce.run(qubo, deadline=time.perf_counter())  # torch's first call, no step
    assert pce.last_steps == 0
    pce.run(qubo, deadline=time.perf_counter() + 0.5)
    assert 0 < pce.last_steps < 10_000


def test_relaxed_loss_equals_the_energy_at_signs():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 5))
    qubo = QUBO(Q=(A + A.T) / 2, offset=0.0, names=tuple("abcde"), decode=None)
    Js, h = ising_terms(qubo)
    energies = []
    for x in np.ndindex(*(2,) * 5):
        s = 1.0 - 2.0 * np.array(x)
        energies.append(qubo.energy(np.array(x)) - (s @ Js @ s + h @ s))
    assert np.allclose(energies, energies[0])


def test_pce_solves_a_small_mis_and_training_beats_random_parameters_on_its_loss():
    problem = MIS.random(16, p=0.2, seed=4)
    qubo = problem.to_qubo()
    trained = PCE(steps=30, layers=2, seed=1).run(qubo)
    untrained = PCE(train=False, layers=2, seed=1).run(qubo)
    assert trained.value < untrained.value
    out = verify_and_repair(problem, trained.bits[0])
    problem.check(out.solution)


def test_pce_refuses_too_many_variables():
    with pytest.raises(ValueError, match="PCE"):
        PCE(max_qubits=3).check(10)


def test_decoded_energies_are_the_qubos_and_restarts_train_side_by_side():
    qubo = MaxCut.random(30, p=0.3, seed=2).to_qubo()
    pce = PCE(steps=20, layers=2, restarts=3, seed=0)
    samples = pce.run(qubo)
    assert pce.last_steps == 20 and pce.last_evaluations == 3 * 21  # 3 circuits, 20 + 1 passes
    Js, h = ising_terms(qubo)
    keeper = _Lowest(qubo, Js, h)
    values = torch.tensor(np.random.default_rng(1).normal(size=(4, 30)))
    keeper.add(values)
    bits = keeper.bits()
    assert np.allclose([keeper.seen[b.tobytes()] for b in bits], qubo.energies(bits))
    assert len(samples.bits) <= KEEP + 1


def test_random_parameter_control_searches_as_many_batches_and_trains_nothing():
    qubo = MaxCut.random(30, p=0.3, seed=2).to_qubo()
    control = PCE(steps=5, layers=2, restarts=2, train=False, seed=0)
    control.run(qubo)
    assert control.last_steps == 0 and control.last_evaluations == 10


def test_roundings_draw_each_sign_with_the_relaxed_probability():
    values = np.array([2.0, -2.0, 0.0, 0.05])  # tanh(10 · 0.05) = 0.46: x = 1 with p = 0.27
    ones = PCE(roundings=4000, seed=0).round(values, 10.0).mean(axis=0)
    assert ones[0] < 1e-3 and ones[1] > 1 - 1e-3
    assert abs(ones[2] - 0.5) < 0.03 and abs(ones[3] - (1 - np.tanh(0.5)) / 2) < 0.03
    again = PCE(roundings=5, seed=3).round(values, 10.0)
    assert np.array_equal(again, PCE(roundings=5, seed=3).round(values, 10.0))


def test_roundings_come_back_with_the_decodings_for_trained_and_random_parameters():
    qubo = MaxCut.random(60, p=0.2, seed=1).to_qubo()
    for train in (True, False):
        plain = PCE(steps=5, layers=2, train=train, seed=0).run(qubo)
        rounded = PCE(steps=5, layers=2, roundings=30, train=train, seed=0).run(qubo)
        assert len(plain.bits) <= KEEP + 1 < len(rounded.bits) <= KEEP + 1 + 30
        assert {b.tobytes() for b in plain.bits} <= {b.tobytes() for b in rounded.bits}


def test_alpha_growth_ends_the_run_at_the_grown_alpha():
    qubo = MaxCut.random(20, p=0.3, seed=2).to_qubo()
    grown = PCE(steps=0, layers=2, alpha=2.0, alpha_growth=3.0, seed=0).run(qubo)
    plain = PCE(steps=0, layers=2, alpha=6.0, seed=0).run(qubo)
    other = PCE(steps=0, layers=2, alpha=2.0, seed=0).run(qubo)
    assert grown.value == pytest.approx(plain.value, rel=1e-5)
    assert grown.value != pytest.approx(other.value, rel=1e-3)
    with pytest.raises(ValueError, match="alpha_growth"):
        PCE(alpha_growth=0.5)
    with pytest.raises(ValueError, match="roundings"):
        PCE(roundings=-1)
