"""The exact worst case of a first-stage selection: ``min_{ξ in Ξ} Q(x, ξ)``.

Kelley's cutting planes over ξ, exact because the recourse set is finite: ``min_ξ Q(x, ξ)`` is
the LP ``min z s.t. z >= g_j(ξ)`` over every recourse decision ``j = (y, r)`` feasible for
``x``, ``g_j(ξ) = sum f y - sum p̂ ξ (y - r)``. ``Recourse`` solves ``Q(x, ξ)`` for one ``ξ``
(by dynamic programming over integer loads where the data allow, ``knapsack``; else MathOpt,
SCIP, zero gap); ``Adversary`` the LP over the decisions found so far (MathOpt, GLOP, warm
started from the previous round; a fresh GLOP and then HiGHS solve when that fails).
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from problems.checks import binary_vector
from problems.robust_knapsack import knapsack

if TYPE_CHECKING:
    from problems.robust_knapsack.model import RobustKnapsack

# Termination of the adversary's cutting-plane loop: stop when the recourse optimum at the
# current ξ exceeds the cutting-plane model by at most this (absolute + relative) amount.
_ABS_TOL = 1e-7
_REL_TOL = 1e-10
_RECOURSE_PARAMS = dict(threads=1, relative_gap_tolerance=0.0, absolute_gap_tolerance=0.0)


def _remaining(deadline: float | None) -> timedelta | None:
    if deadline is None:
        return None
    left = deadline - time.perf_counter()
    if left <= 0:
        raise TimeoutError("time limit reached while computing a worst case")
    return timedelta(seconds=left)


class Recourse:
    """``Q(x, ξ)`` for one fixed ``x``: ``knapsack.best_decision`` where it ``fits`` (integer
    data, small capacity), else a MathOpt model over the selected items re-solved by SCIP for
    each ξ (only the objective changes); ``engine`` "dp" or "scip" forces one."""

    def __init__(self, problem: RobustKnapsack, items: np.ndarray, engine: str = "auto"):
        from ortools.math_opt.python import mathopt  # loaded on first use: 0.6 s

        if engine not in ("auto", "dp", "scip"):
            raise ValueError(f"Recourse: engine must be 'auto', 'dp' or 'scip', got {engine!r}")
        self.problem, self.items = problem, items
        dp_fits = knapsack.fits(problem, items.size)
        if engine == "dp" and not dp_fits:
            raise ValueError("Recourse: the DP needs integer weights and capacity and at most "
                             f"{knapsack.MAX_CELLS:,} cells")
        self.dp = dp_fits and engine != "scip"
        if self.dp:
            weight, repair_weight, self.capacity = knapsack.integer_data(problem)
            self.weight, self.repair_weight = weight[items], repair_weight[items]
            return
        model = mathopt.Model(name="recourse")
        self.keep = [model.add_binary_variable(name=f"y{i}") for i in items]
        self.repair = [model.add_binary_variable(name=f"r{i}") for i in items]
        for keep, repair in zip(self.keep, self.repair):
            model.add_linear_constraint(repair <= keep)
        model.add_linear_constraint(mathopt.LinearSum(
            [float(problem.weight[i]) * y for i, y in zip(items, self.keep)]
            + [float(problem.repair_weight[i]) * r for i, r in zip(items, self.repair)])
            <= problem.capacity)
        model.maximize(0.0)
        self.model = model
        self.solver = mathopt.IncrementalSolver(model, mathopt.SolverType.GSCIP) \
            if items.size else None

    def solve(self, xi: np.ndarray, deadline: float | None = None
              ) -> tuple[float, np.ndarray, np.ndarray]:
        """``(Q(x, ξ), y, r)`` over the selected items, value recomputed from the rounded y, r."""
        from ortools.math_opt.python import mathopt

        p, items = self.problem, self.items
        if items.size == 0:
            return 0.0, np.zeros(0), np.zeros(0)
        damage = p.degradation[items] * xi[items]
        produce = p.outsourcing_cost[items] - damage
        if self.dp:
            _remaining(deadline)
            keep, repair = knapsack.best_decision(self.weight, self.repair_weight,
                                                  self.capacity, produce, damage)
            return float(produce @ keep + damage @ repair), keep, repair
        for k in range(items.size):
            self.model.objective.set_linear_coefficient(self.keep[k], float(produce[k]))
            self.model.objective.set_linear_coefficient(self.repair[k], float(damage[k]))
        params = mathopt.SolveParameters(time_limit=_remaining(deadline), **_RECOURSE_PARAMS)
        result = self.solver.solve(params=params)
        reason = result.termination.reason
        if reason != mathopt.TerminationReason.OPTIMAL:
            if result.termination.limit == mathopt.Limit.TIME:
                raise TimeoutError("time limit reached while solving a recourse problem")
            raise RuntimeError(f"recourse MILP not solved to optimality: {result.termination}")
        keep = np.rint([result.variable_values(v) for v in self.keep])
        repair = np.rint([result.variable_values(v) for v in self.repair])
        load = p.weight[items] @ keep + p.repair_weight[items] @ repair
        if np.any(repair > keep) or load > p.capacity * (1 + 1e-9) + 1e-9:
            raise RuntimeError(f"recourse MILP returned an infeasible decision (load {load:g} "
                               f"for capacity {p.capacity:g})")
        return float(produce @ keep + damage @ repair), keep, repair


class Adversary:
    """The LP ``min z s.t. z >= g_j(ξ)`` over the recourse decisions found so far, ξ in Ξ."""

    def __init__(self, problem: RobustKnapsack, items: np.ndarray):
        from ortools.math_opt.python import mathopt

        self.problem, self.items = problem, items
        model = mathopt.Model(name="adversary")
        self.xi = [model.add_variable(lb=0.0, ub=1.0, name=f"xi{i}") for i in items]
        self.z = model.add_variable(lb=0.0, name="z")
        model.add_linear_constraint(mathopt.LinearSum(self.xi) <= problem.budget)
        model.minimize(self.z)
        self.model = model
        self.solver = mathopt.IncrementalSolver(model, mathopt.SolverType.GLOP)
        self.constants: list[float] = []
        self.slopes: list[np.ndarray] = []

    def model_value(self, xi: np.ndarray) -> float:
        """``max_j g_j(ξ)`` over the decisions found so far (``-inf`` before the first)."""
        if not self.constants:
            return -math.inf
        return float(np.max(np.array(self.constants) - np.array(self.slopes) @ xi[self.items]))

    def add_cut(self, keep: np.ndarray, repair: np.ndarray) -> None:
        from ortools.math_opt.python import mathopt

        p, items = self.problem, self.items
        constant = float(p.outsourcing_cost[items] @ keep)
        slope = p.degradation[items] * (keep - repair)
        self.constants.append(constant)
        self.slopes.append(slope)
        self.model.add_linear_constraint(
            self.z + mathopt.LinearSum(float(slope[k]) * self.xi[k]
                                       for k in np.flatnonzero(slope)) >= constant)

    def solve(self, deadline: float | None = None) -> np.ndarray:
        """The LP's minimiser, projected exactly into Ξ, as a full-length scenario.

        The LP is always feasible (ξ = 0) and bounded (z >= 0), yet GLOP's warm-started
        re-solve can fail after many rounds (on RKP_UN_n80_R1000_H100_h40_dev0.2_d1 it
        ended ABNORMAL after 150 cuts, an INFEASIBLE_OR_UNBOUNDED was also seen); the LP
        is then solved afresh by GLOP, and by HiGHS if GLOP fails again.
        """
        from ortools.math_opt.python import mathopt

        attempts = (lambda params: self.solver.solve(params=params),
                    lambda params: mathopt.solve(self.model, mathopt.SolverType.GLOP,
                                                 params=params),
                    lambda params: mathopt.solve(self.model, mathopt.SolverType.HIGHS,
                                                 params=params))
        failures = []
        for attempt in attempts:
            params = mathopt.SolveParameters(time_limit=_remaining(deadline))
            try:
                result = attempt(params)
            except Exception as error:  # noqa: BLE001 - MathOpt's own error mapping can
                failures.append(f"{type(error).__name__}: {error}")  # raise AttributeError
                continue
            if result.termination.reason == mathopt.TerminationReason.OPTIMAL:
                break
            if result.termination.limit == mathopt.Limit.TIME:
                raise TimeoutError("time limit reached while solving the adversary's LP")
            failures.append(str(result.termination))
        else:
            raise RuntimeError("adversary LP not solved to optimality: " + "; ".join(failures))
        if failures:  # start the warm-started solver afresh for the next rounds
            self.solver.close()
            self.solver = mathopt.IncrementalSolver(self.model, mathopt.SolverType.GLOP)
        values = np.clip([result.variable_values(v) for v in self.xi], 0.0, 1.0)
        if values.sum() > self.problem.budget:
            values *= self.problem.budget / values.sum()
        xi = np.zeros(self.problem.size)
        xi[self.items] = values
        return xi


def worst_case(problem: RobustKnapsack, solution, *, time_limit: float | None = None
               ) -> tuple[float, np.ndarray]:
    """The exact worst case of ``x``: ``(value(x), ξ*)`` with ``ξ*`` in ``Ξ``.

    Starting from the decision optimal at ``ξ = 0``, solve the LP over the decisions found so
    far for ``ξ_k``, solve the recourse MILP at ``ξ_k`` exactly and add its decision. The LP
    value is a lower bound on ``min_ξ Q`` and every ``Q(x, ξ_k)`` an upper bound; the loop stops
    when the new decision does not raise the LP model at ``ξ_k`` by more than
    ``1e-7 + 1e-10 |Q|``, which is then the remaining gap. Each round adds a new decision, so
    the loop is finite. The value returned is the smallest ``Q(x, ξ_k)`` found (plus the
    first-stage value): a value the adversary really attains.

    Raises ``TimeoutError`` when ``time_limit`` seconds pass before the loop closes.

    >>> from problems.robust_knapsack import RobustKnapsack
    >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
    ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
    >>> worst_case(p, [1, 0])[0]
    8.0
    """
    x = binary_vector(solution, problem.size)
    first = float((problem.profit - problem.outsourcing_cost) @ x)
    items = np.flatnonzero(x)
    if items.size == 0:
        return first, np.zeros(problem.size)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    recourse = Recourse(problem, items)
    adversary = Adversary(problem, items)
    xi = np.zeros(problem.size)
    best, best_xi = math.inf, xi
    while True:
        value, keep, repair = recourse.solve(xi, deadline=deadline)
        if value < best:
            best, best_xi = value, xi
        if value <= adversary.model_value(xi) + _ABS_TOL + _REL_TOL * abs(value):
            return first + best, best_xi
        adversary.add_cut(keep, repair)
        xi = adversary.solve(deadline=deadline)


