import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from problems import load
from problems.errors import InfeasibleSolution, ProblemFormatError
from problems.tsp import TSP, count, read, read_tour, sniff, write_tour

TSPLIB = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "tsplib"
TEST_SETS = TSPLIB.parent / "tsp-random"

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


def write_tsp(tmp_path, body: str, name: str = "t.tsp") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def euc_file(nodes: str, dimension: int = 4, kind: str = "EUC_2D") -> str:
    return (f"NAME : t\nTYPE : TSP\nDIMENSION : {dimension}\nEDGE_WEIGHT_TYPE : {kind}\n"
            f"NODE_COORD_SECTION\n{nodes}EOF\n")


SQUARE = "1 0 0\n2 0 3\n3 4 3\n4 4 0\n"


def brute_force(tsp: TSP) -> float:
    from solvers import solve

    return solve(tsp, "exact").objective


# ------------------------------------------------------------------ distances and tours
def test_euc_2d_file_reads_and_measures(tmp_path):
    tsp = read(write_tsp(tmp_path, euc_file(SQUARE)))
    assert (tsp.name, tsp.size, tsp.edge_weight_type) == ("t", 4, "EUC_2D")
    assert tsp.evaluate([0, 1, 2, 3]) == 14.0
    assert tsp.evaluate([0, 2, 1, 3]) == 18.0
    assert tsp.best_known is None


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


# ------------------------------------------------------------------ generators
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


# ------------------------------------------------------------------ TSPLIB files
def test_best_known_from_opt_tour_reproduces_berlin52():
    path = TSPLIB / "berlin52.tsp"
    if not path.exists():
        pytest.skip("shared TSPLIB benchmarks not present")
    tsp = load(path)
    assert tsp.size == 52 and tsp.best_known == 7542.0
    assert tsp.evaluate(read_tour(TSPLIB / "berlin52.opt.tour")) == 7542.0


def test_best_known_from_opt_tour_reproduces_kroa100():
    path = TSPLIB / "kroA100.tsp"
    if not path.exists():
        pytest.skip("shared TSPLIB benchmarks not present")
    assert read(path).best_known == 21282.0


def test_best_known_falls_back_to_best_solutions_table(tmp_path):
    write_tsp(tmp_path, euc_file(SQUARE), name="sq4.tsp")
    (tmp_path / "bestSolutions.txt").write_text("other : 5\nsq4 : 14\n")
    assert read(tmp_path / "sq4.tsp").best_known == 14.0
    write_tour(tmp_path / "sq4.opt.tour", [0, 2, 1, 3], name="sq4")  # a tour file wins
    assert read(tmp_path / "sq4.tsp").best_known == 18.0


def test_opt_tour_of_the_wrong_size_is_reported(tmp_path):
    write_tsp(tmp_path, euc_file(SQUARE), name="sq4.tsp")
    write_tour(tmp_path / "sq4.opt.tour", [0, 2, 1], name="sq4")
    with pytest.raises(ProblemFormatError, match="sq4.opt.tour: the tour has 3 cities"):
        read(tmp_path / "sq4.tsp")


MATRIX = np.array([[0, 3, 5, 7], [3, 0, 2, 4], [5, 2, 0, 6], [7, 4, 6, 0]], dtype=float)


def explicit_section(fmt: str) -> str:
    n = len(MATRIX)
    by_rows = {
        "FULL_MATRIX": [list(MATRIX[i]) for i in range(n)],
        "UPPER_ROW": [list(MATRIX[i, i + 1:]) for i in range(n - 1)],
        "LOWER_ROW": [list(MATRIX[i, :i]) for i in range(1, n)],
        "UPPER_DIAG_ROW": [list(MATRIX[i, i:]) for i in range(n)],
        "LOWER_DIAG_ROW": [list(MATRIX[i, :i + 1]) for i in range(n)],
        "UPPER_COL": [list(MATRIX[:j, j]) for j in range(1, n)],
        "LOWER_DIAG_COL": [list(MATRIX[j:, j]) for j in range(n)],
    }[fmt]
    return "\n".join(" ".join(str(int(v)) for v in row) for row in by_rows) + "\n"


@pytest.mark.parametrize("fmt", ["FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW",
                                 "LOWER_DIAG_ROW", "UPPER_COL", "LOWER_DIAG_COL"])
