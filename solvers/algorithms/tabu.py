"""``method="tabu"``: breakout local search with one-flip tabu moves, for QUBO, MaxCut and
constrained BQPs.

The search follows breakout local search (BLS; Benlic & Hao 2013, for MaxCut) on the energy
``E(x) = xᵀQx`` of any QUBO, with the one-flip moves and the tabu rule of the QUBO tabu
searches (Glover, Lü & Hao 2010):

* **descent**: steepest one-flip descent (the move with the most negative flip gain
  ``Δ_i = (1 - 2x_i) g_i``, ``g`` the local fields, ties broken at random) down to a local
  optimum;
* **perturbation** of ``L`` moves from that optimum, then descent again. With probability
  ``P = max(exp(-ω/T), P0)`` (``P0 = 0.8``) the perturbation is *directed*: each move is the
  best flip that is not tabu (a tabu one only when it beats the best energy found, the
  aspiration rule), however much it costs, and it ends early at a new best energy; otherwise
  it flips ``min(L, n/10)`` random variables. ``ω`` counts the local optima since the best one
  improved. Every flipped variable stays tabu for a random ``3 .. n/10`` moves (``tenure``;
  up to ``min(10, n/2)`` on models of under 100 variables).
* **jump magnitude**: ``L = L0`` after a different local optimum; ``L + 1`` when the descent
  fell back into the optimum it left (a 64-bit Zobrist hash of ``x`` says so), up to ``Lmax``;
  after ``T = 1000`` local optima without improvement one strong random perturbation.
* **restarts** (not in BLS): when ``R · luby(k)`` local optima in a row have not improved the
  best energy of the current run, the search restarts from a random point (each variable
  flipped with probability 1/2; the best solution found so far is kept). ``R = 1000`` and
  ``luby(k)`` is the k-th term (k = restarts so far + 1) of Luby's universal restart sequence
  1, 1, 2, 1, 1, 2, 4, 1, … (Luby, Sinclair & Zuckerman 1993), so runs that keep improving are
  never cut and later runs get longer.

Why the restarts: on ±1 graphs with hubs (unions of two random Apollonian triangulations of
800 nodes, the degree profile of the rudy planar graphs: minimum degree 6, a tail to degree
100+) the walk without restarts stays in the region where it started: four seeds ended at
1004, 1009, 1005 and 992 in 20 s runs (the 992 found at 1.9 s, then 18 s without
improvement); with restarts 1005, 1007, 1005, 1005, and at 10 s 998–1007 against 992–1009. On
an 800-node ±1 random graph of density 6 %, a unit-weight Apollonian union and a dense
bqp500-like QUBO the cuts stayed within the seed-to-seed spread (generated graphs only, never
the Gset files). A longer tenure (n/5) helped the Apollonian unions of 800 nodes too but was
worse on 1,600–2,000-node graphs, so the tenure stays BLS's.

BLS starts from ``L0 = n/100`` and caps at ``Lmax = n/10``. Here ``L0 = n/4`` and
``Lmax = n``: on generated graphs (random ±1 toroidal grids of 800 and 1,600 nodes, unions of
two random planar triangulations with ±1 and unit weights, ±1 Erdős–Rényi graphs of 800–2,000
nodes; 10 s runs, never the Gset files), directed perturbations of n/4 to n moves found
clearly better cuts than n/100 .. n/10 on the 800-node ±1 graph of density 6 % (2,086–2,092
against 2,041) and the ±1 planar union (990 against 977), and cuts within noise (±3) on the
others (rechecked in session 6 on a ±1 Delaunay union of 2,000 nodes and a ±1 random graph
of 1,600 nodes, degree 48: n/100 .. n/10 again behind, 2,571/2,566 against 2,595/2,582 and
4,329 against 4,361/4,372); so the search is mostly a tabu walk broken into stretches of
``L`` moves, each ended by a descent.

Finding the best move is the hot loop. On sparse models (``degree · log2 n < n/4``: planar and
toroidal graphs, sparse random graphs) the gains sit in two tournament trees, one for the free
variables and one for the tabu ones, each leaf updated in O(log n) when a neighbour's flip
changes its gain (ties broken by a random priority drawn at each update), and tabu tenures
expire through a ring of per-move lists; a move then costs O(degree · log n) instead of a scan
of all n gains (2 to 6 times more moves per second on the generated toroidal grids and ±1
random graphs of 1,000 and 2,000 nodes). Denser models (the OR-Library QUBOs, penalty QUBOs,
the 800-node random graphs of degree 48, where the trees made fewer moves than the scan) scan
the gains.

The kernel's random numbers come from its own xorshift generator, seeded from ``seed``, and
the kernel returns every ``chunk`` moves so the clock is read between chunks; chunking does
not change the search, so the same seed and ``iterations`` budget give the same answer
(``info["stopped_by"]`` says whether the clock or the budget ended the run).

A constrained BQP is searched on its penalty QUBO (``to_qubo()``, slack bits included); the
decoded answer is then checked like any other (``solve`` reports it infeasible if the penalty
search ends outside the feasible set).
"""

