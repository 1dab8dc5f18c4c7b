import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from problems import MIS, load
from problems.errors import InfeasibleSolution, ProblemFormatError
from problems.mis import read, sniff
from solvers.algorithms.milp import solve_milp_model
from tests.conftest import ABSENT, benchmark_root

MIS_DIR = benchmark_root() / "mis"

TRIANGLE_PLUS = "c Clique Size: 3\np edge 4 4\ne 1 2\ne 2 3\ne 1 3\ne 3 4\n"


def benchmark(name: str) -> Path:
    path = MIS_DIR / name
    if not path.is_file():
        pytest.skip(f"{ABSENT}: {path}")
    return path


def write(tmp_path, text: str, name: str = "g.col") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def brute_force(graph: MIS) -> float:
    best = 0
    for bits in itertools.product((0, 1), repeat=graph.n):
        x = np.array(bits)
        if not np.any(x[graph.edges[:, 0]] & x[graph.edges[:, 1]]):
            best = max(best, int(x.sum()))
    return float(best)


# ------------------------------------------------------------------ the problem object
def test_edges_are_normalised_and_checked():
    g = MIS(5, [[3, 1], [1, 3], [0, 4], [4, 0], [2, 1]])
    assert g.edges.tolist() == [[0, 4], [1, 2], [1, 3]] and g.num_edges == 3
    assert g.evaluate([1, 1, 0, 0, 0]) == 2.0
    g.check([0, 1, 0, 0, 1])
    with pytest.raises(InfeasibleSolution, match=r"edge \(1, 3\) has both") as error:
        g.check([0, 1, 0, 1, 0])
    assert error.value.constraint == "edge 1-3"


@pytest.mark.parametrize("n, edges, message", [
    (3, [[0, 3]], r"edge 0 = \(0, 3\) has a node outside 0..2"),
    (3, [[1, 1]], "self-loop on node 1"),
    (3, [[0, 1, 2]], r"shape \(E, 2\)"),
    (3, [[0.5, 1]], "integer node numbers"),
    (0, [], "positive integer number of nodes"),
    (3, [[-1, 2]], "outside"),
])
def test_invalid_graphs_are_rejected(n, edges, message):
    with pytest.raises(ProblemFormatError, match=message):
        MIS(n, edges)


def test_malformed_solutions_are_rejected():
    g = MIS(3, [[0, 1]])
    for bad, message in (([1, 0], "3 entries"), ([1, 0, 3], "entry 2 is 3"),
                         ([0.5, 0, 0], "entry 0")):
        with pytest.raises(InfeasibleSolution, match=message):
            g.evaluate(bad)


def test_networkx_round_trip_and_complement():
    graph = nx.petersen_graph()
    g = MIS.from_networkx(graph, name="petersen")
    assert (g.n, g.num_edges, g.name) == (10, 15, "petersen")
    assert nx.is_isomorphic(g.to_networkx(), graph)
    complement = g.complement()
    assert complement.num_edges == 45 - 15 and complement.name == "petersen-complement"
    assert nx.is_isomorphic(complement.to_networkx(), nx.complement(graph))
    labelled = nx.Graph([("a", "b"), ("b", "c")])
    assert MIS.from_networkx(labelled).edges.tolist() == [[0, 1], [1, 2]]
    with pytest.raises(ProblemFormatError, match="self-loop at node 'a'"):
        MIS.from_networkx(nx.Graph([("a", "a")]))


