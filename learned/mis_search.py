"""Numba kernels for independent sets on a CSR graph: greedy decoding, ARW iterated local
search, and the solution-guided partition used by UDC's dividing step.

A graph is ``(indptr, indices)`` with sorted neighbour lists; a solution is an int8 0/1
vector ``sol`` with ``tight[v]`` = number of selected neighbours of ``v``. Every kernel keeps
``sol`` independent: a node is only added when ``tight`` says it has no selected neighbour.

>>> indptr, indices = csr(4, np.array([[0, 1], [1, 2], [2, 3]]))
>>> sol = greedy(indptr, indices, np.array([1, 0, 2, 3]))
>>> sol.tolist(), is_independent(indptr, indices, sol)
([0, 1, 0, 1], True)
"""

from __future__ import annotations

import numba
import numpy as np


def csr(n: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted CSR adjacency ``(indptr, indices)`` (int64) of an undirected edge array."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    src = np.concatenate([edges[:, 0], edges[:, 1]])
    dst = np.concatenate([edges[:, 1], edges[:, 0]])
    order = np.lexsort((dst, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, np.ascontiguousarray(dst[order])


def rng_state(seed: int) -> np.ndarray:
    """A xorshift64* state for the kernels, from any integer seed."""
    mixed = np.random.default_rng(seed).integers(1, 2**63 - 1, dtype=np.int64)
    return np.array([mixed], dtype=np.uint64)


@numba.njit(cache=True)
def _next(state) -> np.uint64:
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(2685821657736338717)


@numba.njit(cache=True)
def _below(state, bound: int) -> int:
    return int((_next(state) >> np.uint64(11)) % np.uint64(bound))


@numba.njit(cache=True)
def _uniform(state) -> float:
    return float(_next(state) >> np.uint64(11)) / 9007199254740992.0


@numba.njit(cache=True)
def adjacent(indptr, indices, u: int, v: int) -> bool:
    lo, hi = indptr[u], indptr[u + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if indices[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo < indptr[u + 1] and indices[lo] == v


@numba.njit(cache=True)
def greedy(indptr, indices, order):
    """Add the nodes in ``order`` whenever none of their neighbours is in yet."""
    n = len(indptr) - 1
    sol = np.zeros(n, dtype=np.int8)
    blocked = np.zeros(n, dtype=np.bool_)
    for v in order:
        if not blocked[v]:
            sol[v] = 1
            blocked[v] = True
            for k in range(indptr[v], indptr[v + 1]):
                blocked[indices[k]] = True
    return sol


@numba.njit(cache=True)
def tightness(indptr, indices, sol):
    """``tight[v]``: how many neighbours of ``v`` are selected."""
    n = len(indptr) - 1
    tight = np.zeros(n, dtype=np.int64)
    for v in range(n):
        if sol[v]:
            for k in range(indptr[v], indptr[v + 1]):
                tight[indices[k]] += 1
    return tight


@numba.njit(cache=True)
def is_independent(indptr, indices, sol) -> bool:
    for v in range(len(indptr) - 1):
        if sol[v]:
            for k in range(indptr[v], indptr[v + 1]):
                if sol[indices[k]]:
                    return False
    return True


@numba.njit(cache=True)
def _add(indptr, indices, sol, tight, v):
    sol[v] = 1
    for k in range(indptr[v], indptr[v + 1]):
        tight[indices[k]] += 1


@numba.njit(cache=True)
def _remove(indptr, indices, sol, tight, v):
    sol[v] = 0
    for k in range(indptr[v], indptr[v + 1]):
        tight[indices[k]] -= 1


@numba.njit(cache=True)
def _push(queue, queued, qlen, v):
    if not queued[v]:
        queued[v] = True
        queue[qlen] = v
        qlen += 1
    return qlen


@numba.njit(cache=True)
def _push_owner(indptr, indices, sol, queue, queued, qlen, y):
    """Queue the one selected neighbour of the 1-tight node ``y``."""
    for k in range(indptr[y], indptr[y + 1]):
        if sol[indices[k]]:
            return _push(queue, queued, qlen, indices[k])
    return qlen


@numba.njit(cache=True)
def _two_improvements(indptr, indices, sol, tight, queue, queued, qlen, buffer):
    """ARW's (1,2)-swaps until none is left among the queued selected nodes: remove ``x``,
    insert two non-adjacent neighbours whose only selected neighbour is ``x`` (then any
    neighbour of ``x`` left free). Returns the number of nodes gained."""
    gained = 0
    while qlen > 0:
        qlen -= 1
        x = queue[qlen]
        queued[x] = False
        if not sol[x]:
            continue
        count = 0
        for k in range(indptr[x], indptr[x + 1]):
            v = indices[k]
            if tight[v] == 1:
                buffer[count] = v
                count += 1
        if count < 2:
            continue
        u = w = -1
        for a in range(count):
            for b in range(a + 1, count):
                if not adjacent(indptr, indices, buffer[a], buffer[b]):
                    u, w = buffer[a], buffer[b]
                    break
            if u >= 0:
                break
        if u < 0:
            continue
        _remove(indptr, indices, sol, tight, x)
        _add(indptr, indices, sol, tight, u)
        _add(indptr, indices, sol, tight, w)
        gained += 1
        for k in range(indptr[x], indptr[x + 1]):
            v = indices[k]
            if not sol[v] and tight[v] == 0:
                _add(indptr, indices, sol, tight, v)
                gained += 1
                qlen = _push(queue, queued, qlen, v)
        qlen = _push(queue, queued, qlen, u)
        qlen = _push(queue, queued, qlen, w)
        for k in range(indptr[x], indptr[x + 1]):
            v = indices[k]
            if not sol[v] and tight[v] == 1:
                qlen = _push_owner(indptr, indices, sol, queue, queued, qlen, v)
    return gained


@numba.njit(cache=True)
def local_search(indptr, indices, sol, tight):
    """Fill free nodes, then (1,2)-swaps to a local optimum; returns the nodes gained."""
    n = len(indptr) - 1
    queue = np.empty(n, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    buffer = np.empty(n, dtype=np.int64)
    gained, qlen = 0, 0
    for v in range(n):
        if not sol[v] and tight[v] == 0:
            _add(indptr, indices, sol, tight, v)
            gained += 1
    for v in range(n):
        if sol[v]:
            qlen = _push(queue, queued, qlen, v)
    return gained + _two_improvements(indptr, indices, sol, tight, queue, queued, qlen, buffer)


@numba.njit(cache=True)
def draw_node(state, cumulative, n: int) -> int:
    """A node drawn uniformly (empty ``cumulative``) or by the weights whose running sum
    ``cumulative`` holds (binary search)."""
    if len(cumulative) == 0:
        return np.int64(_below(state, n))
    target = _uniform(state) * cumulative[n - 1]
    lo, hi = 0, n - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] <= target:
            lo = mid + 1
        else:
            hi = mid
    return np.int64(lo)


@numba.njit(cache=True)
def iterated_local_search(indptr, indices, sol, tight, best, iterations: int, state,
                          cumulative):
    """ARW's iterated local search (Andrade, Resende, Werneck 2012) for ``iterations`` steps.

    Each step force-inserts one random unselected node (rarely a few), removing its selected
    neighbours, refills free nodes and runs (1,2)-swaps around the change. A worse result is
    kept with probability ``1 / (1 + d·d*)`` (d: loss against the current solution, d*:
    against the best), otherwise undone. ``sol``/``tight`` hold the current solution,
    ``best`` the best one (updated in place). ``cumulative`` (running sum of one weight
    per node; empty: uniform) draws the inserted node by weight. Returns the size of
    ``best``.
    """
    n = len(indptr) - 1
    queue = np.empty(n, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    buffer = np.empty(n, dtype=np.int64)
    saved_sol, saved_tight = sol.copy(), tight.copy()
    size = int(sol.sum())
    best_size = int(best.sum())
    if size > best_size:
        best[:] = sol
        best_size = size
    for _ in range(iterations):
        if size == n:
            break
        saved_sol[:] = sol
        saved_tight[:] = tight
        new_size = size
        strength = 1
        while strength < 4 and _uniform(state) < 2.0 / max(size, 1):
            strength += 1
        qlen = 0
        for _ in range(strength):
            v = draw_node(state, cumulative, n)
            tries = 0
            while sol[v] and tries < 16:
                v = draw_node(state, cumulative, n)
                tries += 1
            if sol[v]:
                continue
            for k in range(indptr[v], indptr[v + 1]):
                y = indices[k]
                if sol[y]:
                    _remove(indptr, indices, sol, tight, y)
                    new_size -= 1
                    for j in range(indptr[y], indptr[y + 1]):
                        z = indices[j]
                        if not sol[z] and tight[z] == 1 and z != v:
                            qlen = _push_owner(indptr, indices, sol, queue, queued, qlen, z)
            _add(indptr, indices, sol, tight, v)
            new_size += 1
            qlen = _push(queue, queued, qlen, v)
            for k in range(indptr[v], indptr[v + 1]):
                y = indices[k]
                for j in range(indptr[y], indptr[y + 1]):
                    z = indices[j]
                    if not sol[z] and tight[z] == 0:
                        _add(indptr, indices, sol, tight, z)
                        new_size += 1
                        qlen = _push(queue, queued, qlen, z)
        new_size += _two_improvements(indptr, indices, sol, tight, queue, queued, qlen, buffer)
        if new_size > best_size:
            best[:] = sol
            best_size = new_size
        if new_size >= size:
            size = new_size
            continue
        loss, gap = size - new_size, best_size - new_size
        if _uniform(state) < 1.0 / (1.0 + loss * gap):
            size = new_size
        else:
            sol[:] = saved_sol
            tight[:] = saved_tight
    return best_size


@numba.njit(cache=True)
def solution_parts(indptr, indices, sol, tight, order, part_size: int, reach: int, state):
    """Partition around the selected nodes: ``part[v]`` is a part id or -1 (border).

    Selected nodes are taken in ``order`` as seeds of new parts; a part grows by the
    selected neighbour of the unselected node it holds most of (ties broken at random),
    and an unselected node belongs to the part once all its selected neighbours do, until
    the part reaches ``part_size`` nodes or touches ``reach * part_size`` nodes (dense
    graphs: there a node completes only when most selected nodes are in). Unselected nodes
    whose selected neighbours lie in several parts are borders (-1); later rounds, with
    another order, move the borders.
    """
    n = len(indptr) - 1
    part = np.full(n, -1, dtype=np.int64)
    inside = np.zeros(n, dtype=np.int64)  # selected neighbours already in the current part
    touched = np.empty(n, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    g = 0
    for s in order:
        if not sol[s] or part[s] >= 0:
            continue
        count = 0
        nt = 0
        nm = 0
        x = s
        while x >= 0:
            part[x] = g
            members[nm] = x
            nm += 1
            count += 1
            for k in range(indptr[x], indptr[x + 1]):
                y = indices[k]
                if part[y] >= 0 and part[y] != g:
                    continue
                if inside[y] == 0:
                    touched[nt] = y
                    nt += 1
                inside[y] += 1
                if inside[y] == tight[y]:
                    part[y] = g
                    count += 1
            if count >= part_size or nt >= reach * part_size:
                break
            x = -1
            fewest = n + 1
            for t in range(nt):
                y = touched[t]
                missing = tight[y] - inside[y]
                if missing <= 0 or part[y] >= 0:
                    continue
                if missing < fewest or (missing == fewest and _below(state, 2) == 0):
                    for k in range(indptr[y], indptr[y + 1]):
                        z = indices[k]
                        if sol[z] and part[z] < 0:
                            x = z
                            fewest = missing
                            break
        for t in range(nt):
            inside[touched[t]] = 0
        g += 1
    return part


@numba.njit(cache=True)
def free_in_part(indptr, indices, sol, nodes, in_part):
    """The nodes of a part (``in_part`` marks them) with no selected neighbour outside it."""
    keep = np.zeros(len(nodes), dtype=np.bool_)
    for i in range(len(nodes)):
        v = nodes[i]
        free = True
        for k in range(indptr[v], indptr[v + 1]):
            y = indices[k]
            if sol[y] and not in_part[y]:
                free = False
                break
        keep[i] = free
    return nodes[keep]
