"""The binary quadratic program (BQP): a quadratic objective over 0/1 variables, min or max,
with optional linear constraints ``<=``, ``==``, ``>=``.

The objective is stored term by term, the way ``qiskit_optimization.QuadraticProgram`` and
the file formats hold it::

    f(x) = constant + Σ_i linear[i] x_i + Σ_k coefficients[k] x_{pairs[k,0]} x_{pairs[k,1]}

with every pair ``i < j`` listed once (a product is counted once, with its full coefficient).
An unconstrained BQP is a QUBO.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import scipy.sparse as sp

from problems.checks import PairWords, best_known_value, binary_vector, index_pairs
from problems.compiled import MILP, QUBO, QUBOBuilder, decode_bits
from problems.errors import InfeasibleSolution, ProblemFormatError, require_finite

if TYPE_CHECKING:  # qiskit-optimization costs seconds to import: imported where it is used
    from qiskit_optimization import QuadraticProgram

SENSES = ("<=", "==", ">=")
TOLERANCE = 1e-9


@dataclass(frozen=True)
class BQP:
    """Minimise or maximise ``f(x)`` (see the module docstring) over ``x`` in {0,1}^n subject to
    ``A[r] @ x  (<=, ==, >=)  rhs[r]`` for every row ``r``.

    ``pairs`` may come in any orientation and with repeats: repeats are summed, pairs stored
    sorted with ``i < j``, zero coefficients dropped. A solution is a 0/1 vector over the
    variables; ``labelled`` maps it to the variable names.

    >>> p = BQP(linear=[1.0, -2.0, 0.0], pairs=[[0, 1], [1, 2]], coefficients=[3.0, -1.0],
    ...         constant=2.0, sense="min", A=[[1, 1, 0]], constraint_senses=("<=",), rhs=[1])
    >>> p.evaluate([0, 1, 1]), p.size, p.num_constraints
    (-1.0, 3, 1)
    >>> p.labelled([0, 1, 1])
    {'x0': 0, 'x1': 1, 'x2': 1}
    """

    linear: np.ndarray
    pairs: np.ndarray = None
    coefficients: np.ndarray = None
    constant: float = 0.0
    sense: str = "min"
    A: np.ndarray = None
    constraint_senses: tuple[str, ...] = ()
    rhs: np.ndarray = None
    variable_names: tuple[str, ...] | None = None
    constraint_names: tuple[str, ...] | None = None
    name: str = "bqp"
    best_known: float | None = None

    solution_kind: ClassVar[str] = "binary"

    def __post_init__(self):
        linear = _array(self.linear, "linear", 1)
        n = len(linear)
        if n == 0:
            raise ProblemFormatError("a BQP needs at least one variable")
        pairs, coefficients = _canonical_pairs(self.pairs, self.coefficients, n)
        if self.sense not in ("min", "max"):
            raise ProblemFormatError(f"sense must be 'min' or 'max', got {self.sense!r}")
        if not np.isfinite(float(self.constant)):
            raise ProblemFormatError(f"constant must be finite, got {self.constant!r}")
        A = np.zeros((0, n)) if self.A is None else _array(self.A, "A", 2)
        if A.shape[1] != n:
            raise ProblemFormatError(f"A must have {n} columns (one per variable), "
                                     f"got shape {A.shape}")
        m = A.shape[0]
        rhs = np.zeros(0) if self.rhs is None else _array(self.rhs, "rhs", 1)
        senses = tuple(self.constraint_senses)
        if len(rhs) != m or len(senses) != m:
            raise ProblemFormatError(f"{m} constraint rows need {m} senses and {m} right-hand "
                                     f"sides, got {len(senses)} and {len(rhs)}")
        bad = [s for s in senses if s not in SENSES]
        if bad:
            raise ProblemFormatError(f"constraint sense must be one of {', '.join(SENSES)}, "
                                     f"got {bad[0]!r}")
        variables = _names(self.variable_names, n, "x", "variable")
        constraints = _names(self.constraint_names, m, "c", "constraint")
        for field_name, value in (("linear", linear), ("pairs", pairs),
                                  ("coefficients", coefficients), ("A", A), ("rhs", rhs)):
            value.setflags(write=False)
            object.__setattr__(self, field_name, value)
        object.__setattr__(self, "constant", float(self.constant))
        object.__setattr__(self, "constraint_senses", senses)
        object.__setattr__(self, "variable_names", variables)
        object.__setattr__(self, "constraint_names", constraints)
        object.__setattr__(self, "best_known", best_known_value(self.best_known))

    # ------------------------------------------------------------ basics
    @property
    def size(self) -> int:
        """Number of variables n."""
        return len(self.linear)

    @property
    def num_constraints(self) -> int:
        return len(self.rhs)

    @property
    def num_pairs(self) -> int:
        """Number of products ``x_i x_j`` with a non-zero coefficient."""
        return len(self.coefficients)

    @property
    def bqp(self) -> BQP:
        """The BQP view every BQP-based method reads (``MaxCut.bqp`` is its own)."""
        return self

    def evaluate(self, solution) -> float:
        """``f(x)`` (form checked, constraints not)."""
        x = binary_vector(solution, self.size).astype(float)
        products = x[self.pairs[:, 0]] * x[self.pairs[:, 1]]
        return float(self.constant + self.linear @ x + self.coefficients @ products)

    def check(self, solution) -> None:
        """Raise ``InfeasibleSolution`` naming the first violated constraint.

        >>> BQP([1.0, 1.0], A=[[1, 1]], constraint_senses=("==",), rhs=[1]).check([1, 1])
        Traceback (most recent call last):
        ...
        problems.errors.InfeasibleSolution: constraint c0 violated: 2 == 1 does not hold
        """
        x = binary_vector(solution, self.size).astype(float)
        violated = self.violations(x) > TOLERANCE * np.maximum(1.0, np.abs(self.rhs))
        if np.any(violated):
            r = int(np.argmax(violated))
            lhs = float(self.A[r] @ x)
            raise InfeasibleSolution(
                f"constraint {self.constraint_names[r]} violated: {lhs:.10g} "
                f"{self.constraint_senses[r]} {self.rhs[r]:.10g} does not hold",
                constraint=self.constraint_names[r])

    def violations(self, x: np.ndarray) -> np.ndarray:
        """How far each row misses its right-hand side (0 where it holds)."""
        lhs = self.A @ np.asarray(x, dtype=float)
        senses = np.array(self.constraint_senses, dtype=object)
        over = np.maximum(lhs - self.rhs, 0.0)
        under = np.maximum(self.rhs - lhs, 0.0)
        return np.where(senses == "<=", over, np.where(senses == ">=", under, over + under))

    def labelled(self, solution) -> dict[str, int]:
        """The solution as ``{variable name: 0 or 1}``."""
        x = binary_vector(solution, self.size)
        return dict(zip(self.variable_names, map(int, x)))

    def matrix(self) -> sp.csr_matrix:
        """Symmetric ``Q`` (linear terms on the diagonal) with ``f(x) = x @ Q @ x + constant``.

        >>> BQP([1.0, 0.0], pairs=[[0, 1]], coefficients=[4.0]).matrix().toarray().tolist()
        [[1.0, 2.0], [2.0, 0.0]]
        """
        n = self.size
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        half = self.coefficients / 2.0
        diagonal = np.arange(n)
        return sp.csr_matrix((np.concatenate((half, half, self.linear)),
                              (np.concatenate((i, j, diagonal)), np.concatenate((j, i, diagonal)))),
                             shape=(n, n))

    # ------------------------------------------------------ constructors
    @classmethod
    def from_matrix(cls, Q, *, linear=None, constant: float = 0.0, sense: str = "min",
                    A=None, constraint_senses=(), rhs=None, variable_names=None,
                    constraint_names=None, name: str = "bqp",
                    best_known: float | None = None) -> BQP:
        """The BQP of ``x @ Q @ x + linear @ x + constant`` (a QUBO when there are no rows).

        ``Q`` is a square numpy array or scipy sparse matrix, not necessarily symmetric: the
        product ``x_i x_j`` gets ``Q[i, j] + Q[j, i]`` and ``Q[i, i]`` is linear (x² = x).

        >>> p = BQP.from_matrix([[-1, 2], [0, -1]])
        >>> p.linear.tolist(), p.pairs.tolist(), p.coefficients.tolist()
        ([-1.0, -1.0], [[0, 1]], [2.0])
        """
        if sp.issparse(Q):
            Q = sp.coo_matrix(Q)
            rows, cols, values = Q.row, Q.col, np.asarray(Q.data, dtype=float)
            shape = Q.shape
        else:
            dense = _array(Q, "Q", 2)
            shape = dense.shape
            rows, cols = np.nonzero(dense)
            values = dense[rows, cols]
        if shape[0] != shape[1]:
            raise ProblemFormatError(f"Q must be square, got shape {shape}")
        require_finite(values, "Q")
        n = shape[0]
        lin = np.zeros(n) if linear is None else _array(linear, "linear", 1).copy()
        if len(lin) != n:
            raise ProblemFormatError(f"linear has {len(lin)} entries for a {n} x {n} Q")
        on_diagonal = rows == cols
        np.add.at(lin, rows[on_diagonal], values[on_diagonal])
        off = ~on_diagonal
        return cls(lin, np.column_stack((rows[off], cols[off])), values[off], constant=constant,
                   sense=sense, A=A, constraint_senses=tuple(constraint_senses), rhs=rhs,
                   variable_names=variable_names, constraint_names=constraint_names, name=name,
                   best_known=best_known)

    @classmethod
    def from_quadratic_program(cls, program: QuadraticProgram, name: str | None = None) -> BQP:
        """A ``qiskit_optimization.QuadraticProgram`` over binary variables, with linear
        constraints only; names of variables and constraints are kept.

        >>> from qiskit_optimization import QuadraticProgram
        >>> qp = QuadraticProgram("demo")
        >>> _ = qp.binary_var("a"); _ = qp.binary_var("b")
        >>> qp.maximize(linear={"a": 1}, quadratic={("a", "b"): 2})
        >>> p = BQP.from_quadratic_program(qp)
        >>> p.sense, p.evaluate([1, 1]), p.variable_names
        ('max', 3.0, ('a', 'b'))
        """
        from qiskit_optimization.problems import Variable
        from qiskit_optimization.problems.constraint import ConstraintSense
        from qiskit_optimization.problems.quadratic_objective import QuadraticObjective

        label = name or program.name or "quadratic_program"
        for variable in program.variables:
            if variable.vartype != Variable.Type.BINARY:
                raise ProblemFormatError(
                    f"{label}: variable {variable.name!r} is {variable.vartype.name.lower()}; "
                    f"a BQP takes binary variables only (write integers in binary, e.g. with "
                    f"qiskit_optimization.converters.IntegerToBinary, first)")
        if program.quadratic_constraints:
            raise ProblemFormatError(
                f"{label}: quadratic constraint {program.quadratic_constraints[0].name!r}: a BQP "
                f"takes linear constraints only")
        n = program.get_num_vars()
        if n == 0:
            raise ProblemFormatError(f"{label}: the program has no variables")
        objective = program.objective
        pairs, values = [], []
        linear = objective.linear.to_array().astype(float)
        for (i, j), value in objective.quadratic.to_dict().items():
            if i == j:
                linear[i] += value
            else:
                pairs.append((i, j))
                values.append(value)
        sense_of = {ConstraintSense.LE: "<=", ConstraintSense.EQ: "==", ConstraintSense.GE: ">="}
        rows = program.linear_constraints
        A = np.array([c.linear.to_array() for c in rows], dtype=float).reshape(len(rows), n)
        return cls(linear, np.array(pairs, dtype=np.int64).reshape(-1, 2),
                   np.array(values, dtype=float), constant=objective.constant,
                   sense="min" if objective.sense == QuadraticObjective.Sense.MINIMIZE else "max",
                   A=A, constraint_senses=tuple(sense_of[c.sense] for c in rows),
                   rhs=np.array([c.rhs for c in rows], dtype=float),
                   variable_names=tuple(v.name for v in program.variables),
                   constraint_names=tuple(c.name for c in rows), name=label)

    def to_quadratic_program(self) -> QuadraticProgram:
        """The same model as a ``qiskit_optimization.QuadraticProgram`` (names kept).

        >>> p = BQP([1.0, -1.0], pairs=[[0, 1]], coefficients=[2.0], sense="max")
        >>> qp = p.to_quadratic_program()
        >>> float(qp.objective.evaluate([1, 1])), p.evaluate([1, 1])
        (2.0, 2.0)
        """
        from qiskit_optimization import QuadraticProgram

        program = QuadraticProgram(self.name)
        names = self.variable_names
        for variable in names:
            program.binary_var(variable)
        linear = {names[i]: float(c) for i, c in enumerate(self.linear) if c}
        quadratic = {(names[i], names[j]): float(c)
                     for (i, j), c in zip(self.pairs.tolist(), self.coefficients)}
        if self.sense == "min":
            program.minimize(constant=self.constant, linear=linear, quadratic=quadratic)
        else:
            program.maximize(constant=self.constant, linear=linear, quadratic=quadratic)
        for row, sense, rhs, label in zip(self.A, self.constraint_senses, self.rhs,
                                          self.constraint_names):
            program.linear_constraint({names[j]: float(row[j]) for j in np.flatnonzero(row)},
                                      sense, float(rhs), label)
        return program

    def write_bqp(self, path: str | Path) -> None:
        """Write this model as a one-instance OR-Library ``bqp`` file
        (``problems.bqp.write_bqp``: unconstrained models without a constant only)."""
        from problems.bqp.files import write_bqp

        write_bqp(path, [self])

    def write_lp(self, path: str | Path) -> None:
        """Write the model in the CPLEX LP format (through docplex; no CPLEX needed to write).

        Reading LP files back needs the commercial CPLEX engine (docplex's reader and
        qiskit-optimization's ``read_from_lp_file`` both call it), so this library offers no
        LP reader.

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "toy.lp")
        >>> BQP([1.0, -1.0], pairs=[[0, 1]], coefficients=[2.0], name="toy").write_lp(path)
        >>> "Binaries" in open(path).read()
        True
        """
        from qiskit_optimization.translators import to_docplex_mp

        Path(path).write_text(to_docplex_mp(self.to_quadratic_program()).export_as_lp_string())

    @classmethod
    def random(cls, n: int, density: float = 0.5, constraints: int = 0, seed: int = 0,
               sense: str = "min") -> BQP:
        """Integer coefficients in -10..10 on a random ``density`` share of the pairs, and
        ``constraints`` random rows (coefficients 0..3, ``<=`` half their sum, then ``==``
        and ``>=`` rows in turn, each satisfiable by construction).

        >>> p = BQP.random(6, constraints=3, seed=1)
        >>> p.size, p.constraint_senses
        (6, ('<=', '==', '>='))
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"BQP.random: n must be a positive integer, got {n!r}")
        if not 0 <= density <= 1:
            raise ValueError(f"BQP.random: density must lie in [0, 1], got {density!r}")
        rng = np.random.default_rng(seed)
        i, j = np.triu_indices(n, k=1)
        keep = rng.random(len(i)) < density
        coefficients = rng.integers(-10, 11, size=int(keep.sum())).astype(float)
        linear = rng.integers(-10, 11, size=n).astype(float)
        A = rng.integers(0, 4, size=(constraints, n)).astype(float)
        witness = rng.integers(0, 2, size=n)  # a point every row admits
        senses = np.array([SENSES[r % 3] for r in range(constraints)], dtype=object)
        lhs, total = A @ witness, A.sum(axis=1)
        rhs = np.where(senses == "<=", np.maximum(np.floor(total / 2), lhs),
                       np.where(senses == "==", lhs, np.minimum(lhs, np.ceil(total / 4))))
        return cls(linear, np.column_stack((i[keep], j[keep])), coefficients, sense=sense, A=A,
                   constraint_senses=tuple(senses), rhs=rhs.astype(float),
                   name=f"bqp-n{n}-d{density:g}-m{constraints}-s{seed}")

    # ------------------------------------------------------- compilations
    def to_milp(self) -> MILP:
        """Variables x then one y per product; ``y = x_i x_j`` exactly on every feasible point
        through ``y <= x_i``, ``y <= x_j``, ``y >= x_i + x_j - 1`` (y's bounds 0..1).

        >>> BQP([0.0, 0.0], pairs=[[0, 1]], coefficients=[1.0]).to_milp().num_constraints
        3
        """
        n, k, m = self.size, self.num_pairs, self.num_constraints
        y = n + np.arange(k)
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        base = 3 * np.arange(k)
        rows = np.concatenate((base, base, base + 1, base + 1, base + 2, base + 2, base + 2))
        cols = np.concatenate((y, i, y, j, i, j, y))
        ones = np.ones(k)
        values = np.concatenate((ones, -ones, ones, -ones, ones, ones, -ones))
        product_rows = sp.csr_matrix((values, (rows, cols)), shape=(3 * k, n + k))
        constraint_rows = sp.hstack((sp.csr_matrix(self.A), sp.csr_matrix((m, k)))).tocsr()
        lower_p = np.tile([-np.inf, -np.inf, -np.inf], k)
        upper_p = np.tile([0.0, 0.0, 1.0], k)
        senses = np.array(self.constraint_senses, dtype=object)
        lower_c = np.where(senses == "<=", -np.inf, self.rhs).astype(float)
        upper_c = np.where(senses == ">=", np.inf, self.rhs).astype(float)
        names = self.variable_names + tuple(f"y_{a}_{b}" for a, b in self.pairs.tolist())
        return MILP(objective=np.concatenate((self.linear, self.coefficients)),
                    A=sp.vstack((product_rows, constraint_rows)).tocsr(),
                    row_lower=np.concatenate((lower_p, lower_c)),
                    row_upper=np.concatenate((upper_p, upper_c)),
                    lower=np.zeros(n + k), upper=np.ones(n + k),
                    integer=np.concatenate((np.ones(n, bool), np.zeros(k, bool))), names=names,
                    sense=self.sense, decode=functools.partial(decode_bits, n=n),
                    objective_offset=self.constant,
                    row_names=tuple(f"product{a}_{b}_{r}" for a, b in self.pairs.tolist()
                                    for r in range(3)) + self.constraint_names)

    def objective_range(self) -> float:
        """An upper bound on ``max f - min f`` over all assignments."""
        return float(np.abs(self.linear).sum() + np.abs(self.coefficients).sum())

    def to_qubo(self, penalty: float | None = None, encoding: str = "slack") -> QUBO:
        """Energy ``±f(x) + penalty * Σ_rows (a x + s - b)²`` (+ for min, - for max).

        ``<=`` and ``>=`` rows get a log-encoded binary slack ``s``
        (``QUBOBuilder.add_inequality_with_slack``), ``==`` rows none; constraint coefficients
        and right-hand sides must be integers. The default penalty is
        ``objective_range() + 1``: an infeasible assignment (or wrong slack) leaves a squared
        integer term >= 1, so its energy exceeds every feasible energy. Without constraints
        the QUBO is the objective itself.

        >>> q = BQP([-1.0, -1.0], A=[[1, 1]], constraint_senses=("<=",), rhs=[1]).to_qubo()
        >>> q.slack_bits, q.energy([1, 0, 0]), q.energy([1, 1, 0])
        (1, -1.0, 1.0)
        """
        if encoding != "slack":
            raise ValueError(f"BQP.to_qubo: unknown encoding {encoding!r}; supported: 'slack'")
        m = self.num_constraints
        if m:
            data = np.concatenate((self.A.ravel(), self.rhs))
            if np.any(data != np.round(data)):
                raise ValueError(f"{self.name}: BQP.to_qubo needs integer constraint "
                                 f"coefficients and right-hand sides for the slack encoding "
                                 f"(scale the rows to integers first)")
        if penalty is None:
            penalty = self.objective_range() + 1.0
        elif not (isinstance(penalty, (int, float)) and np.isfinite(penalty) and penalty > 0):
            raise ValueError(f"BQP.to_qubo: penalty must be a positive finite number, "
                             f"got {penalty!r}")
        sign = 1.0 if self.sense == "min" else -1.0
        builder = QUBOBuilder(self.variable_names)
        n = self.size
        builder.Q[:n, :n] += sign * self.matrix().toarray()
        builder.add_constant(sign * self.constant)
        slack_bits = 0
        for r in range(m):
            row, rhs = self.A[r], float(self.rhs[r])
            if self.constraint_senses[r] == ">=":
                row, rhs = -row, -rhs
            coefs = {int(j): float(row[j]) for j in np.flatnonzero(row)}
            if self.constraint_senses[r] == "==":
                if not coefs:
                    if rhs:
                        raise ValueError(f"constraint {self.constraint_names[r]} cannot be "
                                         f"satisfied by any assignment")
                    continue
                builder.add_squared_penalty(coefs, rhs, penalty)
            else:
                slack_bits += builder.add_inequality_with_slack(
                    coefs, rhs, penalty, prefix=self.constraint_names[r])
        return builder.build(decode=functools.partial(decode_bits, n=n), slack_bits=slack_bits,
                             penalty=float(penalty) if m else 0.0, info={"encoding": encoding})


