"""Qubit encodings of MDKP, MIS, TSP, QAP, BQP and MaxCut: slack-free Lagrangian, or the problem's
slack QUBO.

``make_encoding(problem, "lagrangian")`` keeps exactly the problem's own bits as qubits and moves
every constraint ``c(x)`` into the objective through multipliers::

    L(x; λ, ρ) = f(x) + λ · c(x) + (ρ / 2) · Σ_{equalities} c_j(x)²

with ``f`` the objective in minimisation form (minus the profit for MDKP and MIS):

* MDKP: ``c_j = w_j · x − C_j <= 0`` (linear: one qubit per item, no slack);
* MIS: ``c_uv = x_u x_v <= 0`` per edge (quadratic, still no slack);
* TSP: position encoding with city 0 fixed at position 0 ((n−1)² qubits, the layout of
  ``TSP.to_qubo``); every city once and every position once are equalities ``Σ x − 1 = 0``;
* QAP: ``x[i,k]`` (facility i at location k); row and column sums are equalities;
* BQP (and MaxCut through its BQP view): one qubit per variable; ``<=`` rows ``a x - b <= 0``,
  ``>=`` rows as ``-a x + b <= 0``, ``==`` rows as equalities. Without rows nothing is relaxed.

``make_encoding(problem, "slack")`` wraps ``problem.to_qubo()`` (penalties plus binary slack
variables); nothing is relaxed there. Both expose the same interface: ``qubo(λ, ρ)``, the
constraint values ``constraints(bits)`` (the subgradient of the dual), ``objective``,
``feasible``, a one-flip ``repair`` to a feasible point and ``decode`` to the problem's
solution. ``objective`` and ``feasible`` read only the problem bits (the first
``num_problem_bits`` columns), so slack bits never decide feasibility.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from problems.compiled import QUBO
from problems.tsp import position_length_builder

KINDS = ("lagrangian", "slack")
PROBLEMS = ("MDKP", "MIS", "TSP", "QAP", "BQP", "MaxCut")
TOLERANCE = 1e-9


class Encoding:
    """A family of QUBOs over one problem's bits, with constraints, decode and repair.

    Build it with ``make_encoding``; the attributes below describe the relaxed constraints
    (none for the slack encoding).

    Attributes
    ----------
    kind : "lagrangian" or "slack"
    num_qubits, num_problem_bits, slack_bits : int
    num_multipliers : int
        Number of relaxed constraints, i.e. the length of ``λ``.
    equality : bool array
        Which relaxed constraints are equalities (their multipliers are free in sign).
    lower, upper : arrays
        Box for the multipliers (``lower = 0`` for inequalities).
    initial : array
        Starting multipliers.
    scale, rho, rho_max : float
        Typical multiplier size, initial and largest augmentation weight.
    """

    def __init__(self, problem, *, names, objective_q, A, b, equality, pairs, lower, upper,
                 initial, scale, rho, rho_max, repair, decode, slack_qubo: QUBO | None = None,
                 objective_constant: float = 0.0):
        self.problem = problem
        self._constant = float(objective_constant)
        self.names = tuple(names)
        self.num_problem_bits = len(self.names)
        self._f = np.asarray(objective_q, dtype=float)
        self._A = np.asarray(A, dtype=float).reshape(-1, self.num_problem_bits)
        self._b = np.asarray(b, dtype=float)
        self._equality_rows = np.asarray(equality, dtype=bool)
        self._pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        self._repair = repair
        self._decode = decode
        self._slack = slack_qubo
        self.kind = "slack" if slack_qubo is not None else "lagrangian"
        relaxed = slack_qubo is None
        m = len(self._b) + len(self._pairs)
        self.num_multipliers = m if relaxed else 0
        self.equality = (np.concatenate((self._equality_rows, np.zeros(len(self._pairs), bool)))
                         if relaxed else np.zeros(0, bool))
        keep = slice(None) if relaxed else slice(0, 0)
        self.lower = np.asarray(lower, dtype=float)[keep]
        self.upper = np.asarray(upper, dtype=float)[keep]
        self.initial = np.clip(np.asarray(initial, dtype=float)[keep], self.lower, self.upper)
        self.scale = float(scale)
        self.rho = float(rho)
        self.rho_max = float(rho_max)
        if slack_qubo is not None:
            if slack_qubo.names[:self.num_problem_bits] != self.names:
                raise ValueError(f"{type(problem).__name__}.to_qubo() lays out its variables as "
                                 f"{slack_qubo.names[:3]}..., expected the problem bits "
                                 f"{self.names[:3]}... first")
            self.num_qubits = slack_qubo.num_variables
            self.slack_bits = slack_qubo.num_variables - self.num_problem_bits
        else:
            self.num_qubits = self.num_problem_bits
            self.slack_bits = 0

    # ------------------------------------------------------------------ QUBOs
    def qubo(self, lam: np.ndarray | None = None, rho: float | None = None) -> QUBO:
        """The QUBO at multipliers ``lam`` and augmentation ``rho`` (slack: the fixed QUBO).

        >>> from problems import MDKP
        >>> enc = make_encoding(MDKP([3, 4], [[1, 2]], [2]), "lagrangian")
        >>> enc.qubo(np.array([1.0])).energy([1, 1])   # -7 + 1 * (3 - 2)
        -6.0
        """
        if self._slack is not None:
            return self._slack
        lam = self.initial if lam is None else np.asarray(lam, dtype=float)
        rho = self.rho if rho is None else float(rho)
        if lam.shape != (self.num_multipliers,) or not np.all(np.isfinite(lam)):
            raise ValueError(f"multipliers must be {self.num_multipliers} finite numbers, "
                             f"got shape {lam.shape}")
        Q = self._f.copy()
        offset = self._constant
        rows = len(self._b)
        lam_rows, lam_pairs = lam[:rows], lam[rows:]
        Q[np.diag_indices_from(Q)] += self._A.T @ lam_rows
        offset -= float(lam_rows @ self._b)
        if np.any(self._equality_rows):
            Aeq, beq = self._A[self._equality_rows], self._b[self._equality_rows]
            Q += 0.5 * rho * (Aeq.T @ Aeq)
            Q[np.diag_indices_from(Q)] -= rho * (Aeq.T @ beq)
            offset += 0.5 * rho * float(beq @ beq)
        if len(self._pairs):
            u, v = self._pairs[:, 0], self._pairs[:, 1]
            np.add.at(Q, (u, v), lam_pairs / 2.0)
            np.add.at(Q, (v, u), lam_pairs / 2.0)
        return QUBO(Q=(Q + Q.T) / 2.0, offset=offset, names=self.names, decode=self.decode,
                    info={"encoding": "lagrangian", "rho": rho})

    # ------------------------------------------------------------ evaluation
    def problem_bits(self, bits) -> np.ndarray:
        """The problem's own bits of each row (slack bits dropped), as a 2-D int8 array."""
        bits = np.atleast_2d(np.asarray(bits))
        if bits.shape[1] not in (self.num_qubits, self.num_problem_bits):
            raise ValueError(f"expected rows of {self.num_qubits} bits, got {bits.shape[1]}")
        return bits[:, :self.num_problem_bits].astype(np.int8)

    def constraints(self, bits) -> np.ndarray:
        """``c(x)`` for every row: linear rows ``A x − b`` then edge products (k × m)."""
        x = self.problem_bits(bits).astype(float)
        values = x @ self._A.T - self._b
        if len(self._pairs):
            values = np.hstack((values, x[:, self._pairs[:, 0]] * x[:, self._pairs[:, 1]]))
        return values

    def relaxed_constraints(self, bits) -> np.ndarray:
        """The constraints that carry multipliers (all of them, or none for ``slack``)."""
        values = self.constraints(bits)
        return values if self.num_multipliers else values[:, :0]

    def objective(self, bits) -> np.ndarray:
        """Objective in minimisation form (``-profit`` for MDKP/MIS) of every row."""
        x = self.problem_bits(bits).astype(float)
        return np.einsum("ki,ij,kj->k", x, self._f, x) + self._constant

    def feasible(self, bits) -> np.ndarray:
        """Whether each row satisfies every constraint of the problem."""
        values = self.constraints(bits)
        equality = np.concatenate((self._equality_rows, np.zeros(len(self._pairs), bool)))
        scale = np.maximum(1.0, np.abs(np.concatenate((self._b, np.zeros(len(self._pairs))))))
        ok = np.where(equality, np.abs(values) <= TOLERANCE * scale,
                      values <= TOLERANCE * scale)
        return ok.all(axis=1)

    def repair(self, bits) -> np.ndarray:
        """A feasible bit vector (problem bits) close to ``bits``, by one-flip moves."""
        return self._repair(self.problem_bits(bits)[0].copy())

    def decode(self, bits):
        """The problem's solution for one row of (feasible) bits."""
        return self._decode(self.problem_bits(bits)[0])


