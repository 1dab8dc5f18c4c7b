import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest

from problems import MDKP, load
from problems.errors import InfeasibleSolution, ProblemFormatError
from problems.mdkp import count, read, sniff
from solvers.algorithms.milp import solve_milp_model
from tests.conftest import ABSENT, benchmark_root

MKNAP = benchmark_root() / "mknap"
MKNAP1_OPTIMA = [3800, 8706.1, 4015, 6120, 12400, 10618, 16537]
MKNAP1_SIZES = [(6, 10), (10, 10), (15, 10), (20, 10), (28, 10), (39, 5), (50, 5)]

TWO_PROBLEMS = """2
3 2 7
3 4 5
2 3 4
1 1 1
5 2
2 2 0
1 2
1 2
1 1
1 3
"""


def benchmark(name: str) -> Path:
    path = MKNAP / name
    if not path.is_file():
        pytest.skip(f"{ABSENT}: {path}")
    return path


def write(tmp_path, text: str, name: str = "mknap_t.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def brute_force(problem: MDKP) -> float:
    best = -np.inf
    for bits in itertools.product((0, 1), repeat=problem.size):
        x = np.array(bits)
        if np.all(problem.weights @ x <= problem.capacities):
            best = max(best, problem.evaluate(x))
    return best


def all_bits(k: int) -> np.ndarray:
    return np.array(list(itertools.product((0, 1), repeat=k)), dtype=float)


# ------------------------------------------------------------------ the problem object
def test_evaluate_and_check_name_the_exceeded_capacity():
    p = MDKP([10, 7, 3], [[5, 4, 3], [1, 8, 1]], [12, 9])
    assert p.evaluate([1, 1, 0]) == 17.0
    p.check([1, 1, 0])
    with pytest.raises(InfeasibleSolution, match="capacity 1 exceeded: 10 > 9") as error:
        p.check([1, 1, 1])
    assert error.value.constraint == "capacity 1"


@pytest.mark.parametrize("solution, message", [
    ([1, 0], "3 entries"), ([1, 0, 2], "entry 2 is 2"), ([[1, 0, 1]], "3 entries"),
    (["a", "b", "c"], "0 or 1"), ([1, 0, np.nan], "entry 2"),
])
def test_malformed_solutions_are_rejected(solution, message):
    p = MDKP([1, 2, 3], [[1, 1, 1]], [2])
    with pytest.raises(InfeasibleSolution, match=message):
        p.evaluate(solution)


@pytest.mark.parametrize("profits, weights, capacities, message", [
    ([1, 2], [[1, 1, 1]], [2], r"shape \(m, n\) = \(1, 2\)"),
    ([1, np.nan], [[1, 1]], [2], "profits must be finite"),
    ([1, 2], [[1, -1]], [2], "weights must be non-negative"),
    ([1, 2], [[1, 1]], [-2], "capacities must be non-negative"),
    ([1, 2], [[1, np.inf]], [2], "weights must be finite"),
    ([], np.zeros((1, 0)), [2], "at least one item"),
])
def test_invalid_arrays_are_rejected(profits, weights, capacities, message):
    with pytest.raises(ProblemFormatError, match=message):
        MDKP(profits, weights, capacities)


def test_arrays_are_read_only_copies():
    weights = np.array([[1.0, 2.0]])
    p = MDKP([1, 2], weights, [2])
    weights[0, 0] = 99
    assert p.weights[0, 0] == 1.0
    with pytest.raises(ValueError):
        p.profits[0] = 5


def test_random_is_chu_beasley_style_and_reproducible():
    p = MDKP.random(30, 4, tightness=0.25, seed=7)
    assert p.weights.shape == (4, 30) and p.weights.min() >= 1 and p.weights.max() <= 1000
    assert np.array_equal(p.capacities, np.floor(0.25 * p.weights.sum(axis=1)))
    spread = p.profits - p.weights.sum(axis=0) / 4
    assert spread.min() >= -1 and spread.max() <= 500
    assert np.array_equal(MDKP.random(30, 4, tightness=0.25, seed=7).profits, p.profits)
    assert not np.array_equal(MDKP.random(30, 4, tightness=0.25, seed=8).profits, p.profits)
    for bad in (dict(n=0, m=2), dict(n=3, m=2, tightness=1.5), dict(n=3, m=0)):
        with pytest.raises(ValueError):
            MDKP.random(**bad)


# ------------------------------------------------------------------ OR-Library files
def test_mknap1_all_seven_problems():
    path = benchmark("mknap1.txt")
    assert count(path) == 7
    problems = [read(path, index=k) for k in range(7)]
    assert [p.best_known for p in problems] == MKNAP1_OPTIMA
    assert [(p.size, p.num_constraints) for p in problems] == MKNAP1_SIZES
    assert [p.name for p in problems] == [f"mknap1-{k:02d}" for k in range(7)]
    assert problems[1].profits[0] == 600.1  # real-valued profits are kept
    assert problems[0].weights[6].tolist() == [0, 0, 0, 0, 8, 0]


def test_mknap2_blocks():
    path = benchmark("mknap2.txt")
    assert count(path) == 48
    sento1, sento2, weing1 = (read(path, index=k) for k in range(3))
    assert (sento1.name, sento1.size, sento1.num_constraints, sento1.best_known) == (
        "SENTO1", 60, 30, 7772)
    assert (sento2.name, sento2.best_known) == ("SENTO2", 8722)
    assert (weing1.name, weing1.size, weing1.num_constraints, weing1.best_known) == (
        "WEING1", 28, 2, 141278)
    assert weing1.capacities.tolist() == [600, 600]
    assert weing1.profits[:3].tolist() == [1898, 440, 22507]
    assert weing1.weights[1, :2].tolist() == [30, 20]
    last = read(path, index=47)
    assert (last.name, last.size, last.num_constraints, last.best_known) == ("HP2", 35, 4, 3186)


def test_mknapcb_best_known_comes_from_mkcbres_beside_it(tmp_path):
    path = benchmark("mknapcb1.txt")
    benchmark("mkcbres.txt")
    first, last = read(path), read(path, index=29)
    assert (first.name, first.size, first.num_constraints) == ("mknapcb1-00", 100, 5)
    assert (first.best_known, last.best_known) == (24381, 59965)
    assert read(benchmark("mknapcb9.txt"), index=2).best_known == 116661
    alone = tmp_path / "mknapcb1.txt"
    shutil.copyfile(path, alone)
    assert read(alone).best_known is None


def test_load_picks_the_mdkp_reader():
    path = benchmark("mknap2.txt")
    assert load(path, index=2).name == "WEING1"


def test_write_orlib_round_trip(tmp_path):
    p = MDKP.random(12, 3, seed=4)
    p = MDKP(p.profits + 0.25, p.weights, p.capacities, name="r", best_known=1234.5)
    path = tmp_path / "out.txt"
    p.write_orlib(path)
    back = read(path)
    assert np.array_equal(back.profits, p.profits) and np.array_equal(back.weights, p.weights)
    assert np.array_equal(back.capacities, p.capacities) and back.best_known == 1234.5


def test_read_two_problem_file_and_sniff(tmp_path):
    path = write(tmp_path, TWO_PROBLEMS, name="two.txt")
    assert sniff(path, path.read_text()) and count(path) == 2
    second = read(path, index=1)
    assert second.weights.tolist() == [[1, 2], [1, 1]] and second.best_known is None


def test_sniff_leaves_other_formats_alone(tmp_path):
    assert not sniff(tmp_path / "nug12.dat", "12\n\n0 1 2\n")
    assert not sniff(tmp_path / "RKP_UN_n20", "20 4233 3\n 645 334 221 546 827\n")
    assert not sniff(tmp_path / "x.tsp", "NAME : x\nTYPE : TSP\n")
    assert sniff(tmp_path / "mknapcb3.txt", "")


@pytest.mark.parametrize("text, message", [
    (TWO_PROBLEMS[:40], "line 8: expected 4 weights of problem 1, .*file truncated"),
    (TWO_PROBLEMS + "7\n", "line 12: unexpected extra token '7'"),
    ("1\n" + TWO_PROBLEMS[2:], "line 7: unexpected extra token '2' .* says it holds 1"),
    (TWO_PROBLEMS.replace("3 4 5", "3 nan 5"), "line 3: profits of problem 0 must be finite"),
    (TWO_PROBLEMS.replace("3 4 5", "3 four 5"), "line 3: expected a number .* got 'four'"),
    (TWO_PROBLEMS.replace("2 3 4", "2 -3 4"), "line 4: weights of problem 0 must be non-negative"),
    (TWO_PROBLEMS.replace("5 2\n", "5 -2\n"), "line 6: capacities .* non-negative"),
    (TWO_PROBLEMS.replace("3 2 7", "3.5 2 7"), "line 2: number of items n .* integer"),
    ("3\n" + TWO_PROBLEMS[2:], "line 11: expected 1 number of items n of problem 2"),
])
def test_bad_orlib_files_name_the_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ProblemFormatError, match=message):
        for k in range(count(path)):
            read(path, index=k)


