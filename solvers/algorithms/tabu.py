"""``method="tabu"``: one-flip tabu search for QUBO, MaxCut and constrained BQPs.

The search of the published QUBO/MaxCut heuristics (Glover, Lü & Hao 2010; Wang, Lü, Glover &
Hao 2012), in two layers:

* a numba kernel (``_tabu_moves``) makes one-flip moves on ``E(x) = xᵀQx``: each move scans the
  n flip gains ``Δ_i = (1 - 2x_i) g_i`` (``g`` the local fields, updated in O(degree) per move
  from a CSR copy of Q), takes the best move that is not tabu, or a tabu one that beats the
  best energy known (aspiration), breaks ties at random, and makes the flipped variable tabu for
  ``tenure + U{1..10}`` moves, ``tenure = n/20`` by default. (The QUBO papers use about n/100;
  on generated 800-node MaxCut graphs, random and geometric, n/20 found better cuts at the same
  number of moves, and on a generated 500-variable QUBO n/100 to n/12 tied.) A round ends after
  ``stall`` moves without improving its best (default ``max(1000, 20n)``);
* the Python loop keeps an elite pool of the ``elite`` best distinct round results and starts
  each new round from one of them: with probability 1/2 a random elite solution with a random
  ``n/20 .. n/5`` of its bits flipped, otherwise a point half-way between two elite solutions
  (a random half of the bits where they differ taken from the second).

The kernel's random numbers come from its own xorshift generator, seeded from ``seed``, and the
kernel returns every ``chunk`` moves so the clock is read between chunks; chunking does not
change the search, so the same seed and ``iterations`` budget give the same answer.

A constrained BQP is searched on its penalty QUBO (``to_qubo()``, slack bits included); the
decoded answer is then checked like any other (``solve`` reports it infeasible if the penalty
search ends outside the feasible set).
"""

from __future__ import annotations

import time

import numba
import numpy as np
import scipy.sparse as sp

from problems.errors import InfeasibleSolution
from solvers.result import Answer

DEFAULT_TIME_LIMIT = 10.0
CHUNK_WORK = 2_000_000  # moves per chunk x variables: a few milliseconds between clock reads
TIE = 1e-9


# Compiled lazily and cached on disk; `make install` (solvers.runs.warmup) compiles them once,
# so no timed call pays for it and importing this module compiles nothing.
@numba.njit(cache=True)
def _random(state, bound):  # pragma: no cover - compiled
    """Uniform integer in 0..bound-1 from the xorshift64 state ``state[0]``."""
    s = state[0]
    s ^= s << np.uint64(13)
    s ^= s >> np.uint64(7)
    s ^= s << np.uint64(17)
    state[0] = s
    return np.int64((s >> np.uint64(11)) % np.uint64(bound))


@numba.njit(cache=True)
def _tabu_moves(indptr, indices, data, x, field, tabu_until, counters, energies, best_x,
                known_best, moves, stall, tenure, rng):  # pragma: no cover - compiled
    """Up to ``moves`` one-flip moves; returns True when the round stalled.

    ``counters`` = [move number, moves since the round's best]; ``energies`` = [current energy,
    round's best]. ``known_best`` is the best energy of earlier rounds (for the aspiration).
    """
    n = x.size
    for _ in range(moves):
        move = counters[0]
        energy = energies[0]
        target = min(known_best, energies[1]) - TIE
        chosen = -1
        chosen_delta = np.inf
        ties = 0
        for i in range(n):
            delta = field[i] if x[i] == 0 else -field[i]
            if tabu_until[i] > move and energy + delta >= target:
                continue
            if delta < chosen_delta - TIE:
                chosen, chosen_delta, ties = i, delta, 1
            elif delta <= chosen_delta + TIE:
                ties += 1
                if _random(rng, ties) == 0:
                    chosen = i
        counters[0] = move + 1
        if chosen < 0:
            counters[1] += 1
        else:
            change = 1.0 if x[chosen] == 0 else -1.0
            x[chosen] = 1 - x[chosen]
            for k in range(indptr[chosen], indptr[chosen + 1]):
                field[indices[k]] += 2.0 * data[k] * change
            energies[0] = energy + chosen_delta
            tabu_until[chosen] = move + tenure + 1 + _random(rng, 10)
            if energies[0] < energies[1] - TIE:
                energies[1] = energies[0]
                best_x[:] = x
                counters[1] = 0
            else:
                counters[1] += 1
        if counters[1] >= stall:
            return True
    return False