def count_problem_bits(problem) -> int:
    """Qubits the problem's own bits need (every encoding needs at least these), computed
    without building anything: n for MDKP, MIS, BQP and MaxCut, (n−1)² for TSP, n² for QAP.

    >>> from problems import TSP
    >>> count_problem_bits(TSP.random(5))
    16
    """
    kind = type(problem).__name__
    n = problem.size
    counts = {"MDKP": n, "MIS": n, "TSP": (n - 1) ** 2, "QAP": n * n, "BQP": n, "MaxCut": n}
    if kind not in counts:
        raise ValueError(f"quantum encodings exist for {', '.join(PROBLEMS)}; got {kind}")
    return counts[kind]


def make_encoding(problem, encoding: str = "lagrangian", *, penalty: float | None = None
                  ) -> Encoding:
    """The ``"lagrangian"`` (slack-free) or ``"slack"`` encoding of a problem of ``PROBLEMS``.

    >>> from problems import MDKP
    >>> p = MDKP.random(10, 10, seed=0)
    >>> make_encoding(p, "lagrangian").num_qubits, make_encoding(p, "slack").num_qubits
    (10, 127)
    """
    kind = type(problem).__name__
    builders = {"MDKP": _mdkp, "MIS": _mis, "TSP": _tsp, "QAP": _qap, "BQP": _bqp, "MaxCut": _bqp}
    if kind not in builders:
        raise ValueError(f"quantum encodings exist for {', '.join(PROBLEMS)}; got {kind}")
    if encoding not in KINDS:
        raise ValueError(f"unknown encoding {encoding!r}; choose one of {', '.join(KINDS)}")
    parts = builders[kind](problem)
    if encoding == "slack":
        parts["slack_qubo"] = problem.to_qubo(penalty=penalty)
    elif penalty is not None:
        raise ValueError("penalty applies to the slack encoding; the Lagrangian encoding "
                         "learns its multipliers")
    return Encoding(problem, **parts)


