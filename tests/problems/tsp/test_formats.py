import math
from pathlib import Path

import numpy as np
import pytest

from problems import load
from problems.errors import ProblemFormatError
from problems.tsp import TSP, count, read, read_tour, sniff, write_tour
from tests.conftest import ABSENT, benchmark_root

TSPLIB = benchmark_root() / "tsplib"
TEST_SETS = TSPLIB.parent / "tsp-random"


def write_tsp(tmp_path, body: str, name: str = "t.tsp") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def euc_file(nodes: str, dimension: int = 4, kind: str = "EUC_2D") -> str:
    return (f"NAME : t\nTYPE : TSP\nDIMENSION : {dimension}\nEDGE_WEIGHT_TYPE : {kind}\n"
            f"NODE_COORD_SECTION\n{nodes}EOF\n")


SQUARE = "1 0 0\n2 0 3\n3 4 3\n4 4 0\n"


def test_euc_2d_file_reads_and_measures(tmp_path):
    tsp = read(write_tsp(tmp_path, euc_file(SQUARE)))
    assert (tsp.name, tsp.size, tsp.edge_weight_type) == ("t", 4, "EUC_2D")
    assert tsp.evaluate([0, 1, 2, 3]) == 14.0
    assert tsp.evaluate([0, 2, 1, 3]) == 18.0
    assert tsp.best_known is None



# ------------------------------------------------------------------ TSPLIB files
def test_best_known_from_opt_tour_reproduces_berlin52():
    path = TSPLIB / "berlin52.tsp"
    if not path.exists():
        pytest.skip(f"{ABSENT}: {path}")
    tsp = load(path)
    assert tsp.size == 52 and tsp.best_known == 7542.0
    assert tsp.evaluate(read_tour(TSPLIB / "berlin52.opt.tour")) == 7542.0


def test_best_known_from_opt_tour_reproduces_kroa100():
    path = TSPLIB / "kroA100.tsp"
    if not path.exists():
        pytest.skip(f"{ABSENT}: {path}")
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
        pytest.skip(f"{ABSENT}: {path}")
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
