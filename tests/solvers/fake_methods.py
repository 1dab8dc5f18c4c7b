"""Test-only methods that misbehave, registered on import.

Used as ``--plugins tests.solvers.fake_methods`` (or ``NQCO_PLUGINS``).
Batch workers import this module by name, so it must stay importable from the
repository root.
"""

import os
import signal
import time

from solvers.algorithms.exact import solve_exact
from solvers.registry import MethodSpec, register
from solvers.threads import available_threads


def crash(problem, *, time_limit=None, seed=0):
    os.kill(os.getpid(), signal.SIGSEGV)


def exit_hard(problem, *, time_limit=None, seed=0):
    os._exit(3)


def hang(problem, *, time_limit=None, seed=0):
    time.sleep(3600)


def fail(problem, *, time_limit=None, seed=0):
    raise RuntimeError(f"deliberate failure on {problem.name}")


def __getattr__(name):
    """``slow_to_load``: a method whose loading never ends (a stand-in for a hung import)."""
    if name == "slow_to_load":
        time.sleep(3600)
    raise AttributeError(name)


def slow_exact(problem, *, time_limit=None, seed=0, delay: float = 0.3):
    time.sleep(delay)
    return solve_exact(problem, time_limit=time_limit, seed=seed)


def slow_improver(problem, *, time_limit=None, seed=0, progress=None, delay: float = 3.0):
    """Reports the exact optimum as an improvement at once, then sleeps ``delay`` seconds."""
    answer = solve_exact(problem, time_limit=time_limit, seed=seed)
    if progress is not None:
        progress.improved(problem.evaluate(answer.solution), stage="found")
    time.sleep(delay)
    return answer


def report_threads(problem, *, time_limit=None, seed=0):
    """The exact answer, with the thread budget this process was given in ``info``."""
    answer = solve_exact(problem, time_limit=time_limit, seed=seed)
    answer.info.update(threads=available_threads(), omp=os.environ.get("OMP_NUM_THREADS"))
    return answer


for _name, _target in (("crash", "crash"), ("exit-hard", "exit_hard"), ("hang", "hang"),
                       ("fail", "fail"), ("slow-exact", "slow_exact"),
                       ("slow-to-load", "slow_to_load"),
                       ("threads", "report_threads"), ("slow-improver", "slow_improver")):
    register(MethodSpec(f"test-{_name}", f"tests.solvers.fake_methods:{_target}",
                        ("MIS", "MDKP"), "test double"))
