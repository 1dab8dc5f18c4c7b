"""Malformed and hostile files: every reader refuses what it cannot hold, naming the file."""

import time

import numpy as np
import pytest

from problems import BQP, MDKP, MIS, QAP, TSP, MaxCut, RobustKnapsack, count, load
from problems.errors import ProblemFormatError

TRIANGLE_TSP = ("NAME : tri\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\n"
                "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 0\nEOF\n")
MKNAP = "1\n3 1 7\n3 4 5\n2 3 4\n5\n"
QAP3 = "3\n\n0 1 2\n1 0 3\n2 3 0\n\n0 5 2\n5 0 1\n2 1 0\n"
DIMACS = "p edge 3 2\ne 1 2\ne 2 3\n"


def write(tmp_path, name, text, bom=False, crlf=False):
    path = tmp_path / name
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


@pytest.mark.parametrize("name,text", [("tri.tsp", TRIANGLE_TSP), ("mknap_x.txt", MKNAP),
                                       ("q.dat", QAP3), ("g.col", DIMACS)])
def test_a_byte_order_mark_and_windows_line_ends_are_accepted(tmp_path, name, text):
    plain = load(write(tmp_path, name, text))
    for options in ({"bom": True}, {"crlf": True}, {"bom": True, "crlf": True}):
        other = load(write(tmp_path, f"v{len(options)}{options.get('bom', 0)}_{name}", text,
                           **options))
        assert type(other) is type(plain) and other.size == plain.size


@pytest.mark.parametrize("name,text,message", [
    ("big.tsp", TRIANGLE_TSP.replace("DIMENSION : 3", "DIMENSION : 10000000000"),
     r"big\.tsp line 3: DIMENSION is 10000000000; nqco reads at most"),
    ("short.tsp", TRIANGLE_TSP.replace("DIMENSION : 3", "DIMENSION : 1000"),
     r"short\.tsp line 3: DIMENSION is 1000, but the file holds at most"),
    ("big.col", "p edge 10000000000 1\ne 1 2\n",
     r"big\.col line 1: node count N is 10000000000; nqco reads at most"),
    ("mknap_more.txt", "9" + MKNAP[1:],
     r"mknap_more\.txt line 1: number of problems K is 9, but the file holds at most 2"),
    ("mknap_huge.txt", "1\n100000000000 1 7\n3 4 5\n2 3 4\n5\n",
     r"mknap_huge\.txt line \d+: expected 100000000000 profits"),
    ("q.dat", "10000000000\n1 2 3\n", r"q\.dat line \d+: expected 100000000000000000000"),
    ("big.clq", "p edge 100000 1\ne 1 2\n", r"big\.clq: the complement of .* edges"),
    ("two.txt", "0 0 1 1 output 1 2 1\n", r"two\.txt line 1: a TSP needs at least 3 cities"),
])
def test_declared_sizes_are_refused_before_any_allocation(tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    start = time.perf_counter()
    with pytest.raises(ProblemFormatError, match=message):
        count(path)
        load(path)
    assert time.perf_counter() - start < 30  # generous: nothing of the declared size was built


def test_an_orlibrary_file_declaring_more_problems_than_it_holds_is_refused(tmp_path):
    path = write(tmp_path, "mknap_two.txt", "2" + MKNAP[1:])
    for read in (lambda: count(path), lambda: load(path, index=0)):
        with pytest.raises(ProblemFormatError, match=r"mknap_two\.txt line 5: expected 1 "
                                                     "number of items n of problem 1"):
            read()


BAD_BEST = [float("nan"), float("inf"), "12", True]


@pytest.mark.parametrize("bad", BAD_BEST, ids=repr)
@pytest.mark.parametrize("make", [
    lambda b: TSP("t", coords=[[0, 0], [1, 0], [0, 1]], best_known=b),
    lambda b: MDKP([3, 4], [[1, 2]], [2], best_known=b),
    lambda b: MIS(3, [[0, 1]], best_known=b),
    lambda b: QAP(np.eye(3), np.ones((3, 3)) - np.eye(3), best_known=b),
    lambda b: RobustKnapsack.random(5, seed=0).__class__(
        **{**RobustKnapsack.random(5, seed=0).__dict__, "best_known": b}),
    lambda b: BQP.from_matrix(np.eye(2), best_known=b),
    lambda b: MaxCut(3, np.array([[0, 1], [1, 2]]), best_known=b),
], ids=["TSP", "MDKP", "MIS", "QAP", "RobustKnapsack", "BQP", "MaxCut"])
def test_every_problem_type_validates_best_known_the_same_way(make, bad):
    with pytest.raises(ProblemFormatError, match="best_known must be a finite number or None"):
        make(bad)
    assert make(7).best_known == 7.0 and make(None).best_known is None