def test_explicit_formats_read_the_same_matrix(tmp_path, fmt):
    body = (f"NAME: m\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
            f"EDGE_WEIGHT_FORMAT: {fmt}\nEDGE_WEIGHT_SECTION\n{explicit_section(fmt)}EOF\n")
    tsp = read(write_tsp(tmp_path, body))
    assert tsp.edge_weight_type == "EXPLICIT" and tsp.coords is None
    assert np.array_equal(tsp.dense_matrix(), MATRIX)
    assert tsp.evaluate([0, 1, 2, 3]) == 3 + 2 + 6 + 7


def test_explicit_numbers_may_wrap_across_lines(tmp_path):
    numbers = " ".join(str(int(v)) for v in MATRIX[np.triu_indices(4, 1)])
    body = ("NAME: m\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: "
            f"UPPER_ROW\nEDGE_WEIGHT_SECTION\n{numbers[:5]}\n{numbers[5:]}\nDISPLAY_DATA_SECTION\n"
            "1 0 0\n2 1 1\n3 2 2\n4 3 3\nEOF\n")
    assert np.array_equal(read(write_tsp(tmp_path, body)).dense_matrix(), MATRIX)


# ------------------------------------------------------------------ bad TSPLIB input
def test_truncated_node_section_names_file_line_and_counts(tmp_path):
    path = write_tsp(tmp_path, euc_file("1 0 0\n2 0 3\n3 4 3\n", dimension=5))
    with pytest.raises(ProblemFormatError, match=r"t.tsp line 9: DIMENSION is 5 but "
                                                 r"NODE_COORD_SECTION \(line 5\) lists only 3"):
        read(path)


def test_missing_node_coord_section(tmp_path):
    path = write_tsp(tmp_path, "NAME: t\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nEOF\n")
    with pytest.raises(ProblemFormatError, match="t.tsp: EDGE_WEIGHT_TYPE EUC_2D needs a "
                                                 "NODE_COORD_SECTION"):
        read(path)


def test_coordinate_line_with_one_number(tmp_path):
    path = write_tsp(tmp_path, euc_file("1 0 0\n2 0\n3 4 3\n4 4 0\n"))
    with pytest.raises(ProblemFormatError, match="t.tsp line 7: expected 'id x y'.*got 1 "
                                                 "coordinate"):
        read(path)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_coordinates(tmp_path, value):
    path = write_tsp(tmp_path, euc_file(f"1 0 0\n2 0 3\n3 {value} 3\n4 4 0\n"))
    with pytest.raises(ProblemFormatError, match="t.tsp line 8: node 3's coordinate must be a "
                                                 "finite number"):
        read(path)


def test_non_numeric_coordinate(tmp_path):
    path = write_tsp(tmp_path, euc_file("1 0 0\n2 0 3\n3 x 3\n4 4 0\n"))
    with pytest.raises(ProblemFormatError, match="line 8: expected a number"):
        read(path)


def test_unknown_edge_weight_type(tmp_path):
    path = write_tsp(tmp_path, euc_file(SQUARE, kind="MAN_2D"))
    with pytest.raises(ProblemFormatError, match="t.tsp line 4: unsupported EDGE_WEIGHT_TYPE "
                                                 "'MAN_2D'"):
        read(path)


def test_duplicate_node_ids(tmp_path):
    path = write_tsp(tmp_path, euc_file("1 0 0\n2 0 3\n2 4 3\n4 4 0\n"))
    with pytest.raises(ProblemFormatError, match="line 8: duplicate node id 2 \\(first given "
                                                 "on line 7\\)"):
        read(path)


def test_node_id_out_of_range(tmp_path):
    path = write_tsp(tmp_path, euc_file("1 0 0\n2 0 3\n3 4 3\n9 4 0\n"))
    with pytest.raises(ProblemFormatError, match="line 9: node id 9 outside 1..4"):
        read(path)


def test_more_nodes_than_dimension(tmp_path):
    path = write_tsp(tmp_path, euc_file(SQUARE + "5 1 1\n"))
    with pytest.raises(ProblemFormatError, match="line 10: unexpected data line"):
        read(path)


def explicit_file(fmt: str, numbers: str, dimension: int = 4) -> str:
    return (f"NAME: m\nTYPE: TSP\nDIMENSION: {dimension}\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
            f"EDGE_WEIGHT_FORMAT: {fmt}\nEDGE_WEIGHT_SECTION\n{numbers}EOF\n")


