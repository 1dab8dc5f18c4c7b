import numpy as np
import pytest
import torch

from learned import gnn
from learned.candidates import knn


def _graph(n, k, seed):
    coords = np.random.default_rng(seed).random((n, 2))
    return coords, knn(coords, k)


@pytest.mark.parametrize("n,k", [(3, 2), (40, 8), (257, 16)])
def test_features_and_edges_are_one_row_per_knn_edge(n, k):
    coords, neighbors = _graph(n, k, seed=n)
    node, feats = gnn.edge_features(coords, neighbors)
    edges = gnn.edge_index_of(neighbors)
    assert node.shape == (n, gnn.NODE_FEATURES) and feats.shape == (n, k, gnn.EDGE_FEATURES)
    assert edges.shape == (2, n * k)
    assert np.array_equal(edges[0].numpy(), np.repeat(np.arange(n), k))
    assert np.array_equal(edges[1].numpy(), neighbors.reshape(-1))
    assert np.all(np.isfinite(feats)) and np.all(np.isfinite(node))


def test_features_do_not_depend_on_translation_or_scale():
    coords, neighbors = _graph(60, 10, seed=1)
    a = gnn.edge_features(coords, neighbors)
    b = gnn.edge_features(coords * 1e4 + 123.0, neighbors)
    assert np.allclose(a[0], b[0], atol=1e-5) and np.allclose(a[1], b[1], atol=1e-4)


def test_untrained_network_gives_one_finite_logit_per_edge_and_is_permutation_equivariant():
    torch.manual_seed(0)
    model = gnn.EdgeGNN(layers=3, dim=16).eval()
    coords, neighbors = _graph(50, 6, seed=2)

    def logits(c, nb):
        node, feats = gnn.edge_features(c, nb)
        with torch.no_grad():
            return model(torch.from_numpy(node), torch.from_numpy(feats.reshape(-1, 5)),
                         gnn.edge_index_of(nb)).view(nb.shape).numpy()

    out = logits(coords, neighbors)
    assert out.shape == (50, 6) and np.all(np.isfinite(out))
    perm = np.random.default_rng(3).permutation(50)
    inverse = np.argsort(perm)
    permuted = logits(coords[perm], inverse[neighbors[perm]])
    assert np.allclose(permuted, out[perm], atol=1e-5)


def test_shipped_checkpoint_gives_row_stochastic_scores_that_find_tour_edges():
    coords, neighbors = _graph(300, 16, seed=4)
    scores = gnn.predict_edge_scores(coords, neighbors, device="cpu")
    assert scores.shape == neighbors.shape
    assert np.all(scores >= 0) and np.allclose(scores.sum(axis=1), 1.0)
    # A useful edge scorer ranks the nearest neighbour first far more often than not,
    # and spreads mass over a few neighbours rather than all 16.
    assert np.mean(scores.argmax(axis=1) <= 2) > 0.8
    assert np.mean(np.sort(scores, axis=1)[:, -2:].sum(axis=1)) > 0.6


@pytest.mark.parametrize("coords,neighbors,message", [
    (np.array([[0.0, 0.0], [1.0, np.nan], [2.0, 0.0]]), np.array([[1], [0], [1]]), "finite"),
    (np.zeros((4, 3)), np.zeros((4, 1), dtype=int), r"shape \(N, 2\)"),
    (np.random.default_rng(0).random((4, 2)), np.array([[1], [0], [1]]), "neighbors must"),
    (np.random.default_rng(0).random((4, 2)), np.array([[1], [1], [3], [3]]), "itself"),
    (np.random.default_rng(0).random((4, 2)), np.array([[1], [0], [7], [0]]), "outside"),
    (np.random.default_rng(0).random((4, 2)), np.array([[1.0], [0], [1], [0]]), "integer"),
])
def test_bad_input_is_named(coords, neighbors, message):
    with pytest.raises(ValueError, match=message):
        gnn.predict_edge_scores(coords, neighbors, device="cpu")


def test_unknown_device_is_refused():
    coords, neighbors = _graph(10, 3, seed=5)
    with pytest.raises(ValueError, match="device"):
        gnn.predict_edge_scores(coords, neighbors, device="tpu-please")


def test_missing_checkpoint_says_how_to_train(tmp_path):
    coords, neighbors = _graph(10, 3, seed=6)
    with pytest.raises(FileNotFoundError, match="train_udc_tsp gnn"):
        gnn.predict_edge_scores(coords, neighbors, device="cpu", checkpoint=tmp_path / "no.pt")


def test_chunked_inference_equals_the_plain_pass_and_refuses_training():
    torch.manual_seed(1)
    model = gnn.EdgeGNN(layers=2, dim=8)
    coords, neighbors = _graph(200, 7, seed=7)
    node, feats = gnn.edge_features(coords, neighbors)
    args = (torch.from_numpy(node), torch.from_numpy(feats.reshape(-1, 5)),
            gnn.edge_index_of(neighbors))
    with torch.no_grad():
        assert torch.allclose(model(*args), model(*args, chunk=333), atol=1e-5)
    with pytest.raises(ValueError, match="inference"):
        model(*args, chunk=333)
