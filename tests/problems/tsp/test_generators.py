import numpy as np
import pytest

from problems.tsp import TSP


def test_generators_are_seeded_and_in_the_unit_square():
    a, b, c = TSP.random(50, seed=3), TSP.random(50, seed=3), TSP.random(50, seed=4)
    assert np.array_equal(a.coords, b.coords) and not np.array_equal(a.coords, c.coords)
    clustered = TSP.clustered(200, clusters=4, seed=1)
    assert clustered.size == 200 and clustered.edge_weight_type == "EXACT"
    assert clustered.coords.min() >= 0.0 and clustered.coords.max() <= 1.0
    assert np.array_equal(clustered.coords, TSP.clustered(200, clusters=4, seed=1).coords)


@pytest.mark.parametrize("call,match", [
    (lambda: TSP.random(2), ">= 3"),
    (lambda: TSP.random(10, seed=-1), "seed"),
    (lambda: TSP.clustered(10, clusters=0), "clusters"),
    (lambda: TSP.clustered(10, clusters=3, spread=0.0), "spread"),
])
def test_generators_reject_impossible_options(call, match):
    with pytest.raises(ValueError, match=match):
        call()
