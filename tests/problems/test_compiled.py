import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from problems.compiled import MILP, QUBO, QUBOBuilder


def brute_force_min(qubo):
    bits = np.array(list(itertools.product((0, 1), repeat=qubo.num_variables)))
    energies = qubo.energies(bits)
    return energies.min(), bits[energies.argmin()]


def test_squared_penalty_is_zero_exactly_on_the_equality():
    b = QUBOBuilder(["a", "b", "c"])
    b.add_squared_penalty({0: 1.0, 1: 2.0, 2: 1.0}, rhs=2.0, weight=3.0)
    q = b.build(decode=lambda z: z)
    for bits in itertools.product((0, 1), repeat=3):
        lhs = bits[0] + 2 * bits[1] + bits[2]
        assert q.energy(np.array(bits)) == pytest.approx(3.0 * (lhs - 2) ** 2)


@pytest.mark.parametrize("coefs,rhs", [({0: 3, 1: 5, 2: 4}, 7), ({0: 2, 1: -1, 2: 6}, 5),
                                       ({0: 1, 1: 1}, 0)])
def test_slack_inequality_penalty_vanishes_iff_feasible(coefs, rhs):
    b = QUBOBuilder(["x0", "x1", "x2"][: len(coefs)])
    added = b.add_inequality_with_slack(coefs, rhs, weight=1.0, prefix="c0")
    q = b.build(decode=lambda z: z, slack_bits=added)
    n = len(coefs)
    for x in itertools.product((0, 1), repeat=n):
        lhs = sum(coefs[i] * x[i] for i in range(n))
        best = min(q.energy(np.array(x + s)) for s in itertools.product((0, 1), repeat=added))
        if lhs <= rhs:
            assert best == pytest.approx(0.0)
        else:
            assert best >= 1.0 - 1e-9


def test_slack_inequality_that_no_assignment_satisfies_is_refused():
    b = QUBOBuilder(["x"])
    with pytest.raises(ValueError, match="cannot be satisfied"):
        b.add_inequality_with_slack({0: 2.0}, rhs=-1.0, weight=1.0, prefix="c")


def test_qubo_rejects_asymmetric_and_mislabelled_matrices():
    with pytest.raises(ValueError, match="symmetric"):
        QUBO(Q=np.array([[0.0, 1.0], [0.0, 0.0]]), offset=0.0, names=("a", "b"), decode=None)
    with pytest.raises(ValueError, match="names"):
        QUBO(Q=np.zeros((2, 2)), offset=0.0, names=("a",), decode=None)


def test_energies_match_energy():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(5, 5))
    q = QUBO(Q=M + M.T, offset=1.5, names=tuple("abcde"), decode=None)
    bits = rng.integers(0, 2, size=(7, 5))
    assert np.allclose(q.energies(bits), [q.energy(b) for b in bits])
    assert brute_force_min(q)[0] <= q.energies(bits).min()


def test_milp_validates_its_shapes():
    with pytest.raises(ValueError, match="columns"):
        MILP(objective=np.ones(3), A=sp.csr_matrix(np.ones((1, 2))), row_lower=np.zeros(1),
             row_upper=np.ones(1), lower=np.zeros(3), upper=np.ones(3),
             integer=np.ones(3, bool), names=("a", "b", "c"), sense="min", decode=None)
    with pytest.raises(ValueError, match="sense"):
        MILP(objective=np.ones(2), A=sp.csr_matrix(np.ones((1, 2))), row_lower=np.zeros(1),
             row_upper=np.ones(1), lower=np.zeros(2), upper=np.ones(2),
             integer=np.ones(2, bool), names=("a", "b"), sense="minimise", decode=None)