# ---------------------------------------------------------------------- MDKP
def _mdkp(problem) -> dict:
    p, W, C = problem.profits, problem.weights, problem.capacities
    n, m = problem.size, problem.num_constraints
    positive = W > 0
    ratio = np.where(positive, p[None, :] / np.where(positive, W, 1.0), 0.0)
    upper = np.maximum(ratio.max(axis=1), 0.0)  # beyond it no item pays for constraint j
    load = W.sum(axis=0)
    scale = float(np.median(p[load > 0] / load[load > 0])) if np.any(load > 0) else 1.0
    scale = scale if scale > 0 else 1.0
    rho = scale / max(float(np.mean(C)), 1.0)
    relative = W / np.maximum(C, 1e-12)[:, None]  # share of each capacity an item uses

    def repair(x):
        while True:
            over = W @ x - C > TOLERANCE * np.maximum(1.0, C)
            if not over.any():
                break
            chosen = np.flatnonzero(x)
            pressure = relative[over][:, chosen].sum(axis=0)
            x[chosen[np.argmax(pressure / np.maximum(p[chosen], 1e-12))]] = 0
        order = np.argsort(-p / np.maximum(relative.sum(axis=0), 1e-12), kind="stable")
        for i in order:
            fits = np.all(W @ x + W[:, i] <= C + TOLERANCE * np.maximum(1.0, C))
            if not x[i] and p[i] > 0 and fits:
                x[i] = 1
        return x

    return dict(names=[f"x{j}" for j in range(n)], objective_q=np.diag(-p), A=W, b=C,
                equality=np.zeros(m, bool), pairs=np.zeros((0, 2)), lower=np.zeros(m),
                upper=upper, initial=np.full(m, scale), scale=scale, rho=rho,
                rho_max=64.0 * rho, repair=repair, decode=lambda x: np.asarray(x, np.int8))