from __future__ import annotations

import math
import time

import numba
import numpy as np
import scipy.sparse as sp

from problems.errors import InfeasibleSolution
from solvers.registry import Need
from solvers.result import Answer

DEFAULT_TIME_LIMIT = 10.0
CHUNK_WORK = 2_000_000  # moves per chunk x cost of a move: a few milliseconds between clock reads
MAX_ENTRIES = 25_000_000  # stored QUBO entries: a dense 5,000 x 5,000 float64 matrix is 200 MB
TIE = 1e-9
STAGNATION = 1000  # T: local optima without improvement before a strong random perturbation
MIN_DIRECTED = 0.8  # P0: the least probability of a directed perturbation
MIN_TENURE = 3
RESTART = 1000  # R: a run ends after R·luby(k) local optima without improving its own best

# The search's state between chunks (kernel arrays ``ints`` and ``floats``).
MOVE, DONE, PHASE, LEFT, JUMP, OMEGA, DIRECTED, OPTIMA, STALL, RESTARTS = range(10)
ENERGY, BEST, RUN_BEST = range(3)
DESCENT, PERTURB = 0, 1
FREE, TABU = 0, 1


# Compiled lazily and cached on disk; `make install` (solvers.runs.warmup) compiles them once,
# so no timed call pays for it and importing this module compiles nothing.
@numba.njit(cache=True)
def _next(rng):  # pragma: no cover - compiled
    """The next value of the xorshift64 state ``rng[0]``."""
    s = rng[0]
    s ^= s << np.uint64(13)
    s ^= s >> np.uint64(7)
    s ^= s << np.uint64(17)
    rng[0] = s
    return s


@numba.njit(cache=True)
def _below(rng, bound):  # pragma: no cover - compiled
    """Uniform integer in 0..bound-1."""
    return np.int64((_next(rng) >> np.uint64(11)) % np.uint64(bound))