def test_index_out_of_range(tmp_path):
    path = write(tmp_path, TWO_PROBLEMS)
    with pytest.raises(ProblemFormatError, match="index 2 out of range: the file holds 2"):
        read(path, index=2)
    with pytest.raises(ProblemFormatError, match="no such file"):
        read(tmp_path / "missing.txt")


MKNAP2_BLOCK = """
 problem TOY.DAT
 +++++++
 2 3
 4 5 6
 10 12
 1 2 3
 4 5 6
 11
"""


def test_bad_mknap2_blocks(tmp_path):
    assert read(write(tmp_path, MKNAP2_BLOCK)).best_known == 11
    for text, message in ((MKNAP2_BLOCK.replace(" 11\n", ""), "expected 1 optimum of TOY"),
                          (MKNAP2_BLOCK.replace(" 11\n", " 11 12\n"),
                           "line 9: unexpected extra token .12."),
                          (MKNAP2_BLOCK.replace("4 5 6\n 10", "4 x 6\n 10"), "line 5: .*'x'"),
                          ("junk\n" + MKNAP2_BLOCK, "line 1: unexpected text 'junk'")):
        with pytest.raises(ProblemFormatError, match=message):
            read(write(tmp_path, text))


# ------------------------------------------------------------------ compiled forms
def small_instance(seed: int) -> MDKP:
    rng = np.random.default_rng(seed)
    weights = rng.integers(1, 8, size=(2, 6))
    return MDKP(rng.integers(1, 20, size=6), weights, np.floor(0.5 * weights.sum(axis=1)),
                name=f"small{seed}")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_brute_force_equals_milp_equals_qubo(seed):
    p = small_instance(seed)
    optimum = brute_force(p)

    milp = p.to_milp()
    values, status, _ = solve_milp_model(milp, time_limit=30, solver="scip")
    assert status == "optimal"
    assert milp.value(values) == pytest.approx(optimum)
    p.check(milp.decode(values))
    assert p.evaluate(milp.decode(values)) == pytest.approx(optimum)

    qubo = p.to_qubo()
    assert qubo.num_variables == p.size + qubo.slack_bits and qubo.slack_bits > 0
    bits = all_bits(qubo.num_variables)
    energies = qubo.energies(bits)
    best = bits[np.argmin(energies)]
    assert energies.min() == pytest.approx(-optimum)
    p.check(qubo.decode(best))
    assert p.evaluate(qubo.decode(best)) == pytest.approx(optimum)
    infeasible = ~np.array([np.all(p.weights @ b[:p.size] <= p.capacities) for b in bits])
    assert energies[infeasible].min() > -optimum


