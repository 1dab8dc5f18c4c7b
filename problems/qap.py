"""Quadratic assignment (QAP), Koopmans–Beckmann form: place n facilities on n locations.

A solution is a permutation ``p`` (facility i at location ``p[i]``) and costs
``sum_ij flow[i, j] * distance[p[i], p[j]]``. QAPLIB ``.dat`` files hold ``n``, then the first
matrix (``flow`` here), then the second (``distance``); in some QAPLIB families the first matrix
is really the distances, which does not change the objective. A ``.sln`` file beside the ``.dat``
(``n value``, then the permutation, 1-based or in a few files 0-based) gives ``best_known``,
re-evaluated from the permutation: several QAPLIB headers disagree with their own permutation,
so the header is only kept as ``stated_value``. A few ``.dat`` files (esc8b..f) open with
``n value``; that value is kept as ``stated_value`` too (it equals the enumerated optimum for
esc8b..e, not for esc8f).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from problems.checks import PermutationWords, best_known_value, permutation_vector
from problems.compiled import MILP, QUBO, QUBOBuilder
from problems.errors import ProblemFormatError, require_finite
from problems.parsing import NumberTokens, format_row, text_lines
from problems.views import SolutionViews

MILP_MAX_SIZE = 12
ASSIGNMENT_WORDS = PermutationWords(solution="assignment", slot="facility", item="location",
                                    items="locations",
                                    repeated="location {value} holds facilities {first} and "
                                             "{second}")


@dataclass(frozen=True)
class QAP(SolutionViews):
    """Minimise ``sum_ij flow[i, j] * distance[p[i], p[j]]`` over permutations ``p``.

    Both matrices are n×n, finite and non-negative (as in QAPLIB); they need not be symmetric.

    >>> q = QAP(flow=[[0, 3], [3, 0]], distance=[[0, 2], [2, 0]], name="toy")
    >>> q.evaluate([1, 0]), q.size
    (12.0, 2)
    """

    flow: np.ndarray
    distance: np.ndarray
    name: str = "qap"
    best_known: float | None = None
    stated_value: float | None = None

    sense: ClassVar[str] = "min"
    solution_kind: ClassVar[str] = "permutation"

    def __post_init__(self):
        matrices = {}
        for what in ("flow", "distance"):
            try:
                matrix = np.array(getattr(self, what), dtype=float)
            except (ValueError, TypeError) as error:
                raise ProblemFormatError(f"{what} must be a matrix of numbers: {error}") from None
            if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
                raise ProblemFormatError(f"{what} must be a non-empty square matrix, "
                                         f"got shape {matrix.shape}")
            require_finite(matrix, what)
            if np.any(matrix < 0):
                bad = np.argwhere(matrix < 0)[0].tolist()
                raise ProblemFormatError(f"{what} must be non-negative (QAPLIB convention), "
                                         f"found {matrix[tuple(bad)]:g} at index {bad}")
            matrix.setflags(write=False)
            matrices[what] = matrix
        if matrices["flow"].shape != matrices["distance"].shape:
            raise ProblemFormatError(f"flow is {matrices['flow'].shape} but distance is "
                                     f"{matrices['distance'].shape}; both must be n×n")
        for what, matrix in matrices.items():
            object.__setattr__(self, what, matrix)
        for what in ("best_known", "stated_value"):
            object.__setattr__(self, what, best_known_value(getattr(self, what), what))

    @property
    def size(self) -> int:
        """Number of facilities (= locations)."""
        return len(self.flow)

    def evaluate(self, solution) -> float:
        """Cost of the assignment ``solution`` (a permutation of 0..n-1).

        >>> QAP([[0, 1], [0, 0]], [[0, 5], [7, 0]]).evaluate([1, 0])
        7.0
        """
        p = permutation_vector(solution, self.size, ASSIGNMENT_WORDS)
        return float(np.sum(self.flow * self.distance[np.ix_(p, p)]))

    def check(self, solution) -> None:
        """Every permutation is feasible: only the form is checked."""
        permutation_vector(solution, self.size, ASSIGNMENT_WORDS)

    @classmethod
    def random(cls, n: int, seed: int = 0) -> QAP:
        """Taillard-style uniform instance (like taiXXa): symmetric integer flow and distance
        matrices with entries uniform in 0..99 and zero diagonals.

        >>> q = QAP.random(5, seed=1)
        >>> q.size, bool((q.flow == q.flow.T).all())
        (5, True)
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"QAP.random: n must be a positive integer, got {n!r}")
        rng = np.random.default_rng(seed)
        matrices = []
        for _ in range(2):
            upper = np.triu(rng.integers(0, 100, size=(n, n)), k=1)
            matrices.append((upper + upper.T).astype(float))
        return cls(*matrices, name=f"qap-rand-n{n}-s{seed}")

    def write_qaplib(self, path: str | Path) -> None:
        """Write a QAPLIB ``.dat`` file: n, a blank line, flow, a blank line, distance.

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "toy.dat")
        >>> QAP.random(3, seed=0).write_qaplib(path)
        >>> read(path).flow.shape
        (3, 3)
        """
        rows = [str(self.size), ""] + [format_row(r) for r in self.flow] + [""]
        rows += [format_row(r) for r in self.distance]
        Path(path).write_text("\n".join(rows) + "\n")

    def to_milp(self) -> MILP:
        """Adams–Johnson linearisation (level-1 RLT), exact for binary ``x``.

        Variables: ``x[i,k]`` (facility i at location k) and, for facility pairs i < j and
        location pairs k != l, continuous ``y = x[i,k] * x[j,l]`` in [0, 1]. Rows: assignment
        (every row and column of x sums to 1) and, for every ordered facility pair (i, j) and
        location l, ``sum_{k != l} y[(i,k),(j,l)] = x[j,l]``. With x a permutation these force
        each y to equal its product. Objective: ``sum (a_ij b_kl + a_ji b_lk) y + sum a_ii b_kk
        x[i,k]``. It has n²(n-1)²/2 + n² variables, so it is built only up to n = 12.

        >>> QAP.random(3, seed=0).to_milp().num_variables
        27
        """
        n = self.size
        if n > MILP_MAX_SIZE:
            raise ValueError(f"QAP.to_milp builds the Adams–Johnson linearisation only up to "
                             f"n = {MILP_MAX_SIZE} (n²(n-1)²/2 product variables); {self.name} has "
                             f"n = {n}")
        A, B = self.flow, self.distance
        x = np.arange(n * n).reshape(n, n)
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        locations = [(k, l) for k in range(n) for l in range(n) if k != l]
        y = {key: n * n + t for t, key in
             enumerate((i, j, k, l) for i, j in pairs for k, l in locations)}
        size = n * n + len(y)
        objective = np.zeros(size)
        objective[:n * n] = np.outer(np.diag(A), np.diag(B)).ravel()
        for (i, j, k, l), column in y.items():
            objective[column] = A[i, j] * B[k, l] + A[j, i] * B[l, k]
        assignment = [x[i].tolist() for i in range(n)] + [x[:, k].tolist() for k in range(n)]
        linking = []  # (y columns, x column): the y's sum to that x
        for i, j in pairs:
            for l in range(n):
                others = [k for k in range(n) if k != l]
                linking.append(([y[i, j, k, l] for k in others], x[j, l]))  # j at l, i elsewhere
                linking.append(([y[i, j, l, k] for k in others], x[i, l]))  # i at l, j elsewhere
        rows, cols, data = [], [], []
        for r, columns in enumerate(assignment):
            rows += [r] * n
            cols += columns
            data += [1.0] * n
        for r, (columns, column) in enumerate(linking, start=len(assignment)):
            rows += [r] * n
            cols += columns + [int(column)]
            data += [1.0] * (n - 1) + [-1.0]
        num_rows = len(assignment) + len(linking)
        bounds = np.r_[np.ones(len(assignment)), np.zeros(len(linking))]
        names = [f"x{i}_{k}" for i in range(n) for k in range(n)]
        names += [f"y{i}_{k}_{j}_{l}" for i, j, k, l in y]
        return MILP(objective=objective,
                    A=sp.csr_matrix((data, (rows, cols)), shape=(num_rows, size)),
                    row_lower=bounds, row_upper=bounds.copy(), lower=np.zeros(size),
                    upper=np.ones(size),
                    integer=np.r_[np.ones(n * n, dtype=bool), np.zeros(len(y), dtype=bool)],
                    names=tuple(names), sense="min",
                    decode=functools.partial(decode_assignment, n=n))

    def to_qubo(self, penalty: float | None = None, encoding: str = "slack") -> QUBO:
        """One-hot ``x[i,k]`` (variable ``i*n + k``): energy ``x^T (flow ⊗ distance) x`` plus
        ``penalty`` times the squared violation of every row and column sum.

        Default penalty ``Δ/2 + 1`` with ``Δ = max_ik [a_ii b_kk + (Σ_{j≠i} a_ij) max_{l≠k} b_kl
        + (Σ_{j≠i} a_ji) max_{l≠k} b_lk]``, an upper bound on what placing one more facility
        adds to a partial assignment. Why it is enough (all entries are >= 0): from any
        non-permutation x, switching off bits in rows or columns holding two or more ones
        never raises the cost nor the penalty, and leaves a partial permutation with t ones and
        penalty 2(n - t); completing it costs at most (n - t)Δ < 2(n - t)·penalty. If t = n, x
        itself had penalty >= 1 on top of a permutation's cost. Either way every
        non-permutation has energy above the optimum. ``encoding`` is accepted for a uniform
        interface; one-hot constraints need no slack.

        >>> q = QAP.random(3, seed=0).to_qubo()
        >>> q.num_variables, q.slack_bits
        (9, 0)
        """
        if encoding != "slack":
            raise ValueError(f"QAP.to_qubo: unknown encoding {encoding!r}; supported: 'slack'")
        n = self.size
        A, B = self.flow, self.distance
        if penalty is None:
            off_a = A - np.diag(np.diag(A))
            off_b = B - np.diag(np.diag(B))
            delta = (np.outer(np.diag(A), np.diag(B))
                     + np.outer(off_a.sum(axis=1), off_b.max(axis=1))
                     + np.outer(off_a.sum(axis=0), off_b.max(axis=0)))
            penalty = float(delta.max()) / 2.0 + 1.0
        elif not (isinstance(penalty, (int, float)) and np.isfinite(penalty) and penalty > 0):
            raise ValueError(f"QAP.to_qubo: penalty must be a positive finite number, "
                             f"got {penalty!r}")
        builder = QUBOBuilder([f"x{i}_{k}" for i in range(n) for k in range(n)])
        builder.Q += np.kron(A, B)
        index = np.arange(n * n).reshape(n, n)
        for line in list(index) + list(index.T):
            builder.add_squared_penalty({int(v): 1.0 for v in line}, rhs=1.0, weight=penalty)
        return builder.build(decode=functools.partial(decode_assignment, n=n), slack_bits=0,
                             penalty=float(penalty), info={"encoding": "one-hot"})