def tabu_search(Q, *, seed: int = 0, deadline: float | None = None,
                iterations: int | None = None, stall: int | None = None, elite: int = 10,
                tenure: int | None = None, on_improvement=None) -> tuple[np.ndarray, float, dict]:
    """Minimise ``x @ Q @ x`` over 0/1 vectors (``Q`` symmetric, dense or scipy sparse).

    Stops at ``deadline`` (a ``time.perf_counter()`` value) or after ``iterations`` moves,
    whichever comes first (one of them is required). ``on_improvement(x, energy)`` is called
    whenever the best energy improves. Returns (best x, its energy, statistics).

    >>> Q = np.array([[-1.0, 2.0, 0.0], [2.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
    >>> x, energy, _ = tabu_search(Q, iterations=100)
    >>> float(energy), int(x[2])
    (-2.0, 1)
    """
    if deadline is None and iterations is None:
        raise ValueError("tabu_search needs a deadline or an iterations budget")
    if iterations is not None and (not isinstance(iterations, int) or iterations < 1):
        raise ValueError(f"tabu: iterations must be a positive integer, got {iterations!r}")
    if not isinstance(elite, int) or elite < 1:
        raise ValueError(f"tabu: elite must be a positive integer, got {elite!r}")
    Q = sp.csr_matrix(Q, dtype=float)
    n = Q.shape[0]
    stall = max(1000, 20 * n) if stall is None else stall
    if not isinstance(stall, int) or stall < 1:
        raise ValueError(f"tabu: stall must be a positive integer, got {stall!r}")
    diagonal = Q.diagonal()
    off = (Q - sp.diags(diagonal)).tocsr()
    off.eliminate_zeros()
    indptr, indices, data = (off.indptr.astype(np.int64), off.indices.astype(np.int64),
                             off.data.astype(np.float64))
    rng = np.random.default_rng(seed)
    kernel_rng = np.array([rng.integers(1, 2**63)], dtype=np.uint64)
    chunk = max(64, CHUNK_WORK // max(n, 1))
    tenure = n // 20 if tenure is None else tenure
    if not isinstance(tenure, int) or tenure < 0:
        raise ValueError(f"tabu: tenure must be a non-negative integer, got {tenure!r}")
    pool: list[tuple[float, np.ndarray]] = []
    x = rng.integers(0, 2, size=n).astype(np.int8)
    best_x, best_energy = x.copy(), float(x @ (off @ x) + diagonal @ x)
    if on_improvement is not None:
        on_improvement(best_x, best_energy)
    moves = rounds = 0
    while True:
        field = diagonal + 2.0 * (off @ x)
        energy = float(x @ (off @ x) + diagonal @ x)
        counters = np.zeros(2, dtype=np.int64)
        energies = np.array([energy, energy])
        round_x = x.copy()
        tabu_until = np.zeros(n, dtype=np.int64)
        stalled = False
        while not stalled:
            budget = chunk if iterations is None else min(chunk, iterations - moves)
            if budget <= 0 or (deadline is not None and time.perf_counter() >= deadline):
                break
            before = counters[0]
            stalled = _tabu_moves(indptr, indices, data, x, field, tabu_until, counters,
                                  energies, round_x, best_energy, budget, stall, tenure,
                                  kernel_rng)
            moves += int(counters[0] - before)
            if energies[1] < best_energy - TIE:
                best_energy = float(energies[1])
                best_x = round_x.copy()
                if on_improvement is not None:
                    on_improvement(best_x, best_energy)
        rounds += 1
        _remember(pool, round_x, float(energies[1]), elite)
        if not stalled:
            break
        x = _next_start(pool, rng, n)
    best_energy = float(best_x @ (off @ best_x) + diagonal @ best_x)  # exact, no drift
    return best_x, best_energy, {"moves": moves, "rounds": rounds, "stall": stall,
                                 "tenure": f"{tenure}+U(1..10)", "elite": elite}


def _remember(pool: list, x: np.ndarray, energy: float, size: int) -> None:
    """Keep the ``size`` best distinct solutions, best first."""
    if any(np.array_equal(x, other) for _, other in pool):
        return
    pool.append((energy, x.copy()))
    pool.sort(key=lambda item: item[0])
    del pool[size:]


def _next_start(pool: list, rng: np.random.Generator, n: int) -> np.ndarray:
    if len(pool) >= 2 and rng.random() < 0.5:
        a, b = rng.choice(len(pool), size=2, replace=False)
        x = pool[a][1].copy()
        differ = np.flatnonzero(x != pool[b][1])
        take = differ[rng.random(len(differ)) < 0.5]
        x[take] = pool[b][1][take]
        return x
    x = pool[int(rng.integers(len(pool)))][1].copy()
    flips = rng.choice(n, size=int(rng.integers(max(1, n // 20), max(2, n // 5) + 1)),
                       replace=False)
    x[flips] = 1 - x[flips]
    return x


def solve_tabu(problem, *, time_limit: float | None = None, seed: int = 0,
               iterations: int | None = None, stall: int | None = None,
               elite: int = 10, tenure: int | None = None) -> Answer:
    """Tabu search on a BQP, QUBO or MaxCut (see the module docstring).

    ``time_limit`` (default 10 s) covers building the QUBO and the search; with ``iterations``
    the search also stops after that many moves (then the same seed gives the same answer).

    >>> from problems import MaxCut
    >>> from solvers import solve
    >>> r = solve(MaxCut.random(30, p=0.3, seed=0), "tabu", iterations=20000)
    >>> r.feasible, r.objective == solve(MaxCut.random(30, p=0.3, seed=0), "tabu",
    ...                                  iterations=20000, seed=0).objective
    (True, True)
    """
    start = time.perf_counter()
    deadline = start + (DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit))
    model = problem.bqp
    sign = 1.0 if model.sense == "min" else -1.0
    if model.num_constraints:
        qubo = model.to_qubo()
        Q, offset, decode = qubo.Q, qubo.offset, qubo.decode
    else:  # straight from the sparse terms: no dense n x n matrix
        Q, offset, decode = sign * model.matrix(), sign * model.constant, None
    trace = []

    def record(x, energy):
        solution = x if decode is None else decode(x)
        try:
            problem.check(solution)
        except InfeasibleSolution:
            return
        trace.append((time.perf_counter() - start, problem.evaluate(solution)))

    x, energy, info = tabu_search(Q, seed=seed, deadline=deadline, iterations=iterations,
                                  stall=stall, elite=elite, tenure=tenure,
                                  on_improvement=record)
    solution = x if decode is None else decode(x)
    info["qubo_variables"] = len(x)
    if decode is None:
        info["claimed_objective"] = sign * (energy + offset)
    return Answer(solution=np.asarray(solution, dtype=np.int8), status="feasible",
                  trace=tuple(trace), info=info)
