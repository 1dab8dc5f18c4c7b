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

The worst-case evaluation, the MILP/QUBO forms, the generator and the file format live in the
sibling modules; the methods here hand over to them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from problems.checks import best_known_value, binary_vector
from problems.compiled import MILP, QUBO
from problems.errors import ProblemFormatError
from problems.views import SolutionViews

ITEM_FIELDS = ("profit", "degradation", "repair_weight", "weight", "outsourcing_cost")


@dataclass(frozen=True)
class RobustKnapsack(SolutionViews):
    """Maximise the worst-case profit of a selection ``x`` in {0,1}^n (see the module docstring).

    All item arrays have length n, are finite and non-negative; ``0 <= budget <= n``.

    >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
    ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
    >>> p.evaluate([1, 0]), round(p.evaluate([1, 1]), 9)
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
        for field_name in ITEM_FIELDS:
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
        object.__setattr__(self, "best_known", best_known_value(self.best_known))
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
        from problems.robust_knapsack.worst_case import Recourse

        x = binary_vector(solution, self.size)
        return Recourse(self, np.flatnonzero(x)).solve(self.scenario(xi))[0]

    def recourse_values(self, solution, scenarios) -> np.ndarray:
        """``Q(x, ξ)`` for each ``ξ`` in ``scenarios``: one recourse model re-solved per ξ.

        >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
        ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
        >>> p.recourse_values([1, 1], [[1, 0], [0.5, 0.5]]).tolist()
        [20.0, 17.0]
        """
        from problems.robust_knapsack.worst_case import Recourse

        x = binary_vector(solution, self.size)
        recourse = Recourse(self, np.flatnonzero(x))
        return np.array([recourse.solve(self.scenario(xi))[0] for xi in scenarios])

    def worst_case(self, solution, *, time_limit: float | None = None
                   ) -> tuple[float, np.ndarray]:
        """The exact worst case of ``x``: ``(value(x), ξ*)`` with ``ξ*`` in ``Ξ``.

        Kelley's cutting planes over ξ; see ``problems.robust_knapsack.worst_case``. Raises
        ``TimeoutError`` when ``time_limit`` seconds pass before the loop closes.

        Both items fit, but only one repair: ``Q = 20 - 6 min(ξ_0, ξ_1)``, so the adversary
        splits its budget (any integer ξ leaves ``Q = 20``):

        >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
        ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
        >>> value, xi = p.worst_case([1, 1])
        >>> round(value, 9), np.round(xi, 9).tolist()
        (13.0, [0.5, 0.5])
        """
        from problems.robust_knapsack import worst_case

        return worst_case.worst_case(self, solution, time_limit=time_limit)

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

    def to_milp(self, scenarios=None, relaxed_bound: bool = False, cuts=()) -> MILP:
        """The main problem over a finite scenario list (default: the nominal ``ξ = 0`` only),
        an upper bound on the robust optimum, optionally with the relaxed robust counterpart
        and its hull cuts; see ``problems.robust_knapsack.formulations.scenario_milp``.

        >>> p = RobustKnapsack.random(4, seed=0)
        >>> p.to_milp([[0, 0, 0, 0], [0.4, 0, 0, 0]]).num_variables
        21
        >>> p.to_milp(relaxed_bound=True).num_variables
        26
        """
        from problems.robust_knapsack import formulations

        return formulations.scenario_milp(self, scenarios, relaxed_bound=relaxed_bound,
                                          cuts=cuts)

    def to_qubo(self, penalty: float | None = None, encoding: str = "slack",
                scenario=None) -> QUBO:
        """The single-scenario problem for ``scenario`` (default the nominal ``ξ = 0``) as a
        QUBO; see ``problems.robust_knapsack.formulations.scenario_qubo``.

        >>> p = RobustKnapsack(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1],
        ...                    weight=[2, 2], outsourcing_cost=[10, 10], capacity=5, budget=1)
        >>> q = p.to_qubo()
        >>> q.num_variables, q.energy([1, 1, 1, 1, 1, 0, 0])
        (7, -16.0)
        """
        from problems.robust_knapsack import formulations

        return formulations.scenario_qubo(self, penalty=penalty, encoding=encoding,
                                          scenario=scenario)

    # ---------------------------------------------------------------- generator and writer

    @classmethod
    def random(cls, n: int, correlation: str = "UN", h: int = 40, delta: float = 0.1,
               budget_factor: float = 0.1, seed: int = 0) -> RobustKnapsack:
        """An instance from the Arslan & Detienne / Neur2RO generator; see
        ``problems.robust_knapsack.generators.arslan_detienne``.

        >>> p = RobustKnapsack.random(20, "SC", h=80, delta=0.5, budget_factor=0.15, seed=1)
        >>> p.size, p.budget, bool(np.all(p.profit == p.weight + 100))
        (20, 3.0, True)
        """
        from problems.robust_knapsack import generators

        return generators.arslan_detienne(n, correlation, h=h, delta=delta,
                                          budget_factor=budget_factor, seed=seed)

    def write(self, path: str | Path) -> None:
        """Write the instance in the Arslan & Detienne format (``n C Γ``, then ``p̄ p̂ t c f``).

        >>> import tempfile, os
        >>> from problems.robust_knapsack import read
        >>> path = os.path.join(tempfile.mkdtemp(), "RKP_toy")
        >>> RobustKnapsack.random(5, seed=2).write(path)
        >>> read(path).size
        5
        """
        from problems.robust_knapsack import formats

        formats.write(self, path)


def _scalar(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ProblemFormatError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ProblemFormatError(f"{what} must be a finite number, got {number}")
    return number

