"""Tests of learned/candidates.py: the kNN candidate graph."""

import numpy as np
import pytest

from learned.candidates import knn, knn_from_matrix


def brute_knn(xy: np.ndarray, k: int) -> np.ndarray:
    d = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def test_knn_matches_brute_force_sorted_and_excludes_self():
    xy = np.random.default_rng(0).random((300, 2))
    nb = knn(xy, 12)
    assert nb.shape == (300, 12) and nb.dtype == np.int32
    assert np.array_equal(nb, brute_knn(xy, 12))
    assert not (nb == np.arange(300)[:, None]).any()
    d = np.linalg.norm(xy[:, None] - xy[nb], axis=2)
    assert np.all(np.diff(d, axis=1) >= 0)


def test_knn_with_duplicate_points_never_lists_a_city_as_its_own_neighbour():
    xy = np.zeros((6, 2))  # six copies of one point
    xy[5] = [1.0, 1.0]
    nb = knn(xy, 4)
    assert not (nb == np.arange(6)[:, None]).any()
    assert all(len(set(row)) == 4 for row in nb.tolist())
    assert set(nb[0].tolist()) <= {1, 2, 3, 4}


@pytest.mark.parametrize("k", [0, 5, -1, 2.5, True])
def test_knn_rejects_impossible_k(k):
    with pytest.raises(ValueError, match="k must be"):
        knn(np.random.default_rng(1).random((5, 2)), k)


def test_knn_rejects_nan_and_bad_shapes():
    xy = np.random.default_rng(1).random((5, 2))
    xy[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"finite.*\[3, 1\]"):
        knn(xy, 2)
    with pytest.raises(ValueError, match="shape"):
        knn(np.zeros(5), 2)
    with pytest.raises(ValueError, match="numbers"):
        knn([["a", "b"], ["c", "d"]], 1)


def test_knn_from_matrix_orders_rows_and_excludes_diagonal():
    xy = np.random.default_rng(2).random((40, 2))
    d = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    assert np.array_equal(knn_from_matrix(d, 7), brute_knn(xy, 7))
    with pytest.raises(ValueError, match="square"):
        knn_from_matrix(d[:5], 2)
    d[2, 3] = np.inf
    with pytest.raises(ValueError, match="finite"):
        knn_from_matrix(d, 2)
