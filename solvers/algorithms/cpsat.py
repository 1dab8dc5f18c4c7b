"""CP-SAT baselines for MDKP, MIS, QAP, BQP and MaxCut (``method="ortools"`` dispatches here).

Each function builds a CP-SAT model, runs it with every core it may use
(``solvers.threads.available_threads()``: all of them, or a batch worker's share) and
``random_seed = seed``, records every improving solution in ``trace`` through a solution
callback, and reports ``status="optimal"`` only when CP-SAT proves it. CP-SAT needs integer
coefficients: real data are scaled by a power of ten when that is exact, otherwise rounded
(conservatively for constraints) and the answer is never called optimal. QAP wraps CP-SAT in a
numpy tabu search, which supplies its hint and, beyond small instances, the answer.
With several workers and a time limit CP-SAT's answer varies run to run; ``deterministic=True``
makes it repeatable (one worker, a deterministic-time limit; see ``_solver``). QAP's tabu
search stops by the clock either way.
"""

from __future__ import annotations

import copy
import itertools
import time

import numpy as np
from ortools.sat.python import cp_model

from solvers.result import Answer
from solvers.threads import available_threads

DEFAULT_TIME_LIMIT = 10.0
MAX_DECIMALS = 6
MAX_COEFFICIENT = 2**53
QAP_SEARCH_SHARE = 0.2  # of the limit, at most, for the tabu search before CP-SAT
QAP_STALL_SHARE = 0.05  # ... which ends after this share of the limit without improvement
QAP_STALL_MOVES = 100  # ... or after this many moves per facility without improvement
QAP_CP_SAT_SHARE = 0.4  # of the limit, at most, for CP-SAT (model building included)
QAP_PRODUCT_MAX_TERMS = 20_000  # product booleans up to which "auto" runs CP-SAT
QAP_CP_SAT_PARAMETERS = {"cp_model_probing_level": 0,  # probing costs seconds, fixes little
                         "keep_all_feasible_solutions_in_presolve": True}  # keeps the hint
CLIQUE_COVER_WORK = 5_000_000
DETERMINISTIC_SHARE = 0.5  # of the time left, as CP-SAT's deterministic-time limit


def solve_mdkp_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                     num_workers: int | None = None, deterministic: bool = False,
                    progress=None) -> Answer:
    """Binary x per item, one linear row per capacity, maximise profit.

    Real-valued data are scaled by the smallest power of ten that makes them integers
    (``info["profit_scale"]``); past 10^6 weights are rounded up and capacities down, so every
    answer stays feasible, and the result is then never called optimal.

    >>> from problems import MDKP
    >>> solve_mdkp_cpsat(MDKP.random(15, 2, seed=0), time_limit=5).status
    'optimal'
    """
    start, deadline = _clock(time_limit)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{j}") for j in range(problem.size)]
    exact = True
    for i, (row, capacity) in enumerate(zip(problem.weights, problem.capacities)):
        scaled, factor, row_exact = _integers(np.append(row, capacity), f"capacity row {i}")
        if not row_exact:  # round weights up and the capacity down: never accept an overload
            scaled = np.append(np.ceil(row * factor), np.floor(capacity * factor)).astype(np.int64)
        exact &= row_exact
        model.add(cp_model.LinearExpr.weighted_sum(x, scaled[:-1].tolist()) <= int(scaled[-1]))
    profits, scale, profits_exact = _integers(problem.profits, "profits")
    model.maximize(cp_model.LinearExpr.weighted_sum(x, profits.tolist()))
    exact &= profits_exact
    return _run(model, problem, x, _bits, scale, start, deadline, seed, num_workers, exact,
                {"profit_scale": scale, "exact_integer_model": exact}, deterministic,
                progress=progress)


def solve_mis_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                    num_workers: int | None = None, deterministic: bool = False,
                    progress=None) -> Answer:
    """Binary x per node, ``AddAtMostOne`` per clique of a greedy edge clique cover, maximise
    the number of nodes.

    Every edge lies in some clique of the cover (``edge_clique_cover``), so the model is the
    edge formulation, with a much stronger LP relaxation (e.g. gen200_p0.9_44's complement is
    proved optimal in seconds instead of stalling at 40).

    >>> from problems import MIS
    >>> solve_mis_cpsat(MIS.random(12, p=0.3, seed=0), time_limit=5).status
    'optimal'
    """
    start, deadline = _clock(time_limit)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{v}") for v in range(problem.size)]
    for clique in edge_clique_cover(problem.size, problem.edges.tolist()):
        model.add_at_most_one([x[v] for v in clique])
    model.maximize(cp_model.LinearExpr.sum(x))
    return _run(model, problem, x, _bits, 1, start, deadline, seed, num_workers, True, {},
                deterministic, progress=progress)


