"""The compiled part of the MCTS (``solvers.algorithms.mcts``): one worker's search state as
a few records (numba passes NamedTuples of arrays to compiled code) and the kernels that run
rounds of sampled k-opt actions on it. The moves themselves are the shared 2-opt / Or-opt
primitives of ``solvers.algorithms.local_search``.

The kernels compile on their first call (``cache=True`` keeps the machine code on disk);
``nqco warmup`` does it once after an install.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from solvers.algorithms.local_search import (cycle_length, dist, journaled_reverse, move2,
                                             or_opt_from, pop, pred, push, succ, two_opt_from,
                                             undo_to)

KICK, SAMPLE = 0, 1   # Settings.restart
TRIES = 2             # sampled actions per city and direction before its don't-look bit is set
KICK_SEGMENT = 50     # longest segment moved by a restart kick

# State.counts slots (ACTIONS is M, the number of actions so far)
ACTIONS, ROUNDS, ACTIVE, STALE, IMPROVEMENTS, FIRST = 0, 1, 2, 3, 4, 5
# State.lengths slots
CURRENT, BEST = 0, 1


class Settings(NamedTuple):
    """The search's parameters (see ``solve_mcts``); ``restart`` is ``KICK`` or ``SAMPLE``."""

    alpha: float
    beta: float
    h: float
    max_depth: int
    restart: int


class Memory(NamedTuple):
    """What the search learns per candidate edge (N, k): the weights ``W`` and the visit
    counts ``Q``; ``reverse`` finds the mirror edge (``Graph.reverse``)."""

    weights: np.ndarray
    visits: np.ndarray
    reverse: np.ndarray


class Sampling(NamedTuple):
    """The space-filling-curve ``order`` of the cities and each city's place in it, where the
    tour sampler looks when a city has no unvisited candidate."""

    order: np.ndarray
    order_pos: np.ndarray


class State(NamedTuple):
    """One worker's progress: the best tour, the integer counters (``ACTIONS``, ``ROUNDS``,
    ...), the current and best lengths (``CURRENT``, ``BEST``), the random state, and scratch
    rows for the k-opt action (``ints`` (6, ·), ``floats`` (k,))."""

    best: np.ndarray
    counts: np.ndarray
    lengths: np.ndarray
    rng: np.ndarray
    ints: np.ndarray
    floats: np.ndarray


@njit(cache=True, nogil=True)
def _rand(rng):
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return x * np.uint64(0x2545F4914F6CDD1D)


