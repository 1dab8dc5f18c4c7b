import numpy as np
import pytest
import torch

from learned import gnn, heatmaps
from learned.device import resolve_device


def test_device_resolution():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device(torch.device("cpu")).type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu-please")
    with pytest.raises(ValueError, match="'auto', 'cpu' or 'cuda"):
        resolve_device("meta")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal without a GPU")
def test_heatmaps_and_the_gnn_refuse_cuda_without_a_gpu_alike():
    xy = np.random.default_rng(0).random((12, 2))
    neighbors = np.argsort(np.linalg.norm(xy[:, None] - xy[None], axis=2), axis=1)[:, 1:5]
    dist = np.sort(np.linalg.norm(xy[:, None] - xy[None], axis=2), axis=1)[:, 1:5]
    messages = []
    for call in (lambda: heatmaps.softdist(dist, device="cuda"),
                 lambda: gnn.predict_edge_scores(xy, neighbors, device="cuda")):
        with pytest.raises(ValueError) as error:
            call()
        messages.append(str(error.value))
    assert messages[0] == messages[1] and "no CUDA device" in messages[0]
