"""Adaptive shrinking of a QUBO: merge strongly correlated variables until it fits the qubits.

A QUBO over ``x ∈ {0,1}^n`` is first read in its Max-Cut form: with ``z_i = 1 − 2 x_i`` and one
extra spin ``z_0 = +1`` its energy is ``Σ_{a<b} M_ab z_a z_b + const`` over ``n + 1`` nodes
(``M_ij = Q_ij / 2`` between variables, ``M_0i = h_i`` the Ising field). Correlations
``C_ab ≈ E[z_a z_b]`` come from

* ``"sdp"``: the low-rank Burer–Monteiro relaxation of that Max-Cut problem (unit vectors
  ``v_a`` of rank ``⌈√(2(n+1))⌉ + 1``, coordinate "mixing" updates ``v_a ← −normalise(Σ_b M_ab
  v_b)``), ``C_ab = v_a · v_b``; or
* ``"samples"``: low-energy samples of a classical sampler (simulated annealing), weighted.

The strongest pair is merged: ``x_j = x_i`` (``C > 0``), ``x_j = 1 − x_i`` (``C < 0``) or, with
the constant node, ``x_j = 0`` / ``x_j = 1`` (a fixed variable). Every merge rewrites the QUBO
exactly (``substitute``: ``x = T y + t`` gives ``Q' = TᵀQT`` plus the linear terms ``2 TᵀQt`` on
the diagonal and the constant ``tᵀQt``), and the whole history is one affine map, so
``ShrinkHistory.expand`` turns a reduced assignment into an original one like every encoding's
``decode``. A merge the problem's constraints forbid is refused (``conflict_check``: a merged
variable that, at either of its values, puts two adjacent MIS nodes in the set, overloads a
knapsack row, or gives a QAP facility two locations, a location two facilities, or leaves a row
or column of the assignment empty). Correlations are re-estimated on the reduced QUBO every
``reestimate`` merges, or, far from the budget, after a larger batch of disjoint merges (a
quarter of the bits still to remove), each Burer–Monteiro estimate warm-started from the previous
one's vectors; shrinking stops at the qubit budget or when the strongest allowed correlation falls
below ``threshold``. ``shrink(start=...)`` continues an earlier history.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np

from problems.compiled import QUBO
from quantum.encodings import Encoding

SOURCES = ("sdp", "samples")
FAR = 4  # while far from the budget, one estimate serves (bits above the budget) // FAR merges
RELATIONS = ("same", "opposite", "zero", "one")


@dataclass(frozen=True)
class Merge:
    """One step: reduced variable ``removed`` became ``kept`` (same/opposite) or a constant.

    Indices are those of the reduced problem at the time of the step; ``kept`` is ``-1`` when a
    variable was fixed (``relation`` ``"zero"`` or ``"one"``).
    """

    kept: int
    removed: int
    relation: str
    correlation: float


@dataclass(frozen=True)
class ShrinkHistory:
    """The affine map ``x = T y + t`` from reduced to original bits, and how it was built.

    ``T`` is (original × reduced) with entries in {−1, 0, 1}, ``t`` a 0/1 vector: an original
    bit equals a reduced bit (``T = 1``), its complement (``T = −1``, ``t = 1``) or a constant
    (row of zeros). ``stop`` says why shrinking ended.

    >>> h = ShrinkHistory.identity(3)
    >>> h.merge(0, 2, "opposite").expand(np.array([1, 0])).tolist()
    [1, 0, 0]
    """

    T: np.ndarray
    t: np.ndarray
    merges: tuple[Merge, ...] = ()
    refused: int = 0
    estimates: int = 0
    stop: str = "not shrunk"

    @classmethod
    def identity(cls, n: int) -> ShrinkHistory:
        """No merge: ``x = y``."""
        return cls(T=np.eye(n, dtype=np.int64), t=np.zeros(n, dtype=np.int64))

    @property
    def num_original(self) -> int:
        return self.T.shape[0]

    @property
    def num_reduced(self) -> int:
        return self.T.shape[1]

    def expand(self, reduced) -> np.ndarray:
        """Original bits (int8) of one reduced assignment or of each row of many."""
        y = np.asarray(reduced, dtype=np.int64)
        if y.shape[-1] != self.num_reduced:
            raise ValueError(f"expand: expected {self.num_reduced} reduced bits, got "
                             f"{y.shape[-1]}")
        return (y @ self.T.T + self.t).astype(np.int8)

    def reduce(self, original) -> np.ndarray:
        """Reduced bits read from the first original bit of each group (``expand`` inverse on
        merge-consistent assignments)."""
        x = np.asarray(original, dtype=np.int64)
        first = np.argmax(self.T != 0, axis=0)
        sign = self.T[first, np.arange(self.num_reduced)]
        picked = x[..., first]
        return np.where(sign > 0, picked, 1 - picked).astype(np.int8)

    def merge(self, kept: int, removed: int, relation: str,
              correlation: float = float("nan")) -> ShrinkHistory:
        """The history after one more step (``kept`` is ignored for ``"zero"``/``"one"``)."""
        T, t = self.step(kept, removed, relation)
        step = Merge(kept if relation in ("same", "opposite") else -1, removed, relation,
                     float(correlation))
        return ShrinkHistory(T=T, t=t, merges=self.merges + (step,), refused=self.refused,
                             estimates=self.estimates, stop=self.stop)

    def step(self, kept: int, removed: int, relation: str) -> tuple[np.ndarray, np.ndarray]:
        """``(T, t)`` after substituting ``y_removed`` (see ``merge``)."""
        if relation not in RELATIONS:
            raise ValueError(f"unknown relation {relation!r}; choose one of {RELATIONS}")
        k = self.num_reduced
        if not (0 <= removed < k) or (relation in ("same", "opposite")
                                      and (not 0 <= kept < k or kept == removed)):
            raise ValueError(f"merge ({kept}, {removed}) outside the {k} reduced variables")
        T, t = self.T.copy(), self.t.copy()
        column = T[:, removed]
        if relation == "same":
            T[:, kept] += column
        elif relation == "opposite":
            T[:, kept] -= column
            t += column
        elif relation == "one":
            t += column
        return np.delete(T, removed, axis=1), t


def substitute(qubo: QUBO, T: np.ndarray, t: np.ndarray, decode=None) -> QUBO:
    """The exact QUBO in ``y`` of ``qubo`` under ``x = T y + t`` (energies agree everywhere).

    >>> q = QUBO(Q=np.array([[1.0, 2.0], [2.0, -3.0]]), offset=0.5, names=("a", "b"),
    ...          decode=None)
    >>> r = substitute(q, np.array([[1], [-1]]), np.array([0, 1]))   # b = 1 - a
    >>> [r.energy([v]) == q.energy([v, 1 - v]) for v in (0, 1)]
    [True, True]
    """
    Q = np.ascontiguousarray(qubo.Q, dtype=float)
    T = np.asarray(T, dtype=float)
    t = np.ascontiguousarray(t, dtype=float)
    rows, cols = np.nonzero(T)
    starts = np.searchsorted(rows, np.arange(T.shape[0] + 1))
    reduced, linear, constant = _congruence(Q, starts, cols, T[rows, cols], t, T.shape[1])
    reduced[np.diag_indices_from(reduced)] += 2.0 * linear
    offset = float(qubo.offset + constant)
    names = tuple(f"y{k}" for k in range(T.shape[1]))
    return QUBO(Q=(reduced + reduced.T) / 2.0, offset=offset, names=names,
                decode=decode if decode is not None else qubo.decode, info=dict(qubo.info))


@numba.njit(cache=True)
def _congruence(Q, starts, cols, values, t, k):  # pragma: no cover - compiled
    """``TᵀQT``, ``TᵀQt`` and ``tᵀQt`` with ``T`` given by its nonzeros row by row.

    Loops over the nonzeros instead of dense matrix products: a shrink history's ``T`` has at
    most one nonzero per row, and multi-threaded BLAS on small products is slow on shared cores.
    """
    n = Q.shape[0]
    reduced = np.zeros((k, k))
    linear = np.zeros(k)
    constant = 0.0
    for i in range(n):
        Qt = 0.0
        for j in range(n):
            q = Q[i, j]
            if q == 0.0:
                continue
            Qt += q * t[j]
            for p in range(starts[i], starts[i + 1]):
                for r in range(starts[j], starts[j + 1]):
                    reduced[cols[p], cols[r]] += values[p] * q * values[r]
        constant += t[i] * Qt
        for p in range(starts[i], starts[i + 1]):
            linear[cols[p]] += values[p] * Qt
    return reduced, linear, constant


def maxcut_weights(qubo: QUBO) -> np.ndarray:
    """Couplings ``M`` of the (n+1)-node Max-Cut form: ``energy = Σ_{a<b} M_ab z_a z_b + c``
    with node 0 the constant spin ``+1`` and ``z_i = 1 − 2 x_{i−1}`` (zero diagonal).

    >>> q = QUBO(Q=np.array([[1.0, -1.0], [-1.0, 2.0]]), offset=0.0, names=("a", "b"),
    ...          decode=None)
    >>> maxcut_weights(q).tolist()
    [[0.0, 0.0, -0.5], [0.0, 0.0, -0.5], [-0.5, -0.5, 0.0]]
    """
    Q = np.asarray(qubo.Q, dtype=float)
    n = Q.shape[0]
    off = Q - np.diag(np.diag(Q))
    field = -np.diag(Q) / 2.0 - off.sum(axis=1) / 2.0
    M = np.zeros((n + 1, n + 1))
    M[1:, 1:] = off / 2.0
    M[0, 1:] = field
    M[1:, 0] = field
    return M


@numba.njit(cache=True)
def _mixing(M, V, sweeps, tolerance):  # pragma: no cover - compiled
    """Coordinate minimisation of ``Σ M_ab v_a·v_b`` over unit vectors (rows of ``V``).

    Loops instead of array expressions: no temporary arrays in the inner ``O(n·r)`` update.
    """
    n, r = V.shape
    G = np.zeros((n, r))
    for a in range(n):
        for b in range(n):
            if M[a, b] != 0.0:
                for k in range(r):
                    G[a, k] += M[a, b] * V[b, k]
    new = np.empty(r)
    for _ in range(sweeps):
        moved = 0.0
        for a in range(n):
            norm = 0.0
            for k in range(r):
                norm += G[a, k] * G[a, k]
            norm = math.sqrt(norm)
            if norm <= 1e-15:
                continue
            change = 0.0
            for k in range(r):
                new[k] = -G[a, k] / norm
                change += (new[k] - V[a, k]) ** 2
            if change > 0.0:
                for b in range(n):
                    weight = M[b, a]
                    if weight != 0.0:
                        for k in range(r):
                            G[b, k] += weight * (new[k] - V[a, k])
                for k in range(r):
                    V[a, k] = new[k]
                moved = max(moved, change)
        if moved < tolerance:
            break
    return V


def sdp_correlations(qubo: QUBO, *, seed: int = 0, sweeps: int = 200,
                     rank: int | None = None) -> np.ndarray:
    """``C_ab = v_a · v_b`` of a Burer–Monteiro solution of the Max-Cut form (node 0: constant).

    ``C[0, i + 1] > 0`` says ``x_i`` leans to 0, ``C[i + 1, j + 1] > 0`` that ``x_i = x_j``.

    >>> q = QUBO(Q=np.array([[1.0, -3.0], [-3.0, 1.0]]), offset=0.0, names=("a", "b"),
    ...          decode=None)
    >>> bool(sdp_correlations(q)[1, 2] > 0.99)   # both 1 or both 0
    True
    """
    return _gram(sdp_vectors(qubo, seed=seed, sweeps=sweeps, rank=rank))


def sdp_vectors(qubo: QUBO, *, seed: int = 0, sweeps: int = 200, rank: int | None = None,
                start: np.ndarray | None = None) -> np.ndarray:
    """The unit vectors (rows, node 0 first) behind ``sdp_correlations``.

    ``start`` (one row per node) warm-starts the mixing, e.g. the vectors of the previous
    estimate without the rows of the merged-away nodes; otherwise random of ``rank`` columns.
    """
    M = maxcut_weights(qubo)
    size = M.shape[0]
    if start is not None and start.shape[0] == size:
        V = np.array(start, dtype=float)
    else:
        rank = rank or int(math.ceil(math.sqrt(2.0 * size))) + 1
        V = np.random.default_rng(seed).normal(size=(size, rank))
        V /= np.linalg.norm(V, axis=1, keepdims=True)
    scale = float(np.abs(M).max()) or 1.0
    return _mixing(M / scale, V, sweeps, 1e-10)


@numba.njit(cache=True)
def _gram(V):  # pragma: no cover - compiled
    """``clip(V Vᵀ, −1, 1)`` without BLAS threads."""
    n, r = V.shape
    C = np.empty((n, n))
    for a in range(n):
        for b in range(a, n):
            dot = 0.0
            for k in range(r):
                dot += V[a, k] * V[b, k]
            dot = min(1.0, max(-1.0, dot))
            C[a, b] = dot
            C[b, a] = dot
    return C


def sample_correlations(bits: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``C_ab = E[z_a z_b]`` over weighted samples, ``z = 1 − 2x``, node 0 the constant +1.

    >>> sample_correlations(np.array([[1, 1], [0, 0]])).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    """
    bits = np.atleast_2d(np.asarray(bits, dtype=float))
    w = np.ones(len(bits)) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()
    z = np.hstack((np.ones((len(bits), 1)), 1.0 - 2.0 * bits))
    return (z * w[:, None]).T @ z


