import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from problems import BQP, MaxCut, count, load
from problems.bqp import read, sniff, write_bqp
from problems.errors import InfeasibleSolution, ProblemFormatError
from solvers.algorithms.tabu import tabu_search
from solvers.algorithms.milp import solve_milp_model
from tests.conftest import ABSENT, benchmark_root

BENCHMARKS = benchmark_root()


def benchmark(relative: str) -> Path:
    path = BENCHMARKS / relative
    if not path.is_file():
        pytest.skip(f"{ABSENT}: {path}")
    return path


def all_bits(n: int) -> np.ndarray:
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.int8)


def brute_force(problem) -> float:
    """Best objective over the feasible assignments, with the problem's own code only."""
    best = None
    for x in all_bits(problem.size):
        try:
            problem.check(x)
        except InfeasibleSolution:
            continue
        value = problem.evaluate(x)
        if best is None or (value < best if problem.sense == "min" else value > best):
            best = value
    return best


# ------------------------------------------------------------------------- BQP
def test_pairs_are_canonical_and_repeats_summed():
    p = BQP([0.0, 0.0, 0.0], pairs=[[1, 0], [0, 1], [2, 1], [1, 2]],
            coefficients=[1.0, 2.0, 5.0, -5.0])
    assert p.pairs.tolist() == [[0, 1]] and p.coefficients.tolist() == [3.0]
    assert not p.linear.flags.writeable and not p.pairs.flags.writeable


@pytest.mark.parametrize("kwargs, message", [
    (dict(linear=[1.0, 2.0], pairs=[[0, 0]], coefficients=[1.0]), "itself"),
    (dict(linear=[1.0, 2.0], pairs=[[0, 2]], coefficients=[1.0]), "outside"),
    (dict(linear=[1.0, np.nan]), "finite"),
    (dict(linear=[1.0], sense="maximise"), "sense"),
    (dict(linear=[1.0], A=[[1.0]], constraint_senses=("<",), rhs=[1.0]), "sense"),
    (dict(linear=[1.0, 1.0], variable_names=("a", "a")), "twice"),
])
def test_malformed_models_are_refused(kwargs, message):
    with pytest.raises(ProblemFormatError, match=message):
        BQP(**kwargs)


def test_from_matrix_counts_both_triangles_and_the_diagonal_as_linear():
    Q = np.array([[1.0, 2.0, 0.0], [4.0, -3.0, 1.0], [0.0, 0.0, 2.0]])
    p = BQP.from_matrix(Q, constant=1.5)
    for x in all_bits(3):
        assert p.evaluate(x) == pytest.approx(x @ Q @ x + 1.5)
    sparse = BQP.from_matrix(__import__("scipy.sparse").sparse.csr_matrix(Q))
    assert sparse.pairs.tolist() == p.pairs.tolist()


def test_check_names_the_violated_row():
    p = BQP([1.0, 1.0, 1.0], A=[[1, 1, 0], [0, 1, 1]], constraint_senses=("<=", ">="),
            rhs=[1, 1], constraint_names=("budget", "cover"))
    p.check([1, 0, 1])
    with pytest.raises(InfeasibleSolution, match="cover"):
        p.check([1, 0, 0])
    with pytest.raises(InfeasibleSolution, match="budget"):
        p.check([1, 1, 0])


def test_labelled_uses_variable_names():
    p = BQP([1.0, 2.0], variable_names=("left", "right"))
    assert p.labelled(np.array([0, 1])) == {"left": 0, "right": 1}


@pytest.mark.parametrize("seed, constraints, sense", [(0, 0, "min"), (1, 0, "max"),
                                                      (2, 2, "min"), (3, 3, "max")])
def test_milp_and_qubo_agree_with_brute_force(seed, constraints, sense):
    p = BQP.random(7, density=0.6, constraints=constraints, seed=seed, sense=sense)
    best = brute_force(p)
    milp = p.to_milp()
    values, status, _ = solve_milp_model(milp, time_limit=20)
    assert status == "optimal"
    assert milp.value(values) == pytest.approx(best)
    assert p.evaluate(milp.decode(values)) == pytest.approx(best)
    qubo = p.to_qubo()
    bits = all_bits(qubo.num_variables)
    energies = qubo.energies(bits)
    argmin = bits[int(np.argmin(energies))]
    sign = 1.0 if sense == "min" else -1.0
    assert energies.min() == pytest.approx(sign * best)
    p.check(qubo.decode(argmin))
    for x, e in zip(bits, energies):  # feasible with the right slack: energy = ±objective
        if abs(e - sign * p.evaluate(x[:p.size])) < 1e-9:
            continue
        assert e > sign * best


