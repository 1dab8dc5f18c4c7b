"""Weighted MaxCut: split the nodes in two sides so that the edges across weigh the most.

A special case of the BQP: ``cut(x) = Σ_(u,v) w_uv (x_u + x_v - 2 x_u x_v)``; ``to_bqp()`` gives
that model over the same 0/1 vector, and every compilation (``to_milp``, ``to_qubo``) goes
through it. Weights may be negative (Gset's ±1 graphs).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from problems.bqp.model import BQP, summed_pairs
from problems.checks import best_known_value, binary_vector
from problems.compiled import MILP, QUBO
from problems.errors import ProblemFormatError, require_finite
from problems.parsing import format_number

if TYPE_CHECKING:  # networkx is imported where it is used: it costs 0.6 s to load
    import networkx as nx


@dataclass(frozen=True)
class MaxCut:
    """Maximise the weight of the edges whose ends get different bits.

    ``edges`` (E, 2) may come in any orientation and with repeats (their weights are summed);
    they are stored sorted with ``u < v``. ``labels`` names the nodes (default ``0..n-1``);
    ``sides`` maps a solution back to them.

    >>> g = MaxCut(3, [[0, 1], [1, 2], [2, 0]], [1.0, 2.0, -1.0], labels=("a", "b", "c"))
    >>> g.evaluate([1, 0, 0]), g.sides([1, 0, 0])
    (0.0, (['b', 'c'], ['a']))
    """

    n: int
    edges: np.ndarray
    weights: np.ndarray = None
    labels: tuple | None = None
    name: str = "maxcut"
    best_known: float | None = None

    sense: ClassVar[str] = "max"
    solution_kind: ClassVar[str] = "binary"

    def __post_init__(self):
        if not isinstance(self.n, (int, np.integer)) or isinstance(self.n, bool) or self.n < 1:
            raise ProblemFormatError(f"MaxCut needs a positive integer number of nodes, "
                                     f"got {self.n!r}")
        object.__setattr__(self, "n", int(self.n))
        edges, weights = _edges(self.edges, self.weights, self.n)
        labels = tuple(range(self.n)) if self.labels is None else tuple(self.labels)
        if len(labels) != self.n:
            raise ProblemFormatError(f"{len(labels)} labels for {self.n} nodes")
        if len(set(labels)) != self.n:
            raise ProblemFormatError("node labels must be distinct")
        for field_name, value in (("edges", edges), ("weights", weights)):
            value.setflags(write=False)
            object.__setattr__(self, field_name, value)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "best_known", best_known_value(self.best_known))

    @property
    def size(self) -> int:
        """Number of nodes."""
        return self.n

    @property
    def num_edges(self) -> int:
        return len(self.edges)

    def evaluate(self, solution) -> float:
        """Total weight of the edges whose ends lie on different sides."""
        x = binary_vector(solution, self.n)
        return float(self.weights @ (x[self.edges[:, 0]] != x[self.edges[:, 1]]))

    def check(self, solution) -> None:
        """Every 0/1 vector is a cut: only the form is checked."""
        binary_vector(solution, self.n)

    def sides(self, solution) -> tuple[list, list]:
        """The labels of the nodes with bit 0, and of those with bit 1."""
        x = binary_vector(solution, self.n)
        return ([label for label, bit in zip(self.labels, x) if not bit],
                [label for label, bit in zip(self.labels, x) if bit])

    def labelled(self, solution) -> dict[Any, int]:
        """The solution as ``{node label: side (0 or 1)}``.

        >>> MaxCut(2, [[0, 1]], labels=("u", "v")).labelled([0, 1])
        {'u': 0, 'v': 1}
        """
        x = binary_vector(solution, self.n)
        return dict(zip(self.labels, map(int, x)))

    @functools.cached_property
    def bqp(self) -> BQP:
        """The same problem as a BQP over the same bits (built once)."""
        return self.to_bqp()

    def to_bqp(self) -> BQP:
        """``cut(x) = Σ_u d_u x_u - 2 Σ_(u,v) w_uv x_u x_v`` with ``d_u`` the weighted degree.

        >>> g = MaxCut(2, [[0, 1]], [3.0])
        >>> g.to_bqp().evaluate([0, 1]), g.to_bqp().evaluate([1, 1])
        (3.0, 0.0)
        """
        degree = np.zeros(self.n)
        np.add.at(degree, self.edges[:, 0], self.weights)
        np.add.at(degree, self.edges[:, 1], self.weights)
        return BQP(degree, self.edges, -2.0 * self.weights, sense="max", name=self.name,
                   best_known=self.best_known)

    def to_milp(self) -> MILP:
        """The BQP's MILP (products linearized exactly, see ``BQP.to_milp``)."""
        return self.bqp.to_milp()

    def to_qubo(self, penalty: float | None = None, encoding: str = "slack") -> QUBO:
        """Energy ``-cut(x)``: no constraints, so no penalty and no slack."""
        return self.bqp.to_qubo(penalty=penalty, encoding=encoding)

    @classmethod
    def from_networkx(cls, graph: nx.Graph, weight: str | None = "weight",
                      default: float = 1.0, name: str | None = None,
                      best_known: float | None = None) -> MaxCut:
        """Nodes in ``graph.nodes`` order, labels kept; each edge weighs ``data[weight]``
        (``default`` when absent, every edge ``default`` when ``weight`` is None).

        Self-loops are dropped (a loop is never cut); in a directed graph or a multigraph the
        weights of the edges between the same two nodes are summed.

        >>> import networkx as nx
        >>> g = MaxCut.from_networkx(nx.Graph([("a", "b", {"weight": 2.0}), ("b", "c", {})]))
        >>> g.labels, g.weights.tolist(), g.evaluate([1, 0, 1])
        (('a', 'b', 'c'), [2.0, 1.0], 3.0)
        """
        labels = tuple(graph.nodes)
        index = {node: k for k, node in enumerate(labels)}
        edges, weights = [], []
        for u, v, data in graph.edges(data=True):
            if u == v:
                continue
            value = default if weight is None else data.get(weight, default)
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ProblemFormatError(f"edge ({u!r}, {v!r}): weight {weight!r} is {value!r}, "
                                         f"not a number") from None
            edges.append((index[u], index[v]))
            weights.append(value)
        return cls(len(labels), np.array(edges, dtype=np.int64).reshape(-1, 2),
                   np.array(weights, dtype=float), labels=labels,
                   name=name or graph.graph.get("name") or "networkx", best_known=best_known)

    def to_networkx(self, weight: str = "weight") -> nx.Graph:
        """An undirected ``networkx.Graph`` over the labels, weights in ``weight``."""
        import networkx as nx

        graph = nx.Graph(name=self.name)
        graph.add_nodes_from(self.labels)
        graph.add_weighted_edges_from(
            ((self.labels[u], self.labels[v], w)
             for (u, v), w in zip(self.edges.tolist(), self.weights.tolist())), weight=weight)
        return graph

    @classmethod
    def random(cls, n: int, p: float = 0.5, signed: bool = False, seed: int = 0) -> MaxCut:
        """Erdős–Rényi G(n, p) with unit weights, or ±1 weights when ``signed``.

        >>> MaxCut.random(10, p=0.3, signed=True, seed=2).size
        10
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"MaxCut.random: n must be a positive integer, got {n!r}")
        if not (isinstance(p, (int, float)) and 0 <= p <= 1):
            raise ValueError(f"MaxCut.random: edge probability p must lie in [0, 1], got {p!r}")
        rng = np.random.default_rng(seed)
        u, v = np.triu_indices(n, k=1)
        keep = rng.random(len(u)) < p
        weights = rng.choice([-1.0, 1.0], size=int(keep.sum())) if signed \
            else np.ones(int(keep.sum()))
        return cls(n, np.column_stack((u[keep], v[keep])), weights,
                   name=f"maxcut-n{n}-p{p:g}{'-pm1' if signed else ''}-s{seed}")

    def write_rudy(self, path: str | Path) -> None:
        """Write the graph in the Gset/rudy format (``n m``, then ``u v w`` 1-based); labels
        are not stored by the format.

        >>> import tempfile, os
        >>> from problems.bqp import read
        >>> path = os.path.join(tempfile.mkdtemp(), "toy.rud")
        >>> MaxCut(3, [[0, 1], [1, 2]], [1.0, -1.0], name="toy").write_rudy(path)
        >>> read(path).weights.tolist()
        [1.0, -1.0]
        """
        lines = [f"{self.n} {self.num_edges}"]
        lines += [f"{u + 1} {v + 1} {format_number(w)}"
                  for (u, v), w in zip(self.edges.tolist(), self.weights.tolist())]
        Path(path).write_text("\n".join(lines) + "\n")


def _edges(edges, weights, n: int) -> tuple[np.ndarray, np.ndarray]:
    count = len(edges) if hasattr(edges, "__len__") else 0
    if weights is None:
        values = np.ones(count)
    else:
        try:
            values = np.array(weights, dtype=float).reshape(-1)
        except (ValueError, TypeError) as error:
            raise ProblemFormatError(f"weights must be numbers: {error}") from None
        require_finite(values, "weights")
    return summed_pairs(edges, values, n, "edge", "is a self-loop (a loop is never cut: "
                                                  "drop it)")
