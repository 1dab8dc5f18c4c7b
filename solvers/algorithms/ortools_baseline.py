"""``method="ortools"``: the strongest plain use of OR-Tools for each problem type.

* TSP: routing with ``PATH_CHEAPEST_ARC`` then guided local search
  (``solvers.algorithms.ortools_routing``).
* MDKP, MIS, QAP: CP-SAT with all cores (``solvers.algorithms.cpsat``).
* RobustKnapsack: exact column-and-constraint generation with MathOpt (``solvers.algorithms.ccg``).
"""

from __future__ import annotations

from solvers.result import Answer

_BY_TYPE = {
    "TSP": ("solvers.algorithms.ortools_routing", "solve_tsp_routing"),
    "MDKP": ("solvers.algorithms.cpsat", "solve_mdkp_cpsat"),
    "MIS": ("solvers.algorithms.cpsat", "solve_mis_cpsat"),
    "QAP": ("solvers.algorithms.cpsat", "solve_qap_cpsat"),
    "RobustKnapsack": ("solvers.algorithms.ccg", "solve_ccg"),
}


def solve_ortools(problem, *, time_limit=None, seed=0, progress=None, **options) -> Answer:
    """Dispatch to the OR-Tools baseline for ``problem``'s type.

    >>> from problems import MIS
    >>> solve_ortools(MIS.random(12, p=0.3, seed=0), time_limit=5).status
    'optimal'
    """
    import importlib

    kind = type(problem).__name__
    if kind not in _BY_TYPE:
        raise ValueError(f"no OR-Tools baseline for {kind}; supported: {', '.join(_BY_TYPE)}")
    module, function = _BY_TYPE[kind]
    solver = getattr(importlib.import_module(module), function)
    return solver(problem, time_limit=time_limit, seed=seed, progress=progress, **options)
