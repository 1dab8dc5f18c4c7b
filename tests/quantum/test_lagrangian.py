import numpy as np
import pytest

from problems import MDKP, MIS, QAP, TSP
from quantum.annealing import Annealer
from quantum.brute_force import ExactMinimiser, feasible_optimum
from quantum.encodings import make_encoding
from quantum.lagrangian import solve_lagrangian
from quantum.samples import Samples


def test_mis_with_exact_inner_solves_reaches_a_zero_duality_gap():
    problem = MIS.random(10, p=0.3, seed=3)
    encoding = make_encoding(problem)
    out = solve_lagrangian(encoding, ExactMinimiser(), multipliers="subgradient",
                           max_iterations=30)
    assert out.stop == "zero duality gap"
    assert out.objective == feasible_optimum(encoding).objective == out.dual_estimate
    problem.check(out.solution)


@pytest.mark.parametrize("problem", [MDKP.random(10, 3, seed=5), MIS.random(10, p=0.3, seed=5),
                                     TSP.random(4, seed=5), QAP.random(3, seed=5)],
                         ids=["MDKP", "MIS", "TSP", "QAP"])
@pytest.mark.parametrize("kind", ["lagrangian", "slack"])
def test_every_returned_solution_passes_check(problem, kind):
    encoding = make_encoding(problem, kind)
    out = solve_lagrangian(encoding, Annealer(sweeps=100, reads=4, seed=1), max_iterations=4)
    problem.check(out.solution)
    assert out.objective == pytest.approx(problem.evaluate(out.solution))
    assert [t for t, _ in out.trace] == sorted(t for t, _ in out.trace)
    assert len(out.history) == out.iterations
    if kind == "slack":
        assert out.iterations == 1 and out.stop.startswith("single solve")


class Constant:
    """An inner solver that only ever returns one assignment (all ones unless told)."""

    def __init__(self, value=1):
        self.value = value

    def check(self, num_qubits, what=""):
        pass

    def run(self, qubo, initial=None, deadline=None):
        return Samples(bits=np.full((1, qubo.num_variables), self.value, np.int8),
                       weights=np.ones(1), evaluations=1)


def test_infeasible_samples_are_repaired():
    problem = MDKP.random(8, 2, seed=0)
    out = solve_lagrangian(make_encoding(problem), Constant(1), max_iterations=5)
    problem.check(out.solution)
    assert out.objective > 0 and out.iterations == 5 and out.stop == "iterations"


def test_stagnation_stops_the_loop():
    out = solve_lagrangian(make_encoding(MDKP.random(8, 2, seed=0)), Constant(0),
                           max_iterations=50, patience=3)
    assert out.stop == "stagnation" and out.iterations < 10


def test_time_limit_stops_the_loop():
    ticks = iter(range(1000))
    out = solve_lagrangian(make_encoding(MDKP.random(8, 2, seed=0)), Constant(),
                           max_iterations=50, patience=50, time_limit=3.0,
                           clock=lambda: float(next(ticks)))
    assert out.stop == "time limit" and out.iterations <= 3


def test_bad_arguments_fail_before_the_inner_solver_runs():
    encoding = make_encoding(MDKP.random(8, 2, seed=0))

    class Untouchable(Constant):
        def run(self, qubo, initial=None, deadline=None):
            raise AssertionError("the inner solver must not run")

    for kwargs, message in (({"multipliers": "newton"}, "unknown multiplier method"),
                            ({"max_iterations": 0}, "max_iterations"),
                            ({"patience": 1.5}, "patience"),
                            ({"time_limit": -1.0}, "time_limit")):
        with pytest.raises(ValueError, match=message):
            solve_lagrangian(encoding, Untouchable(), **kwargs)
