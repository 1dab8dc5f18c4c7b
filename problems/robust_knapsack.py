"""Two-stage robust knapsack with repair (Arslan & Detienne 2022, the Neur2RO knapsack benchmark).

Items ``i`` carry a nominal profit ``p̄_i``, a maximum profit degradation ``p̂_i``, a repair
weight ``t_i``, a normal weight ``c_i`` and an outsourcing cost ``f_i``; the capacity is ``C``
and the uncertainty budget ``Γ``.

* First stage: ``x_i = 1`` selects item ``i`` (a commitment to deliver it); no constraint.
* Uncertainty: ``ξ`` in ``Ξ = {ξ in [0, 1]^n : sum ξ <= Γ}`` (continuous).
* Second stage, for ``x`` and ``ξ``: ``y_i = 1`` produces selected item ``i`` in house (weight
  ``c_i``, profit degraded by ``p̂_i ξ_i``), ``r_i = 1`` also repairs it (extra weight ``t_i``,
  degradation undone); a selected item not produced is outsourced at cost ``f_i``::

      Q(x, ξ) = max  sum_i (f_i - p̂_i ξ_i) y_i + p̂_i ξ_i r_i
                s.t. y <= x,  r <= y,  sum_i c_i y_i + t_i r_i <= C,  y, r in {0,1}^n.

* Objective (maximised): ``value(x) = sum_i (p̄_i - f_i) x_i + min_{ξ in Ξ} Q(x, ξ)``.

This is the model of Neur2RO's ``ro/two_ro/kp.py`` (written there as a cost minimisation);
its values reproduce the proved optima of ``ResultsForBranchAndPrice.csv``. The worst case
``ξ`` is in general *fractional*: ``Q(x, ·)`` is a maximum of affine functions of ``ξ`` (one per
recourse decision), so its minimum over ``Ξ`` can lie inside the polytope. The published
files have integer data, so an integer ``ξ`` would give integer values; the proved optima in
the table (e.g. 4358.41) are fractional.

Files (``Readme.txt`` of ``borisdetienne/RobustDecomposition``): first line ``n C Γ``, then
``n`` lines ``p̄ p̂ t c f``. The instance name is the file name. ``best_known`` comes from
``ResultsForBranchAndPrice.csv`` in the file's folder or its parent when present; its
"Solved to optimality" column gives ``best_known_proven``.
"""

from __future__ import annotations

import csv
import functools
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from problems.compiled import MILP, QUBO, QUBOBuilder
from problems.errors import ProblemFormatError
from problems.mdkp import binary_vector, decode_bits

RESULTS_FILE = "ResultsForBranchAndPrice.csv"
CORRELATIONS = ("UN", "WC", "ASC", "SC")
_FIELDS = ("profit", "degradation", "repair_weight", "weight", "outsourcing_cost")
_ITEM_COLUMNS = "p̄ p̂ t c f (nominal profit, max degradation, repair weight, weight, " \
                "outsourcing cost)"
# Termination of the adversary's cutting-plane loop: stop when the recourse optimum at the
# current ξ exceeds the cutting-plane model by at most this (absolute + relative) amount.
_ABS_TOL = 1e-7
_REL_TOL = 1e-10