def annealing_correlations(qubo: QUBO, *, seed: int = 0, reads: int = 32,
                           sweeps: int = 200, keep: float = 0.5) -> np.ndarray:
    """``sample_correlations`` of the lowest-energy ``keep`` fraction of annealing reads."""
    from quantum.annealing import simulated_annealing

    samples = simulated_annealing(qubo, sweeps=sweeps, reads=reads, seed=seed)
    energies = qubo.energies(samples.bits)
    order = np.argsort(energies, kind="stable")[:max(1, int(math.ceil(keep * len(energies))))]
    return sample_correlations(samples.bits[order], samples.weights[order])


# ---------------------------------------------------------------- constraints
def conflict_check(problem) -> Callable[[np.ndarray, np.ndarray], bool]:
    """``conflict(ones, zeros)``: whether fixing those original bits to 1 and 0 already breaks a
    constraint of ``problem`` (MDKP rows, MIS edges, QAP assignment); never for other types.

    >>> from problems import MIS
    >>> conflict = conflict_check(MIS(3, [[0, 1]]))
    >>> conflict(np.array([0, 1]), np.array([], int)), conflict(np.array([0, 2]), np.array([], int))
    (True, False)
    """
    kind = type(problem).__name__
    if kind == "MIS":
        n = problem.size
        adjacency = np.zeros((n, n), dtype=bool)
        adjacency[problem.edges[:, 0], problem.edges[:, 1]] = True
        adjacency |= adjacency.T
        return lambda ones, zeros: bool(adjacency[np.ix_(ones, ones)].any())
    if kind == "MDKP":
        W, C = problem.weights, problem.capacities
        return lambda ones, zeros: bool(np.any(W[:, ones].sum(axis=1) > C + 1e-9))
    if kind == "QAP":
        n = problem.size

        def conflict(ones, zeros):
            rows, cols = np.divmod(np.asarray(ones, dtype=np.int64), n)
            if len(set(rows.tolist())) < len(rows) or len(set(cols.tolist())) < len(cols):
                return True
            grid = np.zeros(n * n, dtype=bool)
            grid[zeros] = True
            grid = grid.reshape(n, n)
            return bool(grid.all(axis=1).any() or grid.all(axis=0).any())

        return conflict
    return lambda ones, zeros: False


