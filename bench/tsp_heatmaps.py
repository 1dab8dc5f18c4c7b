"""How well each MCTS heatmap predicts the edges of near-optimal tours, trained GNN included.

    .venv/bin/python bench/tsp_heatmaps.py [--sizes 200,500,1000] [--count 4] [--k 16]

On generated instances the GNN never saw in training (uniform ``TSP.random`` and clustered
``TSP.clustered``, seeds 9000+), each labelled with one LKH-3 run (``elkai``), every heatmap of
``learned.heatmaps`` is scored on the k-nearest-neighbour candidate graph:

* ``top-1`` / ``top-2``: share of a city's best- / two best-scored candidates that are edges of
  the LKH tour (ties broken by distance rank);
* ``NLL``: mean −log of the heatmap mass a city puts on its LKH tour neighbours (each of the
  two counted, a neighbour outside the candidates costs −log 1e-6);
* ``recall``: share of LKH tour edges inside the candidate graph at all (the same for every
  heatmap, the ceiling of the others).

``gnn (untrained)`` is the same network with freshly initialised weights (seed 0): the ablation
that shows what training adds. This measures the heatmap alone; ``bench/tsp_mcts.py
--tau-grid`` measures what the search makes of it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from learned import gnn, heatmaps  # noqa: E402
from learned.candidates import knn  # noqa: E402
from learned.checkpoint_io import save_network  # noqa: E402
from learned.fit_knn_prior import lkh_tour  # noqa: E402
from problems import TSP  # noqa: E402

FLOOR = 1e-6


def untrained_checkpoint(folder: Path) -> Path:
    """The shipped GNN's architecture with fresh weights (torch seed 0), saved as a checkpoint."""
    shipped = gnn.load_model(device="cpu")
    torch.manual_seed(0)
    path = folder / "untrained_gnn.pt"
    save_network(gnn.EdgeGNN(**shipped.config), path)
    return path


def tour_neighbours(tour: np.ndarray) -> np.ndarray:
    """(N, 2): each city's predecessor and successor on ``tour``."""
    n = len(tour)
    out = np.empty((n, 2), dtype=np.int64)
    out[tour, 0] = np.roll(tour, 1)
    out[tour, 1] = np.roll(tour, -1)
    return out


def scores(heat: np.ndarray, neighbors: np.ndarray, tour: np.ndarray) -> dict[str, float]:
    n, k = neighbors.shape
    adjacent = tour_neighbours(tour)
    is_tour = (neighbors[:, :, None] == adjacent[:, None, :]).any(axis=2)  # (N, k)
    order = np.argsort(-heat, axis=1, kind="stable")  # ties keep the distance rank
    ranked = np.take_along_axis(is_tour, order, axis=1)
    mass = (heat * is_tour).sum(axis=1)
    inside = is_tour.sum(axis=1)
    # -log of the mass on each tour neighbour, split evenly when both are candidates
    per_edge = np.where(inside > 0, mass / np.maximum(inside, 1), 0.0)
    nll = -(inside * np.log(np.maximum(per_edge, FLOOR)) + (2 - inside) * np.log(FLOOR)) / 2
    return {"top-1": float(ranked[:, 0].mean()), "top-2": float(ranked[:, :2].mean()),
            "NLL": float(nll.mean()), "recall": float(inside.mean() / 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,500,1000")
    parser.add_argument("--count", type=int, default=4, help="instances per size and family")
    parser.add_argument("--k", type=int, default=16, help="candidates per city")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        fresh = untrained_checkpoint(Path(folder))
        print(f"Heatmap quality against LKH-3 tours, k = {args.k}, {args.count} instances per "
              "row, seeds 9000+ (unseen)\n")
        names = ["softdist", "knn-prior", "gnn", "gnn (untrained)", "uniform"]
        print("| family | n | heatmap | top-1 | top-2 | NLL | recall |")
        print("|---|---:|---|---:|---:|---:|---:|")
        for family in ("uniform", "clustered"):
            for n in (int(s) for s in args.sizes.split(",")):
                rows = {name: [] for name in names}
                for i in range(args.count):
                    seed = 9000 + i
                    problem = (TSP.random(n, seed=seed) if family == "uniform"
                               else TSP.clustered(n, clusters=max(2, n // 100), seed=seed))
                    coords = problem.coords
                    tour = lkh_tour(coords)
                    neighbors = knn(coords, args.k).astype(np.int64)
                    dist = np.linalg.norm(coords[:, None, :] - coords[neighbors], axis=2)
                    for name in names:
                        if name == "gnn (untrained)":
                            heat = gnn.predict_edge_scores(coords, neighbors, device="cpu",
                                                           checkpoint=fresh)
                        else:
                            heat = heatmaps.heatmap(name, neighbors, dist, coords=coords,
                                                    device="cpu")
                        rows[name].append(scores(heat, neighbors, tour))
                for name in names:
                    mean = {key: np.mean([r[key] for r in rows[name]]) for key in rows[name][0]}
                    print(f"| {family} | {n} | {name} | {mean['top-1']:.3f} | "
                          f"{mean['top-2']:.3f} | {mean['NLL']:.3f} | {mean['recall']:.3f} |",
                          flush=True)


if __name__ == "__main__":
    main()