@dataclass(frozen=True)
class RobustKnapsack:
    """Maximise the worst-case profit of a selection ``x`` in {0,1}^n (see the module docstring).

    All item arrays have length n, are finite and non-negative; ``0 <= budget <= n``.

    >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
    ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
    >>> p.evaluate([1, 0]), p.evaluate([1, 1])
    (8.0, 13.0)
    """

    profit: np.ndarray
    degradation: np.ndarray
    repair_weight: np.ndarray
    weight: np.ndarray
    outsourcing_cost: np.ndarray
    capacity: float
    budget: float
    name: str = "robust_knapsack"
    best_known: float | None = None
    best_known_proven: bool = False

    sense: ClassVar[str] = "max"
    solution_kind: ClassVar[str] = "binary"

    def __post_init__(self):
        arrays = {}
        for field_name in _FIELDS:
            try:
                values = np.array(getattr(self, field_name), dtype=float)
            except (TypeError, ValueError) as error:
                raise ProblemFormatError(f"{field_name} must be a vector of numbers: {error}") \
                    from None
            if values.ndim != 1:
                raise ProblemFormatError(f"{field_name} must be a vector, got shape {values.shape}")
            arrays[field_name] = values
        n = len(arrays["profit"])
        if n == 0:
            raise ProblemFormatError("a robust knapsack needs at least one item")
        for field_name, values in arrays.items():
            if len(values) != n:
                raise ProblemFormatError(f"{field_name} has {len(values)} entries, expected "
                                         f"{n} (one per item, like profit)")
            bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
            if bad.size:
                raise ProblemFormatError(f"{field_name}[{bad[0]}] = {values[bad[0]]}: item data "
                                         f"must be finite and non-negative")
            values.setflags(write=False)
            object.__setattr__(self, field_name, values)
        for field_name in ("capacity", "budget"):
            value = _scalar(getattr(self, field_name), field_name)
            object.__setattr__(self, field_name, value)
        if self.capacity < 0:
            raise ProblemFormatError(f"capacity must be non-negative, got {self.capacity:g}")
        if not 0 <= self.budget <= n:
            raise ProblemFormatError(f"uncertainty budget Γ = {self.budget:g} must lie in "
                                     f"[0, n] = [0, {n}]")
        if self.best_known is not None:
            object.__setattr__(self, "best_known", _scalar(self.best_known, "best_known"))
        object.__setattr__(self, "best_known_proven", bool(self.best_known_proven))

    @property
    def size(self) -> int:
        """Number of items n."""
        return len(self.profit)

    # ---------------------------------------------------------------- solutions and values

    def check(self, solution) -> None:
        """Raise ``InfeasibleSolution`` unless ``solution`` is a 0/1 vector of length n.

        The first stage has no other constraint (outsourcing keeps every selection feasible).

        >>> RobustKnapsack.random(4, seed=0).check([1, 0, 2, 0])
        Traceback (most recent call last):
        ...
        problems.errors.InfeasibleSolution: solution entry 2 is 2, expected 0 or 1
        """
        binary_vector(solution, self.size)

    def first_stage_value(self, solution) -> float:
        """``sum_i (p̄_i - f_i) x_i``: the profit of ``x`` if every selected item is outsourced.

        >>> RobustKnapsack.random(3, seed=0).first_stage_value([0, 0, 0])
        0.0
        """
        return float((self.profit - self.outsourcing_cost) @ binary_vector(solution, self.size))

    def recourse_value(self, solution, xi) -> float:
        """The second-stage optimum ``Q(x, ξ)`` (a MathOpt/SCIP MILP over the selected items).

        >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
        ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
        >>> p.recourse_value([1, 1], [1, 0]), p.recourse_value([1, 1], [0.5, 0.5])
        (20.0, 17.0)
        """
        x = binary_vector(solution, self.size)
        return _Recourse(self, np.flatnonzero(x)).solve(self.scenario(xi))[0]

    def recourse_values(self, solution, scenarios) -> np.ndarray:
        """``Q(x, ξ)`` for each ``ξ`` in ``scenarios``: one recourse model re-solved per ξ.

        >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
        ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
        >>> p.recourse_values([1, 1], [[1, 0], [0.5, 0.5]]).tolist()
        [20.0, 17.0]
        """
        x = binary_vector(solution, self.size)
        recourse = _Recourse(self, np.flatnonzero(x))
        return np.array([recourse.solve(self.scenario(xi))[0] for xi in scenarios])

    def worst_case(self, solution, *, time_limit: float | None = None
                   ) -> tuple[float, np.ndarray]:
        """The exact worst case of ``x``: ``(value(x), ξ*)`` with ``ξ*`` in ``Ξ``.

        Method (Kelley's cutting planes over ξ, exact because the recourse set is finite):
        ``min_ξ Q(x, ξ)`` is the LP ``min z s.t. z >= g_j(ξ)`` over every recourse decision
        ``j = (y, r)`` feasible for ``x``, ``g_j(ξ) = sum f y - sum p̂ ξ (y - r)``. Starting from
        the decision optimal at ``ξ = 0``, solve the LP over the decisions found so far (MathOpt,
        GLOP) for ``ξ_k``, solve the recourse MILP at ``ξ_k`` exactly (MathOpt, SCIP, zero gap)
        and add its decision. The LP value is a lower bound on ``min_ξ Q`` and every ``Q(x, ξ_k)``
        an upper bound; the loop stops when the new decision does not raise the LP model at
        ``ξ_k`` by more than ``1e-7 + 1e-10 |Q|``, which is then the remaining gap. Each round adds
        a new decision, so the loop is finite. The value returned is the smallest ``Q(x, ξ_k)``
        found (plus the first-stage value): a value the adversary really attains.

        Raises ``TimeoutError`` when ``time_limit`` seconds pass before the loop closes.

        Both items fit, but only one repair: ``Q = 20 - 6 min(ξ_0, ξ_1)``, so the adversary
        splits its budget (any integer ξ leaves ``Q = 20``):

        >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
        ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
        >>> value, xi = p.worst_case([1, 1])
        >>> value, np.round(xi, 9).tolist()
        (13.0, [0.5, 0.5])
        """
        x = binary_vector(solution, self.size)
        first = float((self.profit - self.outsourcing_cost) @ x)
        items = np.flatnonzero(x)
        if items.size == 0:
            return first, np.zeros(self.size)
        deadline = None if time_limit is None else time.perf_counter() + time_limit
        recourse = _Recourse(self, items)
        adversary = _Adversary(self, items)
        xi = np.zeros(self.size)
        best, best_xi = math.inf, xi
        while True:
            value, keep, repair = recourse.solve(xi, deadline=deadline)
            if value < best:
                best, best_xi = value, xi
            if value <= adversary.model_value(xi) + _ABS_TOL + _REL_TOL * abs(value):
                return first + best, best_xi
            adversary.add_cut(keep, repair)
            xi = adversary.solve(deadline=deadline)

    def evaluate(self, solution) -> float:
        """The true worst-case objective ``value(x)`` (see ``worst_case`` for the method).

        >>> RobustKnapsack.random(5, seed=3).evaluate([0, 0, 0, 0, 0])
        0.0
        """
        return self.worst_case(solution)[0]

    def scenario(self, xi) -> np.ndarray:
        """``xi`` as a float vector, checked to lie in ``Ξ`` (``ValueError`` otherwise).

        >>> RobustKnapsack.random(3, budget_factor=0.5, seed=0).scenario([1, 1, 0])
        Traceback (most recent call last):
        ...
        ValueError: scenario spends 2 of the uncertainty budget, more than Γ = 1.5
        """
        try:
            values = np.array(xi, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(f"scenario must be a vector of numbers: {error}") from None
        if values.shape != (self.size,):
            raise ValueError(f"scenario must have {self.size} entries (one per item), "
                             f"got shape {values.shape}")
        bad = np.flatnonzero(~np.isfinite(values) | (values < -1e-9) | (values > 1 + 1e-9))
        if bad.size:
            raise ValueError(f"scenario entry {bad[0]} is {values[bad[0]]}, expected a number "
                             f"in [0, 1]")
        if values.sum() > self.budget + 1e-9:
            raise ValueError(f"scenario spends {values.sum():g} of the uncertainty budget, "
                             f"more than Γ = {self.budget:g}")
        return np.clip(values, 0.0, 1.0)

    # ---------------------------------------------------------------- compiled forms

    def to_milp(self, scenarios=None, relaxed_bound: bool = False) -> MILP:
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

        Columns: ``x`` (n), ``theta``, then ``y^k`` and ``r^k`` (n each) per scenario, then
        (with the bound) ``ybound``, ``rbound``, ``rho`` (n each) and ``pi``; ``decode``
        returns ``x``.

        >>> p = RobustKnapsack.random(4, seed=0)
        >>> p.to_milp([[0, 0, 0, 0], [0.4, 0, 0, 0]]).num_variables
        21
        >>> p.to_milp(relaxed_bound=True).num_variables
        26
        """
        scenario_list = self._scenario_list(scenarios)
        n = self.size
        p, f, damage = self.profit, self.outsourcing_cost, self.degradation
        c, t = self.weight, self.repair_weight
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
                     **{r + i: float(t[i]) for i in hit}}, self.capacity, f"capacity{k}")
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
                     **{r + i: float(t[i]) for i in range(n)}}, self.capacity, "bound_capacity")
            add_row({theta: 1.0, **{y + i: -float(f[i]) for i in range(n)},
                     pi: float(self.budget), **{rho + i: 1.0 for i in range(n)}}, 0.0,
                    "bound_value")
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

    def to_qubo(self, penalty: float | None = None, encoding: str = "slack",
                scenario=None) -> QUBO:
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

        >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
        ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
        >>> q = p.to_qubo()
        >>> q.num_variables, q.energy([1, 1, 1, 1, 1, 0, 0])
        (7, -16.0)
        """
        if encoding != "slack":
            raise ValueError(f"RobustKnapsack.to_qubo: unknown encoding {encoding!r}; "
                             f"supported: 'slack'")
        xi = np.zeros(self.size) if scenario is None else self.scenario(scenario)
        for what, values in (("weight", self.weight), ("repair_weight", self.repair_weight),
                             ("capacity", np.array([self.capacity]))):
            fractional = np.flatnonzero(values != np.round(values))
            if fractional.size:
                raise ValueError(f"RobustKnapsack.to_qubo needs integer weights, repair weights "
                                 f"and capacity for the slack encoding; {what}[{fractional[0]}] "
                                 f"= {values[fractional[0]]:g} (scale the instance first)")
        n = self.size
        repaired = np.flatnonzero(xi > 0)
        coefficients = np.concatenate([self.profit - self.outsourcing_cost,
                                       self.outsourcing_cost - self.degradation * xi,
                                       (self.degradation * xi)[repaired]])
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
        load = {n + i: float(self.weight[i]) for i in range(n) if self.weight[i] > 0}
        load.update({2 * n + j: float(self.repair_weight[i]) for j, i in enumerate(repaired)
                     if self.repair_weight[i] > 0})
        slack_bits = builder.add_inequality_with_slack(load, self.capacity, penalty,
                                                       prefix="capacity") if load else 0
        return builder.build(decode=functools.partial(decode_bits, n=n), slack_bits=slack_bits,
                             penalty=float(penalty),
                             info={"encoding": encoding, "scenario": xi.tolist()})

    # ---------------------------------------------------------------- generator and writer

    @classmethod
    def random(cls, n: int, correlation: str = "UN", h: int = 40, delta: float = 0.1,
               budget_factor: float = 0.1, seed: int = 0) -> RobustKnapsack:
        """An instance from the Arslan & Detienne / Neur2RO generator (R = 1000, H = 100).

        ``c ~ U[1, R]``, ``C = floor(h / (H + 1) * sum c)``, ``Γ = budget_factor * n``;
        ``p̄``: UN ``U[1, R]``, WC ``c ± R/20``, ASC ``c + R/10 ± R/1000``, SC ``c + R/10``;
        ``p̂ = p̄ U[(1 - δ)/2, (1 + δ)/2]``; ``f = p̄ U[1.1, 1.5]``; ``t``: UN ``U[1, c]``,
        WC ``p̂/2 ± R/40``, ASC ``p̂/2 + c/10 ± R/1000``, SC ``p̂/2 + c/10``. Like the 504
        published files, every item value is rounded to an integer of at least 1.

        >>> p = RobustKnapsack.random(20, "SC", h=80, delta=0.5, budget_factor=0.15, seed=1)
        >>> p.size, p.budget, bool(np.all(p.profit == p.weight + 100))
        (20, 3.0, True)
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"RobustKnapsack.random: n must be a positive integer, got {n!r}")
        if correlation not in CORRELATIONS:
            raise ValueError(f"RobustKnapsack.random: correlation must be one of "
                             f"{', '.join(CORRELATIONS)}, got {correlation!r}")
        for what, value, low, high in (("h", h, 0, math.inf), ("delta", delta, 0, 1),
                                       ("budget_factor", budget_factor, 0, 1)):
            if not (isinstance(value, (int, float)) and low <= value <= high) \
                    or isinstance(value, bool):
                raise ValueError(f"RobustKnapsack.random: {what} must be a number in "
                                 f"[{low}, {high}], got {value!r}")
        R, H = 1000.0, 100.0
        rng = np.random.default_rng(seed)

        def integral(values):
            return np.maximum(np.rint(values), 1.0)

        c = integral(rng.uniform(1, R, n))
        if correlation == "UN":
            profit = integral(rng.uniform(1, R, n))
        elif correlation == "WC":
            profit = integral(rng.uniform(c - R / 20, c + R / 20))
        elif correlation == "ASC":
            profit = integral(rng.uniform(c + R / 10 - R / 1000, c + R / 10 + R / 1000))
        else:
            profit = c + R / 10
        degradation = integral(profit * rng.uniform((1 - delta) / 2, (1 + delta) / 2, n))
        outsourcing = integral(profit * rng.uniform(1.1, 1.5, n))
        if correlation == "UN":
            repair = integral(rng.uniform(1, c))
        elif correlation == "WC":
            repair = integral(rng.uniform(degradation / 2 - R / 40, degradation / 2 + R / 40))
        elif correlation == "ASC":
            base = degradation / 2 + c / 10
            repair = integral(rng.uniform(base - R / 1000, base + R / 1000))
        else:
            repair = integral(degradation / 2 + c / 10)
        return cls(profit=profit, degradation=degradation, repair_weight=repair, weight=c,
                   outsourcing_cost=outsourcing, capacity=math.floor(h / (H + 1) * c.sum()),
                   budget=budget_factor * n,
                   name=f"RKP_{correlation}_n{n}_R1000_H100_h{h:g}_dev{budget_factor:g}"
                        f"_d{delta:g}_seed{seed}")

    def write(self, path: str | Path) -> None:
        """Write the instance in the Arslan & Detienne format (``n C Γ``, then ``p̄ p̂ t c f``).

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "RKP_toy")
        >>> RobustKnapsack.random(5, seed=2).write(path)
        >>> read(path).size
        5
        """
        lines = [f"{self.size} {_number_text(self.capacity)} {_number_text(self.budget)}"]
        columns = np.column_stack([getattr(self, field_name) for field_name in _FIELDS])
        lines += [" ".join(_number_text(v) for v in row) for row in columns]
        Path(path).write_text("\n".join(lines) + "\n")

    def _scenario_list(self, scenarios) -> list[np.ndarray]:
        if scenarios is None:
            return [np.zeros(self.size)]
        listed = list(scenarios)
        if not listed:
            raise ValueError("to_milp needs at least one scenario (or None for the nominal one)")
        checked = []
        for k, xi in enumerate(listed):
            try:
                checked.append(self.scenario(xi))
            except ValueError as error:
                raise ValueError(f"scenario {k}: {error}") from None
        return checked


# -------------------------------------------------------------------- exact sub-problems

_RECOURSE_PARAMS = dict(threads=1, relative_gap_tolerance=0.0, absolute_gap_tolerance=0.0)


def _remaining(deadline: float | None) -> timedelta | None:
    if deadline is None:
        return None
    left = deadline - time.perf_counter()
    if left <= 0:
        raise TimeoutError("time limit reached while computing a worst case")
    return timedelta(seconds=left)


class _Recourse:
    """``Q(x, ξ)`` for one fixed ``x``: a MathOpt model over the selected items, re-solved by
    SCIP for each ξ (only the objective changes)."""

    def __init__(self, problem: RobustKnapsack, items: np.ndarray):
        from ortools.math_opt.python import mathopt  # loaded on first use: 0.6 s

        self.problem, self.items = problem, items
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

        if self.solver is None:
            return 0.0, np.zeros(0), np.zeros(0)
        p, items = self.problem, self.items
        damage = p.degradation[items] * xi[items]
        produce = p.outsourcing_cost[items] - damage
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


class _Adversary:
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
        """The LP's minimiser, projected exactly into Ξ, as a full-length scenario."""
        from ortools.math_opt.python import mathopt

        result = self.solver.solve(params=mathopt.SolveParameters(time_limit=_remaining(deadline)))
        if result.termination.reason != mathopt.TerminationReason.OPTIMAL:
            if result.termination.limit == mathopt.Limit.TIME:
                raise TimeoutError("time limit reached while solving the adversary's LP")
            raise RuntimeError(f"adversary LP not solved to optimality: {result.termination}")
        values = np.clip([result.variable_values(v) for v in self.xi], 0.0, 1.0)
        if values.sum() > self.problem.budget:
            values *= self.problem.budget / values.sum()
        xi = np.zeros(self.problem.size)
        xi[self.items] = values
        return xi


