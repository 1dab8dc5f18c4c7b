"""``method="ortools"``: the strongest plain use of OR-Tools for each problem type.

* TSP: routing with ``PATH_CHEAPEST_ARC`` then guided local search
  (``solvers.algorithms.ortools_routing``).
* MDKP, MIS, QAP, BQP, MaxCut: CP-SAT with all cores (``solvers.algorithms.cpsat``).
* RobustKnapsack: exact column-and-constraint generation with MathOpt (``solvers.algorithms.ccg``).
"""

from __future__ import annotations

import importlib
from typing import Callable

from solvers.registry import Need
from solvers.result import Answer

_BY_TYPE = {
    "TSP": ("solvers.algorithms.ortools_routing", "solve_tsp_routing"),
    "MDKP": ("solvers.algorithms.cpsat", "solve_mdkp_cpsat"),
    "MIS": ("solvers.algorithms.cpsat", "solve_mis_cpsat"),
    "QAP": ("solvers.algorithms.cpsat_qap", "solve_qap_cpsat"),
    "BQP": ("solvers.algorithms.cpsat", "solve_bqp_cpsat"),
    "MaxCut": ("solvers.algorithms.cpsat", "solve_bqp_cpsat"),
    "RobustKnapsack": ("solvers.algorithms.ccg", "solve_ccg"),
}
#: Cities up to which routing gets its dense cost matrix (``solvers.algorithms.ortools_routing``).
ROUTING_MAX_CITIES = 10_000
#: Terms (variables plus constraint coefficients) up to which a CP-SAT or MathOpt model is built.
MODEL_MAX_TERMS = 10_000_000


def resolve(problem) -> Callable:
    """The OR-Tools function for ``problem``'s type or a type name (``solve()`` checks
    options against it)."""
    kind = problem if isinstance(problem, str) else type(problem).__name__
    if kind not in _BY_TYPE:
        raise ValueError(f"no OR-Tools baseline for {kind}; supported: {', '.join(_BY_TYPE)}")
    module, function = _BY_TYPE[kind]
    return getattr(importlib.import_module(module), function)


def solve_ortools(problem, *, time_limit=None, seed=0, progress=None, **options) -> Answer:
    """Dispatch to the OR-Tools baseline for ``problem``'s type.

    >>> from problems import MIS
    >>> solve_ortools(MIS.random(12, p=0.3, seed=0), time_limit=5).status
    'optimal'
    """
    return resolve(problem)(problem, time_limit=time_limit, seed=seed, progress=progress,
                            **options)


solve_ortools.resolve = resolve


def ortools_need(problem, **options) -> Need:
    """Cities of the dense routing matrix (TSP), else the terms of the model to be built.

    >>> from problems import MIS
    >>> graph = MIS(n=10**10, edges=[(0, 1)])
    >>> ortools_need(graph).fits
    False
    """
    kind = type(problem).__name__
    what = f"{kind} {problem.name}"
    if kind == "TSP":
        return Need(problem.size, ROUTING_MAX_CITIES, "cities (a dense cost matrix)", what)
    if kind == "MIS":
        terms = problem.size + 2 * len(problem.edges)
    elif kind == "MDKP":
        terms = problem.size * (1 + len(problem.capacities))
    elif kind == "QAP":
        terms = 2 * problem.size ** 2
    elif kind in ("BQP", "MaxCut"):  # a boolean per variable and per product, 3 rows each
        terms = problem.size ** 2
    else:  # RobustKnapsack: the baseline is the exact CCG, with its own limit
        from solvers.algorithms.ccg import ccg_need

        return ccg_need(problem, **options)
    return Need(terms, MODEL_MAX_TERMS, "model terms (variables and coefficients)", what)