def _canonical_pairs(pairs, coefficients, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(K, 2) sorted unique pairs ``i < j`` and their summed, non-zero coefficients."""
    if pairs is None and coefficients is None:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    if pairs is None or coefficients is None:
        raise ProblemFormatError("pairs and coefficients come together (one coefficient per pair)")
    unique, summed = summed_pairs(pairs, _array(coefficients, "coefficients", 1), n, "pair",
                                 "joins a variable to itself; x·x = x is a linear term, put it "
                                 "in linear")
    keep = summed != 0
    return unique[keep], summed[keep]


def summed_pairs(pairs, values: np.ndarray, n: int, what: str,
                 same_message: str) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (any orientation, repeats allowed) as sorted unique rows ``i < j`` in
    0..n-1, with the ``values`` of repeated pairs summed; ``same_message`` explains why
    ``i == j`` is refused.

    >>> summed_pairs([[1, 0], [0, 1]], np.array([1.0, 2.0]), 2, "pair", "")
    (array([[0, 1]]), array([3.]))
    """
    words = PairWords(what, "a (K, 2) array of indices", "(K, 2)", "indices", "an index")
    array = index_pairs(pairs, n, words,
                        lambda k, row: f"= {tuple(row.tolist())} {same_message}",
                        length=len(values))
    if len(array) == 0:
        return array, np.zeros(0)
    unique, inverse = np.unique(np.sort(array, axis=1), axis=0, return_inverse=True)
    return unique, np.bincount(inverse.ravel(), weights=values, minlength=len(unique))


def _array(values, what: str, ndim: int) -> np.ndarray:
    try:
        array = np.array(values, dtype=float)
    except (ValueError, TypeError) as error:
        raise ProblemFormatError(f"{what} must be numbers: {error}") from None
    if array.ndim != ndim:
        raise ProblemFormatError(f"{what} must be a {ndim}-d array, got shape {array.shape}")
    require_finite(array, what)
    return array


def _names(names, count: int, prefix: str, what: str) -> tuple[str, ...]:
    if names is None:
        return tuple(f"{prefix}{k}" for k in range(count))
    names = tuple(str(name) for name in names)
    if len(names) != count:
        raise ProblemFormatError(f"{len(names)} {what} names for {count} {what}s")
    if len(set(names)) != count:
        seen = set()
        twice = next(name for name in names if name in seen or seen.add(name))
        raise ProblemFormatError(f"{what} name {twice!r} is used twice")
    return names
