from pathlib import Path

import pytest

from problems import MDKP, MIS, load
from solvers import solve

INSTANCES = Path(__file__).resolve().parents[3] / "instances"


@pytest.mark.parametrize("problem", [MIS.random(120, p=0.1, seed=3),
                                     MIS.barabasi_albert(200, 3, seed=2),
                                     MDKP.random(80, 5, seed=1)], ids=lambda p: p.name)
def test_udc_answers_are_verified_and_reproducible(problem):
    first = solve(problem, "udc", rounds=1, seed=2)
    second = solve(problem, "udc", rounds=1, seed=2)
    problem.check(first.solution)
    assert first.objective == second.objective > 0
    assert (first.solution == second.solution).all()


@pytest.mark.parametrize("path", sorted((INSTANCES / "mis").glob("*"))
                         + sorted((INSTANCES / "mdkp").glob("*")), ids=lambda p: p.name)
def test_the_demo_instances_finish_within_the_demo_limit(path):
    problem = load(path)
    solve(problem, "udc", rounds=1)  # loads the network and compiled kernels
    result = solve(problem, "udc", time_limit=1.0, seed=0)
    assert result.time_s < 2.0  # the whole call, on solve()'s clock
    problem.check(result.solution)


@pytest.mark.parametrize("problem,options,message", [
    (MIS.random(10, seed=0), {"group_size": 3}, "group_size"),
    (MDKP.random(10, 2, seed=0), {"part_size": 3}, "part_size"),
    (MIS.random(10, seed=0), {"conquer": "yes"}, "conquer"),
])
def test_options_of_another_problem_type_are_refused_by_name(problem, options, message):
    with pytest.raises(ValueError, match=message):
        solve(problem, "udc", rounds=1, **options)
