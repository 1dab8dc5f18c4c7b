"""Live progress of a running method: each improving solution as it is found.

``solve(..., log=True)`` or ``solve(..., callback=fn)`` hands a ``Progress`` to every
method that takes a ``progress`` keyword; the method calls ``progress.improved(objective,
**detail)`` at each improvement (``detail``: its own progress, e.g. ``round=``, ``iteration=``,
``bound=``). Each improvement is logged on the ``nqco.progress`` logger (so an application
routes it like any other log record) and passed to the callback as an ``Improvement``.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from solvers.result import gap

LOGGER_NAME = "nqco.progress"
_HANDLER_NAME = "nqco-console"


@dataclass(frozen=True)
class Improvement:
    """One improving solution: when (seconds since ``solve`` started), its value and context.

    >>> Improvement("mcts", "berlin52", 1.25, 7542.0, 0.0, {"round": 3}).text()
    'berlin52  mcts    1.25 s  objective 7542  gap 0.000 %  round 3'
    """

    method: str
    problem: str
    seconds: float
    objective: float
    gap: float | None  # percent to the best-known value (positive = worse), None if unknown
    detail: dict = field(default_factory=dict)

    def text(self) -> str:
        gap = "" if self.gap is None else f"  gap {self.gap:.3f} %"
        extra = "".join(f"  {k} {_short(v)}" for k, v in self.detail.items())
        return (f"{self.problem}  {self.method}  {self.seconds:6.2f} s  "
                f"objective {self.objective:.10g}{gap}{extra}")


def _short(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


class Progress:
    """The reporter a method calls at each improvement (thread-safe; keeps only improvements).

    >>> seen = []
    >>> p = Progress("sa", "demo", sense="max", best_known=10.0, callback=seen.append)
    >>> p.improved(8.0, iteration=1); p.improved(7.0, iteration=2); p.improved(10.0)
    >>> [(e.objective, e.gap) for e in seen]
    [(8.0, 20.0), (10.0, 0.0)]
    """

    def __init__(self, method: str, problem: str, *, sense: str,
                 best_known: float | None = None,
                 callback: Callable[[Improvement], None] | None = None,
                 logger: logging.Logger | None = None):
        if sense not in ("min", "max"):
            raise ValueError(f"sense must be 'min' or 'max', got {sense!r}")
        self.method, self.problem, self.sense = method, problem, sense
        self.best_known, self.callback = best_known, callback
        self.logger = logger or logging.getLogger(LOGGER_NAME)
        self.start = time.perf_counter()
        self.best: float | None = None
        self._lock = threading.Lock()

    def improved(self, objective: float, **detail) -> None:
        """Report a solution of value ``objective``; ignored unless it beats the best so far."""
        objective = float(objective)
        if not math.isfinite(objective):
            return
        with self._lock:
            if self.best is not None and (objective >= self.best if self.sense == "min"
                                          else objective <= self.best):
                return
            self.best = objective
            event = Improvement(self.method, self.problem, time.perf_counter() - self.start,
                                objective, gap(objective, self.best_known, self.sense),
                                detail)
            self.logger.info("%s", event.text())
            if self.callback is not None:
                self.callback(event)


def log_to_console(level: int = logging.INFO, stream=None) -> None:
    """Show ``nqco.*`` log records on ``stream`` (default stderr), once per process.

    >>> log_to_console(); log_to_console()
    >>> sum(h.get_name() == "nqco-console" for h in logging.getLogger("nqco").handlers)
    1
    """
    logger = logging.getLogger("nqco")
    if not any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each record."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass
