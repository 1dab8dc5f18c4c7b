"""``method="exact"``: brute-force enumeration for tiny instances.

The reference for tests and for the quantum solvers' P(optimal). It uses nothing
but the problem's own ``check`` and ``evaluate``, so it shares no code with the
compilers it is used to test.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from problems.errors import InfeasibleSolution
from solvers.registry import Need
from solvers.result import Answer

# Largest size per problem type that enumerates in seconds.
LIMITS = {"TSP": 10, "QAP": 9, "MDKP": 18, "MIS": 18, "RobustKnapsack": 10, "BQP": 16,
          "MaxCut": 16}


class TooLargeForExact(ValueError):
    pass


def exact_need(problem, **options) -> Need:
    """Size against the largest that enumerates in seconds (``LIMITS``).

    >>> from problems import MIS
    >>> exact_need(MIS.random(30, seed=0)).fits
    False
    """
    kind = type(problem).__name__
    return Need(amount=problem.size, limit=LIMITS.get(kind, 12), unit="size (2^size or size! "
                "candidates enumerated)", what=f"{kind} {problem.name}")


def _candidates(problem):
    n = problem.size
    if problem.solution_kind == "permutation":
        if type(problem).__name__ == "TSP":  # tours are equal up to rotation: fix city 0 first
            for rest in itertools.permutations(range(1, n)):
                yield np.array((0,) + rest)
        else:
            for perm in itertools.permutations(range(n)):
                yield np.array(perm)
    else:
        for bits in itertools.product((0, 1), repeat=n):
            yield np.array(bits, dtype=np.int8)


def solve_exact(problem, *, time_limit=None, seed=0, progress=None) -> Answer:
    """Enumerate every solution and return a proved optimum (or raise when too large).

    >>> from problems import MIS
    >>> solve_exact(MIS.random(6, p=0.5, seed=2)).status
    'optimal'
    """
    kind = type(problem).__name__
    limit = LIMITS.get(kind, 12)
    if problem.size > limit:
        raise TooLargeForExact(f"exact enumeration handles {kind} up to size {limit}; "
                               f"this instance has size {problem.size}")
    start = time.perf_counter()
    sign = 1.0 if problem.sense == "min" else -1.0
    best, best_value, trace = None, math.inf, []
    for candidate in _candidates(problem):
        if time_limit is not None and time.perf_counter() - start > time_limit:
            return Answer(solution=best, status="feasible", trace=tuple(trace),
                          info={"stopped": "time_limit"})
        try:
            problem.check(candidate)
        except InfeasibleSolution:
            continue
        value = sign * problem.evaluate(candidate)
        if value < best_value - 1e-9:
            best, best_value = candidate, value
            trace.append((time.perf_counter() - start, sign * value))
            if progress is not None:
                progress.improved(sign * value)
    if best is None:
        return Answer(solution=None, status="feasible", info={"proved_infeasible": True})
    return Answer(solution=best, status="optimal", trace=tuple(trace),
                  info={"claimed_objective": sign * best_value})
