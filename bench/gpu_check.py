"""Run every torch path on CUDA and on the CPU; compare outputs (max abs diff) and times.

Paths: the GNN edge-score heatmap (``learned.gnn.predict_edge_scores``, used by
``mcts heatmap="gnn"`` and UDC's dividing), UDC's sub-path policy
(``learned.subpath_policy.solve_subpaths``, greedy rollouts only, so both devices decode the
same paths), the softdist heatmap, and the torch kernel of the QAOA state-vector simulator
(``quantum.simulator.DiagonalQAOA(kernel="torch")``). Each is timed as the best of
``--repeats`` calls after one warm-up call.

Without CUDA it says so, fills the CPU column only, and exits 0.

    python bench/gpu_check.py            # one table
    python bench/gpu_check.py --repeats 5 --qubits 22
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

# bench/quantum.py would shadow the quantum package: import from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])


def _best_time(function, repeats: int) -> tuple[float, object]:
    output = function()  # warm-up (CUDA context, kernels, caches)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        output = function()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best, output


def _array(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return value.numpy() if not value.is_complex() else value.numpy()
    return np.asarray(value)


def paths(cities: int, qubits: int, subpaths: int):
    """(name, function of a device returning an array) for every torch path."""
    from learned import gnn, heatmaps, subpath_policy
    from learned.candidates import knn
    from quantum.simulator import DiagonalQAOA

    rng = np.random.default_rng(0)
    coords = rng.random((cities, 2))
    neighbors = knn(coords, 16)
    neighbor_dist = np.linalg.norm(coords[neighbors] - coords[:, None], axis=-1)
    xy = subpath_policy.normalise(rng.random((subpaths, 100, 2)))
    costs = rng.normal(size=1 << qubits)
    gammas, betas = [0.3, 0.7], [0.4, 0.2]
    policies = {}

    def policy(device):
        if device not in policies:
            policies[device] = subpath_policy.load_policy(device=device)
        return policies[device]

    return [
        (f"GNN edge scores ({cities} cities, k=16)",
         lambda device: gnn.predict_edge_scores(coords, neighbors, device=device)),
        (f"softdist heatmap ({cities} cities)",
         lambda device: heatmaps.softdist(neighbor_dist, device=device)),
        (f"UDC sub-path policy ({subpaths} x 100, greedy)",
         lambda device: subpath_policy.solve_subpaths(policy(device), xy, samples=1,
                                                      symmetries=1)),
        (f"QAOA state, torch kernel ({qubits} qubits, p=2)",
         lambda device: DiagonalQAOA(costs, device=device, kernel="torch").state(gammas,
                                                                                 betas)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=10_000)
    parser.add_argument("--qubits", type=int, default=20)
    parser.add_argument("--subpaths", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cuda = torch.cuda.is_available()
    print(f"torch {torch.__version__}; CPU: 1 thread; CUDA: "
          + (torch.cuda.get_device_name(0) if cuda else "not available, CPU column only"))
    header = f"| path | CPU s | {'CUDA s | speed-up | max abs diff |' if cuda else ''}"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, run in paths(args.cities, args.qubits, args.subpaths):
        cpu_s, cpu_out = _best_time(lambda: _array(run("cpu")), args.repeats)
        row = f"| {name} | {cpu_s:.4f} |"
        if cuda:
            gpu_s, gpu_out = _best_time(lambda: _array(run("cuda")), args.repeats)
            diff = float(np.max(np.abs(cpu_out.astype(complex) - gpu_out.astype(complex))))
            row += f" {gpu_s:.4f} | {cpu_s / gpu_s:.1f}x | {diff:.2e} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