def test_qubo_energy_equals_minus_profit_with_matching_slack():
    p = MDKP([3, 4, 5], [[2, 3, 4]], [5])
    qubo = p.to_qubo(penalty=100)
    x = np.array([1, 1, 0])
    slack = 5 - 5  # capacity minus load
    bits = np.r_[x, [(slack >> k) & 1 for k in range(qubo.slack_bits)]]
    assert qubo.energy(bits) == -7.0 and qubo.penalty == 100


def test_qubo_rejects_fractional_weights_and_bad_options():
    with pytest.raises(ValueError, match=r"integer weights .* weights\[0, 1\] = 2.5"):
        MDKP([1, 2], [[1, 2.5]], [3]).to_qubo()
    with pytest.raises(ValueError, match="penalty must be a positive"):
        MDKP([1, 2], [[1, 2]], [3]).to_qubo(penalty=-1)
    with pytest.raises(ValueError, match="unknown encoding 'unary'"):
        MDKP([1, 2], [[1, 2]], [3]).to_qubo(encoding="unary")


def test_milp_of_mknap1_first_problem_reaches_its_optimum():
    p = read(benchmark("mknap1.txt"))
    values, status, _ = solve_milp_model(p.to_milp(), time_limit=30, solver="scip")
    assert status == "optimal" and p.evaluate(p.to_milp().decode(values)) == 3800
