"""CP-SAT baseline for the QAP (``method="ortools"`` on a QAP dispatches here).

CP-SAT alone finds nothing useful on QAPs from about 20 facilities, so it is wrapped in a
seeded robust tabu search over 2-swaps (numpy), which supplies its complete hint and, beyond
small instances, the answer. The CP-SAT plumbing (clock, solver settings, solution callback,
integer scaling) is ``solvers.algorithms.cpsat``'s. The tabu search stops by the clock.
"""

from __future__ import annotations

import copy
import time
from typing import Callable

import numpy as np
from ortools.sat.python import cp_model

from solvers.algorithms.cpsat import (MAX_COEFFICIENT, _clock, _integers, _solver, _stop_info,
                                      _Trace)
from solvers.result import Answer

QAP_SEARCH_SHARE = 0.2  # of the limit, at most, for the tabu search before CP-SAT
QAP_STALL_SHARE = 0.05  # ... which ends after this share of the limit without improvement
QAP_STALL_MOVES = 100  # ... or after this many moves per facility without improvement
QAP_CP_SAT_SHARE = 0.4  # of the limit, at most, for CP-SAT (model building included)
QAP_PRODUCT_MAX_TERMS = 20_000  # product booleans up to which "auto" runs CP-SAT
QAP_CP_SAT_PARAMETERS = {"cp_model_probing_level": 0,  # probing costs seconds, fixes little
                         "keep_all_feasible_solutions_in_presolve": True}  # keeps the hint


def solve_qap_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                    num_workers: int | None = None, model: str = "auto",
                    deterministic: bool = False, progress=None) -> Answer:
    """Tabu search, CP-SAT from its best permutation, tabu search again; best verified wins.

    1. From a constructive start (facilities by total flow onto locations by total distance),
       a seeded robust tabu search over 2-swaps (``_qap_tabu_search``: the cost change of every
       swap is kept in a matrix updated with O(n²) numpy work per move) for up to
       ``QAP_SEARCH_SHARE`` of the limit, less once it stops improving.
    2. CP-SAT with that permutation as a complete hint, for up to ``QAP_CP_SAT_SHARE`` of the
       limit, on the model in ``info["model"]``: ``"product"``, assignment booleans x plus one
       boolean per facility pair with flow and location pair, tied by the Adams–Johnson
       equalities (see ``QAP.to_milp``): its LP bound lets CP-SAT prove small and sparse
       instances (chr12a-c, esc8*, esc32e within seconds) and improve chr-type ones; or
       ``"element"``, location variables p (``AddAllDifferent``, channelled to x) with
       ``e[i][l] = B[p_i, l]`` and one ``d_ij = e[i][p_j]`` per pair with flow, all
       ``AddElement``: O(n³) instead of O(n⁴), but on QAPLIB n = 12..27 it neither proved
       nor improved anything in 10 s (nor did one ``AddElement`` on the flattened distance
       matrix at index n·p_i + p_j per pair, which CP-SAT expands more slowly still).
       ``"auto"`` takes the product model up to ``QAP_PRODUCT_MAX_TERMS`` product booleans and
       otherwise skips CP-SAT (``info["cp_sat"]`` says so). A forced ``model`` is built at any
       size, and CP-SAT's presolve does not stop at the time limit: on large instances it can
       overrun it.
    3. Unless CP-SAT proved optimality, the tabu search again from the best permutation so far
       until the limit.

    ``info["source"]`` says which part found the returned solution (``"cp_sat"`` only when CP-SAT
    beat the search before it and the search after it did not improve on it); ``status`` is
    ``"optimal"`` only when CP-SAT proves it on exactly scaled data. A valid instance always
    gets a solution.

    >>> from problems import QAP
    >>> answer = solve_qap_cpsat(QAP.random(5, seed=0), time_limit=5)
    >>> answer.status, answer.info["model"]
    ('optimal', 'product')
    """
    if model not in ("auto", "product", "element"):
        raise ValueError(f"solve_qap_cpsat: model must be 'auto', 'product' or 'element', "
                         f"got {model!r}")
    start, deadline = _clock(time_limit)
    budget = deadline - start
    flow, scale_a, exact_a = _integers(problem.flow, "flow")
    dist, scale_b, exact_b = _integers(problem.distance, "distance")
    if flow.sum() * dist.max() >= MAX_COEFFICIENT:
        raise ValueError(f"{problem.name}: flow × distance values are too large for CP-SAT's "
                         f"64-bit integer arithmetic")
    scale, exact = scale_a * scale_b, exact_a and exact_b
    sizes = _qap_model_sizes(flow, dist)
    if model == "auto":
        model = "product" if sizes["product"] <= QAP_PRODUCT_MAX_TERMS else None
    info = {"model": model, "model_size": sizes.get(model), "objective_scale": scale,
            "exact_integer_model": exact, "source": "local_search"}
    rng = np.random.default_rng(seed)
    tell = _teller(problem, progress)
    if model is None:
        info["cp_sat"] = (f"not run: {sizes['product']} product booleans > "
                          f"{QAP_PRODUCT_MAX_TERMS}")
        found, moves = _qap_tabu_search(flow, dist, _qap_start(flow, dist), rng, deadline,
                                        on_found=tell)
    else:
        found, moves = _qap_tabu_search(flow, dist, _qap_start(flow, dist), rng,
                                        start + budget * QAP_SEARCH_SHARE,
                                        stall=budget * QAP_STALL_SHARE, on_found=tell)
    _, best, claimed = found[-1]
    trace = [(t - start, problem.evaluate(p)) for t, p, _ in found]
    info["local_search_objective"] = trace[-1][1]
    if model is not None:
        cp_end = min(deadline, time.perf_counter() + budget * QAP_CP_SAT_SHARE)
        build = _qap_product_model if model == "product" else _qap_element_model
        built = build(flow, dist, best, cp_end)
        if built is None:
            info["cp_sat"] = "not run: its time passed while building the model"
        else:
            answer = _qap_cp_sat(*built, problem, scale, start, cp_end, seed, num_workers,
                                 deterministic, progress)
            cp_claimed = answer.info.pop("objective", None)
            info.update(answer.info)
            trace += answer.trace
            if answer.solution is not None:
                info["cp_sat_objective"] = problem.evaluate(answer.solution)
                if info["cp_sat_objective"] < problem.evaluate(best):
                    best, claimed, info["source"] = answer.solution, cp_claimed, "cp_sat"
                if answer.info["cp_sat_status"] == "OPTIMAL" and exact:
                    return _qap_answer(best, "optimal", trace, info, moves, claimed / scale)
        more, extra = _qap_tabu_search(flow, dist, best, rng, deadline, on_found=tell)
        moves += extra
        if len(more) > 1:
            _, best, claimed = more[-1]
            info["source"] = "local_search"
            trace += [(t - start, problem.evaluate(p)) for t, p, _ in more[1:]]
    return _qap_answer(best, "feasible", trace, info, moves, claimed / scale if exact else None)