def _group_values(T: np.ndarray, t: np.ndarray, column: int | None):
    """The (ones, zeros) of the fixed bits plus, per value of reduced bit ``column``, its group."""
    fixed = ~T.any(axis=1)
    if column is None:
        yield np.flatnonzero(fixed & (t == 1)), np.flatnonzero(fixed & (t == 0))
        return
    touched = fixed | (T[:, column] != 0)
    for value in (0, 1):
        x = T[:, column] * value + t
        yield np.flatnonzero(touched & (x == 1)), np.flatnonzero(touched & (x == 0))


# -------------------------------------------------------------------- shrink
def shrink(qubo: QUBO, *, num_variables: int | None = None, max_qubits: int | None = None,
           threshold: float | None = None, correlations: str = "sdp", reestimate: int = 5,
           conflict: Callable | None = None, seed: int = 0, time_limit: float | None = None,
           start: ShrinkHistory | None = None, clock=time.perf_counter) -> ShrinkHistory:
    """Merge the first ``num_variables`` bits of ``qubo`` until at most ``max_qubits`` remain.

    Parameters
    ----------
    qubo : QUBO
        Guides the merges (its first ``num_variables`` bits are the ones merged; any further
        bits, e.g. slack, stay and only inform the correlations).
    max_qubits : int, optional
        Stop once this many merged bits remain.
    threshold : float, optional
        Stop when the strongest allowed correlation is below it (``|C| ≤ 1``).
    correlations : ``"sdp"`` or ``"samples"`` (simulated annealing)
    reestimate : int
        Merges between two correlation estimates on the reduced QUBO, at least; while far from
        ``max_qubits`` a batch of ``excess // FAR`` merges (``excess`` = bits above the budget
        at the estimate) shares one estimate. The merges of one batch are disjoint: a variable
        that kept a merged partner is not merged again before the next estimate.
    conflict : callable ``(ones, zeros) -> bool``, optional
        Refuses merges (``conflict_check(problem)``).
    time_limit : float, optional
        Seconds; shrinking stops (``stop = "time limit"``) once spent.
    start : ShrinkHistory, optional
        Continue from this history (e.g. an earlier shrink to a larger budget) instead of none.

    >>> from problems import MIS
    >>> p = MIS.random(30, p=0.2, seed=0)
    >>> h = shrink(p.to_qubo(), max_qubits=10, conflict=conflict_check(p))
    >>> h.num_reduced, len(h.merges)
    (10, 20)
    """
    n = qubo.num_variables if num_variables is None else int(num_variables)
    if not 0 < n <= qubo.num_variables:
        raise ValueError(f"shrink: num_variables must lie in 1..{qubo.num_variables}, got {n}")
    if max_qubits is None and threshold is None:
        raise ValueError("shrink needs a stopping rule: max_qubits, threshold or both")
    if max_qubits is not None and (not isinstance(max_qubits, int) or max_qubits < 1):
        raise ValueError(f"shrink: max_qubits must be a positive integer, got {max_qubits!r}")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ValueError(f"shrink: threshold must lie in [0, 1], got {threshold!r}")
    if correlations not in SOURCES:
        raise ValueError(f"shrink: unknown correlations {correlations!r}; choose one of "
                         f"{', '.join(SOURCES)}")
    if not isinstance(reestimate, int) or reestimate < 1:
        raise ValueError(f"shrink: reestimate must be a positive integer, got {reestimate!r}")
    if start is not None and start.num_original != n:
        raise ValueError(f"shrink: the start history maps {start.num_original} bits, not {n}")
    conflict = conflict or (lambda ones, zeros: False)
    began = clock()
    extra = qubo.num_variables - n
    history = start if start is not None else ShrinkHistory.identity(n)
    refused, estimates = history.refused, history.estimates
    stop = "budget reached"
    C = blocked = vectors = None
    since = batch = 0
    while max_qubits is None or history.num_reduced > max_qubits:
        if history.num_reduced == 1:
            stop = "one variable left"
            break
        if time_limit is not None and clock() - began >= time_limit:
            stop = "time limit"
            break
        if C is None or since >= batch:
            guide = substitute(qubo, _with_identity(history.T, extra),
                               np.concatenate((history.t, np.zeros(extra, np.int64))))
            C, vectors = _estimate(guide, correlations, seed + estimates, vectors)
            C = C[:history.num_reduced + 1, :history.num_reduced + 1]
            blocked = np.tril(np.ones(C.shape, dtype=bool))
            estimates += 1
            since = 0
            excess = 0 if max_qubits is None else history.num_reduced - max_qubits
            batch = max(reestimate, excess // FAR)
        strength = np.where(blocked, -1.0, np.abs(C))
        while True:
            a, b = np.unravel_index(int(np.argmax(strength)), strength.shape)
            value = strength[a, b]
            if value < 0 or (threshold is not None and value < threshold):
                break
            relation = _relation(a, C[a, b])
            T, t = history.step(a - 1, b - 1, relation)
            column = a - 1 if a > 0 else None
            if not any(conflict(ones, zeros) for ones, zeros in _group_values(T, t, column)):
                break
            refused += 1
            blocked[a, b] = True
            strength[a, b] = -1.0
        if value < 0 or (threshold is not None and value < threshold):
            if since > 0:  # pairs of merged variables wait for a fresh estimate
                since = batch
                continue
            stop = "threshold" if value >= 0 else "no allowed merge"
            break
        history = history.merge(a - 1, b - 1, relation, C[a, b])
        C = np.delete(np.delete(C, b, axis=0), b, axis=1)
        blocked = np.delete(np.delete(blocked, b, axis=0), b, axis=1)
        if vectors is not None:
            vectors = np.delete(vectors, b, axis=0)
        if a > 0:  # the kept variable's group changed: its correlations wait for an estimate
            blocked[a, :] = True
            blocked[:, a] = True
        since += 1
    return ShrinkHistory(T=history.T, t=history.t, merges=history.merges, refused=refused,
                         estimates=estimates, stop=stop)


def _relation(a: int, correlation: float) -> str:
    if a == 0:  # with the constant spin z_0 = +1: C > 0 means z = +1, x = 0
        return "zero" if correlation > 0 else "one"
    return "same" if correlation > 0 else "opposite"


def _with_identity(T: np.ndarray, extra: int) -> np.ndarray:
    if extra == 0:
        return T
    out = np.zeros((T.shape[0] + extra, T.shape[1] + extra), dtype=T.dtype)
    out[:T.shape[0], :T.shape[1]] = T
    out[T.shape[0]:, T.shape[1]:] = np.eye(extra, dtype=T.dtype)
    return out


def _estimate(qubo: QUBO, source: str, seed: int, vectors: np.ndarray | None):
    """Correlations of ``qubo`` and, for ``"sdp"``, the vectors that warm-start the next one."""
    if source == "sdp":
        vectors = sdp_vectors(qubo, seed=seed, start=vectors)
        return _gram(vectors), vectors
    return annealing_correlations(qubo, seed=seed), None


# ------------------------------------------------------------ shrunk encoding
class ShrunkEncoding:
    """A slack-free ``Encoding`` seen through a ``ShrinkHistory``: qubits are the reduced bits.

    ``qubo(λ, ρ)`` is the exact substitution of the original encoding's QUBO; ``problem_bits``
    expands reduced rows to the original bits, so ``objective``, ``feasible``, ``constraints``,
    ``repair`` and ``decode`` are the original encoding's. It plugs into
    ``quantum.lagrangian.solve_lagrangian`` unchanged.

    >>> from problems import MDKP
    >>> from quantum.encodings import make_encoding
    >>> enc = make_encoding(MDKP([3, 4, 5], [[2, 3, 4]], [5]), "lagrangian")
    >>> s = ShrunkEncoding(enc, ShrinkHistory.identity(3).merge(0, 2, "zero"))
    >>> s.num_qubits, s.decode(np.array([1, 1])).tolist()
    (2, [1, 1, 0])
    """

    def __init__(self, base: Encoding, history: ShrinkHistory):
        if base.slack_bits:
            raise ValueError("ShrunkEncoding wraps slack-free encodings only")
        if history.num_original != base.num_problem_bits:
            raise ValueError(f"the shrink history maps {history.num_original} bits, the "
                             f"encoding has {base.num_problem_bits}")
        self.base, self.history = base, history
        self.problem = base.problem
        self.kind = base.kind
        self.num_qubits = history.num_reduced
        self.num_problem_bits = base.num_problem_bits
        self.slack_bits = 0
        for name in ("num_multipliers", "equality", "lower", "upper", "initial", "scale", "rho",
                     "rho_max"):
            setattr(self, name, getattr(base, name))

    def qubo(self, lam: np.ndarray | None = None, rho: float | None = None) -> QUBO:
        """The original encoding's QUBO rewritten in the reduced bits."""
        return substitute(self.base.qubo(lam, rho), self.history.T, self.history.t,
                          decode=self.decode)

    def problem_bits(self, bits) -> np.ndarray:
        """Original bits of reduced rows (original rows pass through)."""
        bits = np.atleast_2d(np.asarray(bits))
        if bits.shape[1] == self.num_problem_bits:
            return bits.astype(np.int8)
        return self.history.expand(bits)

    def constraints(self, bits) -> np.ndarray:
        return self.base.constraints(self.problem_bits(bits))

    def relaxed_constraints(self, bits) -> np.ndarray:
        return self.base.relaxed_constraints(self.problem_bits(bits))

    def objective(self, bits) -> np.ndarray:
        return self.base.objective(self.problem_bits(bits))

    def feasible(self, bits) -> np.ndarray:
        return self.base.feasible(self.problem_bits(bits))

    def repair(self, bits) -> np.ndarray:
        return self.base.repair(self.problem_bits(bits))

    def decode(self, bits):
        return self.base.decode(self.problem_bits(bits))
