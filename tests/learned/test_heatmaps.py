"""Tests of learned/heatmaps.py: sparse, row-normalised edge heatmaps."""

import numpy as np
import pytest

from learned import heatmaps
from learned.candidates import knn


def candidate_graph(n=200, k=10, seed=0, scale=1.0):
    xy = np.random.default_rng(seed).random((n, 2)) * scale
    nb = knn(xy, k)
    return xy, nb, np.linalg.norm(xy[:, None] - xy[nb], axis=2)


@pytest.mark.parametrize("kind", ["softdist", "knn-prior", "uniform"])
def test_heatmaps_are_sparse_and_row_normalised(kind):
    xy, nb, d = candidate_graph()
    h = heatmaps.heatmap(kind, nb, d, coords=xy, device="cpu")
    assert h.shape == nb.shape == (200, 10)  # one score per candidate edge, never N×N
    assert h.dtype == np.float64
    assert np.all(h >= 0)
    assert np.allclose(h.sum(axis=1), 1.0)


def test_softdist_prefers_nearer_candidates_and_is_scale_invariant():
    xy, nb, d = candidate_graph()
    h = heatmaps.softdist(d, device="cpu")
    assert np.all(np.diff(h, axis=1) <= 1e-12)  # candidates are sorted by distance
    _, _, d_km = candidate_graph(scale=1000.0)
    assert np.allclose(heatmaps.softdist(d_km, device="cpu"), h)
    sharper = heatmaps.softdist(d, tau=0.05, device="cpu")
    assert sharper[:, 0].mean() > h[:, 0].mean()


def test_softdist_formula_on_a_small_case():
    d = np.array([[1.0, 2.0, 4.0], [2.0, 2.0, 3.0]])
    tau = 0.5
    scale = d[:, 0].mean()
    expected = np.exp(-d / (tau * scale))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(heatmaps.softdist(d, tau=tau, device="cpu"), expected)


@pytest.mark.parametrize("tau", [0, -1.0, float("nan"), "0.3"])
def test_softdist_rejects_bad_tau(tau):
    with pytest.raises(ValueError, match="tau"):
        heatmaps.softdist(np.ones((3, 2)), tau=tau, device="cpu")


def test_softdist_rejects_nan_distances():
    d = np.ones((4, 3))
    d[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"\[2, 1\]"):
        heatmaps.softdist(d, device="cpu")


def test_shipped_knn_prior_table_matches_the_published_shape():
    sizes, table = heatmaps.prior_table()
    assert table.shape[0] == sizes.size >= 1
    assert np.allclose(table.sum(axis=1), 1.0, atol=0.01)
    # Pan et al. 2024 report p1 ≈ 0.44, p2 ≈ 0.26 for TSP-500
    assert np.all(np.abs(table[:, 0] - 0.44) < 0.03)
    assert np.all(np.abs(table[:, 1] - 0.26) < 0.03)
    h = heatmaps.knn_prior(500, 12, device="cpu")
    assert np.all(np.diff(h[0, :8]) < 0)


def test_uniform_and_unknown_kinds():
    xy, nb, d = candidate_graph(n=20, k=4)
    assert np.allclose(heatmaps.heatmap("uniform", nb, d), 0.25)
    with pytest.raises(ValueError, match="unknown heatmap 'magic'"):
        heatmaps.heatmap("magic", nb, d)
    with pytest.raises(ValueError, match="tau applies to 'softdist' only"):
        heatmaps.heatmap("uniform", nb, d, tau=0.3)
    with pytest.raises(ValueError, match="same shape"):
        heatmaps.heatmap("softdist", nb, d[:, :3])


def test_gnn_heatmap_is_normalised_or_says_what_is_missing():
    xy, nb, d = candidate_graph(n=60, k=8)
    try:
        h = heatmaps.heatmap("gnn", nb, d, coords=xy, device="cpu")
    except ValueError as error:
        assert "gnn heatmap needs" in str(error)
    else:
        assert h.shape == nb.shape and np.allclose(h.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="coordinates"):
        heatmaps.gnn(None, nb, device="cpu")