def solve_bqp_cpsat(problem, *, time_limit: float | None = None, seed: int = 0,
                    num_workers: int | None = None, deterministic: bool = False,
                    progress=None) -> Answer:
    """Binary x per variable and one boolean ``y = x_i x_j`` per product
    (``AddMultiplicationEquality``, exact on every solution), the BQP's rows as linear
    constraints; a MaxCut through its BQP view (``problem.bqp``).

    Objective data are scaled to integers like MDKP's profits (rounded past 10^6: then never
    called optimal); constraint rows must scale exactly (``ValueError`` naming the row).

    >>> from problems import MaxCut
    >>> solve_bqp_cpsat(MaxCut.random(12, p=0.5, seed=0), time_limit=5).status
    'optimal'
    """
    start, deadline = _clock(time_limit)
    bqp = problem.bqp
    model = cp_model.CpModel()
    x = [model.new_bool_var(name) for name in bqp.variable_names]
    products = []
    for i, j in bqp.pairs.tolist():
        y = model.new_bool_var(f"y{i}_{j}")
        model.add_multiplication_equality(y, [x[i], x[j]])
        products.append(y)
    for r, (row, sense, rhs) in enumerate(zip(bqp.A, bqp.constraint_senses, bqp.rhs)):
        scaled, _, row_exact = _integers(np.append(row, rhs), f"constraint {r}")
        if not row_exact:
            raise ValueError(f"{problem.name}: constraint {bqp.constraint_names[r]} has "
                             f"coefficients CP-SAT cannot scale to integers exactly")
        lhs = cp_model.LinearExpr.weighted_sum(x, scaled[:-1].tolist())
        bound = int(scaled[-1])
        model.add(lhs <= bound if sense == "<=" else lhs >= bound if sense == ">="
                  else lhs == bound)
    values, scale, exact = _integers(np.concatenate((bqp.linear, bqp.coefficients,
                                                     [bqp.constant])), "objective")
    objective = cp_model.LinearExpr.weighted_sum(x + products, values[:-1].tolist()) \
        + int(values[-1])
    if bqp.sense == "max":
        model.maximize(objective)
    else:
        model.minimize(objective)
    return _run(model, problem, x, _bits, scale, start, deadline, seed, num_workers, exact,
                {"objective_scale": scale, "exact_integer_model": exact,
                 "product_booleans": len(products)}, deterministic, progress=progress)


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
    if model is None:
        info["cp_sat"] = (f"not run: {sizes['product']} product booleans > "
                          f"{QAP_PRODUCT_MAX_TERMS}")
        found, moves = _qap_tabu_search(flow, dist, _qap_start(flow, dist), rng, deadline)
    else:
        found, moves = _qap_tabu_search(flow, dist, _qap_start(flow, dist), rng,
                                        start + budget * QAP_SEARCH_SHARE,
                                        stall=budget * QAP_STALL_SHARE)
    _, best, claimed = found[-1]
    trace = [(t - start, problem.evaluate(p)) for t, p, _ in found]
    info["local_search_objective"] = trace[-1][1]
    _tell(progress, trace[-1:], phase="tabu search")
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
        more, extra = _qap_tabu_search(flow, dist, best, rng, deadline)
        moves += extra
        if len(more) > 1:
            _, best, claimed = more[-1]
            info["source"] = "local_search"
            trace += [(t - start, problem.evaluate(p)) for t, p, _ in more[1:]]
            _tell(progress, trace[-1:], phase="tabu search")
    return _qap_answer(best, "feasible", trace, info, moves, claimed / scale if exact else None)


def _tell(progress, points, **detail) -> None:
    if progress is not None:
        for _, value in points:
            progress.improved(value, **detail)


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


