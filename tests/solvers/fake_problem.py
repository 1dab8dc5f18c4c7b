"""A tiny stand-alone problem and methods that lie, for testing verification in solve()."""

from dataclasses import dataclass

import numpy as np

from problems.errors import InfeasibleSolution
from solvers.result import Answer


@dataclass(frozen=True)
class Pick:
    """Choose at most ``budget`` of ``values`` (maximise the sum)."""

    values: tuple
    budget: int
    name: str = "pick"
    sense = "max"
    solution_kind = "binary"

    @property
    def size(self):
        return len(self.values)

    def evaluate(self, x):
        x = np.asarray(x)
        if x.shape != (self.size,) or not np.isin(x, (0, 1)).all():
            raise InfeasibleSolution(f"expected a 0/1 vector of length {self.size}")
        return float(np.dot(self.values, x))

    def check(self, x):
        self.evaluate(x)
        if np.sum(x) > self.budget:
            raise InfeasibleSolution(f"budget {self.budget} exceeded", constraint="budget")


def honest(problem, *, time_limit=None, seed=0, greedy: bool = True):
    order = np.argsort(problem.values)[::-1][: problem.budget]
    x = np.zeros(problem.size, dtype=int)
    x[order] = 1
    return Answer(solution=x, trace=((0.0, 1.0),), info={"claimed_objective": float(x @ problem.values)})


def lies_about_objective(problem, *, time_limit=None, seed=0):
    x = np.zeros(problem.size, dtype=int)
    x[0] = 1
    return Answer(solution=x, info={"claimed_objective": 1e9})


def infeasible(problem, *, time_limit=None, seed=0):
    return Answer(solution=np.ones(problem.size, dtype=int), info={"claimed_objective": 1e9})


def nothing(problem, *, time_limit=None, seed=0):
    return Answer(solution=None)


def false_proof(problem, *, time_limit=None, seed=0):
    x = np.zeros(problem.size, dtype=int)
    x[:2] = 1
    return Answer(solution=x, status="optimal", info={"claimed_objective": 12.0})


def ignores_the_deadline(problem, *, time_limit=None, seed=0, delay: float = 0.3):
    """Sleeps ``delay`` seconds whatever ``time_limit`` says, then answers."""
    import time

    time.sleep(delay)
    return honest(problem)


def pick_need(problem, **options):
    """A declared limit: at most 3 values."""
    from solvers.registry import Need

    return Need(problem.size, 3, "values", f"Pick {problem.name}")
