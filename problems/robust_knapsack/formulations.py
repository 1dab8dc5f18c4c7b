"""The robust knapsack as a MILP over a finite scenario list and as a single-scenario QUBO.

``RobustKnapsack.to_milp`` and ``RobustKnapsack.to_qubo`` call these; column-and-constraint
generation (``solvers.ccg``) grows the scenario list of ``scenario_milp``.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from problems.compiled import MILP, QUBO, QUBOBuilder, decode_bits

if TYPE_CHECKING:
    from problems.robust_knapsack.model import RobustKnapsack


def scenario_milp(problem: RobustKnapsack, scenarios=None, relaxed_bound: bool = False,
                  cuts=()) -> MILP:
    """The main problem over a finite scenario list (default: the nominal ``ξ = 0`` only).

    Maximise ``sum (p̄ - f) x + θ`` with, per scenario ``ξ^k``, a copy ``y^k, r^k`` of the
    recourse and ``θ <= sum (f - p̂ ξ^k) y^k + p̂ ξ^k r^k``, ``y^k <= x``, ``r^k <= y^k``,
    ``c y^k + t r^k <= C``; ``r^k_i`` is fixed to 0 where ``ξ^k_i = 0`` (a repair gains
    nothing there). Its optimum is an *upper bound* on the robust optimum (``Ξ`` replaced
    by the finite list) and equals it once the list holds a worst case of an optimal x;
    column-and-constraint generation (``solvers.ccg``) grows the list until it does.

    ``relaxed_bound=True`` adds ``θ <= max_{(y, r) in P(x)} min_{ξ in Ξ} [f y - p̂ ξ (y - r)]``
    over the LP relaxation ``P(x)`` of the recourse, written with LP duality over ``Ξ`` as
    ``θ <= f y - Γ π - sum ρ``, ``π + ρ_i >= p̂_i (y_i - r_i)``, ``0 <= r <= y <= x``,
    ``c y + t r <= C``, ``π, ρ >= 0`` (continuous). By the minimax theorem it is
    ``min_ξ max_{P(x)}``, at least ``min_ξ Q(x, ξ)``: still an upper bound, over all of ``Ξ``.
    ``cuts`` (``hull_cuts.HullCut``, valid for the recourse hull; they need the bound) tighten
    ``P(x)`` towards ``conv K ∩ {y <= x}``, over which the bound is exact.

    Columns: ``x`` (n), ``theta``, then ``y^k`` and ``r^k`` (n each) per scenario, then
    (with the bound) ``ybound``, ``rbound``, ``rho`` (n each) and ``pi``; ``decode``
    returns ``x``.

    >>> from problems.robust_knapsack import RobustKnapsack
    >>> p = RobustKnapsack.random(4, seed=0)
    >>> scenario_milp(p, [[0, 0, 0, 0], [0.4, 0, 0, 0]]).num_variables
    21
    """
    scenario_list = _scenario_list(problem, scenarios, allow_empty=relaxed_bound)
    n = problem.size
    p, f, damage = problem.profit, problem.outsourcing_cost, problem.degradation
    c, t = problem.weight, problem.repair_weight
    names = [f"x{i}" for i in range(n)] + ["theta"]
    upper = [1.0] * n + [float(f.sum())]
    rows: list[dict[int, float]] = []
    row_upper: list[float] = []
    row_names: list[str] = []

    def columns(prefix: str, bound: float) -> int:
        names.extend(f"{prefix}{i}" for i in range(n))
        upper.extend([bound] * n)
        return len(names) - n

    def add_row(coefficients: dict[int, float], rhs: float, name: str) -> None:
        rows.append(coefficients)
        row_upper.append(rhs)
        row_names.append(name)

    theta = n
    for k, xi in enumerate(scenario_list):
        y, r = columns(f"y{k}_", 1.0), columns(f"r{k}_", 1.0)
        hit = np.flatnonzero(xi)
        for i in range(n):
            add_row({y + i: 1.0, i: -1.0}, 0.0, f"produce_selected{k}_{i}")
            if xi[i] == 0:
                upper[r + i] = 0.0
            else:
                add_row({r + i: 1.0, y + i: -1.0}, 0.0, f"repair_produced{k}_{i}")
        add_row({**{y + i: float(c[i]) for i in range(n)},
                 **{r + i: float(t[i]) for i in hit}}, problem.capacity, f"capacity{k}")
        add_row({theta: 1.0, **{y + i: -float(f[i] - damage[i] * xi[i]) for i in range(n)},
                 **{r + i: -float(damage[i] * xi[i]) for i in hit}}, 0.0, f"value{k}")
    if relaxed_bound:
        y, r = columns("ybound", 1.0), columns("rbound", 1.0)
        rho = columns("rho", np.inf)
        names.append("pi")
        upper.append(np.inf)
        pi = len(names) - 1
        for i in range(n):
            add_row({y + i: 1.0, i: -1.0}, 0.0, f"bound_produce_selected{i}")
            add_row({r + i: 1.0, y + i: -1.0}, 0.0, f"bound_repair_produced{i}")
            add_row({y + i: float(damage[i]), r + i: -float(damage[i]), pi: -1.0,
                     rho + i: -1.0}, 0.0, f"bound_dual{i}")
        add_row({**{y + i: float(c[i]) for i in range(n)},
                 **{r + i: float(t[i]) for i in range(n)}}, problem.capacity, "bound_capacity")
        add_row({theta: 1.0, **{y + i: -float(f[i]) for i in range(n)},
                 pi: float(problem.budget), **{rho + i: 1.0 for i in range(n)}}, 0.0,
                "bound_value")
        for k, cut in enumerate(cuts):
            add_row({**{y + i: float(cut.y_coef[i]) for i in np.flatnonzero(cut.y_coef)},
                     **{r + i: float(cut.r_coef[i]) for i in np.flatnonzero(cut.r_coef)}},
                    cut.rhs, f"hull_cut{k}")
    elif cuts:
        raise ValueError("hull cuts tighten the relaxed bound: pass relaxed_bound=True")
    size = len(names)
    A = sp.lil_matrix((len(rows), size))
    for row, coefficients in enumerate(rows):
        for col, value in coefficients.items():
            A[row, col] = value
    objective = np.zeros(size)
    objective[:n] = p - f
    objective[theta] = 1.0
    integer = np.zeros(size, dtype=bool)
    integer[:n] = True
    integer[n + 1:n + 1 + 2 * n * len(scenario_list)] = True
    return MILP(objective=objective, A=A.tocsr(), row_lower=np.full(len(rows), -np.inf),
                row_upper=np.array(row_upper), lower=np.zeros(size), upper=np.array(upper),
                integer=integer, names=tuple(names), sense="max",
                decode=functools.partial(decode_bits, n=n), row_names=tuple(row_names))


def scenario_qubo(problem: RobustKnapsack, penalty: float | None = None,
                  encoding: str = "slack", scenario=None) -> QUBO:
    """The single-scenario problem for ``scenario`` (default the nominal ``ξ = 0``) as a QUBO.

    Bits: ``x`` (n), ``y`` (n), ``r_i`` for the items with ``ξ_i > 0``, then the capacity
    slack. Energy: ``-[sum (p̄ - f) x + (f - p̂ ξ) y + p̂ ξ r]
    + penalty * [sum y (1 - x) + sum r (1 - y) + (c y + t r + s - C)^2]``. A robust
    objective has no QUBO form (it is a max-min); ``decode`` returns ``x``, which
    ``evaluate`` then prices against the worst case. Weights, repair weights and capacity
    must be integers (the slack is log-encoded). The default penalty is 1 + the sum of the
    positive objective coefficients: a violated term costs at least ``penalty`` (all
    residuals are integers), more than any objective can gain, and the empty assignment
    is feasible with energy 0.

    >>> from problems.robust_knapsack import RobustKnapsack
    >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
    ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
    >>> q = scenario_qubo(p)
    >>> q.num_variables, q.energy([1, 1, 1, 1, 1, 0, 0])
    (7, -16.0)
    """
    if encoding != "slack":
        raise ValueError(f"RobustKnapsack.to_qubo: unknown encoding {encoding!r}; "
                         f"supported: 'slack'")
    xi = np.zeros(problem.size) if scenario is None else problem.scenario(scenario)
    for what, values in (("weight", problem.weight), ("repair_weight", problem.repair_weight),
                         ("capacity", np.array([problem.capacity]))):
        fractional = np.flatnonzero(values != np.round(values))
        if fractional.size:
            raise ValueError(f"RobustKnapsack.to_qubo needs integer weights, repair weights "
                             f"and capacity for the slack encoding; {what}[{fractional[0]}] "
                             f"= {values[fractional[0]]:g} (scale the instance first)")
    n = problem.size
    repaired = np.flatnonzero(xi > 0)
    coefficients = np.concatenate([problem.profit - problem.outsourcing_cost,
                                   problem.outsourcing_cost - problem.degradation * xi,
                                   (problem.degradation * xi)[repaired]])
    if penalty is None:
        penalty = float(np.maximum(coefficients, 0.0).sum()) + 1.0
    elif not (isinstance(penalty, (int, float)) and math.isfinite(penalty) and penalty > 0):
        raise ValueError(f"RobustKnapsack.to_qubo: penalty must be a positive finite "
                         f"number, got {penalty!r}")
    builder = QUBOBuilder([f"x{i}" for i in range(n)] + [f"y{i}" for i in range(n)]
                          + [f"r{i}" for i in repaired])
    for j, coefficient in enumerate(coefficients):
        builder.add_linear(j, -float(coefficient))
    for i in range(n):
        builder.add_linear(n + i, penalty)
        builder.add_quadratic(n + i, i, -penalty)
    for j, i in enumerate(repaired):
        builder.add_linear(2 * n + j, penalty)
        builder.add_quadratic(2 * n + j, n + i, -penalty)
    load = {n + i: float(problem.weight[i]) for i in range(n) if problem.weight[i] > 0}
    load.update({2 * n + j: float(problem.repair_weight[i]) for j, i in enumerate(repaired)
                 if problem.repair_weight[i] > 0})
    slack_bits = builder.add_inequality_with_slack(load, problem.capacity, penalty,
                                                   prefix="capacity") if load else 0
    return builder.build(decode=functools.partial(decode_bits, n=n), slack_bits=slack_bits,
                         penalty=float(penalty),
                         info={"encoding": encoding, "scenario": xi.tolist()})


def _scenario_list(problem: RobustKnapsack, scenarios, allow_empty: bool
                   ) -> list[np.ndarray]:
    if scenarios is None:
        return [np.zeros(problem.size)]
    listed = list(scenarios)
    if not listed and not allow_empty:
        raise ValueError("to_milp needs at least one scenario (or None for the nominal one), "
                         "or relaxed_bound=True, which bounds θ by itself")
    checked = []
    for k, xi in enumerate(listed):
        try:
            checked.append(problem.scenario(xi))
        except ValueError as error:
            raise ValueError(f"scenario {k}: {error}") from None
    return checked

