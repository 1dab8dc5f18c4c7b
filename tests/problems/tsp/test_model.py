import math

import numpy as np
import pytest

from problems.errors import InfeasibleSolution, ProblemFormatError
from problems.tsp import TSP


# Public TSPLIB95 data (att48: ATT, optimum 10628; burma14: GEO, optimum 3323).
ATT48 = [(6734, 1453), (2233, 10), (5530, 1424), (401, 841), (3082, 1644), (7608, 4458),
         (7573, 3716), (7265, 1268), (6898, 1885), (1112, 2049), (5468, 2606), (5989, 2873),
         (4706, 2674), (4612, 2035), (6347, 2683), (6107, 669), (7611, 5184), (7462, 3590),
         (7732, 4723), (5900, 3561), (4483, 3369), (6101, 1110), (5199, 2182), (1633, 2809),
         (4307, 2322), (675, 1006), (7555, 4819), (7541, 3981), (3177, 756), (7352, 4506),
         (7545, 2801), (3245, 3305), (6426, 3173), (4608, 1198), (23, 2216), (7248, 3779),
         (7762, 4595), (7392, 2244), (3484, 2829), (6271, 2135), (4985, 140), (1916, 1569),
         (7280, 4899), (7509, 3239), (10, 2676), (6807, 2993), (5185, 3258), (3023, 1942)]
ATT48_OPT_TOUR = [1, 8, 38, 31, 44, 18, 7, 28, 6, 37, 19, 27, 17, 43, 30, 36, 46, 33, 20, 47,
                  21, 32, 39, 48, 5, 42, 24, 10, 45, 35, 4, 26, 2, 29, 34, 41, 16, 22, 3, 23,
                  14, 25, 13, 11, 12, 15, 40, 9]
BURMA14 = [(16.47, 96.10), (16.47, 94.44), (20.09, 92.54), (22.39, 93.37), (25.23, 97.24),
           (22.00, 96.05), (20.47, 97.02), (17.20, 96.29), (16.30, 97.38), (14.05, 98.12),
           (16.53, 97.38), (21.52, 95.59), (19.41, 97.13), (20.09, 94.55)]


# ------------------------------------------------------------------ distances and tours
def test_rounding_rules_euc_2d_and_ceil_2d():
    coords = [[0, 0], [1, 1], [3, 0]]  # sqrt(2) = 1.414, sqrt(5) = 2.236, 3
    assert TSP("e", coords=coords, edge_weight_type="EUC_2D").evaluate([0, 1, 2]) == 1 + 2 + 3
    assert TSP("c", coords=coords, edge_weight_type="CEIL_2D").evaluate([0, 1, 2]) == 2 + 3 + 3
    exact = TSP("x", coords=coords, edge_weight_type="EXACT").evaluate([0, 1, 2])
    assert exact == pytest.approx(math.sqrt(2) + math.sqrt(5) + 3)


def test_att_pseudo_euclidean_by_hand():
    tsp = TSP("a", coords=[[0, 0], [10, 0], [30, 40]], edge_weight_type="ATT")
    # sqrt(100/10) = 3.162 -> nint 3 < 3.162 -> 4
    assert tsp.distance(0, 1) == 4.0
    # sqrt(2500/10) = 15.81 -> nint 16 >= 15.81 -> 16
    assert tsp.distance(0, 2) == 16.0


def test_att48_optimal_tour_has_the_published_length():
    tsp = TSP("att48", coords=ATT48, edge_weight_type="ATT")
    assert tsp.evaluate(np.array(ATT48_OPT_TOUR) - 1) == 10628.0


def test_geo_burma14_optimum_matches_tsplib():
    from solvers.algorithms.milp import solve_milp_model

    tsp = TSP("burma14", coords=BURMA14, edge_weight_type="GEO")
    milp = tsp.to_milp()
    values, status, _ = solve_milp_model(milp, time_limit=60, threads=1)
    assert status == "optimal"
    assert tsp.evaluate(milp.decode(values)) == 3323.0


def test_geo_truncates_degrees_and_is_symmetric():
    tsp = TSP("g", coords=[[16.53, 97.38], [16.47, 96.10], [-36.08, -5.21]],
              edge_weight_type="GEO")
    # 16.53 is 16 degrees 53 minutes (degrees truncated, not rounded to 17). The haversine
    # great-circle distance on a sphere of radius 6378.388 km gives 156.67 and 12128.10 km;
    # TSPLIB adds 1 and truncates.
    assert tsp.distance(0, 1) == 157.0
    assert tsp.distance(1, 2) == 12129.0
    assert tsp.distance(1, 2) == tsp.distance(2, 1)


