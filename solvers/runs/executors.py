"""Run batch tasks where a crash, an out-of-memory kill or a hang cannot take the batch down.

Every task runs ``run_task`` in a process other than the caller's, and each finished
task is handed to a callback in the caller's process (which writes it to the store):

* ``LocalExecutor``: a pool of worker processes on this machine. A worker that dies
  (segfault, ``os._exit``, OOM killer) or runs too long is killed, its task recorded
  as ``error`` or ``timeout``, and a fresh worker takes its place. Workers exit on
  their own when the batch process goes away, even after ``kill -9``. Each worker gets
  its share of the cores (``solvers.threads``), so W workers never run W × all-core solves.
* ``RayExecutor``: the same tasks as Ray remote tasks (``num_cpus=1``,
  ``num_gpus=gpus_per_task``) on a cluster or a local Ray instance. Ray is imported
  only here. Instance files must be readable at the same path on every node.

A task's clock has two parts: ``startup`` seconds to load the instance and import
the method (torch, qiskit, ...), then ``time_limit + grace`` seconds from the moment the
method is called (numba kernels compile on their first call: ``nqco warmup`` caches them).
Past either it is killed (``timeout``).

Methods registered outside ``solvers/registry.py`` reach the workers as plugin
modules (``Task.plugins``): each worker imports them before running the task, and
importing a plugin registers its methods.
"""

from __future__ import annotations

import importlib
import json
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable, Sequence

from solvers.result import _plain
from solvers.threads import THREADS_ENV, worker_share

OnOutcome = Callable[["Task", "Outcome"], None]


