"""``solve(problem, method)``: run a registered method and verify what it returns."""

from __future__ import annotations

import inspect
import logging
import math
from typing import Callable

import numpy as np

from problems.errors import InfeasibleSolution
from solvers import registry
from solvers.deadline import Deadline
from solvers.progress import LOGGER_NAME, Improvement, Progress, log_to_console
from solvers.result import Answer, Result
from solvers.threads import available_threads

MIN_TIME_LIMIT = 1e-3  # what a method is given when set-up already spent the whole limit


def solve(problem, method: str, *, time_limit: float | None = None, seed: int = 0,
          log: bool = False, callback: Callable[[Improvement], None] | None = None,
          **options) -> Result:
    """Solve ``problem`` with ``method`` and return a verified ``Result``.

    The objective in the result is recomputed by ``problem.evaluate`` and the
    solution is checked by ``problem.check``: no method can report a value the
    problem does not confirm.

    One clock covers the whole call (``solvers.deadline.Deadline``): the method's imports
    and set-up count, the method is called with ``time_limit`` set to the time left, and
    ``Result.time_s`` is the call's wall time, set-up in ``info["setup_s"]``; a method that
    returns after the limit is recorded (``info["overran_s"]``). The seed is validated here
    and mapped into ``0 .. 2^31 - 1``, the range every library takes (``method_seed``).

    ``log=True`` prints each improving solution on stderr as the method finds it
    (records of the ``nqco.progress`` logger, which applications may route instead);
    ``callback`` receives each one as a ``solvers.progress.Improvement``. Methods with
    a ``progress`` keyword report live; for the others the trace is reported at the end.

    >>> from problems import MIS
    >>> r = solve(MIS.random(8, p=0.3, seed=1), "exact")
    >>> r.feasible and r.status == "optimal"
    True
    """
    deadline = Deadline(time_limit)
    spec = registry.get(method)
    kind = type(problem).__name__
    if kind not in spec.types:
        able = ", ".join(registry.methods(kind)) or "none"
        raise registry.UnsupportedProblem(
            f"method {method!r} does not support {kind}; methods that do: {able}")
    given_seed = method_seed(seed)
    function = spec.load()
    _check_options(method, function, options, problem)
    refusal = spec.refusal(problem, options)
    if refusal is not None:
        raise registry.TooLarge(refusal)
    progress = _progress(problem, method, log, callback)
    live = progress is not None and "progress" in inspect.signature(function).parameters
    if live:
        options["progress"] = progress
    setup = deadline.elapsed()
    left = None if deadline.limit is None else max(deadline.remaining(), MIN_TIME_LIMIT)
    answer = function(problem, time_limit=left, seed=given_seed, **options)
    elapsed = deadline.elapsed()
    if not isinstance(answer, Answer):
        raise TypeError(f"method {method!r} returned {type(answer).__name__}, expected Answer")
    info = dict(answer.info, setup_s=setup, threads=available_threads())
    if given_seed != seed:
        info["method_seed"] = given_seed
    if deadline.limit is not None and elapsed > deadline.limit:
        info["overran_s"] = elapsed - deadline.limit
    shifted = tuple((t + setup, v) for t, v in answer.trace)
    answer = Answer(solution=answer.solution, status=answer.status, trace=shifted, info=info)
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


def method_seed(seed) -> int:
    """The seed a method receives: ``seed`` itself below 2^31, else a hash of it below 2^31.

    CP-SAT, SCIP and Aer take 31- or 32-bit seeds; mapping once here keeps every method in range.

    >>> method_seed(7), method_seed(2**40) == method_seed(2**40) < 2**31
    (7, True)
    >>> method_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a non-negative integer, got -1
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    if seed < 2**31:
        return seed
    return int(np.random.SeedSequence(seed).generate_state(1, dtype=np.uint32)[0] >> 1)


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


def _check_options(method: str, function, options: dict, problem) -> None:
    """Unknown options are refused with the same ``ValueError`` for every method; a method
    that dispatches by problem type names its target through a ``resolve`` attribute."""
    function = getattr(function, "resolve", lambda _: function)(problem)
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
