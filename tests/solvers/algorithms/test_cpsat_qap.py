"""The QAP baseline's tabu search reports each improvement as it finds it (live progress)."""

import pytest

from problems import QAP
from solvers import solve


@pytest.mark.parametrize("n", [10, 30])  # 10: tabu, CP-SAT, tabu; 30: tabu search only
def test_every_tabu_improvement_reaches_the_callback_when_it_is_found(n):
    problem = QAP.random(n, seed=n)
    seen = []
    result = solve(problem, "ortools", time_limit=1.5, seed=0, callback=seen.append)
    reported = {e.objective: e for e in seen}
    found = [(t, value) for t, value in result.trace]
    assert len(found) >= 3, "too few improvements for the test to tell anything"
    for t, value in found:  # each improvement of the trace was reported, not only a phase's last
        assert value in reported, f"improvement {value} at {t:.2f} s was never reported"
        # both clocks start within milliseconds of each other; a report held back to the end
        # of its phase arrives about a second later than the improvement
        assert reported[value].seconds - t < 0.5
    assert [e.objective for e in seen] == sorted(e.objective for e in seen)[::-1]
    assert seen[-1].objective == result.objective