def test_milp_products_hold_on_every_feasible_point():
    p = BQP([0.0, 0.0], pairs=[[0, 1]], coefficients=[1.0])
    milp = p.to_milp()
    for x0, x1, y in itertools.product((0, 1), repeat=3):
        assert milp.is_feasible(np.array([x0, x1, y])) == (y == x0 * x1)


def test_to_qubo_refuses_fractional_rows():
    p = BQP([1.0, 1.0], A=[[0.5, 1.0]], constraint_senses=("<=",), rhs=[1.0])
    with pytest.raises(ValueError, match="integer"):
        p.to_qubo()


def test_quadratic_program_round_trip_keeps_every_objective_value():
    pytest.importorskip("qiskit_optimization")
    p = BQP.random(5, density=0.7, constraints=3, seed=4, sense="max")
    p = BQP(p.linear, p.pairs, p.coefficients, constant=2.5, sense="max", A=p.A,
            constraint_senses=p.constraint_senses, rhs=p.rhs,
            variable_names=("a", "b", "c", "d", "e"), name="rt")
    program = p.to_quadratic_program()
    back = BQP.from_quadratic_program(program)
    assert back.variable_names == p.variable_names and back.sense == "max"
    assert back.constraint_senses == p.constraint_senses
    for x in all_bits(5):
        assert program.objective.evaluate(x) == pytest.approx(p.evaluate(x))
        assert back.evaluate(x) == pytest.approx(p.evaluate(x))
        assert program.is_feasible(x) == (p.violations(x).max() <= 1e-9)


def test_quadratic_program_with_integer_variables_is_refused():
    from qiskit_optimization import QuadraticProgram

    program = QuadraticProgram("mixed")
    program.binary_var("a")
    program.integer_var(0, 3, "count")
    with pytest.raises(ProblemFormatError, match="'count' is integer"):
        BQP.from_quadratic_program(program)


def test_write_lp(tmp_path):
    path = tmp_path / "m.lp"
    BQP.random(4, constraints=1, seed=0).write_lp(path)
    text = path.read_text()
    assert "Subject To" in text and "Binaries" in text


# --------------------------------------------------------------------- MaxCut
def test_maxcut_evaluates_cuts_and_its_bqp_agrees():
    g = MaxCut.random(8, p=0.5, signed=True, seed=3)
    bqp = g.to_bqp()
    for x in all_bits(8):
        assert bqp.evaluate(x) == pytest.approx(g.evaluate(x))
    assert g.to_qubo().energies(all_bits(8)).min() == pytest.approx(-brute_force(g))


def test_maxcut_from_networkx_keeps_labels_and_weights():
    graph = nx.Graph()
    graph.add_edge("paris", "rome", w=3.0)
    graph.add_edge("rome", ("tuple", 1), w=-1.0)
    graph.add_edge("paris", "paris", w=9.0)  # a loop is never cut
    g = MaxCut.from_networkx(graph, weight="w")
    assert g.labels == ("paris", "rome", ("tuple", 1))
    x = np.array([0, 1, 1])
    assert g.evaluate(x) == 3.0
    assert g.labelled(x) == {"paris": 0, "rome": 1, ("tuple", 1): 1}
    assert g.sides(x) == (["paris"], ["rome", ("tuple", 1)])
    back = g.to_networkx(weight="w")
    assert back["paris"]["rome"]["w"] == 3.0 and set(back.nodes) == set(graph.nodes)


def test_maxcut_from_networkx_refuses_non_numeric_weights():
    with pytest.raises(ProblemFormatError, match="not a number"):
        MaxCut.from_networkx(nx.Graph([(0, 1, {"weight": "heavy"})]))


