"""What a method hands back (``Answer``) and what ``solve()`` reports after verifying it (``Result``)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

STATUSES = ("optimal", "feasible", "infeasible", "no_solution", "error", "timeout")


@dataclass(frozen=True)
class Answer:
    """A method's raw, unverified answer.

    ``status`` is ``"optimal"`` only when the method proved optimality, else
    ``"feasible"``; ``solution`` is ``None`` when the method found nothing.
    ``trace`` holds ``(seconds, objective)`` pairs of improving solutions.
    """

    solution: Any
    status: str = "feasible"
    trace: tuple = ()
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """A verified result: ``objective`` was recomputed by the problem's own ``evaluate``.

    >>> r = Result(solution=[0, 1], objective=3.0, feasible=True, status="feasible",
    ...            time_s=0.1, method="exact", seed=0, problem="demo", sense="min")
    >>> r.summary()
    'demo  exact  objective 3  feasible  0.10 s'
    """

    solution: Any
    objective: float | None
    feasible: bool
    status: str
    time_s: float
    method: str
    seed: int
    problem: str
    sense: str
    trace: tuple = ()
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"Result.status must be one of {STATUSES}, got {self.status!r}")
        if not (self.time_s >= 0 and math.isfinite(self.time_s)):
            raise ValueError(f"Result.time_s must be a non-negative number, got {self.time_s}")
        if self.feasible and self.objective is None:
            raise ValueError("a feasible Result needs an objective")

    def gap_to(self, reference: float | None) -> float | None:
        """Relative gap in percent to ``reference`` (positive = worse), ``None`` if unknown."""
        if not self.feasible:
            return None
        return gap(self.objective, reference, self.sense)

    def summary(self) -> str:
        obj = "-" if self.objective is None else f"{self.objective:.10g}"
        state = "feasible" if self.feasible else self.status
        if self.status == "optimal":
            state = "optimal"
        return f"{self.problem}  {self.method}  objective {obj}  {state}  {self.time_s:.2f} s"

    def to_dict(self) -> dict:
        """JSON-ready dictionary (numpy arrays become lists)."""
        d = asdict(self)
        d["solution"] = _plain(self.solution)
        d["trace"] = [list(map(float, p)) for p in self.trace]
        d["info"] = _plain(self.info)
        return d


def gap(objective: float | None, reference: float | None, sense: str) -> float | None:
    """Relative gap of ``objective`` to ``reference`` in percent (positive = worse).

    >>> gap(105.0, 100.0, "min"), gap(95.0, 100.0, "max")
    (5.0, 5.0)
    """
    if reference is None or objective is None:
        return None
    if reference == 0:
        return 0.0 if objective == 0 else math.inf
    diff = objective - reference if sense == "min" else reference - objective
    return 100.0 * diff / abs(reference)


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