def _teller(problem, progress):
    """What the tabu search calls with each permutation it finds (``None``: nobody listens):
    the permutation's verified cost goes to ``progress`` at once, not at the end of the phase."""
    if progress is None:
        return None
    return lambda p: progress.improved(problem.evaluate(p), phase="tabu search")


def _qap_answer(best, status, trace, info, moves, claimed) -> Answer:
    """The answer, with the objective its finder computed (exactly scaled data only)."""
    info = dict(info, local_search_moves=moves)
    if claimed is not None:
        info["claimed_objective"] = float(claimed)
    return Answer(solution=np.asarray(best), status=status, trace=tuple(_improving(trace)),
                  info=info)


def _qap_model_sizes(flow: np.ndarray, dist: np.ndarray) -> dict:
    """Size of each CP-SAT model: product booleans, and element entries (n per element)."""
    n = len(flow)
    linked = np.triu((flow + flow.T) > 0, k=1)
    pairs = int(linked.sum())
    symmetric = np.array_equal(dist, dist.T)
    used = _qap_element_pairs(flow, symmetric)
    rows = len({i for i, _ in used})
    return {"product": pairs * n * (n - 1), "element": (rows * n + len(used)) * n}


def _qap_element_pairs(flow: np.ndarray, symmetric: bool) -> list[tuple[int, int]]:
    """Ordered pairs (i, j), i != j, that need a term ``w_ij * B[p_i, p_j]``: with a symmetric
    distance matrix both directions share one term (i < j, weight a_ij + a_ji)."""
    weight = flow + flow.T if symmetric else flow
    pairs = np.argwhere(weight > 0)
    keep = pairs[:, 0] < pairs[:, 1] if symmetric else pairs[:, 0] != pairs[:, 1]
    return [tuple(pair) for pair in pairs[keep].tolist()]


