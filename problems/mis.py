"""Maximum independent set (MIS), unweighted: the most nodes with no edge between them.

A graph is stored sparsely as ``n`` and an (E, 2) edge array (u < v, no loops, no duplicates).

Files: DIMACS ASCII (``p edge N M`` or ``p col N M``, ``e u v`` lines, 1-based; ``n i w`` node
weight lines are accepted and ignored) with extensions ``.clq``, ``.col``, ``.b``; edge lists
``.edges`` (``u v`` per line, 0-based, optional first line ``n m``). DIMACS ``.clq`` and ``.b``
files are max-clique instances, so by default they are read as their **complement**: the
maximum independent set of the complement is the maximum clique of the file's graph.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import scipy.sparse as sp

from problems.checks import PairWords, best_known_value, binary_vector, index_pairs
from problems.compiled import MILP, QUBO, QUBOBuilder, decode_bits
from problems.errors import InfeasibleSolution, ProblemFormatError
from problems.parsing import declared_count, is_number, parse_int
from problems.views import SolutionViews

if TYPE_CHECKING:  # networkx is imported where it is used: it costs 0.6 s to load
    import networkx as nx

CLIQUE_SUFFIXES = (".clq", ".b")
SUFFIXES = (".clq", ".b", ".col", ".edges")
MAX_COMPLEMENT_EDGES = 20_000_000
_CLIQUE_COMMENT = re.compile(
    r"(?:clique\s+size|largest\s+clique)\s*:?\s*(\d+)|(\d+)\s+max(?:imum)?\s+clique", re.IGNORECASE)


@dataclass(frozen=True)
class MIS(SolutionViews):
    """Maximise ``sum(x)`` over 0/1 node vectors ``x`` with ``x[u] + x[v] <= 1`` on every edge.

    ``edges`` may come in any orientation and with repeats; they are stored sorted, with
    ``u < v`` and duplicates removed. Self-loops are rejected. ``labels`` (optional, one
    distinct hashable name per node) are the user's names of nodes ``0..n-1``; ``from_networkx``
    keeps the graph's node names there and ``labelled(solution)`` maps a solution back to them.

    >>> g = MIS(4, [[0, 1], [2, 1], [1, 0]], name="toy")
    >>> g.edges.tolist(), g.evaluate([1, 0, 1, 1])
    ([[0, 1], [1, 2]], 3.0)
    """

    n: int
    edges: np.ndarray
    name: str = "mis"
    best_known: float | None = None
    labels: tuple | None = field(default=None, repr=False, compare=False)

    sense: ClassVar[str] = "max"
    solution_kind: ClassVar[str] = "binary"

    def __post_init__(self):
        if not isinstance(self.n, (int, np.integer)) or isinstance(self.n, bool) or self.n < 1:
            raise ProblemFormatError(f"MIS needs a positive integer number of nodes, "
                                     f"got {self.n!r}")
        object.__setattr__(self, "n", int(self.n))
        edges = _edge_array(self.edges, self.n)
        edges.setflags(write=False)
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "best_known", best_known_value(self.best_known))
        if self.labels is not None:
            labels = tuple(self.labels)
            if len(labels) != self.n or len(set(labels)) != self.n:
                raise ProblemFormatError(f"MIS labels must name each of the {self.n} nodes once, "
                                         f"got {len(labels)} label(s), {len(set(labels))} "
                                         "distinct")
            object.__setattr__(self, "labels", labels)

    @property
    def size(self) -> int:
        """Number of nodes."""
        return self.n

    @property
    def num_edges(self) -> int:
        return len(self.edges)

    def evaluate(self, solution) -> float:
        """Number of selected nodes (form checked, independence not)."""
        return float(binary_vector(solution, self.n).sum())

    def check(self, solution) -> None:
        """Raise ``InfeasibleSolution`` naming the first edge with both ends selected.

        >>> MIS(3, [[0, 2]]).check([1, 1, 1])
        Traceback (most recent call last):
        ...
        problems.errors.InfeasibleSolution: edge (0, 2) has both endpoints selected
        """
        x = binary_vector(solution, self.n)
        both = (x[self.edges[:, 0]] & x[self.edges[:, 1]]).astype(bool)
        if np.any(both):
            u, v = self.edges[int(np.argmax(both))].tolist()
            raise InfeasibleSolution(f"edge ({u}, {v}) has both endpoints selected",
                                     constraint=f"edge {u}-{v}")

    def complement(self, name: str | None = None) -> MIS:
        """The complement graph (its MIS is this graph's maximum clique).

        >>> MIS(3, [[0, 1]]).complement().edges.tolist()
        [[0, 2], [1, 2]]
        """
        total = self.n * (self.n - 1) // 2 - self.num_edges
        if total > MAX_COMPLEMENT_EDGES:
            raise ValueError(f"the complement of {self.name} would have {total} edges, more than "
                             f"the {MAX_COMPLEMENT_EDGES} this library builds")
        keep = np.triu(np.ones((self.n, self.n), dtype=bool), k=1)
        keep[self.edges[:, 0], self.edges[:, 1]] = False
        return MIS(self.n, np.argwhere(keep), name=name or f"{self.name}-complement",
                   labels=self.labels)

    @classmethod
    def from_networkx(cls, graph: nx.Graph, name: str | None = None,
                      best_known: float | None = None) -> MIS:
        """Nodes are numbered in ``graph.nodes`` order and keep their names as ``labels``
        (unless they already are ``0..n-1``); edge directions and repeats are dropped.

        >>> import networkx as nx
        >>> MIS.from_networkx(nx.path_graph(4)).edges.tolist()
        [[0, 1], [1, 2], [2, 3]]
        >>> MIS.from_networkx(nx.Graph([("a", "b"), ("b", "c")])).labelled([1, 0, 1])
        ['a', 'c']
        """
        index = {node: k for k, node in enumerate(graph.nodes)}
        loops = [u for u, v in graph.edges() if u == v]
        if loops:
            raise ProblemFormatError(f"graph has a self-loop at node {loops[0]!r}; an independent "
                                     f"set cannot hold such a node, remove the loop first")
        edges = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int64)
        labels = tuple(index)
        return cls(len(index), edges.reshape(-1, 2), name=name or graph.name or "networkx",
                   best_known=best_known,
                   labels=None if labels == tuple(range(len(index))) else labels)

    def to_networkx(self) -> nx.Graph:
        """An undirected ``networkx.Graph`` on nodes ``0..n-1`` (``labels`` name them)."""
        import networkx as nx

        graph = nx.Graph(name=self.name)
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(self.edges.tolist())
        return graph

    @classmethod
    def random(cls, n: int, p: float = 0.15, seed: int = 0) -> MIS:
        """Erdős–Rényi G(n, p) (``networkx.fast_gnp_random_graph``).

        >>> MIS.random(50, p=0.1, seed=3).size
        50
        """
        _require_count("n", n)
        if not (isinstance(p, (int, float)) and 0 <= p <= 1):
            raise ValueError(f"MIS.random: edge probability p must lie in [0, 1], got {p!r}")
        import networkx as nx

        graph = nx.fast_gnp_random_graph(n, p, seed=seed)
        return cls.from_networkx(graph, name=f"er-n{n}-p{p:g}-s{seed}")

    @classmethod
    def barabasi_albert(cls, n: int, m: int, seed: int = 0) -> MIS:
        """Barabási–Albert preferential attachment, each new node bringing ``m`` edges.

        >>> MIS.barabasi_albert(30, 2, seed=1).num_edges
        56
        """
        _require_count("n", n)
        _require_count("m", m)
        if m >= n:
            raise ValueError(f"MIS.barabasi_albert: m must be smaller than n, got m={m}, n={n}")
        import networkx as nx

        graph = nx.barabasi_albert_graph(n, m, seed=seed)
        return cls.from_networkx(graph, name=f"ba-n{n}-m{m}-s{seed}")

    @classmethod
    def rb(cls, n: int, k: int, p: float = 0.25, r: float | None = None, seed: int = 0) -> MIS:
        """A forced-satisfiable RB-model graph whose independence number is exactly ``n``.

        ``n`` disjoint cliques of ``k`` nodes (the values of n CSP variables); then
        ``round(r * n * ln n)`` times two cliques are drawn and ``round(p * k^2)`` random edges
        (incompatible value pairs) are added between them, never between the two nodes of a
        hidden solution that takes one node per clique. Every independent set holds at most one
        node per clique and the hidden solution is independent, so ``best_known = n`` is the
        optimum. ``r`` defaults to the model's threshold ``-ln(k) / (ln(n) * ln(1 - p))``,
        where instances are hardest.

        >>> g = MIS.rb(5, 4, seed=0)
        >>> g.size, g.best_known
        (20, 5.0)
        """
        _require_count("n", n)
        _require_count("k", k)
        if n < 2:
            raise ValueError(f"MIS.rb: needs at least 2 cliques, got n={n}")
        if not (isinstance(p, (int, float)) and 0 < p < 1):
            raise ValueError(f"MIS.rb: p must lie in (0, 1), got {p!r}")
        if r is None:
            r = -math.log(k) / (math.log(n) * math.log(1 - p))
        if not (isinstance(r, (int, float)) and r >= 0):
            raise ValueError(f"MIS.rb: r must be a non-negative number, got {r!r}")
        rng = np.random.default_rng(seed)
        hidden = rng.integers(0, k, size=n)
        blocks = np.arange(n * k).reshape(n, k)
        inside = [(a, b) for row in blocks for i, a in enumerate(row) for b in row[i + 1:]]
        edges = [np.array(inside, dtype=np.int64).reshape(-1, 2)]
        pairs_per_constraint = int(round(p * k * k))
        for _ in range(int(round(r * n * math.log(n)))):
            i, j = rng.choice(n, size=2, replace=False)
            candidates = np.array([(a, b) for a in range(k) for b in range(k)
                                   if not (a == hidden[i] and b == hidden[j])])
            pick = rng.choice(len(candidates), size=min(pairs_per_constraint, len(candidates)),
                              replace=False)
            edges.append(np.column_stack([blocks[i, candidates[pick, 0]],
                                          blocks[j, candidates[pick, 1]]]))
        return cls(n * k, np.concatenate(edges), name=f"rb-n{n}-k{k}-p{p:g}-s{seed}",
                   best_known=float(n))

    def write_dimacs(self, path: str | Path) -> None:
        """Write the graph itself (no complement) as a DIMACS ``.col`` file.

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "toy.col")
        >>> MIS(3, [[0, 1]], name="toy").write_dimacs(path)
        >>> read(path).edges.tolist()
        [[0, 1]]
        """
        lines = [f"c {self.name}", f"p edge {self.n} {self.num_edges}"]
        lines += [f"e {u + 1} {v + 1}" for u, v in self.edges.tolist()]
        Path(path).write_text("\n".join(lines) + "\n")

    def to_milp(self) -> MILP:
        """Binary x per node, one row ``x_u + x_v <= 1`` per edge, maximise ``sum(x)``."""
        n, e = self.n, self.num_edges
        rows = np.repeat(np.arange(e), 2)
        A = sp.csr_matrix((np.ones(2 * e), (rows, self.edges.ravel())), shape=(e, n))
        return MILP(objective=np.ones(n), A=A, row_lower=np.full(e, -np.inf),
                    row_upper=np.ones(e), lower=np.zeros(n), upper=np.ones(n),
                    integer=np.ones(n, dtype=bool), names=tuple(f"x{v}" for v in range(n)),
                    sense="max", decode=functools.partial(decode_bits, n=n),
                    row_names=tuple(f"edge{u}-{v}" for u, v in self.edges.tolist()))

    def to_qubo(self, penalty: float | None = None, encoding: str = "slack") -> QUBO:
        """Energy ``-sum(x) + penalty * sum_edges x_u x_v``, no slack bits.

        Any ``penalty > 1`` is enough (default 2): dropping one endpoint of a violated edge
        loses 1 and removes at least ``penalty``, so from every non-independent set a chain of
        strictly improving drops leads to an independent set, whose energy is ``-size``.
        ``encoding`` is accepted for a uniform interface; MIS needs no slack.

        >>> MIS(2, [[0, 1]]).to_qubo().energy([1, 1])
        0.0
        """
        if encoding != "slack":
            raise ValueError(f"MIS.to_qubo: unknown encoding {encoding!r}; supported: 'slack'")
        if penalty is None:
            penalty = 2.0
        elif not (isinstance(penalty, (int, float)) and np.isfinite(penalty) and penalty > 1):
            raise ValueError(f"MIS.to_qubo: penalty must be a finite number > 1 (otherwise "
                             f"violating edges can pay off), got {penalty!r}")
        builder = QUBOBuilder([f"x{v}" for v in range(self.n)])
        for v in range(self.n):
            builder.add_linear(v, -1.0)
        for u, v in self.edges.tolist():
            builder.add_quadratic(u, v, float(penalty))
        return builder.build(decode=functools.partial(decode_bits, n=self.n), slack_bits=0,
                             penalty=float(penalty), info={"encoding": "none needed"})


def sniff(path, head: str) -> bool:
    """DIMACS graph files (by extension or a ``p edge``/``p col`` line) and ``.edges`` lists."""
    if Path(path).suffix.lower() in SUFFIXES:
        return True
    return re.search(r"^\s*p\s+(edge|col)\s+\d+", head, re.MULTILINE) is not None


def count(path) -> int:
    """Graph files hold one instance."""
    return 1


def read(path, index: int | None = None, complement: bool | None = None) -> MIS:
    """Read a DIMACS graph or an edge list.

    ``complement`` defaults to True for ``.clq`` and ``.b`` files (max-clique instances: the MIS
    of the complement is the maximum clique; the name then ends in ``-complement`` and
    ``best_known`` comes from a comment such as "Clique Size: 12") and False otherwise.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tri.clq")
    >>> _ = open(path, "w").write("c Largest Clique: 3\\np edge 3 3\\ne 1 2\\ne 2 3\\ne 1 3\\n")
    >>> g = read(path)
    >>> g.name, g.num_edges, g.best_known
    ('tri-complement', 0, 3.0)
    """
    path = Path(path)
    if index not in (None, 0):
        raise ProblemFormatError(f"instance index {index!r} out of range: a graph file holds "
                                 f"one instance", path=path)
    if not path.is_file():
        raise ProblemFormatError("no such file", path=path)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ProblemFormatError("binary DIMACS graphs are not supported; convert the file to "
                                 "the ASCII format (p edge / e lines) first", path=path)
    try:
        lines = raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise ProblemFormatError("not a text file (binary DIMACS graphs are not supported; "
                                 "convert to the ASCII format first)", path=path) from None
    suffix = path.suffix.lower()
    if complement is None:
        complement = suffix in CLIQUE_SUFFIXES
    stem = path.name
    while Path(stem).suffix.lower() in SUFFIXES:
        stem = stem[:-len(Path(stem).suffix)]
    if suffix == ".edges":
        n, edges, comments = *_parse_edge_list(path, lines), []
    else:
        n, edges, comments = _parse_dimacs(path, lines)
    graph = MIS(n, edges, name=stem)
    if not complement:
        return graph
    try:
        flipped = graph.complement()
    except ValueError as error:
        raise ProblemFormatError(f"{error} (a clique file is read as the complement graph)",
                                 path=path) from None
    return replace(flipped, best_known=_clique_size(comments))


def _parse_dimacs(path: Path, lines: list[str]) -> tuple[int, np.ndarray, list[str]]:
    n = declared = None
    comments, edges = [], []
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            continue
        kind = parts[0]
        if kind == "c":
            comments.append(line)
        elif kind == "p":
            if n is not None:
                raise ProblemFormatError("a second 'p' line", path=path, line=number)
            if len(parts) != 4 or parts[1] not in ("edge", "col"):
                raise ProblemFormatError(f"expected 'p edge N M' or 'p col N M', got "
                                         f"{line.strip()!r}", path=path, line=number)
            n = declared_count(parse_int(parts[2], "node count N", path=path, line=number,
                                         minimum=1), "node count N", path=path, line=number)
            declared = parse_int(parts[3], "edge count M", path=path, line=number, minimum=0)
        elif kind in ("e", "n"):
            if n is None:
                raise ProblemFormatError(f"'{kind}' line before the 'p edge N M' line",
                                         path=path, line=number)
            if len(parts) != 3:
                expected = "e u v" if kind == "e" else "n node weight"
                raise ProblemFormatError(f"expected '{expected}', got {line.strip()!r}",
                                         path=path, line=number)
            u = parse_int(parts[1], "node", path=path, line=number, minimum=1)
            if u > n:
                raise ProblemFormatError(f"node {u} out of range 1..{n}", path=path, line=number)
            if kind == "n" and not is_number(parts[2]):
                raise ProblemFormatError(f"expected a node weight, got {parts[2]!r}", path=path,
                                         line=number)
            if kind == "e":
                v = parse_int(parts[2], "node", path=path, line=number, minimum=1)
                if v > n:
                    raise ProblemFormatError(f"node {v} out of range 1..{n}", path=path,
                                             line=number)
                if u == v:
                    raise ProblemFormatError(f"self-loop on node {u}", path=path, line=number)
                edges.append((u - 1, v - 1))
        else:
            raise ProblemFormatError(f"unknown line type {kind!r} (expected c, p, e or n)",
                                     path=path, line=number)
    if n is None:
        raise ProblemFormatError("no 'p edge N M' line: not a DIMACS graph", path=path)
    if len(edges) != declared:
        raise ProblemFormatError(f"the 'p' line declares {declared} edges but the file has "
                                 f"{len(edges)} 'e' lines (truncated?)", path=path)
    return n, np.array(edges, dtype=np.int64).reshape(-1, 2), comments


def _parse_edge_list(path: Path, lines: list[str]) -> tuple[int, np.ndarray]:
    """0-based ``u v`` lines; a first line ``n m`` is a header when m edge lines follow."""
    rows = []
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts or parts[0].startswith(("#", "%")):
            continue
        if len(parts) != 2:
            raise ProblemFormatError(f"expected two node numbers 'u v', got {line.strip()!r}",
                                     path=path, line=number)
        rows.append((number, parse_int(parts[0], "node", path=path, line=number, minimum=0),
                     parse_int(parts[1], "node", path=path, line=number, minimum=0)))
    n = None
    if rows and rows[0][2] == len(rows) - 1 and all(max(u, v) < rows[0][1] for _, u, v in rows[1:]):
        n = rows[0][1]
        rows = rows[1:]
    for number, u, v in rows:
        if u == v:
            raise ProblemFormatError(f"self-loop on node {u}", path=path, line=number)
    edges = np.array([(u, v) for _, u, v in rows], dtype=np.int64).reshape(-1, 2)
    if n is None:
        if not rows:
            raise ProblemFormatError("no edges and no 'n m' header: cannot tell the graph size",
                                     path=path)
        n = int(edges.max()) + 1
    return n, edges


def _clique_size(comments: list[str]) -> float | None:
    for line in comments:
        match = _CLIQUE_COMMENT.search(line)
        if match:
            return float(match.group(1) or match.group(2))
    return None


EDGE_WORDS = PairWords("edge", "an (E, 2) array of node numbers", "(E, 2)", "node numbers",
                       "a node")


def _edge_array(edges, n: int) -> np.ndarray:
    array = index_pairs(edges, n, EDGE_WORDS,
                        lambda k, row: f"is a self-loop on node {row[0]}")
    return np.unique(np.sort(array, axis=1), axis=0)


def _require_count(what: str, value) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