def test_negative_explicit_weight(tmp_path):
    path = write_tsp(tmp_path, explicit_file("UPPER_ROW", "3 5 7\n2 -4\n6\n"))
    with pytest.raises(ProblemFormatError, match="t.tsp line 8: edge weights must be "
                                                 "non-negative, got -4"):
        read(path)


def test_explicit_matrix_with_too_few_numbers(tmp_path):
    path = write_tsp(tmp_path, explicit_file("FULL_MATRIX", "0 3 5\n3 0 2\n5 2 0\n"))
    with pytest.raises(ProblemFormatError, match="holds 9 numbers, but FULL_MATRIX with "
                                                 "DIMENSION 4 needs 16"):
        read(path)


def test_explicit_matrix_with_too_many_numbers(tmp_path):
    path = write_tsp(tmp_path, explicit_file("UPPER_ROW", "3 5 7\n2 4\n6 9\n"))
    with pytest.raises(ProblemFormatError, match="line 9: EDGE_WEIGHT_SECTION holds more than "
                                                 "the 6 numbers"):
        read(path)


def test_asymmetric_full_matrix(tmp_path):
    rows = "0 3 5 7\n3 0 2 4\n5 9 0 6\n7 4 6 0\n"
    path = write_tsp(tmp_path, explicit_file("FULL_MATRIX", rows))
    with pytest.raises(ProblemFormatError, match=r"line 9: FULL_MATRIX is not symmetric: "
                                                 r"d\(2,3\) = 2 but d\(3,2\) = 9"):
        read(path)


def test_missing_edge_weight_format(tmp_path):
    body = ("NAME: m\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
            "EDGE_WEIGHT_SECTION\n1 2 3\n")
    with pytest.raises(ProblemFormatError, match="line 5: EDGE_WEIGHT_FORMAT must be given"):
        read(write_tsp(tmp_path, body))


@pytest.mark.parametrize("header,match", [
    ("TYPE: ATSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\n", "line 2: TYPE 'ATSP' is not supp"),
    ("TYPE: TSP\nDIMENSION: four\nEDGE_WEIGHT_TYPE: EUC_2D\n", "line 3: DIMENSION must be an int"),
    ("TYPE: TSP\nEDGE_WEIGHT_TYPE: EUC_2D\n", "line 4: DIMENSION must be given before"),
    ("TYPE: TSP\nDIMENSION: 4\n", "missing EDGE_WEIGHT_TYPE"),
])
def test_bad_headers(tmp_path, header, match):
    path = write_tsp(tmp_path, f"NAME: t\n{header}NODE_COORD_SECTION\n{SQUARE}EOF\n")
    with pytest.raises(ProblemFormatError, match=match):
        read(path)


def test_fixed_edges_are_refused_not_ignored(tmp_path):
    body = ("NAME: hp\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\nFIXED_EDGES_SECTION\n"
            f"1 3\n-1\nNODE_COORD_SECTION\n{SQUARE}EOF\n")
    with pytest.raises(ProblemFormatError, match="line 5: FIXED_EDGES_SECTION .* not supported"):
        read(write_tsp(tmp_path, body))


# ------------------------------------------------------------------ tours
def test_tour_round_trip_and_errors(tmp_path):
    path = tmp_path / "t.tour"
    write_tour(path, np.array([3, 1, 0, 2]), name="t")
    assert read_tour(path).tolist() == [3, 1, 0, 2]
    with pytest.raises(ValueError, match="permutation"):
        write_tour(path, [0, 0, 1], name="t")
    path.write_text("NAME: t\nTYPE: TOUR\nDIMENSION: 4\nTOUR_SECTION\n1\n2\n2\n4\n-1\nEOF\n")
    with pytest.raises(ProblemFormatError, match="t.tour line 7: node 2 appears twice"):
        read_tour(path)
    path.write_text("NAME: t\nTYPE: TOUR\nDIMENSION: 4\nTOUR_SECTION\n1 2 3\n-1\nEOF\n")
    with pytest.raises(ProblemFormatError, match="lists 3 distinct nodes, expected a "
                                                 "permutation of 1..4"):
        read_tour(path)
    path.write_text("NAME: t\nTYPE: TOUR\nDIMENSION: 4\n1 2 3 4\n")
    with pytest.raises(ProblemFormatError, match="line 4: expected a TOUR_SECTION"):
        read_tour(path)