@njit(cache=True, nogil=True)
def _uniform(rng):
    return float(_rand(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def _randint(rng, n):
    return int(_uniform(rng) * n) % n


@njit(cache=True, nogil=True)
def advance(tour, queue, journal, metric, cand, memory, sampling, state, settings, budget,
             max_rounds):
    """Run rounds until ``budget`` cities were processed (returns False) or ``max_rounds``
    rounds are complete (returns True). All state lives in the records, so calls resume."""
    n = tour.city.shape[0]
    ist = state.counts
    fst = state.lengths
    eps = metric.eps
    done = 0
    while True:
        if ist[ACTIVE] == 0:
            if ist[ROUNDS] >= max_rounds:
                return True
            journal.meta[0] = 0
            journal.meta[1] = 0
            if ist[FIRST] == 0 or settings.restart == SAMPLE:
                _sample_tour(tour, memory.weights, cand, sampling, metric, state.rng)
                fst[CURRENT] = cycle_length(tour.city, metric)
                for v in range(n):
                    push(queue, v)
            else:
                fst[CURRENT] += _kick(tour, queue, journal, metric, state.rng)
            ist[ACTIVE] = 1
            ist[STALE] = 0
        while queue.meta[1] > 0:
            if done >= budget:
                return False
            done += 1
            a = pop(queue)
            gain = two_opt_from(a, tour, metric, cand, queue, journal)
            if gain == 0.0:
                gain = or_opt_from(a, tour, metric, cand, queue, journal)
            tried = 0
            for orient in range(2):
                for _ in range(TRIES):
                    if gain > 0.0:
                        break
                    tried += 1
                    gain = _action(a, orient, tour, queue, journal, metric, cand, memory, state,
                                   settings, fst[CURRENT])
            if gain > 0.0:
                fst[CURRENT] -= gain
                ist[IMPROVEMENTS] += 1
                ist[STALE] = 0
                push(queue, a)
            else:
                ist[STALE] += tried
                if ist[STALE] > settings.h * n:
                    while queue.meta[1] > 0:
                        pop(queue)
        # the round is over: keep, accept or revert
        ist[ACTIVE] = 0
        ist[ROUNDS] += 1
        if ist[FIRST] == 0 or fst[CURRENT] < fst[BEST] - eps:
            fst[CURRENT] = cycle_length(tour.city, metric)  # no drift in float sums
            if ist[FIRST] == 0 or fst[CURRENT] < fst[BEST]:
                fst[BEST] = fst[CURRENT]
                state.best[:] = tour.city
                ist[FIRST] = 1
        elif fst[CURRENT] > fst[BEST] + eps and settings.restart == KICK:
            if journal.meta[1] == 0:
                undo_to(tour, journal, 0)
            else:
                tour.city[:] = state.best
                for p in range(n):
                    tour.pos[tour.city[p]] = p
            fst[CURRENT] = fst[BEST]


@njit(cache=True, nogil=True)
def _listed(u, v, first, second, count):
    for e in range(count):
        if (first[e] == u and second[e] == v) or (first[e] == v and second[e] == u):
            return True
    return False


@njit(cache=True, nogil=True)
def _action(t1, orient, tour, queue, journal, metric, cand, memory, state, settings, length):
    """One sampled sequential k-opt action from ``t1``; returns its gain (0: undone)."""
    eps = metric.eps
    max_depth = settings.max_depth
    ist = state.counts
    W = memory.weights
    Q = memory.visits
    k = cand.neighbors.shape[1]
    if journal.ranges.shape[0] - journal.meta[0] < max_depth + 8:
        journal.meta[0] = 0  # journal full: the round falls back to a copy
        journal.meta[1] = 1
    added_b = state.ints[0]
    added_c = state.ints[1]
    added_r = state.ints[2]
    removed_u = state.ints[3]
    removed_v = state.ints[4]
    picks = state.ints[5]
    z = state.floats
    t2 = succ(tour, t1) if orient == 0 else pred(tour, t1)
    removed_u[0] = t1
    removed_v[0] = t2
    n_removed = 1
    n_added = 0
    gain_open = dist(t1, t2, metric)
    b = t2
    top = journal.meta[0]
    log_m = math.log(ist[ACTIONS] + 1.0)
    ist[ACTIONS] += 1
    for _ in range(max_depth):
        forward = succ(tour, t1) == b
        after_b = succ(tour, b) if forward else pred(tour, b)
        omega = 0.0
        for r in range(k):
            omega += W[b, r]
        omega = omega / k if omega > 0.0 else 1.0
        count = 0
        total = 0.0
        for r in range(k):
            g = gain_open - cand.dist[b, r]
            if g <= eps:
                break
            c = cand.neighbors[b, r]
            if c == t1 or c == after_b:
                continue
            cp = pred(tour, c) if forward else succ(tour, c)
            if (_listed(cp, c, added_b, added_c, n_added)
                    or _listed(b, c, removed_u, removed_v, n_removed)):
                continue
            score = W[b, r] / omega + settings.alpha * math.sqrt(log_m / (Q[b, r] + 1.0))
            if score < 1.0:
                continue
            z[count] = score
            picks[count] = r
            total += score
            count += 1
        if count == 0:
            break
        u = _uniform(state.rng) * total
        choice = count - 1
        for i in range(count):
            u -= z[i]
            if u < 0.0:
                choice = i
                break
        r = picks[choice]
        c = cand.neighbors[b, r]
        cp = pred(tour, c) if forward else succ(tour, c)
        Q[b, r] += 1
        move2(tour, t1, b, cp, c, journal)
        added_b[n_added] = b
        added_c[n_added] = c
        added_r[n_added] = r
        n_added += 1
        removed_u[n_removed] = cp
        removed_v[n_removed] = c
        n_removed += 1
        gain_open += dist(cp, c, metric) - cand.dist[b, r]
        gain = gain_open - dist(t1, cp, metric)
        if gain > eps:
            step = settings.beta * (math.exp(gain / length) - 1.0)
            for e in range(n_added):
                W[added_b[e], added_r[e]] += step
                s = memory.reverse[added_b[e], added_r[e]]
                if s >= 0:
                    W[added_c[e], s] += step
                push(queue, added_b[e])
                push(queue, added_c[e])
            for e in range(n_removed):
                push(queue, removed_u[e])
                push(queue, removed_v[e])
            return gain
        b = cp
    undo_to(tour, journal, top)
    return 0.0


@njit(cache=True, nogil=True)
def _kick(tour, queue, journal, metric, rng):
    """Swap two adjacent random tour segments (a double bridge); returns the length change."""
    city = tour.city
    n = city.shape[0]
    longest = min(KICK_SEGMENT, (n - 2) // 2)
    if longest < 1:
        return 0.0
    l1 = 1 + _randint(rng, longest)
    l2 = 1 + _randint(rng, longest)
    p0 = _randint(rng, n)
    i = (p0 + 1) % n
    mid = (i + l1) % n
    end = (i + l1 + l2 - 1) % n
    x = city[p0]
    a1 = city[i]
    a2 = city[(mid - 1 + n) % n]
    b1 = city[mid]
    b2 = city[end]
    y = city[(end + 1) % n]
    delta = (dist(x, b1, metric) + dist(b2, a1, metric) + dist(a2, y, metric)
             - dist(x, a1, metric) - dist(a2, b1, metric) - dist(b2, y, metric))
    journaled_reverse(tour, i, end, journal)
    journaled_reverse(tour, i, (i + l2 - 1) % n, journal)
    journaled_reverse(tour, (i + l2) % n, end, journal)
    for v in (x, a1, a2, b1, b2, y):
        push(queue, v)
    return delta


@njit(cache=True, nogil=True)
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


@njit(cache=True, nogil=True)
def _sample_tour(tour, W, cand, sampling, metric, rng):
    """Build a tour city by city, choosing the next city ∝ W among unvisited candidates, or
    else the nearer of the unvisited cities just before and after it in ``sampling.order``."""
    n = tour.city.shape[0]
    k = cand.neighbors.shape[1]
    order = sampling.order
    visited = np.zeros(n, dtype=np.bool_)
    after = np.arange(n + 1)    # after[x]: first unvisited order position >= x (n: none)
    before = np.arange(n + 1)   # before[x + 1]: last unvisited order position <= x (0: none)
    cur = _randint(rng, n)
    for step in range(n):
        tour.city[step] = cur
        tour.pos[cur] = step
        visited[cur] = True
        p = sampling.order_pos[cur]
        after[p] = p + 1
        before[p + 1] = p
        if step == n - 1:
            break
        total = 0.0
        for r in range(k):
            if not visited[cand.neighbors[cur, r]]:
                total += W[cur, r]
        nxt = -1
        if total > 0.0:
            u = _uniform(rng) * total
            for r in range(k):
                if not visited[cand.neighbors[cur, r]]:
                    nxt = cand.neighbors[cur, r]
                    u -= W[cur, r]
                    if u < 0.0:
                        break
        else:
            for r in range(k):
                if not visited[cand.neighbors[cur, r]]:
                    nxt = cand.neighbors[cur, r]
                    break
        if nxt < 0:
            fwd = _find(after, p)
            bwd = _find(before, p + 1) - 1
            if fwd < n and (bwd < 0 or dist(cur, order[fwd], metric)
                            <= dist(cur, order[bwd], metric)):
                nxt = order[fwd]
            else:
                nxt = order[bwd]
        cur = nxt


@njit(cache=True, nogil=True)
def reverse_index(cand):
    n, k = cand.shape
    rev = np.full((n, k), -1, dtype=np.int32)
    for i in range(n):
        for r in range(k):
            j = cand[i, r]
            for s in range(k):
                if cand[j, s] == i:
                    rev[i, r] = s
                    break
    return rev
