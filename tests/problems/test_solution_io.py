"""Each solution writer round-trips through its reader; bad files are refused clearly."""

import json

import numpy as np
import pytest

from problems import MDKP, MIS, QAP, TSP, RobustKnapsack
from problems.errors import ProblemFormatError
from problems.solution_io import labelled, read_solution, write_solution

CASES = [
    (TSP.random(9, seed=0), np.array([3, 1, 4, 0, 5, 8, 2, 6, 7]), (".tour", ".json")),
    (QAP.random(6, seed=0), np.array([5, 3, 1, 0, 2, 4]), (".sln", ".json")),
    (MIS(5, [[0, 1], [1, 2], [3, 4]]), np.array([1, 0, 1, 1, 0], dtype=np.int8),
     (".txt", ".sol", ".json")),
    (MDKP.random(10, 3, seed=0), np.eye(1, 10, 2, dtype=np.int8)[0], (".txt", ".json")),
    (RobustKnapsack.random(6, seed=0), np.array([1, 0, 0, 1, 0, 0], dtype=np.int8),
     (".txt", ".json")),
]


@pytest.mark.parametrize("problem, solution, suffixes", CASES,
                         ids=[type(c[0]).__name__ for c in CASES])
def test_every_writer_round_trips_through_its_reader(problem, solution, suffixes, tmp_path):
    for suffix in suffixes:
        path = write_solution(problem, solution, tmp_path / f"s{suffix}")
        assert read_solution(problem, path).tolist() == solution.tolist(), suffix


def test_qaplib_sln_holds_the_size_the_value_and_one_based_locations(tmp_path):
    qap = QAP.random(4, seed=1)
    path = write_solution(qap, [1, 0, 3, 2], tmp_path / "q.sln")
    header, body = path.read_text().splitlines()
    assert header.split() == ["4", f"{qap.evaluate([1, 0, 3, 2]):.10g}"]
    assert body.split() == ["2", "1", "4", "3"]


def test_writer_refuses_a_format_the_type_has_not_and_an_infeasible_solution(tmp_path):
    with pytest.raises(ValueError, match="cannot hold a MIS solution"):
        write_solution(MIS(2, []), [1, 1], tmp_path / "s.tour")
    with pytest.raises(ValueError, match="unknown solution file suffix"):
        write_solution(MIS(2, []), [1, 1], tmp_path / "s.csv")
    with pytest.raises(ValueError, match="edge"):
        write_solution(MIS(2, [[0, 1]]), [1, 1], tmp_path / "s.txt")


def test_reader_names_the_file_and_line_of_a_bad_entry(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("# header\n1\n7\n")
    with pytest.raises(ProblemFormatError, match=r"s.txt.*line 3.*outside 1..5"):
        read_solution(MIS(5, []), path)
    path.write_text("1\n2\n")
    with pytest.raises(ProblemFormatError, match="does not fit"):
        read_solution(MIS(5, [[0, 1]]), path)
    other = tmp_path / "s.json"
    other.write_text(json.dumps({"problem_type": "TSP", "solution": [0, 1]}))
    with pytest.raises(ProblemFormatError, match="holds a TSP solution"):
        read_solution(MIS(2, []), other)


def test_labelled_without_labels_gives_indices():
    assert labelled(MIS(4, [[0, 1]]), [0, 1, 1, 1]) == [1, 2, 3]
    assert labelled(TSP.random(4, seed=0), [2, 0, 3, 1]) == [2, 0, 3, 1]


def test_labels_survive_networkx_to_solve_to_solution(tmp_path):
    import networkx as nx

    from problems import MIS
    from solvers import solve

    graph = nx.Graph([("Valjean", "Javert"), ("Javert", "Fantine"), ("Fantine", "Cosette"),
                      ("Cosette", "Marius"), ("Marius", "Valjean"), ("Thenardier", "Javert")])
    problem = MIS.from_networkx(graph)
    result = solve(problem, "ortools", time_limit=5)
    chosen = problem.labelled(result.solution)
    assert len(chosen) == result.objective == 3
    assert all(not graph.has_edge(u, v) for u in chosen for v in chosen)
    assert set(chosen) <= set(graph.nodes)
    path = problem.write_solution(result.solution, tmp_path / "set.json")
    assert json.loads(path.read_text())["labelled"] == chosen
    assert problem.complement().labels == problem.labels


def test_labels_must_name_every_node_once():
    with pytest.raises(ProblemFormatError, match="name each of the 3 nodes once"):
        MIS(3, [[0, 1]], labels=["a", "a", "b"])
    assert MIS.from_networkx(__import__("networkx").path_graph(3)).labels is None