def _qap_tabu_search(flow, dist, start, rng, end: float, stall: float | None = None):
    """Robust tabu search (Taillard 1991) over 2-swaps from the permutation ``start``, until
    ``end`` or, when ``stall`` is given, until ``stall`` seconds or ``QAP_STALL_MOVES`` × n
    moves pass without improvement.

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


def _improving(points) -> list[tuple[float, float]]:
    """The points of a (time, objective) sequence that beat every earlier one (minimising)."""
    kept = []
    for t, value in points:
        if not kept or value < kept[-1][1]:
            kept.append((t, value))
    return kept


def edge_clique_cover(n: int, edges: list, work_limit: int = CLIQUE_COVER_WORK) -> list[list[int]]:
    """Cliques that together hold every edge ``(u, v)`` (``u < v``), grown greedily.

    A clique grows by the common neighbour with the most neighbours among the remaining common
    neighbours. The work (sum of squared candidate counts) is bounded by ``work_limit``, so the
    cover is deterministic; edges still uncovered when the budget is spent stay cliques of two.

    >>> edge_clique_cover(4, [(0, 1), (0, 2), (1, 2), (2, 3)])
    [[0, 1, 2], [2, 3]]
    """
    neighbours = [set() for _ in range(n)]
    for u, v in edges:
        neighbours[u].add(v)
        neighbours[v].add(u)
    covered: set[tuple[int, int]] = set()
    cliques, work = [], 0
    for u, v in edges:
        if work >= work_limit:
            break
        if (u, v) in covered:
            continue
        clique, candidates = [u, v], neighbours[u] & neighbours[v]
        while candidates:
            work += len(candidates) ** 2
            best = max(candidates, key=lambda c: len(neighbours[c] & candidates))
            clique.append(best)
            candidates &= neighbours[best]
        clique.sort()
        covered.update(itertools.combinations(clique, 2))
        cliques.append(clique)
    return cliques + [[u, v] for u, v in edges if (u, v) not in covered]


def _bits(values) -> np.ndarray:
    return np.array(values, dtype=np.int8)


class _Trace(cp_model.CpSolverSolutionCallback):
    """Records (seconds, objective) of every improving solution, verified by the problem."""

    def __init__(self, problem, variables, decode, start: float, progress=None,
                 scale: float = 1.0):
        super().__init__()
        self.problem, self.variables, self.decode, self.start = problem, variables, decode, start
        self.progress, self.scale = progress, scale
        self.points: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        solution = self.decode([self.value(v) for v in self.variables])
        value = self.problem.evaluate(solution)
        self.points.append((time.perf_counter() - self.start, value))
        if self.progress is not None:
            self.progress.improved(value, phase="cp-sat",
                                   bound=self.best_objective_bound / self.scale)


def _clock(time_limit: float | None) -> tuple[float, float]:
    """(start, deadline): the limit covers model building and search."""
    start = time.perf_counter()
    return start, start + float(time_limit or DEFAULT_TIME_LIMIT)


def _solver(deadline: float, seed: int, num_workers: int | None,
            deterministic: bool) -> cp_model.CpSolver:
    """A CP-SAT solver limited to ``deadline``; ``deterministic`` makes runs repeatable.

    Repeatable means: one worker (or several interleaved, when ``num_workers`` is given) and a
    deterministic-time limit of ``DETERMINISTIC_SHARE`` of the time left, which stops the search
    before the wall-clock limit unless the machine is much slower than CP-SAT's calibration
    (``info["stopped_by"]`` then says ``"wall clock"``: that run is not repeatable).
    """
    if not isinstance(deterministic, bool):
        raise ValueError(f"deterministic must be True or False, got {deterministic!r}")
    left = max(deadline - time.perf_counter(), 0.01)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = left
    solver.parameters.random_seed = int(seed)
    if deterministic:
        solver.parameters.num_workers = int(num_workers or 1)
        solver.parameters.interleave_search = solver.parameters.num_workers > 1
        solver.parameters.max_deterministic_time = DETERMINISTIC_SHARE * left
    else:
        solver.parameters.num_workers = int(num_workers or available_threads())
    return solver


def _stop_info(solver: cp_model.CpSolver, status) -> dict:
    """Workers, wall and deterministic time, and which limit ended a search that was not
    finished (``"deterministic time"`` is repeatable, ``"wall clock"`` is not)."""
    info = {"wall_time": solver.wall_time, "num_workers": solver.parameters.num_workers,
            "deterministic_time": solver.deterministic_time}
    limit = solver.parameters.max_deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        spent_all = solver.deterministic_time >= 0.99 * limit
        info["stopped_by"] = "deterministic time" if spent_all else "wall clock"
    return info


def _run(model, problem, variables, decode, scale, start, deadline, seed, num_workers,
         exact, info, deterministic: bool = False, probing: bool = True,
         progress=None) -> Answer:
    """Solve until ``deadline``; trace times count from ``start``."""
    solver = _solver(deadline, seed, num_workers, deterministic)
    if not probing:
        solver.parameters.cp_model_probing_level = 0
    trace = _Trace(problem, variables, decode, start, progress, scale)
    status = solver.solve(model, trace)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the model of {problem.name}: {model.validate()}")
    info = dict(info, cp_sat_status=solver.status_name(status), **_stop_info(solver, status))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Answer(solution=None, status="feasible", info=info)
    solution = decode([solver.value(v) for v in variables])
    info.update(bound=solver.best_objective_bound / scale,
                claimed_objective=solver.objective_value / scale)
    proved = status == cp_model.OPTIMAL and exact
    return Answer(solution=solution, status="optimal" if proved else "feasible",
                  trace=tuple(trace.points), info=info)


def _integers(values: np.ndarray, what: str) -> tuple[np.ndarray, int, bool]:
    """``values`` times the smallest power of ten (up to 10^6) that makes them integers.

    Returns (integers, factor, exact); when no such power exists the values are rounded at
    10^6 and ``exact`` is False.
    """
    values = np.asarray(values, dtype=float)
    for decimals in range(MAX_DECIMALS + 1):
        factor = 10**decimals
        scaled = values * factor
        rounded = np.round(scaled)
        if np.all(np.abs(scaled - rounded) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            exact = True
            break
    else:
        exact = False
    if np.abs(rounded).sum() >= MAX_COEFFICIENT:
        raise ValueError(f"{what} are too large for CP-SAT's 64-bit integer arithmetic after "
                         f"scaling by {factor}")
    return rounded.astype(np.int64), factor, exact