# ----------------------------------------------------------------------- MIS
def _mis(problem) -> dict:
    n, edges = problem.size, problem.edges
    e = len(edges)
    neighbours = [[] for _ in range(n)]
    for u, v in edges.tolist():
        neighbours[u].append(v)
        neighbours[v].append(u)
    degree = np.array([len(a) for a in neighbours])

    def repair(x):
        while True:
            conflicts = np.array([x[v] * sum(x[u] for u in neighbours[v]) for v in range(n)])
            if not conflicts.any():
                break
            worst = np.flatnonzero(conflicts == conflicts.max())
            x[worst[np.argmax(degree[worst])]] = 0
        for v in np.argsort(degree, kind="stable"):
            if not x[v] and not any(x[u] for u in neighbours[v]):
                x[v] = 1
        return x

    return dict(names=[f"x{v}" for v in range(n)], objective_q=-np.eye(n), A=np.zeros((0, n)),
                b=np.zeros(0), equality=np.zeros(0, bool), pairs=edges, lower=np.zeros(e),
                upper=np.full(e, 2.0), initial=np.full(e, 0.5), scale=1.0, rho=0.5, rho_max=2.0,
                repair=repair, decode=lambda x: np.asarray(x, np.int8))


# -------------------------------------------------------- assignment layouts
def _assignment_rows(size: int) -> np.ndarray:
    """Rows summing each line and each column of a size × size bit grid (row-major)."""
    grid = np.arange(size * size).reshape(size, size)
    A = np.zeros((2 * size, size * size))
    for k in range(size):
        A[k, grid[k]] = 1.0
        A[size + k, grid[:, k]] = 1.0
    return A


def _nearest_assignment(x, size: int) -> np.ndarray:
    """The permutation matrix sharing the most ones with ``x`` (Hungarian method)."""
    grid = x.reshape(size, size)
    rows, cols = linear_sum_assignment(-grid.astype(float))
    out = np.zeros_like(grid)
    out[rows, cols] = 1
    return out.reshape(-1)


def _equality_bounds(count: int, bound: float, scale: float, rho: float, rho_max: float) -> dict:
    return dict(equality=np.ones(count, bool), pairs=np.zeros((0, 2)),
                lower=np.full(count, -bound), upper=np.full(count, bound),
                initial=np.zeros(count), scale=scale, rho=rho, rho_max=rho_max)


# ----------------------------------------------------------------------- TSP
def _tsp(problem) -> dict:
    n = problem.size
    m = n - 1
    d = np.asarray(problem.dense_matrix(), dtype=float)

    objective = position_length_builder(d).build(decode=None)
    off = d[~np.eye(n, dtype=bool)]
    mean, longest = float(off.mean()), float(off.max())
    tour_bound = float(np.sum(d[np.arange(n), np.roll(np.arange(n), -1)])) + longest

    def decode(x):
        grid = np.asarray(x).reshape(m, m)  # grid[city - 1, position - 1]
        return np.concatenate(([0], 1 + grid.argmax(axis=0))).astype(np.int64)

    return dict(names=objective.names, objective_q=objective.Q, A=_assignment_rows(m),
                b=np.ones(2 * m), repair=lambda x: _nearest_assignment(x, m), decode=decode,
                **_equality_bounds(2 * m, bound=2.0 * tour_bound, scale=mean,
                                   rho=2.0 * mean, rho_max=2.0 * tour_bound))


