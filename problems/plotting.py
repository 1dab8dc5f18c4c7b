"""Pictures of solutions, one per problem type (matplotlib only; no display needed).

``plot_solution(problem, solution, ax=None)`` draws onto ``ax`` (a new figure when None)
and returns the axes:

* TSP: the tour over the cities (explicit-matrix instances are placed by classical
  multidimensional scaling of their distances);
* MIS: the graph, the independent set highlighted (spring layout up to
  ``SPRING_LAYOUT_MAX_NODES`` nodes, networkx's sparse spectral layout beyond, which takes
  about 2 s at 3000 nodes where the spring layout takes a minute and a half);
* MDKP: the share of each capacity the chosen items use;
* QAP: locations placed by their distances, each facility drawn at its location, facility
  pairs joined by lines as thick as their flow;
* RobustKnapsack: per item, the first-stage choice and, in the worst case the adversary can
  pick, the second-stage decision (produce, repair, or outsource).
"""

from __future__ import annotations

import numpy as np

SPRING_LAYOUT_MAX_NODES = 500
MDS_MAX_POINTS = 3000


def plot_solution(problem, solution, ax=None):
    """Draw ``solution`` of ``problem`` onto ``ax`` and return the axes.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from problems import TSP
    >>> ax = plot_solution(TSP.random(8, seed=0), list(range(8)))
    >>> ax.get_title().startswith("random8")
    True
    """
    kind = type(problem).__name__
    if kind not in _DRAW:
        raise ValueError(f"no picture for problem type {kind}; known: {', '.join(_DRAW)}")
    problem.check(solution)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 6))
    _DRAW[kind](problem, solution, ax)
    return ax


def _title(ax, problem, solution, extra: str = "") -> None:
    value = problem.evaluate(solution)
    ax.set_title(f"{problem.name}: {'length' if type(problem).__name__ == 'TSP' else 'value'} "
                 f"{value:.10g}{extra}", fontsize=10)


def _plot_tsp(problem, tour, ax) -> None:
    points = _tsp_points(problem)
    order = np.asarray(tour, dtype=np.int64)
    cycle = points[np.append(order, order[0])]
    ax.plot(cycle[:, 0], cycle[:, 1], "-", color="tab:blue", linewidth=0.8, zorder=1)
    size = max(2.0, 30.0 / max(1.0, np.sqrt(problem.size / 50)))
    ax.scatter(points[:, 0], points[:, 1], s=size, color="black", zorder=2)
    ax.scatter(*points[order[0]], s=4 * size, color="tab:red", zorder=3, label="start")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    _title(ax, problem, tour, f"  ({problem.size} cities)")


def _tsp_points(problem) -> np.ndarray:
    if problem.coords is not None:
        coords = np.asarray(problem.coords, dtype=float)
        if problem.edge_weight_type == "GEO":  # TSPLIB GEO: latitude, longitude
            return coords[:, ::-1]
        return coords
    return classical_mds(problem.dense_matrix())


def classical_mds(distance: np.ndarray) -> np.ndarray:
    """2-D points whose distances approximate ``distance`` (Torgerson's classical scaling).

    >>> d = np.array([[0, 3, 4], [3, 0, 5], [4, 5, 0]], dtype=float)
    >>> p = classical_mds(d)
    >>> round(float(np.linalg.norm(p[1] - p[2])), 6)
    5.0
    """
    d = np.asarray(distance, dtype=float)
    n = len(d)
    if n > MDS_MAX_POINTS:
        raise ValueError(f"cannot place {n} points without coordinates (at most "
                         f"{MDS_MAX_POINTS})")
    d = (d + d.T) / 2
    centre = np.eye(n) - 1.0 / n
    gram = -0.5 * centre @ (d ** 2) @ centre
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:2]
    points = vectors[:, top] * np.sqrt(np.maximum(values[top], 0.0))
    if points.shape[1] < 2:
        points = np.column_stack([points, np.zeros(n)])
    return points


def graph_layout(graph, seed: int = 0) -> dict:
    """Node positions: spring layout for small graphs, sparse spectral layout for large ones.

    >>> import networkx as nx
    >>> len(graph_layout(nx.path_graph(5)))
    5
    """
    import networkx as nx

    if graph.number_of_nodes() <= SPRING_LAYOUT_MAX_NODES:
        return nx.spring_layout(graph, seed=seed)
    return nx.spectral_layout(graph)