@dataclass(frozen=True)
class Task:
    """One run: instance ``index`` of the file at ``path``, solved by ``method`` with ``seed``.

    >>> Task("/data/a.col", 0, "exact", seed=1, time_limit=5.0).method
    'exact'
    """

    path: str
    index: int
    method: str
    seed: int
    time_limit: float
    options: tuple[tuple[str, Any], ...] = ()
    plugins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What became of a task: the verified result or why there is none.

    ``problem_type``, ``sense``, ``size``, ``instance_name`` and ``best_known`` describe
    the instance when it could be loaded (``best_known`` is what the file carries).
    """

    status: str
    time_s: float | None
    objective: float | None = None
    feasible: bool = False
    solution: Any = None
    trace: tuple = ()
    info: dict = field(default_factory=dict)
    error: str | None = None
    problem_type: str | None = None
    sense: str | None = None
    size: int | None = None
    instance_name: str | None = None
    best_known: float | None = None


def import_plugins(modules: Sequence[str]) -> None:
    """Import modules that register extra methods (the current directory is searched too).

    >>> import_plugins(["solvers.registry"])
    >>> import_plugins(["no.such.module"])
    Traceback (most recent call last):
    ...
    ValueError: plugin module 'no.such.module' cannot be imported: No module named 'no'
    """
    if modules and os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as error:
            raise ValueError(f"plugin module {name!r} cannot be imported: {error}") from None


_LAST_LOADED: dict[tuple, Any] = {}


def _load(path: str, index: int):
    from problems import load

    try:
        stamp = (path, index, os.stat(path).st_mtime_ns)
    except OSError:
        return load(path, index=index)  # raises the reader's own error
    if stamp not in _LAST_LOADED:
        _LAST_LOADED.clear()
        _LAST_LOADED[stamp] = load(path, index=index)
    return _LAST_LOADED[stamp]


def _describe(problem) -> dict:
    """The instance facts an ``Outcome`` carries."""
    best = getattr(problem, "best_known", None)
    return {"problem_type": type(problem).__name__, "sense": problem.sense,
            "size": int(problem.size), "instance_name": problem.name,
            "best_known": None if best is None else float(best)}


def run_task(task: Task, on_loaded: Callable[[dict], None] | None = None,
             on_started: Callable[[], None] | None = None) -> Outcome:
    """Load the instance, solve it through ``solve()`` (which verifies), never raise.

    ``on_loaded`` receives the instance facts once the instance is loaded;
    ``on_started`` is called once the method is imported, just before it runs.

    >>> outcome = run_task(Task("/no/such/file.tsp", 0, "exact", seed=0, time_limit=1.0))
    >>> outcome.status, outcome.error.split(" (raised at")[0]
    ('error', 'ProblemFormatError: file.tsp: no such file')
    """
    from solvers import registry
    from solvers.solve import prepare, solve

    start = time.perf_counter()
    facts: dict = {}
    try:
        import_plugins(task.plugins)
        problem = _load(task.path, task.index)
        facts = _describe(problem)
        if on_loaded is not None:
            on_loaded(facts)
        spec = registry.get(task.method)
        prepare(task.method, problem=problem)  # imports count against startup, not the limit
        refusal = spec.refusal(problem, dict(task.options))
        if refusal is not None:
            return Outcome(status="skipped", time_s=0.0, **facts, error=refusal)
        if on_started is not None:
            on_started()
        result = solve(problem, task.method, time_limit=task.time_limit, seed=task.seed,
                       **dict(task.options))
    except Exception as error:  # recorded as an error row; the batch goes on
        return Outcome(status="error", time_s=time.perf_counter() - start,
                       error=describe_error(error), **facts)
    info = json.loads(json.dumps(_plain(result.info), default=repr))
    return Outcome(status=result.status, time_s=result.time_s, objective=result.objective,
                   feasible=result.feasible, solution=_plain(result.solution),
                   trace=result.trace, info=info, **facts)


def describe_error(error: BaseException) -> str:
    """``"Type: message (raised at file.py:line)"``, the innermost frame named.

    >>> try:
    ...     int("x")
    ... except ValueError as e:
    ...     describe_error(e).split(" (raised at")[0]
    "ValueError: invalid literal for int() with base 10: 'x'"
    """
    text = f"{type(error).__name__}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        text += f" (raised at {_short_path(frames[-1].filename)}:{frames[-1].lineno})"
    return text


def _short_path(filename: str) -> str:
    """``filename`` from its top-level package on (``ortools/math_opt/python/solve.py``)."""
    path = Path(filename)
    top = path.parent
    while (top / "__init__.py").is_file() and top.parent != top:
        top = top.parent
    return path.relative_to(top).as_posix()


def _timeout_outcome(task: Task, elapsed: float, grace: float, facts: dict) -> Outcome:
    return Outcome(status="timeout", time_s=elapsed, **facts,
                   error=f"killed {elapsed:.1f} s after the method started: past the time "
                         f"limit ({task.time_limit:g} s) plus grace ({grace:g} s)")


def _startup_outcome(elapsed: float, startup: float, facts: dict) -> Outcome:
    return Outcome(status="timeout", time_s=elapsed, **facts,
                   error=f"killed after {elapsed:.1f} s still loading the instance or importing "
                         f"the method (startup allowance {startup:g} s)")


def _crash_outcome(elapsed: float, why: str, facts: dict) -> Outcome:
    return Outcome(status="error", time_s=elapsed, error=f"worker process died: {why}", **facts)


def _exit_code(code: int | None) -> str:
    if code is None:
        return "exit code unknown"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _check_limits(workers: int, grace: float, startup: float) -> None:
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    for what, value in (("grace", grace), ("startup", startup)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{what} must be a non-negative number of seconds, got {value!r}")


# --------------------------------------------------------------------------- local pool

def _exit_when_orphaned(lifeline) -> None:
    try:
        lifeline.recv()
    except (EOFError, OSError):
        pass
    os._exit(1)


def _worker_main(conn, lifeline, threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle: it kills us
    os.environ[THREADS_ENV] = os.environ["OMP_NUM_THREADS"] = str(threads)
    if "torch" in sys.modules:  # imported before the limit was set (forkserver preload)
        sys.modules["torch"].set_num_threads(threads)
    threading.Thread(target=_exit_when_orphaned, args=(lifeline,), daemon=True).start()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        outcome = run_task(task, on_loaded=lambda facts: conn.send(("loaded", facts)),
                           on_started=lambda: conn.send(("started", None)))
        conn.send(("done", outcome))


def _context():
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["solvers.runs.executors", "problems", "solvers"])
        return context
    return multiprocessing.get_context("spawn")


class _Worker:
    """One worker process, its task pipe and the lifeline it watches."""

    def __init__(self, context, threads: int):
        self.conn, child_conn = context.Pipe()
        lifeline_r, self.lifeline = context.Pipe(duplex=False)
        self.process = context.Process(target=_worker_main,
                                       args=(child_conn, lifeline_r, threads),
                                       daemon=True, name="nqco-worker")
        self.process.start()
        child_conn.close()
        lifeline_r.close()
        self.task: Task | None = None
        self.facts: dict = {}
        self.assigned = 0.0
        self.started: float | None = None  # when the method was called

    def assign(self, task: Task) -> None:
        self.task, self.facts = task, {}
        self.assigned, self.started = time.monotonic(), None
        try:
            self.conn.send(task)
        except OSError:  # the worker died while idle: poll() reports it
            pass

    def poll(self) -> Outcome | None:
        """The outcome if the task is done; ``None`` while it runs. Raises ``EOFError`` if dead."""
        while self.conn.poll():
            kind, payload = self.conn.recv()
            if kind == "loaded":
                self.facts = payload
            elif kind == "started":
                self.started = time.monotonic()
            else:
                self.task = None
                return payload
        if not self.process.is_alive():
            raise EOFError
        return None

    def deadline(self, grace: float, startup: float) -> float:
        if self.started is None:
            return self.assigned + startup
        return self.started + self.task.time_limit + grace

    def late(self, now: float, grace: float, startup: float) -> Outcome | None:
        """The timeout outcome if the task is past its deadline, else ``None``."""
        if now <= self.deadline(grace, startup):
            return None
        if self.started is None:
            return _startup_outcome(now - self.assigned, startup, self.facts)
        return _timeout_outcome(self.task, now - self.started, grace, self.facts)

    def stop(self, *, kill: bool) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=None if kill else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        self.lifeline.close()


class LocalExecutor:
    """A pool of ``workers`` processes on this machine.

    >>> from problems import MIS
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "g.col")
    >>> MIS.random(8, p=0.3, seed=0).write_dimacs(path)
    >>> done = []
    >>> LocalExecutor(workers=1).run([Task(path, 0, "exact", 0, 5.0)],
    ...                              lambda task, outcome: done.append(outcome.status))
    >>> done
    ['optimal']
    """

    def __init__(self, workers: int | None = None, *, grace: float = 10.0,
                 startup: float = 120.0):
        workers = (os.cpu_count() or 1) if workers is None else workers
        _check_limits(workers, grace, startup)
        self.workers, self.grace, self.startup = workers, float(grace), float(startup)

    def run(self, tasks: Sequence[Task], on_outcome: OnOutcome) -> None:
        """Run every task; ``on_outcome(task, outcome)`` is called in this process as each ends."""
        pending = deque(tasks)
        if not pending:
            return
        context = _context()
        threads = worker_share(self.workers)
        idle = [_Worker(context, threads) for _ in range(min(self.workers, len(pending)))]
        busy: list[_Worker] = []
        try:
            while pending or busy:
                while idle and pending:
                    worker = idle.pop()
                    worker.assign(pending.popleft())
                    busy.append(worker)
                deadline = min(w.deadline(self.grace, self.startup) for w in busy)
                wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                     timeout=max(0.0, deadline - time.monotonic()))
                for worker in list(busy):
                    task, late = worker.task, None
                    try:
                        outcome, dead = worker.poll(), False
                    except (EOFError, OSError):
                        worker.process.join(timeout=5)
                        why = _exit_code(worker.process.exitcode)
                        elapsed = time.monotonic() - worker.assigned
                        outcome, dead = _crash_outcome(elapsed, why, worker.facts), True
                    if outcome is None:
                        outcome = late = worker.late(time.monotonic(), self.grace, self.startup)
                    if outcome is None:
                        continue
                    busy.remove(worker)
                    if dead or late:
                        worker.stop(kill=True)
                        if pending:
                            idle.append(_Worker(context, threads))
                    else:
                        idle.append(worker)
                    on_outcome(task, outcome)
        finally:
            for worker in busy:
                worker.stop(kill=True)
            for worker in idle:
                worker.stop(kill=False)


# --------------------------------------------------------------------------- Ray

WATCHDOG_EXIT = 124


def run_task_with_watchdog(task: Task, grace: float, startup: float) -> Outcome:
    """``run_task`` in a process that exits (code 124) when the task overstays: ``startup``
    seconds to load and import, then ``time_limit + grace`` once the method is called.
    How a Ray task is stopped on the clock of its own worker, whatever the queueing."""
    timers = [threading.Timer(startup, os._exit, args=(WATCHDOG_EXIT,))]

    def restart_clock() -> None:
        timers[0].cancel()
        timers[0] = threading.Timer(task.time_limit + grace, os._exit, args=(WATCHDOG_EXIT,))
        timers[0].daemon = True
        timers[0].start()

    timers[0].daemon = True
    timers[0].start()
    try:
        return run_task(task, on_started=restart_clock)
    finally:
        timers[0].cancel()


class RayExecutor:
    """Ray remote tasks (``num_cpus=1``, ``num_gpus=gpus_per_task``).

    Connects to ``address`` when given, else starts a local Ray instance with
    ``num_cpus`` CPUs (and shuts it down afterwards). At most as many tasks as the
    cluster can run at once are in flight. A task that overstays ends its own worker
    process (``run_task_with_watchdog``) and is recorded as ``timeout``; so is a task
    that a worker ended after more than ``time_limit + grace`` seconds, as the driver
    cannot tell that from a crash. Should the watchdog fail (a hang that holds the
    GIL), the driver cancels the task ``startup + time_limit + grace`` seconds after
    submitting it.
    """

    def __init__(self, *, address: str | None = None, num_cpus: int | None = None,
                 gpus_per_task: float = 0.0, grace: float = 10.0, startup: float = 120.0):
        num_cpus = (os.cpu_count() or 1) if num_cpus is None else num_cpus
        _check_limits(num_cpus, grace, startup)
        if not (isinstance(gpus_per_task, (int, float)) and math.isfinite(gpus_per_task)
                and gpus_per_task >= 0):
            raise ValueError(f"gpus_per_task must be a non-negative number, got {gpus_per_task!r}")
        self.address, self.num_cpus = address, num_cpus
        self.gpus_per_task, self.grace = float(gpus_per_task), float(grace)
        self.startup = float(startup)

    def run(self, tasks: Sequence[Task], on_outcome: OnOutcome) -> None:
        """Run every task; ``on_outcome(task, outcome)`` is called on the driver as each ends."""
        pending = deque(tasks)
        if not pending:
            return
        try:
            import ray
        except ImportError:
            raise ValueError("the ray executor needs Ray: pip install 'nqco[ray]'") from None
        started_here = not ray.is_initialized()
        if started_here:
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(num_cpus=self.num_cpus, include_dashboard=False, log_to_driver=False)
        running: dict = {}
        try:
            remote = ray.remote(run_task_with_watchdog).options(
                num_cpus=1, num_gpus=self.gpus_per_task, max_retries=0)
            slots = self._slots(ray.cluster_resources())
            while pending or running:
                while pending and len(running) < slots:
                    task = pending.popleft()
                    ref = remote.remote(task, self.grace, self.startup)
                    running[ref] = (task, time.monotonic())
                backstop = min(t0 + self._allowance(task) for task, t0 in running.values())
                ray.wait(list(running), num_returns=1,
                         timeout=max(0.0, backstop - time.monotonic()))
                ready, _ = ray.wait(list(running), num_returns=len(running), timeout=0)
                for ref in ready:
                    task, t0 = running.pop(ref)
                    on_outcome(task, self._collect(ray, ref, task, time.monotonic() - t0))
                now = time.monotonic()
                for ref, (task, t0) in list(running.items()):
                    if now - t0 > self._allowance(task):
                        ray.cancel(ref, force=True)
                        del running[ref]
                        on_outcome(task, self._overstayed(task, now - t0))
        finally:
            for ref in running:
                ray.cancel(ref, force=True)
            if started_here:
                ray.shutdown()

    def _allowance(self, task: Task) -> float:
        return self.startup + task.time_limit + self.grace

    def _overstayed(self, task: Task, elapsed: float) -> Outcome:
        return Outcome(status="timeout", time_s=elapsed,
                       error=f"killed {elapsed:.1f} s after submission: past the startup "
                             f"allowance ({self.startup:g} s), the time limit "
                             f"({task.time_limit:g} s) and grace ({self.grace:g} s)")

    def _collect(self, ray, ref, task: Task, elapsed: float) -> Outcome:
        try:
            return ray.get(ref)
        except ray.exceptions.RayError as error:
            if elapsed >= task.time_limit + self.grace:  # the watchdog, most likely
                return Outcome(status="timeout", time_s=elapsed,
                               error=f"worker ended {elapsed:.1f} s after submission, past "
                                     f"the time limit ({task.time_limit:g} s) plus grace "
                                     f"({self.grace:g} s)")
            return _crash_outcome(elapsed, str(error).strip().splitlines()[0], {})

    def _slots(self, resources: dict) -> int:
        slots = max(1, int(resources.get("CPU", 1)))
        if self.gpus_per_task > 0:
            gpus = resources.get("GPU", 0.0)
            if gpus < self.gpus_per_task:
                raise ValueError(f"gpus_per_task={self.gpus_per_task:g} but the Ray cluster has "
                                 f"{gpus:g} GPU(s)")
            slots = min(slots, int(gpus // self.gpus_per_task))
        return slots
