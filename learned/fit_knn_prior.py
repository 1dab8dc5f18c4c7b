"""Estimate the k-NN prior heatmap table from near-optimal tours (LKH-3 through ``elkai``).

For uniform random instances of several sizes, solve each with LKH-3 and count, for every
city and both of its tour neighbours, the rank of that neighbour among the city's nearest
neighbours. The frequencies are written to ``learned/data/knn_prior.json``.

Run ``python -m learned.fit_knn_prior`` (a few minutes on one core); ``--help`` for options.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import elkai
import numpy as np

from learned.candidates import knn
from learned.heatmaps import PRIOR_PATH

DEFAULT_PLAN = {100: 64, 200: 32, 500: 16, 1000: 6}
SCALE = 1e6  # LKH-3 rounds EUC_2D distances: scale unit-square coordinates before solving


def lkh_tour(coords: np.ndarray, runs: int = 1) -> np.ndarray:
    """A near-optimal tour of ``coords`` (N, 2) from LKH-3, as a permutation of 0..N-1.

    >>> import numpy as np
    >>> tour = lkh_tour(np.random.default_rng(0).random((20, 2)))
    >>> sorted(tour.tolist()) == list(range(20))
    True
    """
    cities = {i: (float(x), float(y)) for i, (x, y) in enumerate(np.asarray(coords) * SCALE)}
    tour = elkai.Coordinates2D(cities).solve_tsp(runs=runs)
    return np.asarray(tour[:-1], dtype=np.int64)


def rank_counts(coords: np.ndarray, tour: np.ndarray, ranks: int) -> np.ndarray:
    """How often a tour neighbour is a city's 1st, 2nd, ... nearest neighbour; the last entry
    counts neighbours beyond ``ranks``."""
    n = coords.shape[0]
    neighbors = knn(coords, min(ranks, n - 1))
    nxt = np.roll(tour, -1)
    prv = np.roll(tour, 1)
    counts = np.zeros(ranks + 1, dtype=np.int64)
    for other in (nxt, prv):
        hit = neighbors[tour] == other[:, None]
        found = hit.any(axis=1)
        np.add.at(counts, np.argmax(hit, axis=1)[found], 1)
        counts[ranks] += int((~found).sum())
    return counts


def fit(plan: dict[int, int], ranks: int, seed: int) -> dict:
    """Solve the instances of ``plan`` (size → count) and tabulate the rank frequencies."""
    rng = np.random.default_rng(seed)
    sizes, rows, beyond = [], [], []
    for n, count in sorted(plan.items()):
        counts = np.zeros(ranks + 1, dtype=np.int64)
        start = time.perf_counter()
        for _ in range(count):
            coords = rng.random((n, 2))
            counts += rank_counts(coords, lkh_tour(coords), ranks)
        freq = counts / counts.sum()
        sizes.append(n)
        rows.append([round(float(p), 6) for p in freq[:ranks]])
        beyond.append(round(float(freq[ranks]), 6))
        first = " ".join(f"{p:.3f}" for p in freq[:5])
        print(f"n={n:5d}  {count:3d} instances  {time.perf_counter() - start:6.1f} s  "
              f"p1..p5 = {first}  beyond {ranks}: {freq[ranks]:.4f}")
    return {
        "description": "P(next city of a near-optimal tour is the r-th nearest neighbour), "
                       "r = 1..ranks, for uniform random instances in the unit square",
        "source": "LKH-3 (elkai, runs=1) tours; learned/fit_knn_prior.py",
        "seed": seed,
        "instances": {str(n): c for n, c in sorted(plan.items())},
        "ranks": ranks,
        "sizes": sizes,
        "probabilities": rows,
        "beyond": beyond,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(f"{n}:{c}" for n, c in DEFAULT_PLAN.items()),
                        help="size:count pairs, e.g. 100:64,500:16")
    parser.add_argument("--ranks", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=PRIOR_PATH)
    args = parser.parse_args(argv)
    try:
        plan = {int(n): int(c) for n, c in (item.split(":") for item in args.sizes.split(","))}
    except ValueError:
        parser.error(f"--sizes must look like 100:64,500:16, got {args.sizes!r}")
    if any(n <= args.ranks or c < 1 for n, c in plan.items()):
        parser.error(f"every size must exceed --ranks ({args.ranks}) and every count be >= 1")
    table = fit(plan, args.ranks, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(table, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
