import math

import pytest

from solvers.result import gap


def test_gap_follows_the_sense_and_handles_zero():
    assert gap(110, 100, "min") == pytest.approx(10.0)
    assert gap(90, 100, "max") == pytest.approx(10.0)
    assert gap(105, 100, "max") == pytest.approx(-5.0)
    assert gap(0, 0, "min") == 0.0 and gap(1, 0, "min") == math.inf
    assert gap(None, 3, "min") is None and gap(3, None, "min") is None