def decode_assignment(values, n: int) -> np.ndarray:
    """Permutation from the first n² entries (``x[i,k]`` at ``i*n + k``); -1 where row i is not
    one-hot, which ``check`` then rejects."""
    x = np.rint(np.asarray(values, dtype=float)[:n * n]).reshape(n, n)
    return np.where(x.sum(axis=1) == 1, np.argmax(x, axis=1), -1)


def sniff(path, head: str) -> bool:
    """QAPLIB ``.dat``: the extension and a first token that is a size."""
    tokens = head.split()
    return Path(path).suffix.lower() == ".dat" and bool(tokens) and tokens[0].isdigit()


def count(path) -> int:
    """A ``.dat`` file holds one instance."""
    return 1


def read(path, index: int | None = None) -> QAP:
    """Read a QAPLIB ``.dat`` and, when it sits beside it, the ``.sln`` of the same name.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> QAP([[0, 1], [1, 0]], [[0, 4], [4, 0]]).write_qaplib(os.path.join(folder, "t.dat"))
    >>> _ = open(os.path.join(folder, "t.sln"), "w").write("2 9\\n2 1\\n")
    >>> q = read(os.path.join(folder, "t.dat"))
    >>> q.best_known, q.stated_value
    (8.0, 9.0)
    """
    path = Path(path)
    if index not in (None, 0):
        raise ProblemFormatError(f"instance index {index!r} out of range: a .dat file holds one "
                                 f"instance", path=path)
    tokens = NumberTokens(text_lines(path), path=path)
    n = tokens.integer("size n")
    stated = None
    first_line = tokens.token_lines[0]
    if tokens.remaining == 2 * n * n + 1 and tokens.token_lines[tokens.pos] == first_line:
        stated = tokens.number("value after the size")  # "n value" on the first line (esc8b..f)
    flow = tokens.numbers(n * n, f"entries of the first {n}×{n} matrix", nonnegative=True)
    distance = tokens.numbers(n * n, f"entries of the second {n}×{n} matrix", nonnegative=True)
    tokens.expect_end("the two matrices")
    problem = QAP(flow.reshape(n, n), distance.reshape(n, n), name=path.stem,
                  stated_value=stated)
    solution = path.with_suffix(".sln")
    if not solution.is_file():
        return problem
    header, permutation = _read_sln(solution, n)
    return replace(problem, best_known=problem.evaluate(permutation), stated_value=header)


def _read_sln(path: Path, n: int) -> tuple[float, np.ndarray]:
    tokens = NumberTokens(text_lines(path), path=path, separators=",")
    size = tokens.integer("size n")
    if size != n:
        raise tokens.error(f"the solution is for size {size}, but the instance has size {n}", 0)
    header = tokens.number("objective value")
    start = tokens.pos
    entries = tokens.numbers(n, "permutation entries")
    tokens.expect_end("the permutation")
    values = entries.tolist()
    if sorted(values) == list(range(n)):  # a few QAPLIB files (tai40a) are 0-based
        return header, entries.astype(np.int64)
    seen = set()
    for k, value in enumerate(values):
        if not value.is_integer() or not 1 <= value <= n:
            raise tokens.error(f"permutation entry {value:g} is not a location in 1..{n}",
                               start + k)
        if value in seen:
            raise tokens.error(f"location {value:g} appears twice in the permutation", start + k)
        seen.add(value)
    return header, entries.astype(np.int64) - 1