def test_maxcut_refuses_loops_and_bad_nodes():
    with pytest.raises(ProblemFormatError, match="self-loop"):
        MaxCut(3, [[1, 1]])
    with pytest.raises(ProblemFormatError, match="outside"):
        MaxCut(3, [[0, 3]])


# ---------------------------------------------------------------------- files
def test_rudy_round_trip_and_sniffing(tmp_path):
    g = MaxCut.random(12, p=0.4, signed=True, seed=1)
    path = tmp_path / "graph.rud"
    g.write_rudy(path)
    back = load(path)
    assert isinstance(back, MaxCut)
    assert back.edges.tolist() == g.edges.tolist() and back.weights.tolist() == g.weights.tolist()
    plain = tmp_path / "graph.txt"  # sniffed by layout, not by name
    plain.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert load(plain).edges.tolist() == g.edges.tolist()


def test_bqp_round_trip_several_instances(tmp_path):
    problems = [BQP.random(6, seed=s, sense="max") for s in range(3)]
    path = tmp_path / "bqp_three.txt"
    write_bqp(path, problems)
    assert count(path) == 3
    for k, p in enumerate(problems):
        back = load(path, index=k)
        assert back.name == f"bqp_three-{k + 1}"
        for x in all_bits(6)[::7]:
            assert back.evaluate(x) == pytest.approx(p.evaluate(x))


@pytest.mark.parametrize("text, line, message", [
    ("2\n2 1\n1 2 3\n", 3, "declares 2 instances"),
    ("1\n2 2\n1 2 3\n", 3, "ends after 1"),
    ("1\n2 1\n1 3 3\n", 3, "out of range"),
    ("1\n2 1\n1 2 x\n", 3, "finite number"),
    ("1\n2 2\n1 2 3\n2 1 4\n", 4, "given twice"),
    ("1\n2000000 1\n1 2 3\n", 2, "outside"),
    ("1\n2 5\n1 2 3\n", 2, "more than"),
    ("1\n2 1\n1 2 3\n7\n", 4, "after the 1 declared"),
])
def test_bqp_reader_names_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "bqp_bad.txt"
    path.write_text(text)
    with pytest.raises(ProblemFormatError, match=message) as error:
        read(path, index=0)
    assert error.value.line == line and error.value.path == str(path)
    assert f"bqp_bad.txt line {line}" in str(error.value)


@pytest.mark.parametrize("text, line, message", [
    ("3 2\n1 2 1\n", None, "declares 2 edges"),
    ("3 1\n1 2 1\n2 3 1\n", 3, "declares 1 edges"),
    ("3 1\n1 1 1\n", 2, "self-loop"),
    ("3 1\n1 4 1\n", 2, "out of range"),
    ("3 1\n1 2\n", 2, "3 numbers"),
    ("3 9\n1 2 1\n", 1, "more than a simple graph"),
])
def test_rudy_reader_names_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "bad.rud"
    path.write_text(text)
    with pytest.raises(ProblemFormatError, match=message) as error:
        read(path)
    assert error.value.line == line and error.value.path == str(path)


def test_sniff_leaves_other_formats_alone():
    assert not sniff(Path("x.txt"), "2\n3 2 7\n3 4 5\n")  # mknap: n m opt
    assert not sniff(Path("x.txt"), "5 100 2\n1 2 3 4 5\n")  # robust knapsack
    assert sniff(Path("G1.rud"), "")


def test_orlib_bqp_convention_matches_the_proved_optimum():
    """bqp50-1's optimum is 2098 (README: proved with CP-SAT; 1080 if the off-diagonal entries
    counted once): a good solution evaluated by our reader's model reaches it exactly."""
    p = read(benchmark("qubo/bqp50.txt"), index=0)
    assert p.size == 50 and p.sense == "max"
    x, energy, _ = tabu_search(-p.matrix(), seed=0, iterations=50_000)
    assert p.evaluate(x) == pytest.approx(2098.0) == -energy


def test_gset_reads_with_crlf():
    g = load(benchmark("maxcut/gset/G14.rud"))
    assert (g.name, g.n, g.num_edges) == ("G14", 800, 4694)
    assert set(np.unique(g.weights)) == {1.0}
