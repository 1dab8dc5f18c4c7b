import itertools
from pathlib import Path

import numpy as np
import pytest

from problems import QAP, load
from problems.errors import InfeasibleSolution, ProblemFormatError
from problems.qap import read, sniff
from solvers.algorithms.milp import solve_milp_model
from tests.conftest import ABSENT, benchmark_root

QAPLIB = benchmark_root() / "qaplib"

TOY = "3\n\n0 1 2\n1 0 3\n2 3 0\n\n0 5 1\n5 0 2\n1 2 0\n"


def benchmark(name: str) -> Path:
    path = QAPLIB / name
    if not path.is_file():
        pytest.skip(f"{ABSENT}: {path}")
    return path


def write(tmp_path, text: str, name: str = "toy.dat") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def all_costs(q: QAP) -> np.ndarray:
    """Cost of every permutation, vectorised: sum_ij A[i,j] B[p_i, p_j]."""
    perms = np.array(list(itertools.permutations(range(q.size))))
    return np.einsum("ij,kij->k", q.flow, q.distance[perms[:, :, None], perms[:, None, :]])


def asymmetric(n: int, seed: int) -> QAP:
    """Asymmetric matrices with non-zero diagonals: exercises every term of the compilers."""
    rng = np.random.default_rng(seed)
    return QAP(rng.integers(0, 10, size=(n, n)), rng.integers(0, 10, size=(n, n)),
               name=f"asym{n}-{seed}")


# ------------------------------------------------------------------ the problem object
def test_evaluate_follows_the_koopmans_beckmann_formula():
    q = asymmetric(4, 0)
    p = np.array([2, 0, 3, 1])
    expected = sum(q.flow[i, j] * q.distance[p[i], p[j]] for i in range(4) for j in range(4))
    assert q.evaluate(p) == expected
    q.check(p)


@pytest.mark.parametrize("solution, message", [
    ([0, 1], "permutation of 3 locations"), ([0, 1, 3], "facility 2 is at location 3"),
    ([0, 1, 1], "location 1 holds facilities 1 and 2"), ([0, 1.5, 2], "integer locations"),
    ([-1, 0, 1], "facility 0 is at location -1"),
])
def test_malformed_permutations_are_rejected(solution, message):
    q = QAP.random(3, seed=0)
    with pytest.raises(InfeasibleSolution, match=message):
        q.check(solution)


@pytest.mark.parametrize("flow, distance, message", [
    (np.ones((2, 3)), np.ones((2, 2)), "flow must be a non-empty square"),
    (np.ones((2, 2)), np.ones((3, 3)), "both must be n×n"),
    ([[0, np.nan], [1, 0]], np.ones((2, 2)), "flow must be finite"),
    (np.ones((2, 2)), [[0, -1], [1, 0]], "distance must be non-negative"),
])
def test_invalid_matrices_are_rejected(flow, distance, message):
    with pytest.raises(ProblemFormatError, match=message):
        QAP(flow, distance)


def test_random_is_taillard_style():
    q = QAP.random(8, seed=3)
    for m in (q.flow, q.distance):
        assert np.array_equal(m, m.T) and not np.diag(m).any() and 0 <= m.min() and m.max() <= 99
    assert np.array_equal(QAP.random(8, seed=3).flow, q.flow)
    with pytest.raises(ValueError, match="positive integer"):
        QAP.random(0)


# ------------------------------------------------------------------ files
def test_nug12_and_its_solution():
    q = read(benchmark("nug12.dat"))
    assert (q.name, q.size, q.best_known, q.stated_value) == ("nug12", 12, 578, 578)
    assert q.flow[0, :4].tolist() == [0, 1, 2, 3] and q.distance[0, :4].tolist() == [0, 5, 2, 4]
    assert q.evaluate(np.array([12, 7, 9, 3, 4, 8, 11, 1, 5, 6, 10, 2]) - 1) == 578


def test_sln_header_is_kept_but_the_permutation_decides():
    kra32 = load(benchmark("kra32.dat"))
    assert (kra32.best_known, kra32.stated_value) == (88700, 88900)
    tai40a = read(benchmark("tai40a.dat"))  # its .sln is 0-based
    assert tai40a.best_known == 3139370


@pytest.mark.parametrize("name, stated, optimum", [("esc8b", 8, 8), ("esc8f", 18, 6)])
def test_esc8_first_line_holds_size_and_a_value(name, stated, optimum):
    q = read(benchmark(f"{name}.dat"))
    assert (q.size, q.stated_value, q.best_known) == (8, stated, None)
    assert all_costs(q).min() == optimum  # exhaustive enumeration of all 8! assignments


