"""Tests of learned/fit_knn_prior.py: the estimator of the shipped k-NN prior table."""

import json

import numpy as np
import pytest

from learned import fit_knn_prior


def test_rank_counts_on_a_line_of_cities():
    coords = np.array([[0.0, 0.0], [1.0, 0.0], [2.1, 0.0], [3.3, 0.0], [4.6, 0.0]])
    tour = np.arange(5)  # 0-1-2-3-4 and back from 4 to 0
    counts = fit_knn_prior.rank_counts(coords, tour, ranks=3)
    # gaps grow along the line, so every city's nearest neighbour is the one before it (city 0:
    # city 1): 5 first ranks; 1, 2 and 3 reach the next city as 2nd nearest; the closing edge
    # 4-0 joins cities that are each other's 4th nearest, beyond 3 ranks, from both ends
    assert counts.tolist() == [5, 3, 0, 2]


def test_lkh_tours_are_permutations_and_fit_writes_normalised_rows(tmp_path):
    tour = fit_knn_prior.lkh_tour(np.random.default_rng(0).random((30, 2)))
    assert sorted(tour.tolist()) == list(range(30))
    out = tmp_path / "prior.json"
    fit_knn_prior.main(["--sizes", "40:2", "--ranks", "10", "--out", str(out)])
    table = json.loads(out.read_text())
    row = np.array(table["probabilities"][0])
    assert table["sizes"] == [40] and row.shape == (10,)
    assert row.sum() + table["beyond"][0] == pytest.approx(1.0, abs=1e-5)
    assert row[0] > row[1] > row[3]


def test_bad_plans_are_refused():
    with pytest.raises(SystemExit):
        fit_knn_prior.main(["--sizes", "20:1", "--ranks", "30"])
    with pytest.raises(SystemExit):
        fit_knn_prior.main(["--sizes", "lots"])
