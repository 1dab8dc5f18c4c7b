"""``solve(problem, method)``: run a registered method and verify what it returns."""

from __future__ import annotations

import inspect
import logging
import math
import time
from typing import Callable

from problems.errors import InfeasibleSolution
from solvers import registry
from solvers.progress import LOGGER_NAME, Improvement, Progress, log_to_console
from solvers.result import Answer, Result


def solve(problem, method: str, *, time_limit: float | None = None, seed: int = 0,
          log: bool = False, callback: Callable[[Improvement], None] | None = None,
          **options) -> Result:
    """Solve ``problem`` with ``method`` and return a verified ``Result``.

    The objective in the result is recomputed by ``problem.evaluate`` and the
    solution is checked by ``problem.check``: no method can report a value the
    problem does not confirm.

    ``log=True`` prints each improving solution on stderr as the method finds it
    (records of the ``nqco.progress`` logger, which applications may route instead);
    ``callback`` receives each one as a ``solvers.progress.Improvement``. Methods with
    a ``progress`` keyword report live; for the others the trace is reported at the end.

    >>> from problems import MIS
    >>> r = solve(MIS.random(8, p=0.3, seed=1), "exact")
    >>> r.feasible and r.status == "optimal"
    True
    """
    spec = registry.get(method)
    kind = type(problem).__name__
    if kind not in spec.types:
        able = ", ".join(registry.methods(kind)) or "none"
        raise registry.UnsupportedProblem(
            f"method {method!r} does not support {kind}; methods that do: {able}")
    limit = spec.size_limit(kind)
    if limit is not None and problem.size > limit:
        raise ValueError(f"method {method!r} handles {kind} up to size {limit}, "
                         f"this instance has size {problem.size}")
    if time_limit is not None and not (isinstance(time_limit, (int, float))
                                       and math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    function = spec.load()
    _check_options(method, function, options)

    progress = _progress(problem, method, log, callback)
    live = progress is not None and "progress" in inspect.signature(function).parameters
    if live:
        options["progress"] = progress
    start = time.perf_counter()
    answer = function(problem, time_limit=time_limit, seed=seed, **options)
    elapsed = time.perf_counter() - start
    if not isinstance(answer, Answer):
        raise TypeError(f"method {method!r} returned {type(answer).__name__}, expected Answer")
    result = verify(problem, answer, method=method, seed=seed, time_s=elapsed)
    if progress is not None and not live:
        for _, value in result.trace:
            progress.improved(value, reported="at the end")
    return result


def _progress(problem, method: str, log: bool, callback) -> Progress | None:
    """The reporter handed to the method, or None when nobody listens."""
    if log:
        log_to_console()
    if callback is None and not logging.getLogger(LOGGER_NAME).isEnabledFor(logging.INFO):
        return None
    return Progress(method, problem.name, sense=problem.sense,
                    best_known=getattr(problem, "best_known", None), callback=callback)


def verify(problem, answer: Answer, *, method: str, seed: int, time_s: float) -> Result:
    """Turn a method's ``Answer`` into a ``Result`` using only the problem's own code."""
    info = dict(answer.info)
    common = dict(method=method, seed=seed, time_s=time_s, problem=problem.name,
                  sense=problem.sense, info=info)
    if answer.solution is None:
        return Result(solution=None, objective=None, feasible=False, status="no_solution",
                      trace=(), **common)
    try:
        problem.check(answer.solution)
    except InfeasibleSolution as error:
        info["violation"] = str(error)
        return Result(solution=answer.solution, objective=None, feasible=False,
                      status="infeasible", trace=(), **common)
    objective = float(problem.evaluate(answer.solution))
    claimed = info.get("claimed_objective")
    mismatch = claimed is not None and not math.isclose(claimed, objective, rel_tol=1e-6,
                                                        abs_tol=1e-6)
    if mismatch:
        info["claimed_objective_mismatch"] = claimed
    trace = tuple((float(t), float(v)) for t, v in answer.trace)
    if not trace or not math.isclose(trace[-1][1], objective, rel_tol=1e-9, abs_tol=1e-9):
        trace = trace + ((time_s, objective),)
    # A proof of optimality about a value the problem does not confirm proves nothing about it.
    status = "optimal" if answer.status == "optimal" and not mismatch else "feasible"
    return Result(solution=answer.solution, objective=objective, feasible=True, status=status,
                  trace=trace, **common)


def _check_options(method: str, function, options: dict) -> None:
    parameters = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    accepted = sorted(n for n, p in parameters.items()
                      if p.kind is inspect.Parameter.KEYWORD_ONLY
                      and n not in ("time_limit", "seed", "progress"))
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"method {method!r} does not take option(s) {', '.join(unknown)}; "
                         f"it accepts: {', '.join(accepted) or 'no options'}")