def test_write_qaplib_round_trip(tmp_path):
    q = asymmetric(5, 1)
    path = tmp_path / "a.dat"
    q.write_qaplib(path)
    back = read(path)
    assert np.array_equal(back.flow, q.flow) and np.array_equal(back.distance, q.distance)
    assert back.best_known is None and back.name == "a"


@pytest.mark.parametrize("text, message", [
    (TOY[:-6], "line 8: expected 9 entries of the second 3×3 matrix, .*truncated"),
    (TOY + "7\n", "line 10: unexpected extra token '7'"),
    (TOY.replace("1 0 3", "1 nan 3"), "line 4: .* must be non-negative finite numbers, got nan"),
    (TOY.replace("1 0 3", "1 0 -3"), "line 4: .* non-negative"),
    (TOY.replace("5 0 2", "5 zero 2"), "line 8: expected a number .* got 'zero'"),
    (TOY.replace("3\n\n", "3.5\n\n", 1), "line 1: size n must be an integer"),
    ("", "expected 1 size n, but the data ends"),
])
def test_bad_dat_files_name_the_line(tmp_path, text, message):
    with pytest.raises(ProblemFormatError, match=message):
        read(write(tmp_path, text))


@pytest.mark.parametrize("sln, message", [
    ("4 10\n1 2 3 4\n", "toy.sln line 1: the solution is for size 4"),
    ("3 10\n1 2 2\n", "line 2: location 2 appears twice"),
    ("3 10\n1 2 9\n", "line 2: permutation entry 9 is not a location in 1..3"),
    ("3 10\n1 2\n", "expected 3 permutation entries"),
    ("3 10\n1 2 3 4\n", "unexpected extra token '4'"),
])
def test_bad_sln_files_are_reported(tmp_path, sln, message):
    path = write(tmp_path, TOY)
    write(tmp_path, sln, "toy.sln")
    with pytest.raises(ProblemFormatError, match=message):
        read(path)


def test_sln_with_commas_and_bad_index(tmp_path):
    path = write(tmp_path, TOY)
    write(tmp_path, "3 99\n2,1,3\n", "toy.sln")
    q = read(path)
    assert q.best_known == q.evaluate([1, 0, 2]) and q.stated_value == 99
    with pytest.raises(ProblemFormatError, match="index 1 out of range"):
        read(path, index=1)


def test_sniff():
    assert sniff("nug12.dat", "12\n\n0 1 2") and not sniff("nug12.sln", "12 578\n")
    assert not sniff("x.dat", "NAME foo") and not sniff("mknap1.txt", "7\n\n6 10 3800\n")


# ------------------------------------------------------------------ compiled forms
@pytest.mark.parametrize("n, seed", [(3, 0), (3, 1), (4, 2), (4, 3)])
def test_brute_force_equals_milp_equals_qubo(n, seed):
    q = asymmetric(n, seed)
    costs = all_costs(q)
    optimum = costs.min()

    milp = q.to_milp()
    values, status, _ = solve_milp_model(milp, time_limit=60, solver="scip")
    assert status == "optimal" and milp.value(values) == pytest.approx(optimum)
    q.check(milp.decode(values))
    assert q.evaluate(milp.decode(values)) == pytest.approx(optimum)

    qubo = q.to_qubo()
    assert qubo.num_variables == n * n and qubo.slack_bits == 0
    bits = np.array(list(itertools.product((0, 1), repeat=n * n)), dtype=float)
    energies = qubo.energies(bits)
    assert energies.min() == pytest.approx(optimum)
    best = qubo.decode(bits[np.argmin(energies)])
    assert q.evaluate(best) == pytest.approx(optimum)
    matrices = bits.reshape(-1, n, n)
    permutation = np.all(matrices.sum(axis=1) == 1, axis=1) & np.all(matrices.sum(axis=2) == 1,
                                                                        axis=1)
    assert energies[~permutation].min() > optimum
    assert np.allclose(np.sort(energies[permutation]), np.sort(costs))


def test_decode_marks_rows_that_are_not_one_hot():
    q = QAP.random(3, seed=0)
    decoded = q.to_qubo().decode(np.array([1, 0, 0, 1, 1, 0, 0, 0, 0]))
    assert decoded.tolist() == [0, -1, -1]
    with pytest.raises(InfeasibleSolution):
        q.check(decoded)


def test_compiler_limits_and_options():
    with pytest.raises(ValueError, match="only up to n = 12"):
        QAP.random(13).to_milp()
    with pytest.raises(ValueError, match="penalty must be a positive"):
        QAP.random(3).to_qubo(penalty=0)
    with pytest.raises(ValueError, match="unknown encoding"):
        QAP.random(3).to_qubo(encoding="binary")