def test_generators_are_reproducible_and_checked():
    er = MIS.random(60, p=0.1, seed=5)
    assert er.n == 60 and np.array_equal(er.edges, MIS.random(60, p=0.1, seed=5).edges)
    assert not np.array_equal(er.edges, MIS.random(60, p=0.1, seed=6).edges)
    assert 0.05 < er.num_edges / (60 * 59 / 2) < 0.15
    ba = MIS.barabasi_albert(40, 3, seed=1)
    assert ba.num_edges == (40 - 3) * 3
    for call in (lambda: MIS.random(0), lambda: MIS.random(5, p=1.5),
                 lambda: MIS.barabasi_albert(3, 3), lambda: MIS.rb(1, 3),
                 lambda: MIS.rb(4, 3, p=1)):
        with pytest.raises(ValueError):
            call()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rb_graphs_have_independence_number_n(seed):
    g = MIS.rb(4, 3, p=0.5, seed=seed)
    assert g.best_known == 4 and g.n == 12
    assert brute_force(g) == 4
    cliques = g.edges[(g.edges[:, 0] // 3) == (g.edges[:, 1] // 3)]
    assert len(cliques) == 4 * 3  # every group of 3 nodes is a triangle


# ------------------------------------------------------------------ files
def test_keller4_is_read_as_its_complement():
    g = read(benchmark("dimacs/keller4.clq"))
    assert (g.name, g.n, g.num_edges, g.best_known) == ("keller4-complement", 171, 5100, 11)
    original = read(benchmark("dimacs/keller4.clq"), complement=False)
    assert (original.name, original.num_edges, original.best_known) == ("keller4", 9435, None)


@pytest.mark.parametrize("name, n, edges, best", [
    ("dimacs/brock200_2.b", 200, 10024, 12),
    ("dimacs/gen200_p0.9_44.b", 200, 1990, 44),
    ("dimacs/MANN_a27.clq.b", 378, 702, 126),
    ("dimacs/C125.9.clq", 125, 787, None),  # "p col" header, no clique comment
    ("dimacs-weighted/johnson8-2-4.clq", 28, 168, None),  # "n i w" weight lines ignored
])
def test_dimacs_clique_files(name, n, edges, best):
    g = load(benchmark(name))
    assert (g.n, g.num_edges, g.best_known) == (n, edges, best)
    assert g.name == Path(name).name.split(".clq")[0].removesuffix(".b") + "-complement"


def test_col_file_is_read_as_is_and_written_back(tmp_path):
    path = write(tmp_path, TRIANGLE_PLUS)
    g = read(path)
    assert (g.name, g.num_edges, g.best_known) == ("g", 4, None)
    as_clique = read(path, complement=True)
    assert as_clique.edges.tolist() == [[0, 3], [1, 3]] and as_clique.best_known == 3
    out = tmp_path / "out.col"
    MIS.random(30, p=0.2, seed=2).write_dimacs(out)
    assert np.array_equal(read(out).edges, MIS.random(30, p=0.2, seed=2).edges)


def test_line_endings_crlf_and_cr(tmp_path):
    for ending in ("\r\n", "\r"):
        g = read(write(tmp_path, TRIANGLE_PLUS.replace("\n", ending)))
        assert g.num_edges == 4


def test_edge_lists_with_and_without_header(tmp_path):
    with_header = read(write(tmp_path, "6 2\n0 1\n1 2\n", "a.edges"))
    assert with_header.n == 6 and with_header.edges.tolist() == [[0, 1], [1, 2]]
    plain = read(write(tmp_path, "# comment\n0 1\n1 4\n", "b.edges"))
    assert plain.n == 5 and plain.num_edges == 2
    with pytest.raises(ProblemFormatError, match="line 2: self-loop on node 3"):
        read(write(tmp_path, "0 1\n3 3\n", "c.edges"))
    with pytest.raises(ProblemFormatError, match="line 1: expected two node numbers"):
        read(write(tmp_path, "0 1 2\n", "d.edges"))
    with pytest.raises(ProblemFormatError, match="line 1: expected an integer node, got 'x'"):
        read(write(tmp_path, "x 1\n", "e.edges"))


@pytest.mark.parametrize("text, message", [
    (TRIANGLE_PLUS.replace("e 3 4\n", ""), "declares 4 edges but the file has 3 'e' lines"),
    (TRIANGLE_PLUS[:-8], "line 5: expected 'e u v', got 'e 1'"),
    (TRIANGLE_PLUS.replace("e 3 4", "e 3 5"), "line 6: node 5 out of range 1..4"),
    (TRIANGLE_PLUS.replace("e 3 4", "e 3 3"), "line 6: self-loop on node 3"),
    (TRIANGLE_PLUS.replace("e 3 4", "x 3 4"), "line 6: unknown line type 'x'"),
    (TRIANGLE_PLUS.replace("e 3 4", "e 3"), "line 6: expected 'e u v'"),
    (TRIANGLE_PLUS.replace("e 3 4", "e 3 four"), "line 6: expected an integer node, got 'four'"),
    (TRIANGLE_PLUS.replace("p edge 4 4", "p edge 4"), "line 2: expected 'p edge N M'"),
    (TRIANGLE_PLUS.replace("p edge 4 4\n", ""), "line 2: 'e' line before the 'p edge N M' line"),
    ("c nothing\n", "no 'p edge N M' line"),
    (TRIANGLE_PLUS + "p edge 4 4\n", "line 7: a second 'p' line"),
    (TRIANGLE_PLUS.replace("e 1 2", "n 1 heavy"), "line 3: expected a node weight"),
])
def test_bad_dimacs_files_name_the_line(tmp_path, text, message):
    with pytest.raises(ProblemFormatError, match=message):
        read(write(tmp_path, text))


def test_binary_dimacs_and_bad_index_are_clear(tmp_path):
    path = tmp_path / "g.b"
    path.write_bytes(b"120\np edge 4 4\n\x00\x80\xc0\xe0")
    with pytest.raises(ProblemFormatError, match="binary DIMACS graphs are not supported"):
        read(path)
    with pytest.raises(ProblemFormatError, match="index 1 out of range"):
        read(write(tmp_path, TRIANGLE_PLUS), index=1)


def test_sniff():
    assert sniff("x.clq", "") and sniff("x.clq.b", "") and sniff("x.edges", "")
    assert sniff("graph.txt", "c hello\np edge 3 1\ne 1 2\n")
    assert not sniff("nug12.dat", "12\n\n0 1 2\n") and not sniff("t.tsp", "NAME : t\n")


# ------------------------------------------------------------------ compiled forms
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_brute_force_equals_milp_equals_qubo(seed):
    g = MIS.random(8, p=0.35, seed=seed)
    optimum = brute_force(g)

    milp = g.to_milp()
    assert milp.num_constraints == g.num_edges
    values, status, _ = solve_milp_model(milp, time_limit=30, solver="scip")
    assert status == "optimal" and milp.value(values) == pytest.approx(optimum)
    g.check(milp.decode(values))

    qubo = g.to_qubo()
    assert qubo.slack_bits == 0 and qubo.num_variables == 8 and qubo.penalty == 2.0
    bits = np.array(list(itertools.product((0, 1), repeat=8)), dtype=float)
    energies = qubo.energies(bits)
    assert energies.min() == pytest.approx(-optimum)
    best = qubo.decode(bits[np.argmin(energies)])
    g.check(best)
    assert g.evaluate(best) == optimum
    violating = np.array([np.any(b[g.edges[:, 0]] * b[g.edges[:, 1]]) for b in bits])
    assert energies[violating].min() > -optimum


def test_qubo_penalty_must_exceed_one():
    with pytest.raises(ValueError, match="penalty must be a finite number > 1"):
        MIS(2, [[0, 1]]).to_qubo(penalty=1.0)
    assert MIS(2, [[0, 1]]).to_qubo(penalty=1.5).energy([1, 1]) == -0.5