# ------------------------------------------------------------------ writer round trips
@pytest.mark.parametrize("kind", ["EUC_2D", "CEIL_2D", "ATT", "GEO"])
def test_write_tsplib_round_trips_coordinate_types(tmp_path, kind):
    rng = np.random.default_rng(5)
    coords = rng.uniform(0, 90, size=(12, 2)).round(2)
    tsp = TSP("w", coords=coords, edge_weight_type=kind)
    tsp.write_tsplib(tmp_path / "w.tsp")
    back = load(tmp_path / "w.tsp")
    assert back.edge_weight_type == kind and back.name == "w"
    assert np.array_equal(back.coords, tsp.coords)
    assert np.array_equal(back.dense_matrix(), tsp.dense_matrix())


def test_write_tsplib_round_trips_explicit(tmp_path):
    tsp = TSP("m", matrix=MATRIX, edge_weight_type="EXPLICIT")
    tsp.write_tsplib(tmp_path / "m.tsp")
    assert np.array_equal(read(tmp_path / "m.tsp").dense_matrix(), MATRIX)


def test_write_tsplib_scales_exact_instances_to_euc_2d(tmp_path):
    tsp = TSP.random(40, seed=7)
    tsp.write_tsplib(tmp_path / "r.tsp")
    back = read(tmp_path / "r.tsp")
    assert back.edge_weight_type == "EUC_2D"
    assert "scaled by 1e+06" in (tmp_path / "r.tsp").read_text()
    # coordinates rounded to 1e-6 and distances to integers: at most 2 units apart
    assert np.abs(back.dense_matrix() - np.rint(1e6 * tsp.dense_matrix())).max() <= 2
    tour = np.random.default_rng(0).permutation(40)
    assert back.evaluate(tour) == pytest.approx(1e6 * tsp.evaluate(tour), rel=1e-5)


# ------------------------------------------------------------------ test-set files
def test_set_lines_read_with_best_known_and_placeholder(tmp_path):
    path = tmp_path / "set.txt"
    path.write_text("0 0 0 1 1 1 1 0 output 1 3 2 4 1\n\n0 0 0 1 1 1 1 0 output 1 2 3 4 1\n")
    assert count(path) == 2
    first = read(path)
    assert first.name == "set-0" and first.edge_weight_type == "EXACT"
    assert first.best_known == pytest.approx(2 + 2 * math.sqrt(2))
    assert read(path, index=1).best_known is None  # the identity tour is a placeholder
    with pytest.raises(ProblemFormatError, match="index 2 out of range: the file holds 2"):
        read(path, index=2)


def test_set_line_with_odd_coordinate_count(tmp_path):
    path = tmp_path / "set.txt"
    path.write_text("0 0 0 1 1 1 1 0 output 1 2 3 4 1\n0 0 0 1 1 output 1 2 3 1\n")
    with pytest.raises(ProblemFormatError, match="set.txt line 2: odd number of coordinates"):
        read(path, index=1)


def test_set_line_with_a_tour_of_the_wrong_length(tmp_path):
    path = tmp_path / "set.txt"
    path.write_text("0 0 0 1 1 1 1 0 output 1 2 3 1\n")
    with pytest.raises(ProblemFormatError, match="set.txt line 1: the tour after 'output' has "
                                                 "4 entries, expected 5"):
        read(path)


@pytest.mark.parametrize("line,match", [
    ("0 0 0 1 1 1 output 1 2 3 2\n", "must be closed"),
    ("0 0 0 1 1 1 output 1 2 2 1\n", "not a permutation: city 1 is visited 2 times"),
    ("0 0 0 1 1 nan output 1 2 3 1\n", "finite"),
    ("0 0 0 1 1 x output 1 2 3 1\n", "expected a coordinate, got 'x'"),
    ("0 0 0 1 1 1 1 2 3 1\n", "no 'output' token"),
])
def test_set_line_other_errors(tmp_path, line, match):
    path = tmp_path / "set.txt"
    path.write_text(line)
    with pytest.raises(ProblemFormatError, match=match):
        read(path)


def test_shared_test_sets_match_their_reference_lengths():
    path = TEST_SETS / "tsp500_test_concorde.txt"
    if not path.exists():
        pytest.skip("shared TSP test sets not present")
    assert count(path) == 128
    tsp = load(path, index=3)
    assert tsp.size == 500 and tsp.best_known == pytest.approx(17.0916769200, abs=1e-9)
    big = TEST_SETS / "tsp10000_test_concorde.txt"
    if big.exists():
        assert load(big, index=0).best_known is None


