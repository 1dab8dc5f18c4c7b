"""``method="milp"``: solve a problem's compiled ``MILP`` with an OR-Tools MathOpt solver.

This is the reference that proves the compilers right: its optimum must equal the
problem's own optimum on every instance small enough to close.
"""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
from ortools.math_opt.python import mathopt

from problems.compiled import MILP
from solvers.result import Answer
from solvers.threads import available_threads

SOLVERS = {"scip": mathopt.SolverType.GSCIP, "highs": mathopt.SolverType.HIGHS,
           "cp-sat": mathopt.SolverType.CP_SAT}
DEFAULT_TIME_LIMIT = 60.0


def build_model(milp: MILP) -> tuple[mathopt.Model, list]:
    """A MathOpt model of ``milp`` and its variables, in column order."""
    model = mathopt.Model(name="nqco")
    variables = [
        model.add_variable(lb=float(lo), ub=float(hi), is_integer=bool(integer), name=name)
        for lo, hi, integer, name in zip(milp.lower, milp.upper, milp.integer, milp.names)
    ]
    A = milp.A.tocsr()
    for row in range(A.shape[0]):
        start, end = A.indptr[row], A.indptr[row + 1]
        expr = mathopt.LinearSum(float(c) * variables[j]
                                 for j, c in zip(A.indices[start:end], A.data[start:end]))
        lo, hi = float(milp.row_lower[row]), float(milp.row_upper[row])
        model.add_linear_constraint(lb=lo, ub=hi, expr=expr)
    nz = np.flatnonzero(milp.objective)
    objective = mathopt.LinearSum(float(milp.objective[j]) * variables[j] for j in nz)
    objective = objective + float(milp.objective_offset)
    if milp.sense == "max":
        model.maximize(objective)
    else:
        model.minimize(objective)
    return model, variables


def solve_milp_model(milp: MILP, *, time_limit: float | None, solver: str = "scip",
                     threads: int | None = None, seed: int = 0) -> tuple[np.ndarray | None, str, dict]:
    """Solve ``milp``; returns (values or None, "optimal"|"feasible"|"none", info)."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown MILP solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    model, variables = build_model(milp)
    if threads is None and solver == "cp-sat":
        threads = available_threads()  # SCIP in this OR-Tools build fails with threads > 1
    params = mathopt.SolveParameters(
        time_limit=timedelta(seconds=time_limit or DEFAULT_TIME_LIMIT), threads=threads,
        random_seed=seed)
    result = mathopt.solve(model, SOLVERS[solver], params=params)
    reason = result.termination.reason
    info = {"termination": reason.name, "solver": solver,
            "variables": milp.num_variables, "constraints": milp.num_constraints}
    if not result.has_primal_feasible_solution():
        if reason == mathopt.TerminationReason.INFEASIBLE:
            info["proved_infeasible"] = True
        return None, "none", info
    values = np.array([result.variable_values()[v] for v in variables])
    info["milp_objective"] = float(result.objective_value())
    try:
        info["bound"] = float(result.termination.objective_bounds.dual_bound)
    except AttributeError:
        pass
    status = "optimal" if reason == mathopt.TerminationReason.OPTIMAL else "feasible"
    return values, status, info


def solve_milp(problem, *, time_limit=None, seed=0, solver: str = "scip") -> Answer:
    """Compile ``problem`` with ``to_milp()`` and solve it with MathOpt.

    >>> from problems import MIS
    >>> solve_milp(MIS.random(10, p=0.3, seed=0), time_limit=10).status
    'optimal'
    """
    start = time.perf_counter()
    milp = problem.to_milp()
    values, status, info = solve_milp_model(milp, time_limit=time_limit, solver=solver,
                                           seed=seed)
    if values is None:
        return Answer(solution=None, status="feasible", info=info)
    solution = milp.decode(values)
    info["claimed_objective"] = info.pop("milp_objective")
    return Answer(solution=solution, status=status,
                  trace=((time.perf_counter() - start, info["claimed_objective"]),), info=info)