def test_distance_is_vectorised_and_rejects_bad_indices():
    tsp = TSP("t", coords=[[0, 0], [3, 4], [6, 8]], edge_weight_type="EUC_2D")
    assert tsp.distance([0, 1, 2], [1, 2, 0]).tolist() == [5.0, 5.0, 10.0]
    with pytest.raises(ValueError, match="outside 0..2"):
        tsp.distance(0, 3)
    with pytest.raises(ValueError, match="outside 0..2"):
        tsp.distance(-1, 0)
    with pytest.raises(ValueError, match="integer"):
        tsp.distance(0.5, 1)


def test_dense_matrix_matches_distance_and_refuses_huge_instances():
    tsp = TSP.random(30, seed=2)
    dense = tsp.dense_matrix()
    i, j = np.meshgrid(np.arange(30), np.arange(30), indexing="ij")
    assert np.array_equal(dense, tsp.distance(i, j))
    assert not dense.flags.writeable
    with pytest.raises(ValueError, match="distance"):
        TSP.random(20_001).dense_matrix()


def test_evaluate_a_100k_city_tour_without_a_matrix():
    tsp = TSP.random(100_000, seed=0)
    tour = np.arange(100_000)
    diffs = np.diff(tsp.coords[np.append(tour, 0)], axis=0)
    assert tsp.evaluate(tour) == pytest.approx(np.hypot(diffs[:, 0], diffs[:, 1]).sum())


@pytest.mark.parametrize("tour,match", [
    ([0, 1, 2], "3 entries, expected 4"),
    ([0, 1, 2, 4], "outside 0..3"),
    ([0, 1, -1, 2], "outside 0..3"),
    ([0, 1, 1, 2], "city 1 is visited 2 times and city 3 never"),
    ([0, 1, 2.5, 3], "not an integer"),
    ([[0, 1], [2, 3]], "1-D"),
    (["a", "b", "c", "d"], "integer"),
    ([True, False, True, False], "integer"),
])
def test_check_and_evaluate_reject_malformed_tours(tour, match):
    tsp = TSP("t", coords=[[0, 0], [0, 3], [4, 3], [4, 0]], edge_weight_type="EUC_2D")
    with pytest.raises(InfeasibleSolution, match=match):
        tsp.check(tour)
    with pytest.raises(InfeasibleSolution, match=match):
        tsp.evaluate(tour)


def test_integral_floats_are_accepted_as_a_tour():
    tsp = TSP("t", coords=[[0, 0], [0, 3], [4, 3], [4, 0]], edge_weight_type="EUC_2D")
    assert tsp.evaluate(np.array([3.0, 2.0, 1.0, 0.0])) == 14.0


def test_arrays_are_read_only_copies():
    coords = np.zeros((4, 2))
    coords[:, 0] = np.arange(4)
    tsp = TSP("t", coords=coords, edge_weight_type="EXACT")
    coords[0, 0] = 100.0
    assert tsp.coords[0, 0] == 0.0
    with pytest.raises(ValueError):
        tsp.coords[0, 0] = 1.0


@pytest.mark.parametrize("kwargs,match", [
    (dict(coords=[[0, 0], [1, np.nan], [2, 2]]), "finite"),
    (dict(coords=[[0, 0], [1, np.inf], [2, 2]]), "finite"),
    (dict(coords=[[0, 0, 0], [1, 1, 1], [2, 2, 2]]), r"shape \(n, 2\)"),
    (dict(coords=[[0, 0], [1, 1]]), "at least 3"),
    (dict(coords=[[0, 0], [1, 1], [2, 2]], edge_weight_type="EUC_3D"), "unknown edge_weight_type"),
    (dict(matrix=np.ones((3, 4)), edge_weight_type="EXPLICIT"), "square"),
    (dict(matrix=[[0, 1, -2], [1, 0, 1], [-2, 1, 0]], edge_weight_type="EXPLICIT"), "non-negative"),
    (dict(matrix=[[0, 1, 2], [1, 0, 1], [3, 1, 0]], edge_weight_type="EXPLICIT"), "symmetric"),
    (dict(coords=[[0, 0], [1, 1], [2, 2]], edge_weight_type="EXPLICIT"), "takes a matrix"),
])
def test_constructor_rejects_bad_arrays(kwargs, match):
    with pytest.raises(ProblemFormatError, match=match):
        TSP("bad", **kwargs)