def test_sniff_claims_tsp_and_test_set_files_only(tmp_path):
    assert sniff(tmp_path / "x.tsp", "NAME: x")
    assert sniff(tmp_path / "a.txt", "0.1 0.2 0.3 0.4 0.5 0.6 output 1 2 3 1\n")
    assert not sniff(tmp_path / "mknap.txt", "5\n10 3 0\n")
    assert not sniff(tmp_path / "x.tour", "NAME: x\n")
    long_line = " ".join(["0.123456789"] * 1000) + " output " + " ".join(["1"] * 501) + "\n"
    (tmp_path / "long.txt").write_text(long_line)
    assert sniff(tmp_path / "long.txt", long_line[:4096])


# ------------------------------------------------------------------ MILP
@pytest.mark.parametrize("n,seed", [(5, 0), (5, 1), (6, 2), (6, 3)])
def test_milp_optimum_equals_brute_force(n, seed):
    from solvers.algorithms.milp import solve_milp_model

    tsp = TSP.random(n, seed=seed)
    milp = tsp.to_milp()
    values, status, info = solve_milp_model(milp, time_limit=30, threads=1)
    assert status == "optimal"
    tour = milp.decode(values)
    tsp.check(tour)
    assert tour[0] == 0
    optimum = brute_force(tsp)
    assert tsp.evaluate(tour) == pytest.approx(optimum, rel=1e-9)
    assert info["milp_objective"] == pytest.approx(optimum, rel=1e-6)


def test_milp_decode_rejects_subtours_and_large_instances():
    tsp = TSP.random(6, seed=0)
    milp = tsp.to_milp()
    values = np.zeros(milp.num_variables)
    arcs = {name: k for k, name in enumerate(milp.names)}
    for i, j in ((0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)):
        values[arcs[f"x[{i},{j}]"]] = 1.0
    with pytest.raises(InfeasibleSolution, match="subtour of 3 cities"):
        milp.decode(values)
    with pytest.raises(ValueError, match="up to 60 cities"):
        TSP.random(61).to_milp()


# ------------------------------------------------------------------ QUBO
@pytest.mark.parametrize("n,seed", [(4, 0), (4, 5), (5, 1)])
def test_qubo_brute_force_minimum_is_the_optimal_tour(n, seed):
    tsp = TSP.random(n, seed=seed)
    qubo = tsp.to_qubo()
    assert qubo.num_variables == (n - 1) ** 2 and qubo.slack_bits == 0
    bits = np.array(list(itertools.product((0, 1), repeat=qubo.num_variables)))
    energies = qubo.energies(bits)
    optimum = brute_force(tsp)
    assert energies.min() == pytest.approx(optimum, rel=1e-9)
    assert tsp.evaluate(qubo.decode(bits[energies.argmin()])) == pytest.approx(optimum, rel=1e-9)
    grids = bits.reshape(len(bits), n - 1, n - 1)
    feasible = np.all(grids.sum(axis=1) == 1, axis=1) & np.all(grids.sum(axis=2) == 1, axis=1)
    assert feasible.sum() == math.factorial(n - 1)
    for k in np.flatnonzero(feasible):
        assert energies[k] == pytest.approx(tsp.evaluate(qubo.decode(bits[k])), rel=1e-9)
    for k in np.flatnonzero(~feasible)[:50]:
        with pytest.raises(InfeasibleSolution):
            qubo.decode(bits[k])
    assert energies[~feasible].min() > optimum


def test_qubo_decode_and_options_errors():
    qubo = TSP.random(4, seed=0).to_qubo()
    with pytest.raises(InfeasibleSolution, match="city 1 has 2 positions"):
        qubo.decode([1, 1, 0, 0, 0, 0, 0, 0, 1])
    with pytest.raises(InfeasibleSolution, match="expected 9 bits"):
        qubo.decode([1, 0, 0])
    with pytest.raises(ValueError, match="penalty must be a positive number"):
        TSP.random(4).to_qubo(penalty=-1.0)
    with pytest.raises(ValueError, match="encoding must be 'slack'"):
        TSP.random(4).to_qubo(encoding="unary")
    with pytest.raises(ValueError, match="up to 40 cities"):
        TSP.random(41).to_qubo()


def test_qubo_default_penalty_exceeds_a_known_tour():
    tsp = TSP("t", coords=[[0, 0], [0, 3], [4, 3], [4, 0]], edge_weight_type="EUC_2D")
    qubo = tsp.to_qubo()
    assert qubo.penalty > tsp.evaluate([0, 1, 2, 3])
