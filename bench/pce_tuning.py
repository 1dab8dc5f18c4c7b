"""PCE tuning on generated MaxCut graphs of the three Gset families (never on the Gset files).

    .venv/bin/python bench/pce_tuning.py GRAPHS SEEDS [OPTIONS_JSON]
    e.g. bench/pce_tuning.py 0,1,2 0,1 '{"alpha_growth": 10.0}'
    .venv/bin/python bench/pce_tuning.py GRAPHS sdp

``sdp`` instead of seeds: no circuit, the control of the shrinking's share: 20 random-hyperplane
roundings of the Burer–Monteiro vectors the shrinking uses (``quantum.shrinking.sdp_vectors``,
seed 0), each followed by the same one-flip search (``verify_and_repair``); mean and best gap.

Graphs: 0 = a 20 × 40 torus with ±1 weights (as G11–G13: 800 nodes, 1,600 edges), 1 = 800
uniform points in the unit square joined to their 10 nearest neighbours (planar-like, unit
weights, 4,602 edges; G14–G17 have 4,694), 2 = ``MaxCut.random(1000, p=0.02, seed=43)``
(9,996 edges; G43–G47 have 9,990). Each ``pce`` run (30 s unless ``time_limit`` is among the
options) prints one JSON line: gap to a tabu reference (20 s, not proved), gap before the
search, Adam steps, wall time.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from problems import QAP, MaxCut  # noqa: E402
from solvers import solve  # noqa: E402


def torus(rows: int = 20, cols: int = 40, seed: int = 11) -> MaxCut:
    """A periodic ``rows × cols`` grid, every edge weighing ±1 at random."""
    def node(r, c):
        return (r % rows) * cols + c % cols
    edges = [(node(r, c), node(r, c + 1)) for r in range(rows) for c in range(cols)]
    edges += [(node(r, c), node(r + 1, c)) for r in range(rows) for c in range(cols)]
    weights = np.random.default_rng(seed).choice([-1.0, 1.0], size=len(edges))
    return MaxCut(rows * cols, np.array(edges), weights, name=f"torus{rows}x{cols}-pm1-s{seed}")


def nearest(n: int = 800, k: int = 10, seed: int = 14) -> MaxCut:
    """``n`` uniform points in the unit square, each joined to its ``k`` nearest neighbours."""
    from scipy.spatial import cKDTree

    points = np.random.default_rng(seed).random((n, 2))
    _, near = cKDTree(points).query(points, k=k + 1)
    edges = np.array(sorted({(min(i, j), max(i, j)) for i in range(n) for j in near[i, 1:]}))
    return MaxCut(n, edges, np.ones(len(edges)), name=f"knn{n}-k{k}-s{seed}")


GRAPHS = (torus, nearest, lambda: MaxCut.random(1000, p=0.02, seed=43))


def sdp_roundings(graph: MaxCut, best: float, count: int = 20) -> dict:
    """Gaps of ``count`` hyperplane roundings of the SDP vectors, each searched."""
    from quantum.repair import verify_and_repair
    from quantum.shrinking import sdp_vectors

    began = time.perf_counter()
    vectors = sdp_vectors(graph.to_qubo(), seed=0)
    sdp_s = time.perf_counter() - began
    rng = np.random.default_rng(1)
    raw, searched = [], []
    for _ in range(count):
        spins = np.sign(vectors @ rng.normal(size=vectors.shape[1]))
        spins = spins * spins[0]  # node 0 is the constant spin +1
        x = ((1 - spins[1:]) / 2).astype(np.int8)
        raw.append(100 * (best - graph.evaluate(x)) / best)
        searched.append(100 * (best - verify_and_repair(graph, x).objective) / best)
    return {"graph": graph.name, "reference": best, "sdp_s": round(sdp_s, 2),
            "raw_mean": round(float(np.mean(raw)), 3),
            "gap_mean": round(float(np.mean(searched)), 3), "gap_best": round(min(searched), 3)}


def main() -> None:
    which = [GRAPHS[int(i)]() for i in sys.argv[1].split(",")]
    if sys.argv[2] == "sdp":
        for graph in which:
            print(json.dumps(sdp_roundings(graph, solve(graph, "tabu", time_limit=20.0).objective)),
                  flush=True)
        return
    seeds = [int(s) for s in sys.argv[2].split(",")]
    options = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    limit = float(options.pop("time_limit", 30.0))
    solve(QAP.random(3, seed=0), "pce", steps=2)  # imports and torch's first step, untimed
    for graph in which:
        best = solve(graph, "tabu", time_limit=20.0).objective
        for seed in seeds:
            start = time.perf_counter()
            result = solve(graph, "pce", seed=seed, time_limit=limit,
                           **{"steps": 100_000, **options})
            info = result.info
            print(json.dumps({
                "graph": graph.name, "seed": seed, "options": options, "reference": best,
                "gap": round(100 * (best - result.objective) / best, 3),
                "gap_before_search": round(100 * (best - info["objective_before_search"])
                                           / best, 3),
                "steps": info["trained_steps"], "reduced_variables": info["reduced_variables"],
                "wall_s": round(time.perf_counter() - start, 2)}), flush=True)


if __name__ == "__main__":
    main()