def _qap_assignment(cp, n: int, hint: np.ndarray) -> list[list]:
    """Booleans x[i][k] (facility i at location k), one per row and column, hinted."""
    x = [[cp.new_bool_var(f"x{i}_{k}") for k in range(n)] for i in range(n)]
    for i in range(n):
        cp.add_exactly_one(x[i])
        cp.add_exactly_one([x[j][i] for j in range(n)])
        for k in range(n):
            cp.add_hint(x[i][k], int(hint[i]) == k)
    return x


def _qap_product_model(flow, dist, hint, deadline):
    """Adams–Johnson booleans (see ``solve_qap_cpsat``); None if ``deadline`` passes."""
    n = len(flow)
    cp = cp_model.CpModel()
    x = _qap_assignment(cp, n, hint)
    variables = [x[i][k] for i in range(n) for k in range(n)]
    costs = [int(flow[i, i] * dist[k, k]) for i in range(n) for k in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if not (flow[i, j] or flow[j, i]):
                continue
            if time.perf_counter() > deadline:
                return None
            y = [[cp.new_bool_var(f"y{i}_{k}_{j}_{l}") if k != l else None for l in range(n)]
                 for k in range(n)]
            for k in range(n):
                others = [l for l in range(n) if l != k]
                cp.add(cp_model.LinearExpr.sum([y[k][l] for l in others]) == x[i][k])
                cp.add(cp_model.LinearExpr.sum([y[l][k] for l in others]) == x[j][k])
                for l in others:
                    cp.add_hint(y[k][l], k == hint[i] and l == hint[j])
                    variables.append(y[k][l])
                    costs.append(int(flow[i, j] * dist[k, l] + flow[j, i] * dist[l, k]))
    cp.minimize(cp_model.LinearExpr.weighted_sum(variables, costs))
    return cp, x


def _qap_element_model(flow, dist, hint, deadline):
    """Location variables and element terms (see ``solve_qap_cpsat``); None if ``deadline``
    passes."""
    n = len(flow)
    cp = cp_model.CpModel()
    x = _qap_assignment(cp, n, hint)
    p = [cp.new_int_var(0, n - 1, f"p{i}") for i in range(n)]
    cp.add_all_different(p)
    for i in range(n):
        cp.add(p[i] == cp_model.LinearExpr.weighted_sum(x[i], list(range(n))))
        cp.add_hint(p[i], int(hint[i]))
    terms = [x[i][k] for i in range(n) for k in range(n) if flow[i, i] * dist[k, k]]
    weights = [int(flow[i, i] * dist[k, k]) for i in range(n) for k in range(n)
               if flow[i, i] * dist[k, k]]
    symmetric = np.array_equal(dist, dist.T)
    rows: dict[int, list] = {}
    for i, j in _qap_element_pairs(flow, symmetric):
        if time.perf_counter() > deadline:
            return None
        if i not in rows:  # rows[i][l] = dist[p_i, l]
            rows[i] = []
            for l in range(n):
                column = dist[:, l]
                e = cp.new_int_var(int(column.min()), int(column.max()), f"e{i}_{l}")
                cp.add_element(p[i], column.tolist(), e)
                cp.add_hint(e, int(dist[hint[i], l]))
                rows[i].append(e)
        d = cp.new_int_var(int(dist.min()), int(dist.max()), f"d{i}_{j}")
        cp.add_element(p[j], rows[i], d)
        cp.add_hint(d, int(dist[hint[i], hint[j]]))
        terms.append(d)
        weights.append(int(flow[i, j] + flow[j, i] if symmetric else flow[i, j]))
    cp.minimize(cp_model.LinearExpr.weighted_sum(terms, weights))
    return cp, x


def _qap_cp_sat(cp, x, problem, scale, start, deadline, seed, num_workers,
                deterministic, progress=None) -> Answer:
    """Solve until ``deadline``; the answer's solution is None when CP-SAT found none."""
    n = len(x)
    solver = _solver(deadline, seed, num_workers, deterministic)
    for name, value in QAP_CP_SAT_PARAMETERS.items():
        setattr(solver.parameters, name, value)
    variables = [x[i][k] for i in range(n) for k in range(n)]

    def decode(values):
        return np.array(values, dtype=np.int64).reshape(n, n).argmax(axis=1)

    trace = _Trace(problem, variables, decode, start, progress, scale)
    status = solver.solve(cp, trace)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the model of {problem.name}: {cp.validate()}")
    info = {"cp_sat_status": solver.status_name(status), **_stop_info(solver, status)}
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Answer(solution=None, info=info)
    info["bound"] = solver.best_objective_bound / scale
    info["objective"] = solver.objective_value
    return Answer(solution=decode([solver.value(v) for v in variables]),
                  trace=tuple(trace.points), info=info)


class _QapSwaps:
    """Permutation ``p`` of the QAP (``a``, ``b``) with its cost and ``delta[r, s]``, the change
    of cost when facilities r and s swap locations, kept exact in O(n²) numpy work per swap:
    Taillard's update for the pairs away from r and s, and two recomputed rows.

    Entries are integers (float64 when every sum stays below 2^53, else int64).
    """

    def __init__(self, a: np.ndarray, b: np.ndarray, p: np.ndarray):
        self.a, self.b = a, b
        self.a_t = np.ascontiguousarray(a.T)
        self.a_diag = np.diag(a).copy()
        self.symmetric = bool(np.array_equal(a, a.T) and np.array_equal(b, b.T))
        self.p = np.array(p, dtype=np.int64)
        self.bp = b[np.ix_(self.p, self.p)]  # bp[i, j] = b[p_i, p_j]
        self.cost = (a * self.bp).sum()
        m, nn = a.T @ self.bp, a @ self.bp.T
        diag = np.diag(m) + np.diag(nn)
        d = m + m.T + nn + nn.T - diag[:, None] - diag[None, :]
        ar, ac, bp = self.a_diag[:, None], self.a_diag[None, :], self.bp
        br, bc = np.diag(bp)[:, None], np.diag(bp)[None, :]
        d -= (ar - a) * (bp - br) + (a.T - ac) * (bc - bp.T)   # k = r, s in the sums above
        d -= (ar - a.T) * (bp.T - br) + (a - ac) * (bc - bp)
        d += (ar - ac) * (bc - br) + (a - a.T) * (bp.T - bp)   # the r-s terms themselves
        np.fill_diagonal(d, 0)
        self.delta = d

    def _rows(self, pair: list[int]) -> np.ndarray:
        """``delta[pair]`` from scratch."""
        a, a_t, bp, a_diag = self.a, self.a_t, self.bp, self.a_diag
        b_diag = np.diag(bp)
        a_row, b_row = a.take(pair, axis=0), bp.take(pair, axis=0)
        ar, br = a_diag.take(pair)[:, None], b_diag.take(pair)[:, None]
        if self.symmetric:
            m = (a * bp).sum(axis=0)
            rows = 2 * (a_row @ bp + b_row @ a - m.take(pair)[:, None] - m)
            rows -= 2 * ((ar - a_row) * (b_row - br) + (a_row - a_diag) * (b_diag - b_row))
            rows += (ar - a_diag) * (b_diag - br)
        else:
            ab = a * bp
            m = ab.sum(axis=0) + ab.sum(axis=1)
            a_col, b_col = a_t.take(pair, axis=0), bp.T.take(pair, axis=0)
            rows = a_col @ bp + b_col @ a + a_row @ bp.T + b_row @ a_t - m.take(pair)[:, None] - m
            rows -= (ar - a_row) * (b_row - br) + (a_col - a_diag) * (b_diag - b_col)
            rows -= (ar - a_col) * (b_col - br) + (a_row - a_diag) * (b_diag - b_row)
            rows += (ar - a_diag) * (b_diag - br) + (a_row - a_col) * (b_col - b_row)
        rows[0, pair[0]] = rows[1, pair[1]] = 0
        return rows

    def swap(self, r: int, s: int) -> None:
        a, d, p, bp = self.a, self.delta, self.p, self.bp
        self.cost += d[r, s]
        p[r], p[s] = p[s], p[r]
        pair, back = [r, s], [s, r]
        bp[pair] = bp[back]
        bp[:, pair] = bp[:, back]
        alpha, beta = a[r] - a[s], bp[s] - bp[r]
        if self.symmetric:
            d += 2 * (alpha[:, None] - alpha) * (beta[:, None] - beta)
        else:
            d += (alpha[:, None] - alpha) * (beta[:, None] - beta)
            gamma, eta = self.a_t[r] - self.a_t[s], bp[:, s] - bp[:, r]
            d += (gamma[:, None] - gamma) * (eta[:, None] - eta)
        rows = self._rows(pair)
        d[pair] = rows
        d[:, pair] = rows.T

    def copy(self) -> _QapSwaps:
        other = copy.copy(self)
        other.p, other.bp, other.delta = self.p.copy(), self.bp.copy(), self.delta.copy()
        return other


def _qap_start(flow: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Facilities by decreasing total flow onto locations by increasing total distance."""
    p = np.empty(len(flow), dtype=np.int64)
    order = np.argsort(-(flow.sum(axis=0) + flow.sum(axis=1)), kind="stable")
    p[order] = np.argsort(dist.sum(axis=0) + dist.sum(axis=1), kind="stable")
    return p


def _qap_tabu_search(flow, dist, start, rng, end: float, stall: float | None = None,
                     on_found: Callable[[np.ndarray], None] | None = None):
    """Robust tabu search (Taillard 1991) over 2-swaps from the permutation ``start``, until
    ``end`` or, when ``stall`` is given, until ``stall`` seconds or ``QAP_STALL_MOVES`` × n
    moves pass without improvement. ``on_found(permutation)`` is called with the start and with
    each improvement the moment it is found (live progress).

    A swap is tabu when it would put both facilities back on locations they left within a
    random tenure of 0.9n..1.1n moves, unless it beats the best; a facility kept off a location
    for 5n² moves is forced onto it; after 20n moves without improvement the search restarts
    from the best permutation perturbed by 2..n/4 random swaps. Returns ([(time, permutation,
    cost)] for the start and each improvement, moves made).
    """
    n = len(flow)
    exact_float = float(flow.sum()) * float(dist.max()) * 16 < 2**53
    dtype = np.float64 if exact_float else np.int64
    state = _QapSwaps(flow.astype(dtype), dist.astype(dtype), start)
    found = [(time.perf_counter(), state.p.copy(), state.cost)]
    if on_found is not None:
        on_found(state.p.copy())
    if n < 2:
        return found, 0
    best, best_cost = state.copy(), state.cost
    left = np.zeros((n, n), dtype=np.int64)  # left[i, k]: facility i may return to k after it
    lower = np.tri(n, dtype=bool)  # r >= s is no move
    never = np.inf if exact_float else np.iinfo(np.int64).max
    tenure = (max(1, int(0.9 * n)), max(2, int(1.1 * n) + 1))
    aspiration, restart = 5 * n * n, 20 * n
    move = improved = restarted = 0  # moves at the last improvement and restart
    last_time = found[0][0]
    while True:
        move += 1
        if move % 8 == 0:
            now = time.perf_counter()
            stalled = stall is not None and (now - last_time > stall
                                             or move - improved > QAP_STALL_MOVES * n)
            if now >= end or stalled:
                return found, move
        if move - max(improved, restarted) > restart:
            state, restarted = best.copy(), move
            for _ in range(int(rng.integers(2, max(3, n // 4) + 1))):
                r = int(rng.integers(n))
                state.swap(r, (r + 1 + int(rng.integers(n - 1))) % n)
        since = left[:, state.p]  # since[r, s] = left[r, p_s]
        forced = since < move - aspiration
        forced = (forced | forced.T) & ~lower
        if forced.any():
            r, s = divmod(int(np.argmax(forced)), n)
        else:
            tabu = since >= move
            blocked = (tabu & tabu.T & (state.delta >= best_cost - state.cost)) | lower
            delta = np.where(blocked, never, state.delta)
            r, s = divmod(int(np.argmin(delta)), n)
            if delta[r, s] == never:
                continue
        left[r, state.p[r]] = move + rng.integers(*tenure)
        left[s, state.p[s]] = move + rng.integers(*tenure)
        state.swap(r, s)
        if state.cost < best_cost:
            best, best_cost, improved = state.copy(), state.cost, move
            last_time = time.perf_counter()
            found.append((last_time, state.p.copy(), state.cost))
            if on_found is not None:
                on_found(state.p.copy())


def _improving(points) -> list[tuple[float, float]]:
    """The points of a (time, objective) sequence that beat every earlier one (minimising)."""
    kept = []
    for t, value in points:
        if not kept or value < kept[-1][1]:
            kept.append((t, value))
    return kept