# ----------------------------------------------------------------------- QAP
def _qap(problem) -> dict:
    n = problem.size
    A, B = problem.flow, problem.distance
    K = np.kron(A, B)
    K = (K + K.T) / 2.0
    typical = float(A.sum() * B.sum()) / max(n, 1) ** 3  # mean cost of placing one facility
    largest = float(K.sum(axis=1).max())  # most one facility can add to any assignment
    typical = typical if typical > 0 else 1.0
    largest = largest if largest > 0 else 1.0

    def decode(x):
        return np.asarray(x).reshape(n, n).argmax(axis=1).astype(np.int64)

    return dict(names=[f"x{i}_{k}" for i in range(n) for k in range(n)], objective_q=K,
                A=_assignment_rows(n), b=np.ones(2 * n),
                repair=lambda x: _nearest_assignment(x, n), decode=decode,
                **_equality_bounds(2 * n, bound=2.0 * largest, scale=typical,
                                   rho=2.0 * typical, rho_max=2.0 * largest))


# ----------------------------------------------------------------- BQP, MaxCut
def _bqp(problem) -> dict:
    model = problem.bqp
    n, sign = model.size, (1.0 if model.sense == "min" else -1.0)
    F = sign * model.matrix().toarray()
    senses = np.array(model.constraint_senses, dtype=object)
    flip = np.where(senses == ">=", -1.0, 1.0)
    A, b = model.A * flip[:, None], model.rhs * flip
    equality = senses == "=="
    spread = model.objective_range() + 1.0  # a multiplier past spread / |a| never pays off
    smallest = np.array([np.abs(row[row != 0]).min() if np.any(row) else 1.0 for row in A])
    bound = spread / smallest
    terms = np.abs(np.concatenate((model.linear, model.coefficients)))
    terms, entries = terms[terms > 0], np.abs(A[A != 0])
    scale = float(np.median(terms) / np.median(entries)) if terms.size and entries.size else 1.0
    initial = np.where(equality, 0.0, np.minimum(scale, bound))
    diagonal = np.diag(F)

    def violation(lhs):
        """Total violation of each column of row values ``lhs`` (m x k)."""
        over = lhs - b[:, None]
        return np.where(equality[:, None], np.abs(over), np.maximum(over, 0.0)).sum(axis=0)

    def repair(x):
        # F @ x and A @ x are updated per flip (O(n + m) a move, not O(n^2)): a 2,000-variable
        # MaxCut repaired a sample in 1.5 s when both were recomputed every move.
        x = x.astype(float)
        field, lhs = F @ x, A @ x

        def flip(i):
            step = 1.0 - 2.0 * x[i]
            x[i] += step
            field[:] += step * F[:, i]
            lhs[:] += step * A[:, i]

        def gains():
            """Change of the min-form objective when each bit flips."""
            return (1 - 2 * x) * (diagonal + 2.0 * (field - diagonal * x))

        def violations_after_flips():
            """(violation now, violation after flipping each bit)."""
            return (violation(lhs[:, None])[0],
                    violation(lhs[:, None] + A * (1 - 2 * x)[None, :]))

        for _ in range(4 * n):  # one-flip moves that reduce the total violation most
            now, after = violations_after_flips()
            if now <= TOLERANCE * max(1.0, np.abs(b).max(initial=0.0)):
                break
            if after.min() >= now:
                return x.astype(np.int8)  # stuck: the caller finds it infeasible
            best = np.flatnonzero(after == after.min())
            flip(best[np.argmin(gains()[best])])
        for _ in range(4 * n):  # then improving flips that keep every row
            now, after = violations_after_flips()
            delta = np.where(after <= now + TOLERANCE, gains(), np.inf)
            i = int(np.argmin(delta))
            if not delta[i] < -TOLERANCE:
                break
            flip(i)
        return x.astype(np.int8)

    return dict(names=model.variable_names, objective_q=F, A=A, b=b, equality=equality,
                pairs=np.zeros((0, 2)), lower=np.where(equality, -bound, 0.0), upper=bound,
                initial=initial, scale=scale, rho=scale, rho_max=float(bound.max(initial=1.0)),
                repair=repair, decode=lambda x: np.asarray(x, np.int8),
                objective_constant=sign * model.constant)
