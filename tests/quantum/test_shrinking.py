import numpy as np
import pytest

from problems import MDKP, MIS, QAP
from problems.compiled import QUBO
from quantum.brute_force import ExactMinimiser
from quantum.encodings import make_encoding
from quantum.ising import index_to_bits
from quantum.lagrangian import solve_lagrangian
from quantum.shrinking import (ShrinkHistory, ShrunkEncoding, conflict_check, maxcut_weights,
                               sample_correlations, sdp_correlations, shrink, substitute)


def random_qubo(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    return QUBO(Q=(A + A.T) / 2.0, offset=float(rng.normal()),
                names=tuple(f"x{i}" for i in range(n)), decode=None)


def every(n):
    return index_to_bits(np.arange(1 << n), n)


def random_history(n, merges, seed):
    rng = np.random.default_rng(seed)
    history = ShrinkHistory.identity(n)
    for _ in range(merges):
        k = history.num_reduced
        removed = int(rng.integers(k))
        kept = int(rng.choice([j for j in range(k) if j != removed]))
        history = history.merge(kept, removed, str(rng.choice(["same", "opposite", "zero",
                                                               "one"])))
    return history


@pytest.mark.parametrize("seed", range(5))
def test_substitution_keeps_every_energy(seed):
    qubo = random_qubo(6, seed)
    history = random_history(6, 3, seed)
    reduced = substitute(qubo, history.T, history.t)
    y = every(history.num_reduced)
    assert np.allclose(reduced.energies(y), qubo.energies(history.expand(y)))


def test_shrink_rewrites_the_qubo_exactly_and_meets_the_budget():
    qubo = random_qubo(8, 11)
    history = shrink(qubo, max_qubits=3, reestimate=2)
    assert history.num_reduced == 3 and len(history.merges) == 5
    reduced = substitute(qubo, history.T, history.t)
    y = every(3)
    assert np.allclose(reduced.energies(y), qubo.energies(history.expand(y)))


@pytest.mark.parametrize("seed", range(3))
def test_expand_and_reduce_are_inverse_on_merge_consistent_assignments(seed):
    history = random_history(6, 3, seed)
    y = every(history.num_reduced)
    assert np.array_equal(history.reduce(history.expand(y)), y)
    image = {tuple(row) for row in history.expand(y)}
    for x in every(6):
        consistent = tuple(x) in image
        assert np.array_equal(history.expand(history.reduce(x)), x) == consistent


def test_maxcut_form_reproduces_the_energy():
    qubo = random_qubo(5, 3)
    M = maxcut_weights(qubo)
    x = every(5)
    z = np.hstack((np.ones((len(x), 1)), 1.0 - 2.0 * x))
    spin_energy = 0.5 * np.einsum("ka,ab,kb->k", z, M, z)
    difference = qubo.energies(x) - spin_energy
    assert np.allclose(difference, difference[0])


def test_correlations_find_a_planted_pair():
    Q = np.zeros((4, 4))
    Q[0, 1] = Q[1, 0] = 3.0  # x0 and x1: prefer opposite (with the linear terms below)
    Q[0, 0] = Q[1, 1] = -2.0
    Q[2, 3] = Q[3, 2] = -3.0  # x2 = x3 = 1
    qubo = QUBO(Q=Q, offset=0.0, names=tuple("abcd"), decode=None)
    C = sdp_correlations(qubo, seed=1)
    assert C[1, 2] < -0.9 and C[3, 4] > 0.9
    samples = np.array([[1, 0, 1, 1], [0, 1, 1, 1]])
    S = sample_correlations(samples)
    assert S[1, 2] == -1.0 and S[3, 4] == 1.0 and S[0, 3] == -1.0


def test_forbidden_mis_merge_is_refused_even_when_most_correlated():
    problem = MIS(4, [[0, 1]])
    Q = np.zeros((4, 4))
    Q[:2, :2] = [[10.0, -10.0], [-10.0, 10.0]]  # x0 = x1 (either value): the strongest pair
    guide = QUBO(Q=Q, offset=0.0, names=tuple("abcd"), decode=None)
    history = shrink(guide, max_qubits=3, conflict=conflict_check(problem), reestimate=1)
    assert history.refused >= 1
    x = history.expand(every(history.num_reduced))
    assert not np.any((x[:, 0] == 1) & (x[:, 1] == 1) & np.all(history.T[[0, 1]] != 0))


@pytest.mark.parametrize("problem", [MIS.random(30, p=0.3, seed=2),
                                     MDKP.random(30, 3, tightness=0.25, seed=2),
                                     QAP.random(5, seed=2)], ids=lambda p: type(p).__name__)
def test_no_merge_group_breaks_a_constraint_at_any_value(problem):
    guide = problem.to_qubo()
    n = problem.size ** 2 if isinstance(problem, QAP) else problem.size
    conflict = conflict_check(problem)
    history = shrink(guide, num_variables=n, max_qubits=8, conflict=conflict)
    fixed = ~history.T.any(axis=1)
    for k in range(history.num_reduced):
        group = fixed | (history.T[:, k] != 0)
        for value in (0, 1):
            x = history.T[:, k] * value + history.t
            assert not conflict(np.flatnonzero(group & (x == 1)),
                                np.flatnonzero(group & (x == 0)))


def test_conflict_checks_per_type():
    mdkp = MDKP([1, 1, 1], [[3, 3, 1]], [4])
    assert conflict_check(mdkp)(np.array([0, 1]), np.array([], int))
    assert not conflict_check(mdkp)(np.array([0, 2]), np.array([], int))
    qap = conflict_check(QAP.random(3, seed=0))
    assert qap(np.array([0, 3]), np.array([], int))  # x[0,0], x[1,0]: location 0 twice
    assert qap(np.array([], int), np.array([0, 1, 2]))  # facility 0 nowhere
    assert not qap(np.array([0, 4]), np.array([1, 2]))


def test_shrink_refuses_bad_options():
    qubo = random_qubo(4, 0)
    with pytest.raises(ValueError, match="stopping rule"):
        shrink(qubo)
    with pytest.raises(ValueError, match="correlations"):
        shrink(qubo, max_qubits=2, correlations="magic")
    with pytest.raises(ValueError, match="threshold"):
        shrink(qubo, threshold=2.0)


def test_threshold_stops_early():
    history = shrink(random_qubo(8, 5), threshold=1.0)
    assert history.stop in ("threshold", "one variable left")


def test_shrunk_encoding_runs_the_multiplier_loop_and_decodes_feasible_solutions():
    problem = MDKP.random(12, 2, seed=3)
    base = make_encoding(problem, "lagrangian")
    history = shrink(problem.to_qubo(), num_variables=12, max_qubits=6,
                     conflict=conflict_check(problem))
    shrunk = ShrunkEncoding(base, history)
    assert shrunk.num_qubits == 6
    lam = base.initial
    y = every(6)
    assert np.allclose(shrunk.qubo(lam).energies(y), base.qubo(lam).energies(history.expand(y)))
    out = solve_lagrangian(shrunk, ExactMinimiser(), max_iterations=3)
    if out.solution is not None:
        problem.check(out.solution)


def test_shrink_continues_a_history_exactly():
    problem = MIS.random(40, p=0.15, seed=4)
    guide, conflict = problem.to_qubo(), conflict_check(problem)
    first = shrink(guide, max_qubits=20, conflict=conflict)
    second = shrink(guide, max_qubits=8, conflict=conflict, start=first)
    assert second.num_reduced == 8 and second.merges[:len(first.merges)] == first.merges
    assert second.estimates > first.estimates
    reduced = substitute(guide, second.T, second.t)
    y = every(8)
    assert np.allclose(reduced.energies(y), guide.energies(second.expand(y)))
    with pytest.raises(ValueError, match="start history maps 40 bits, not 30"):
        shrink(guide, num_variables=30, max_qubits=8, start=first)


def test_far_from_the_budget_one_estimate_serves_a_batch_of_disjoint_merges(monkeypatch):
    import quantum.shrinking as shrinking

    events = []
    estimate, merge = shrinking._estimate, ShrinkHistory.merge
    monkeypatch.setattr(shrinking, "_estimate",
                        lambda *args: events.append("estimate") or estimate(*args))
    monkeypatch.setattr(ShrinkHistory, "merge", lambda self, kept, removed, *rest: events.append(
        (kept, removed)) or merge(self, kept, removed, *rest))
    history = shrink(random_qubo(80, 7), max_qubits=10, reestimate=1)
    assert history.num_reduced == 10
    assert history.estimates < 70 / 2  # batches of (excess // 4) merges, not one per estimate
    kept_in_batch = set()  # a variable that kept a partner is not merged again in its batch
    for event in events:
        if event == "estimate":
            kept_in_batch = set()
            continue
        kept, removed = event
        assert kept not in kept_in_batch and removed not in kept_in_batch
        kept_in_batch = {k - (k > removed) for k in kept_in_batch | ({kept} - {-1})}


def test_warm_started_mixing_stays_at_a_converged_solution():
    from quantum.shrinking import sdp_vectors

    qubo = random_qubo(12, 2)
    V = sdp_vectors(qubo, seed=0, sweeps=2000)
    again = sdp_vectors(qubo, start=V, sweeps=5)
    assert np.allclose(again, V, atol=1e-4)
    assert np.allclose(sdp_correlations(qubo, seed=0, sweeps=2000), V @ V.T, atol=1e-12)