@numba.njit(cache=True)
def _uniform(rng):  # pragma: no cover - compiled
    """Uniform float in [0, 1)."""
    return np.float64(_next(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True)
def _luby(i):  # pragma: no cover - compiled
    """Term ``i`` (from 1) of Luby's sequence 1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8, ..."""
    k = 1
    while (1 << k) - 1 < i:
        k += 1
    while i != (1 << k) - 1:
        i -= (1 << (k - 1)) - 1
        k = 1
        while (1 << k) - 1 < i:
            k += 1
    return 1 << (k - 1)


@numba.njit(cache=True)
def _tree_set(key, prio, arg, t, i, value, rng):  # pragma: no cover - compiled
    """Set leaf ``i`` of tree ``t`` to ``value`` (+inf: absent) and repair the path to the root.

    Each node holds its subtree's smallest (key, priority) and the leaf that has it; the walk
    stops where the winner did not change.
    """
    size = key.shape[1] // 2
    node = size + i
    key[t, node] = value
    prio[t, node] = _uniform(rng)
    node >>= 1
    while node >= 1:
        left = 2 * node
        right = left + 1
        if key[t, left] < key[t, right] or (key[t, left] == key[t, right]
                                            and prio[t, left] <= prio[t, right]):
            child = left
        else:
            child = right
        if (arg[t, node] == arg[t, child] and key[t, node] == key[t, child]
                and prio[t, node] == prio[t, child]):
            return
        key[t, node] = key[t, child]
        prio[t, node] = prio[t, child]
        arg[t, node] = arg[t, child]
        node >>= 1


@numba.njit(cache=True)
def _gain(x, field, i):  # pragma: no cover - compiled
    return field[i] if x[i] == 0 else -field[i]


@numba.njit(cache=True)
def _scan(x, field, tabu_until, move, rng):  # pragma: no cover - compiled
    """Best free and best tabu move by a scan of all gains (dense models); ties at random."""
    free, free_gain, free_ties = -1, np.inf, 0
    tabu, tabu_gain, tabu_ties = -1, np.inf, 0
    for i in range(x.size):
        delta = _gain(x, field, i)
        if tabu_until[i] > move:
            if delta < tabu_gain - TIE:
                tabu, tabu_gain, tabu_ties = i, delta, 1
            elif delta <= tabu_gain + TIE:
                tabu_ties += 1
                if _below(rng, tabu_ties) == 0:
                    tabu = i
        elif delta < free_gain - TIE:
            free, free_gain, free_ties = i, delta, 1
        elif delta <= free_gain + TIE:
            free_ties += 1
            if _below(rng, free_ties) == 0:
                free = i
    return free, free_gain, tabu, tabu_gain


@numba.njit(cache=True)
def _flip(v, indptr, indices, data, x, field, tabu_until, ints, floats, hashed, zobrist,
          tenure, trees, key, prio, arg, ring_head, ring_next, ring_prev, rng):
    # pragma: no cover - compiled
    """Flip ``v``, update the gains (and their trees) and make ``v`` tabu."""
    move = ints[MOVE]
    delta = _gain(x, field, v)
    change = 1.0 if x[v] == 0 else -1.0
    x[v] = 1 - x[v]
    floats[ENERGY] += delta
    hashed[0] ^= zobrist[v]
    for k in range(indptr[v], indptr[v + 1]):
        u = indices[k]
        field[u] += 2.0 * data[k] * change
        if trees:
            _tree_set(key, prio, arg, TABU if tabu_until[u] > move else FREE, u,
                      _gain(x, field, u), rng)
    until = move + MIN_TENURE + _below(rng, tenure - MIN_TENURE + 1)
    if trees:
        if tabu_until[v] > move:  # already tabu: leave its old slot of the ring
            slot = tabu_until[v] % ring_head.size
            if ring_prev[v] >= 0:
                ring_next[ring_prev[v]] = ring_next[v]
            else:
                ring_head[slot] = ring_next[v]
            if ring_next[v] >= 0:
                ring_prev[ring_next[v]] = ring_prev[v]
        else:
            _tree_set(key, prio, arg, FREE, v, np.inf, rng)
        _tree_set(key, prio, arg, TABU, v, -delta, rng)
        slot = until % ring_head.size
        ring_prev[v] = -1
        ring_next[v] = ring_head[slot]
        if ring_head[slot] >= 0:
            ring_prev[ring_head[slot]] = v
        ring_head[slot] = v
    tabu_until[v] = until
    ints[MOVE] = move + 1
    ints[DONE] += 1


@numba.njit(cache=True)
def _expire(x, field, ints, key, prio, arg, ring_head, ring_next, rng):
    # pragma: no cover - compiled
    """Move the variables whose tenure ends at this move back to the free tree."""
    slot = ints[MOVE] % ring_head.size
    v = ring_head[slot]
    ring_head[slot] = -1
    while v >= 0:
        following = ring_next[v]
        _tree_set(key, prio, arg, TABU, v, np.inf, rng)
        _tree_set(key, prio, arg, FREE, v, _gain(x, field, v), rng)
        v = following


@numba.njit(cache=True)
def _breakout(indptr, indices, data, x, field, tabu_until, ints, floats, best_x, hashed,
              zobrist, moves, tenure, small_jump, large_jump, random_jump, patience, trees, key,
              prio, arg, ring_head, ring_next, ring_prev, rng):  # pragma: no cover - compiled
    """Up to ``moves`` flips of breakout local search (see the module docstring).

    ``ints``/``floats`` hold the state between calls (MOVE .. RESTARTS, ENERGY .. RUN_BEST);
    ``hashed`` = [hash of x, hash of the last local optimum]; ``best_x`` the best local
    optimum so far.
    """
    n = x.size
    stop = ints[DONE] + moves
    while ints[DONE] < stop:
        move = ints[MOVE]
        if trees:
            _expire(x, field, ints, key, prio, arg, ring_head, ring_next, rng)
            free, free_gain = arg[FREE, 1], key[FREE, 1]
            tabu, tabu_gain = arg[TABU, 1], key[TABU, 1]
        else:
            free, free_gain, tabu, tabu_gain = _scan(x, field, tabu_until, move, rng)
        if ints[PHASE] == DESCENT:
            if tabu_gain < free_gain:
                free, free_gain = tabu, tabu_gain
            if free_gain < -TIE:
                _flip(free, indptr, indices, data, x, field, tabu_until, ints, floats, hashed,
                      zobrist, tenure, trees, key, prio, arg, ring_head, ring_next, ring_prev,
                      rng)
                continue
            # a local optimum: keep it if best, then choose the next perturbation
            ints[OPTIMA] += 1
            if floats[ENERGY] < floats[BEST] - TIE:
                floats[BEST] = floats[ENERGY]
                best_x[:] = x
                ints[OMEGA] = 0
            else:
                ints[OMEGA] += 1
            if floats[ENERGY] < floats[RUN_BEST] - TIE:
                floats[RUN_BEST] = floats[ENERGY]
                ints[STALL] = 0
            else:
                ints[STALL] += 1
            if patience > 0 and ints[STALL] > patience * _luby(ints[RESTARTS] + 1):
                for i in range(n):
                    if _below(rng, 2) == 0:
                        if trees:
                            _expire(x, field, ints, key, prio, arg, ring_head, ring_next, rng)
                        _flip(i, indptr, indices, data, x, field, tabu_until, ints, floats,
                              hashed, zobrist, tenure, trees, key, prio, arg, ring_head,
                              ring_next, ring_prev, rng)
                floats[RUN_BEST] = np.inf
                ints[STALL] = 0
                ints[OMEGA] = 0
                ints[JUMP] = small_jump
                ints[RESTARTS] += 1
                continue
            directed = True
            if ints[OMEGA] > STAGNATION:
                ints[JUMP] = large_jump
                ints[OMEGA] = 0
                directed = False
            elif hashed[0] == hashed[1]:
                ints[JUMP] = min(ints[JUMP] + 1, large_jump)
            else:
                ints[JUMP] = small_jump
            hashed[1] = hashed[0]
            if directed:
                directed = _uniform(rng) < max(math.exp(-ints[OMEGA] / STAGNATION),
                                               MIN_DIRECTED)
            ints[DIRECTED] = 1 if directed else 0
            ints[LEFT] = ints[JUMP] if directed else min(ints[JUMP], random_jump)
            ints[PHASE] = PERTURB
            continue
        if ints[DIRECTED]:
            aspire = floats[ENERGY] + tabu_gain < floats[BEST] - TIE
            if tabu >= 0 and (free < 0 or free_gain == np.inf
                              or (aspire and tabu_gain < free_gain)):
                free = tabu
        else:
            free = _below(rng, n)
        _flip(free, indptr, indices, data, x, field, tabu_until, ints, floats, hashed, zobrist,
              tenure, trees, key, prio, arg, ring_head, ring_next, ring_prev, rng)
        ints[LEFT] -= 1
        if ints[LEFT] <= 0 or floats[ENERGY] < floats[BEST] - TIE:  # done or a new best
            ints[PHASE] = DESCENT


def tabu_search(Q, *, seed: int = 0, deadline: float | None = None,
                iterations: int | None = None, tenure: int | None = None,
                jump: int | None = None, max_jump: int | None = None, gains: str = "auto",
                restart: int = RESTART, on_improvement=None) -> tuple[np.ndarray, float, dict]:
    """Minimise ``x @ Q @ x`` over 0/1 vectors (``Q`` symmetric, dense or scipy sparse).

    Stops at ``deadline`` (a ``time.perf_counter()`` value) or after ``iterations`` moves,
    whichever comes first (one of them is required). ``tenure`` is the longest tabu tenure
    (default ``max(3, n/10, min(10, n/2))``), ``jump`` and ``max_jump`` the perturbation's
    ``L0`` and ``Lmax`` (defaults ``max(1, n/4)``, ``max(2, n)``), ``restart`` the unit ``R``
    of the Luby restart schedule in local optima (default 1000; 0: never restart). ``gains``
    picks how the best move is found: ``"trees"``, ``"scan"`` or ``"auto"`` (trees when
    ``degree · log2 n < n/4``).
    ``on_improvement(x, energy)`` is called whenever the best energy improves. Returns (best x,
    its energy, statistics).

    >>> Q = np.array([[-1.0, 2.0, 0.0], [2.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
    >>> x, energy, _ = tabu_search(Q, iterations=100)
    >>> float(energy), int(x[2])
    (-2.0, 1)
    """
    if deadline is None and iterations is None:
        raise ValueError("tabu_search needs a deadline or an iterations budget")
    _positive("iterations", iterations)
    Q = sp.csr_matrix(Q, dtype=float)
    n = Q.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int8), 0.0, {"moves": 0, "stopped_by": "empty model"}
    if tenure is None:  # BLS's n/10; small models (penalty QUBOs) up to 10 or n/2
        tenure = max(MIN_TENURE, n // 10, min(10, n // 2))
    small = max(1, n // 4) if jump is None else jump
    large = max(2, n) if max_jump is None else max_jump
    for name, value in (("tenure", tenure), ("jump", small), ("max_jump", large)):
        _positive(name, value)
    if tenure < MIN_TENURE:
        raise ValueError(f"tabu: tenure must be at least {MIN_TENURE}, got {tenure!r}")
    if not isinstance(restart, (int, np.integer)) or isinstance(restart, bool) or restart < 0:
        raise ValueError(f"tabu: restart must be a non-negative integer, got {restart!r}")
    if large < small:
        raise ValueError(f"tabu: max_jump ({large}) must be at least jump ({small})")
    diagonal = Q.diagonal()
    off = (Q - sp.diags(diagonal)).tocsr()
    off.eliminate_zeros()
    indptr, indices, data = (off.indptr.astype(np.int64), off.indices.astype(np.int64),
                             off.data.astype(np.float64))
    degree = off.nnz / max(n, 1)
    if gains not in ("auto", "trees", "scan"):
        raise ValueError(f"tabu: gains must be 'auto', 'trees' or 'scan', got {gains!r}")
    trees = gains == "trees" or (gains == "auto"
                                 and degree * max(1.0, math.log2(max(n, 2))) < n / 4)
    rng = np.random.default_rng(seed)
    kernel_rng = np.array([rng.integers(1, 2**63)], dtype=np.uint64)
    zobrist = rng.integers(0, 2**63, size=n, dtype=np.int64).astype(np.uint64)
    x = rng.integers(0, 2, size=n).astype(np.int8)
    field = diagonal + 2.0 * (off @ x)
    energy = float(x @ (off @ x) + diagonal @ x)
    tabu_until = np.zeros(n, dtype=np.int64)
    ints = np.zeros(10, dtype=np.int64)
    ints[JUMP] = small
    floats = np.array([energy, np.inf, np.inf])
    hashed = np.array([np.bitwise_xor.reduce(zobrist[x == 1]) if n else 0, 0], dtype=np.uint64)
    key, prio, arg = _trees(x, field, n if trees else 0, rng)
    ring_head = np.full(tenure + 1 if trees else 1, -1, dtype=np.int64)
    ring_next = np.full(n, -1, dtype=np.int64)
    ring_prev = np.full(n, -1, dtype=np.int64)
    best_x = x.copy()
    best_energy = energy
    if on_improvement is not None:
        on_improvement(best_x, best_energy)
    cost = (degree * math.log2(max(n, 2))) if trees else n + degree
    chunk = max(64, int(CHUNK_WORK // max(cost, 1.0)))
    stopped_by = "iterations"
    while True:
        budget = chunk if iterations is None else min(chunk, iterations - int(ints[DONE]))
        if budget <= 0:
            break
        if deadline is not None and time.perf_counter() >= deadline:
            stopped_by = "time limit"
            break
        _breakout(indptr, indices, data, x, field, tabu_until, ints, floats, best_x, hashed,
                  zobrist, budget, tenure, small, large, max(1, n // 10), restart, trees, key,
                  prio, arg, ring_head, ring_next, ring_prev, kernel_rng)
        if floats[BEST] < best_energy - TIE:
            best_energy = float(floats[BEST])
            if on_improvement is not None:
                on_improvement(best_x.copy(), best_energy)
    if floats[ENERGY] < best_energy - TIE:  # stopped inside a descent below the best optimum
        best_x, best_energy = x.copy(), float(floats[ENERGY])
        if on_improvement is not None:
            on_improvement(best_x, best_energy)
    best_energy = float(best_x @ (off @ best_x) + diagonal @ best_x)  # exact, no drift
    return best_x, best_energy, {"moves": int(ints[DONE]), "local_optima": int(ints[OPTIMA]),
                                 "stopped_by": stopped_by, "restarts": int(ints[RESTARTS]),
                                 "gains": "trees" if trees else "scan",
                                 "tenure": f"U({MIN_TENURE}..{tenure})",
                                 "jump": f"{small}..{large}"}


def _positive(name: str, value) -> None:
    if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
        raise ValueError(f"tabu: {name} must be a positive integer, got {value!r}")


def _trees(x: np.ndarray, field: np.ndarray, n: int, rng: np.random.Generator):
    """The free and tabu tournament trees over the gains of ``n`` variables (all free)."""
    size = 1
    while size < max(n, 1):
        size *= 2
    key = np.full((2, 2 * size), np.inf)
    prio = np.zeros((2, 2 * size))
    arg = np.full((2, 2 * size), -1, dtype=np.int64)
    if n == 0:
        return key, prio, arg
    arg[:, size:size + n] = np.arange(n)
    key[FREE, size:size + n] = np.where(x == 0, field, -field)
    prio[FREE, size:size + n] = rng.random(n)
    for node in range(size - 1, 0, -1):
        for t in (FREE, TABU):
            left, right = 2 * node, 2 * node + 1
            child = left if (key[t, left], prio[t, left]) <= (key[t, right], prio[t, right]) \
                else right
            key[t, node], prio[t, node], arg[t, node] = key[t, child], prio[t, child], \
                arg[t, child]
    return key, prio, arg


def tabu_need(problem, **options) -> Need:
    """Entries of the QUBO matrix the search builds: ``n + 2·products`` for an unconstrained
    model (sparse), ``(n + slack bits)²`` for the dense penalty QUBO of a constrained one.

    >>> from problems import MaxCut
    >>> tabu_need(MaxCut(n=4, edges=[(0, 1), (1, 2)])).amount
    8
    """
    model = problem.bqp
    what = f"the QUBO of {type(problem).__name__} {problem.name}"
    if not model.num_constraints:
        return Need(model.size + 2 * model.num_pairs, MAX_ENTRIES,
                    "matrix entries (sparse)", what)
    variables = model.size
    for row, rhs, sense in zip(model.A, model.rhs, model.constraint_senses):
        if sense == "==":
            continue
        if sense == ">=":
            row, rhs = -row, -rhs
        span = math.floor(float(rhs) - float(np.minimum(row, 0.0).sum()) + 1e-9)
        variables += max(span, 0).bit_length()
    return Need(variables ** 2, MAX_ENTRIES, "matrix entries (a dense penalty QUBO)", what)


def solve_tabu(problem, *, time_limit: float | None = None, seed: int = 0,
               iterations: int | None = None, tenure: int | None = None,
               jump: int | None = None, max_jump: int | None = None,
               restart: int = RESTART, progress=None) -> Answer:
    """Breakout local search on a BQP, QUBO or MaxCut (see the module docstring).

    ``time_limit`` (default 10 s) covers building the QUBO and the search; with ``iterations``
    the search also stops after that many moves (then the same seed gives the same answer).
    ``tenure``, ``jump``, ``max_jump`` and ``restart`` are :func:`tabu_search`'s.
    ``progress`` (set by ``solve``) is told of each improvement as it is found.

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
        value = problem.evaluate(solution)
        trace.append((time.perf_counter() - start, value))
        if progress is not None:
            progress.improved(value)

    x, energy, info = tabu_search(Q, seed=seed, deadline=deadline, iterations=iterations,
                                  tenure=tenure, jump=jump, max_jump=max_jump,
                                  restart=restart, on_improvement=record)
    solution = x if decode is None else decode(x)
    info["qubo_variables"] = len(x)
    if decode is None:
        info["claimed_objective"] = sign * (energy + offset)
    return Answer(solution=np.asarray(solution, dtype=np.int8), status="feasible",
                  trace=tuple(trace), info=info)
