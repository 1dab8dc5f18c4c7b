"""Every problem type draws its solution into a non-empty PNG without a display."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from problems import MDKP, MIS, QAP, TSP, RobustKnapsack  # noqa: E402
from problems.plotting import SPRING_LAYOUT_MAX_NODES, classical_mds, graph_layout, \
    plot_solution  # noqa: E402


def _greedy_independent_set(problem: MIS) -> np.ndarray:
    chosen = np.zeros(problem.n, dtype=np.int8)
    blocked = np.zeros(problem.n, dtype=bool)
    neighbours = [[] for _ in range(problem.n)]
    for u, v in problem.edges.tolist():
        neighbours[u].append(v)
        neighbours[v].append(u)
    for v in range(problem.n):
        if not blocked[v]:
            chosen[v] = 1
            blocked[neighbours[v]] = True
    return chosen


CASES = {
    "TSP": lambda: (TSP.random(30, seed=0), np.arange(30)),
    "TSP-explicit": lambda: (TSP("m", matrix=TSP.random(12, seed=1).dense_matrix(),
                                 edge_weight_type="EXPLICIT"),
                             np.arange(12)),
    "MIS": lambda: (lambda p: (p, _greedy_independent_set(p)))(MIS.random(40, p=0.1, seed=0)),
    "MDKP": lambda: (MDKP.random(20, 4, seed=0), np.eye(1, 20, 3, dtype=np.int8)[0]),
    "QAP": lambda: (QAP.random(7, seed=0), np.arange(7)[::-1]),
    "RobustKnapsack": lambda: (RobustKnapsack.random(8, seed=0), np.array([1, 0] * 4)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_plot_writes_a_non_empty_png_for_every_type(case, tmp_path):
    problem, solution = CASES[case]()
    figure, ax = plt.subplots()
    assert problem.plot(solution, ax=ax) is ax
    path = tmp_path / f"{case}.png"
    figure.savefig(path)
    plt.close(figure)
    assert path.stat().st_size > 5000
    assert problem.name in ax.get_title()


def test_plot_refuses_an_infeasible_solution():
    from problems.errors import InfeasibleSolution

    with pytest.raises(InfeasibleSolution):
        plot_solution(MIS(3, [[0, 1]]), [1, 1, 0])


def test_large_graphs_get_the_sparse_layout_in_seconds():
    import time

    graph = nx.fast_gnp_random_graph(3 * SPRING_LAYOUT_MAX_NODES, 4 / 1500, seed=0)
    start = time.perf_counter()
    layout = graph_layout(graph)
    assert len(layout) == graph.number_of_nodes()
    assert time.perf_counter() - start < 20


def test_classical_mds_recovers_planar_points():
    points = np.random.default_rng(0).random((10, 2))
    distance = np.linalg.norm(points[:, None] - points[None], axis=-1)
    placed = classical_mds(distance)
    again = np.linalg.norm(placed[:, None] - placed[None], axis=-1)
    assert np.allclose(again, distance, atol=1e-9)
