"""``solve(problem, method)``: run a registered method and verify what it returns."""

from __future__ import annotations

import atexit
import gc
import importlib
import inspect
import logging
import math
import queue
import sys
import threading
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
    if not load_within(spec, problem, deadline):
        return _out_of_time(problem, method, seed, deadline, spec)
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


class _Loader:
    """One long-lived background thread that imports modules for ``load_within``, in order.

    It outlives every import it makes on purpose: qiskit's Rust extension ties its allocator
    (mimalloc) to the thread that first loads it, and crashes the process later when that
    thread has ended. Not a daemon's problem at exit: ``atexit`` waits for a running import.
    """

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue()
        self.pending: dict[tuple[str, ...], threading.Event] = {}
        self.thread: threading.Thread | None = None

    def submit(self, key: tuple[str, ...], work: Callable[[], None]) -> threading.Event:
        """The event set when ``work`` (for ``key``) has run; an error is kept on the event."""
        if key in self.pending:
            return self.pending[key]
        done = threading.Event()
        done.failures = []
        self.pending[key] = done
        self.jobs.put((work, done))
        if self.thread is None:
            self.thread = threading.Thread(target=self._serve, name="nqco-imports",
                                           daemon=True)
            self.thread.start()
            atexit.register(self._drain)
        return done

    def _serve(self):
        while True:
            work, done = self.jobs.get()
            try:
                work()
            except BaseException as error:  # re-raised in the caller's thread
                done.failures.append(error)
            finally:
                done.set()

    def _drain(self):
        for done in list(self.pending.values()):
            done.wait()


_LOADER = _Loader()


def load_within(spec: registry.MethodSpec, problem, deadline: Deadline) -> bool:
    """Import what a call of ``spec`` on ``problem`` needs, waiting no longer than ``deadline``.

    Importing torch or qiskit can take seconds, more than a short limit, and an import cannot
    be interrupted: it runs in a background thread, and when the limit passes first this
    returns False (the import goes on, so the next call starts warm). An import error is
    raised here, in the caller's thread.

    >>> load_within(registry.get("exact"), None, Deadline(60.0))
    True
    """
    def work():
        loaded = len(sys.modules)
        for name in modules:
            importlib.import_module(name)
        function = spec.load()
        if hasattr(function, "resolve"):  # a dispatching method imports the type's own module
            for target in spec.types if problem is None else (problem,):
                function.resolve(target)
        if len(sys.modules) > loaded:
            # torch and qiskit leave some 400,000 objects that live as long as the process;
            # freezing them keeps them out of every full garbage collection, which otherwise
            # walked them all while a CP-SAT model of 180,000 constraints was built (the
            # edges' tolist() alone went from 0.03 s to 0.3-3.8 s). One collection first (0.2 s
            # after torch and qiskit) frees the garbage of that moment, which a freeze would keep.
            gc.collect()
            gc.freeze()

    modules = spec.modules()
    key = (*modules, type(problem).__name__)
    if key not in _LOADER.pending and (deadline.limit is None
                                       or all(name in sys.modules for name in modules)):
        work()  # nothing heavy left to wait for (or no limit to keep): import here
        return True
    done = _LOADER.submit(key, work)
    if not done.wait(timeout=None if deadline.limit is None else deadline.remaining()):
        return False
    _LOADER.pending.pop(key, None)
    if done.failures:
        raise done.failures[0]
    return True


def prepare(*methods: str, problem=None) -> None:
    """Import what ``methods`` need now, outside any time limit.

    A method's first call in a process imports its libraries (torch, qiskit: seconds), and
    ``solve()`` counts that against the limit; a limit shorter than the imports returns no
    solution. A method that dispatches by type (``ortools``, ``udc``) imports every type's
    module, or only ``problem``'s when one is given.

    >>> prepare("exact", "sa")
    >>> prepare("no-such-method")
    Traceback (most recent call last):
    ...
    solvers.registry.UnknownMethod: unknown method 'no-such-method'; available methods: ...
    """
    for method in methods:
        load_within(registry.get(method), problem, Deadline(None))


def _out_of_time(problem, method: str, seed: int, deadline: Deadline,
                 spec: registry.MethodSpec) -> Result:
    """The verified ``no_solution`` of a call whose limit passed while its libraries loaded."""
    spent = deadline.elapsed()
    stop = (f"time limit: the {deadline.limit:g} s passed while importing what {method!r} "
            f"needs ({', '.join(spec.modules())}); the import goes on in the background, so "
            "a later call in this process starts warm")
    answer = Answer(solution=None, status="no_solution", trace=(),
                    info={"stop": stop, "setup_s": spent, "threads": available_threads()})
    return verify(problem, answer, method=method, seed=seed, time_s=spent)


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