def _plot_mis(problem, solution, ax) -> None:
    from matplotlib.collections import LineCollection

    chosen = np.asarray(solution, dtype=bool)
    layout = graph_layout(problem.to_networkx())
    points = np.array([layout[v] for v in range(problem.n)], dtype=float).reshape(-1, 2)
    if problem.num_edges:
        segments = points[problem.edges]
        width = 0.6 if problem.n <= SPRING_LAYOUT_MAX_NODES else 0.2
        ax.add_collection(LineCollection(segments, colors="0.6", linewidths=width, zorder=1))
    size = 40.0 if problem.n <= 100 else max(2.0, 4000.0 / problem.n)
    ax.scatter(*points[~chosen].T, s=size, color="0.35", zorder=2, label="not in the set")
    ax.scatter(*points[chosen].T, s=1.6 * size, color="tab:red", zorder=3,
               label=f"independent set ({int(chosen.sum())})")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    _title(ax, problem, solution, f"  ({problem.n} nodes, {problem.num_edges} edges)")


def _plot_mdkp(problem, solution, ax) -> None:
    x = np.asarray(solution, dtype=float)
    used = problem.weights @ x
    share = np.divide(used, problem.capacities, out=np.zeros_like(used),
                      where=problem.capacities > 0)
    rows = np.arange(len(share))
    ax.barh(rows, share, color="tab:blue")
    ax.axvline(1.0, color="tab:red", linewidth=1, label="capacity")
    for row, (u, c) in enumerate(zip(used, problem.capacities)):
        ax.text(min(share[row], 1.0) + 0.01, row, f"{u:.6g} / {c:.6g}", va="center", fontsize=7)
    ax.set_yticks(rows)
    ax.set_yticklabels([f"constraint {i}" for i in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.3)
    ax.set_xlabel("share of the capacity used")
    ax.legend(loc="lower right", fontsize=8)
    _title(ax, problem, solution, f"  ({int(x.sum())} of {problem.size} items)")


def _plot_qap(problem, solution, ax) -> None:
    location = np.asarray(solution, dtype=np.int64)  # facility i sits at location[i]
    places = classical_mds(problem.distance)
    flow = (problem.flow + problem.flow.T) / 2
    top = flow.max() if flow.size and flow.max() > 0 else 1.0
    n = problem.size
    for i in range(n):
        for j in range(i + 1, n):
            if flow[i, j] > 0:
                a, b = places[location[i]], places[location[j]]
                ax.plot([a[0], b[0]], [a[1], b[1]], color="tab:blue", alpha=0.6,
                        linewidth=0.3 + 3.5 * flow[i, j] / top, zorder=1)
    ax.scatter(*places.T, s=120, facecolors="white", edgecolors="black", zorder=2,
               label="locations (placed by distance)")
    for i in range(n):
        ax.annotate(str(i), places[location[i]], ha="center", va="center", fontsize=7,
                    zorder=3)
    ax.legend(loc="upper right", fontsize=8, title="facility number at its location; "
                                                    "line width: flow", title_fontsize=7)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    _title(ax, problem, solution)


def _plot_robust_knapsack(problem, solution, ax) -> None:
    from problems.robust_knapsack.worst_case import Recourse

    x = np.asarray(solution, dtype=np.int64)
    value, xi = problem.worst_case(x)
    items = np.flatnonzero(x)
    keep = np.zeros(problem.size)
    repair = np.zeros(problem.size)
    if items.size:
        _, y, r = Recourse(problem, items).solve(problem.scenario(xi))
        keep[items], repair[items] = y, r
    state = np.where(x == 0, 0, np.where(keep == 0, 3, np.where(repair == 1, 2, 1)))
    labels = ("not selected", "selected, produced", "selected, degraded and repaired",
              "selected, outsourced")
    colours = ("0.85", "tab:green", "tab:orange", "tab:purple")
    positions = np.arange(problem.size)
    for code, (label, colour) in enumerate(zip(labels, colours)):
        mask = state == code
        if mask.any():
            ax.bar(positions[mask], problem.profit[mask], color=colour, label=label)
    ax.plot(positions, problem.degradation * xi, "k_", markersize=8,
            label="worst-case degradation ξ·p̂")
    ax.set_xlabel("item")
    ax.set_ylabel("nominal profit p̄")
    ax.legend(fontsize=7, loc="upper right")
    _title(ax, problem, solution, "  (worst case)")


_DRAW = {"TSP": _plot_tsp, "MIS": _plot_mis, "MDKP": _plot_mdkp, "QAP": _plot_qap,
         "RobustKnapsack": _plot_robust_knapsack}