# -------------------------------------------------------------------- helpers

def _scalar(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ProblemFormatError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ProblemFormatError(f"{what} must be a finite number, got {number}")
    return number


def _number_text(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


# -------------------------------------------------------------------- files

def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def sniff(path, head: str) -> bool:
    """True when the file starts with a line of 3 numbers ``n C Γ`` (n a positive integer)
    followed by a line of 5 numbers (or nothing)."""
    lines = [line.split() for line in head.splitlines() if line.strip()]
    if len(lines) > 1 and not head.endswith(("\n", "\r")):
        lines = lines[:-1]
    if not lines or len(lines[0]) != 3 or not all(_is_number(t) for t in lines[0]):
        return False
    n = float(lines[0][0])
    if not (math.isfinite(n) and n >= 1 and n.is_integer()):
        return False
    return len(lines) == 1 or (len(lines[1]) == 5 and all(_is_number(t) for t in lines[1]))


def count(path) -> int:
    """A robust knapsack file holds one instance."""
    return 1


def instance_name(path) -> str:
    """The instance name: the file name, less a ``.txt`` / ``.rkp`` extension.

    >>> instance_name("RKP_UN_n20_R1000_H100_h40_dev0.1_d0.1")
    'RKP_UN_n20_R1000_H100_h40_dev0.1_d0.1'
    """
    path = Path(path)
    return path.stem if path.suffix.lower() in (".txt", ".rkp") else path.name


def read(path, index: int | None = None) -> RobustKnapsack:
    """Read an Arslan & Detienne instance file, with the B&P best value when it is listed.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny")
    >>> _ = open(path, "w").write("2 5 1\\n8 6 1 2 10\\n8 6 1 2 10\\n")
    >>> p = read(path)
    >>> p.name, p.size, p.capacity, p.budget
    ('tiny', 2, 5.0, 1.0)
    """
    path = Path(path)
    if index not in (None, 0):
        raise ProblemFormatError(f"instance index {index} out of range: the file holds 1 "
                                 f"instance", path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProblemFormatError(f"cannot read the file: {error}", path=path) from None
    rows = [(lineno, line.split()) for lineno, line in enumerate(text.splitlines(), start=1)
            if line.strip()]
    if not rows:
        raise ProblemFormatError("empty file; expected a first line 'n C Gamma'", path=path)
    lineno, header = rows[0]
    if len(header) != 3:
        raise ProblemFormatError(f"expected 3 numbers 'n C Gamma' (items, capacity, uncertainty "
                                 f"budget), got {len(header)}", path=path, line=lineno)
    n_value, capacity, budget = (_file_number(token, what, path, lineno) for token, what in
                                 zip(header, ("n", "capacity C", "budget Gamma")))
    if not (n_value >= 1 and n_value.is_integer()):
        raise ProblemFormatError(f"n must be a positive integer, got {header[0]}", path=path,
                                 line=lineno)
    n = int(n_value)
    if capacity < 0:
        raise ProblemFormatError(f"capacity C must be non-negative, got {header[1]}", path=path,
                                 line=lineno)
    if not 0 <= budget <= n:
        raise ProblemFormatError(f"uncertainty budget Gamma = {header[2]} must lie in [0, n] = "
                                 f"[0, {n}]", path=path, line=lineno)
    items = rows[1:]
    if len(items) < n:
        raise ProblemFormatError(f"file ends after {len(items)} of n = {n} item lines "
                                 f"('{_ITEM_COLUMNS}')", path=path, line=rows[-1][0])
    if len(items) > n:
        raise ProblemFormatError(f"unexpected line {n + 2}: the first line announces n = {n} "
                                 f"items", path=path, line=items[n][0])
    data = np.empty((n, 5))
    for k, (lineno, tokens) in enumerate(items):
        if len(tokens) != 5:
            raise ProblemFormatError(f"item {k}: expected 5 numbers '{_ITEM_COLUMNS}', got "
                                     f"{len(tokens)}", path=path, line=lineno)
        for j, (token, what) in enumerate(zip(tokens, _FIELDS)):
            value = _file_number(token, f"item {k} {what}", path, lineno)
            if value < 0:
                raise ProblemFormatError(f"item {k} {what} must be non-negative, got {token}",
                                         path=path, line=lineno)
            data[k, j] = value
    best_known, proven = best_known_value(path)
    return RobustKnapsack(*data.T, capacity=capacity, budget=budget, name=instance_name(path),
                          best_known=best_known, best_known_proven=proven)


def _file_number(token: str, what: str, path: Path, line: int) -> float:
    try:
        value = float(token)
    except ValueError:
        raise ProblemFormatError(f"{what}: {token!r} is not a number", path=path,
                                 line=line) from None
    if not math.isfinite(value):
        raise ProblemFormatError(f"{what} must be a finite number, got {token}", path=path,
                                 line=line)
    return value


def best_known_value(path) -> tuple[float | None, bool]:
    """``(best primal bound, proved optimal)`` of ``path`` in ``ResultsForBranchAndPrice.csv``.

    The table is looked up in the file's folder, then in its parent; ``(None, False)`` when
    neither has it or the instance is not listed.
    """
    path = Path(path)
    for folder in (path.parent, path.parent.parent):
        table = folder / RESULTS_FILE
        if table.is_file():
            entry = _results_table(str(table), table.stat().st_mtime).get(instance_name(path))
            if entry is not None:
                return entry
    return None, False


@functools.lru_cache(maxsize=4)
def _results_table(table: str, mtime: float) -> dict[str, tuple[float, bool]]:
    """Rows of a B&P results table; rows that are not well-formed are left out."""
    entries: dict[str, tuple[float, bool]] = {}
    try:
        with open(table, newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                try:
                    value = float(row["Best primal bound"])
                    proven = int(float(row["Solved to optimality"])) == 1
                    name = row["File name"].strip()
                except (KeyError, TypeError, ValueError):
                    continue
                if name and math.isfinite(value):
                    entries[name] = (value, proven)
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return entries
