"""The TSP benchmark sets and their references, shared by ``tsp_mcts.py`` and ``tsp_udc.py``.

* TSP-500 / TSP-1000 (``../shared/benchmarks/tsp-random``): an LKH-3 run (``elkai``,
  runs=1) on each instance, made once and cached in ``bench/out/lkh_reference.json``; the
  shipped tours (not optimal) are kept as ``problem.best_known`` and compared too;
* TSP-10000: no per-instance reference is affordable here, so a set's gap is that of its mean
  length to the published LKH-3 mean 71.7778 (Fu et al. 2021; not confirmed here);
* TSPLIB: the optimum (``best_known`` of the file: ``.opt.tour`` or ``bestSolutions.txt``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from problems import load
from solvers.result import gap

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
CACHE = ROOT / "bench" / "out" / "lkh_reference.json"
RANDOM_SETS = {"500": "tsp500_test_concorde.txt", "1000": "tsp1000_test_concorde.txt",
               "10000": "tsp10000_test_concorde.txt"}
DEFAULT_COUNT = {"500": 16, "1000": 16, "10000": 4}
LKH_MEAN_10000 = 71.7778


def instances(sets: list[str], count: int | None, tsplib: list[str], first: int = 0):
    """``(set name, problem)`` pairs: ``count`` random instances from index ``first`` per set
    (default 16/16/4), then the TSPLIB names that exist."""
    for name in sets:
        if name in RANDOM_SETS:
            path = SHARED / "tsp-random" / RANDOM_SETS[name]
            if not path.exists():
                print(f"skipped TSP-{name}: {path} is missing")
                continue
            for index in range(first, first + (count or DEFAULT_COUNT[name])):
                yield f"TSP-{name}", load(path, index=index)
        elif name == "tsplib":
            for stem in tsplib:
                path = SHARED / "tsplib" / f"{stem}.tsp"
                if path.exists():
                    yield "TSPLIB", load(path)
                else:
                    print(f"skipped {stem}: {path} is missing")
        else:
            raise SystemExit(f"unknown set {name!r}; choose from 500, 1000, 10000, tsplib")


def lkh_reference(problem) -> float:
    """LKH-3 tour length of a unit-square instance (cached across runs)."""
    from learned.fit_knn_prior import lkh_tour

    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    if problem.name not in cache:
        start = time.perf_counter()
        cache[problem.name] = problem.evaluate(lkh_tour(problem.coords))
        print(f"  (LKH-3 reference for {problem.name}: {cache[problem.name]:.5f}, "
              f"{time.perf_counter() - start:.1f} s)", flush=True)
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(cache, indent=1))
    return float(cache[problem.name])


def reference(set_name: str, problem) -> tuple[float | None, str]:
    """The per-instance reference length and its kind (None for TSP-10000)."""
    if set_name == "TSPLIB":
        return problem.best_known, "optimum"
    if set_name in ("TSP-500", "TSP-1000"):
        return lkh_reference(problem), "LKH-3"
    return None, "LKH-3 mean"


def mean_gap(set_name: str, values, refs) -> float | None:
    """Mean gap over the instances a method ran on (OR-Tools skips the largest TSPLIB ones);
    TSP-10000: the gap of the mean length to the LKH-3 mean."""
    if set_name == "TSP-10000":
        if not values or any(v is None for v in values):
            return None
        return gap(float(np.mean(values)), LKH_MEAN_10000, "min")
    gaps = [gap(v, r, "min") for v, r in zip(values, refs) if v is not None and r is not None]
    return float(np.mean(gaps)) if gaps else None


def fmt(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
