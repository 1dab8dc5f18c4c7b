"""Tests of solvers/algorithms/mcts.py: heatmap-guided MCTS for the TSP, through solve()."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from problems import TSP, load
from solvers import methods, solve

TSPLIB = Path(__file__).resolve().parents[4] / "shared" / "benchmarks" / "tsplib"
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name, optimum", [("berlin52", 7542), ("eil51", 426), ("st70", 675)])
def test_finds_the_optimum_of_small_tsplib_instances(name, optimum):
    path = TSPLIB / f"{name}.tsp"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    result = solve(load(path), "mcts", time_limit=3.0, seed=0)
    assert result.feasible and result.objective == optimum
    assert result.time_s < 3.5


@pytest.mark.parametrize("kind", ["EXACT", "EUC_2D", "CEIL_2D", "ATT", "GEO"])
def test_tours_are_verified_permutations_for_every_distance_type(kind):
    coords = np.random.default_rng(4).uniform(-70, 70, (120, 2)).round(2)
    if kind != "GEO":
        coords = coords * 50
    problem = TSP("t", coords=coords, edge_weight_type=kind)
    result = solve(problem, "mcts", time_limit=0.5, seed=1)
    assert result.feasible and sorted(result.solution) == list(range(120))
    assert "claimed_objective_mismatch" not in result.info
    assert result.objective == pytest.approx(result.info["claimed_objective"])


def test_explicit_matrix_instance():
    base = TSP.random(40, seed=9)
    explicit = TSP("m", matrix=base.dense_matrix(), edge_weight_type="EXPLICIT")
    by_matrix = solve(explicit, "mcts", seed=0, max_iterations=300)
    by_coords = solve(base, "mcts", seed=0, max_iterations=300)
    assert by_matrix.feasible and "claimed_objective_mismatch" not in by_matrix.info
    assert by_matrix.objective == pytest.approx(by_coords.objective, rel=0.02)


def test_trace_is_improving_and_ends_at_the_objective():
    result = solve(TSP.random(300, seed=3), "mcts", time_limit=1.0, seed=0)
    values = [v for _, v in result.trace]
    times = [t for t, _ in result.trace]
    assert values == sorted(values, reverse=True) and times == sorted(times)
    assert values[-1] == pytest.approx(result.objective)
    assert result.info["rounds"] >= 1 and result.info["improvements"] >= 1


@pytest.mark.parametrize("options", [{}, {"restart": "sample"}, {"workers": 2},
                                     {"heatmap": "uniform", "max_depth": 3, "candidates": 6}])
def test_same_seed_same_tour_under_an_iteration_cap(options):
    problem = TSP.random(200, seed=11)
    first = solve(problem, "mcts", seed=5, max_iterations=40, **options)
    second = solve(problem, "mcts", seed=5, max_iterations=40, **options)
    assert np.array_equal(first.solution, second.solution)
    assert first.trace[-1][1] == second.trace[-1][1]


def test_different_seeds_explore_differently():
    problem = TSP.random(200, seed=11)
    tours = {tuple(solve(problem, "mcts", seed=s, max_iterations=2).solution) for s in range(3)}
    assert len(tours) > 1


def test_time_limit_is_honoured():
    problem = TSP.random(3000, seed=2)
    result = solve(problem, "mcts", time_limit=0.6, seed=0)
    assert result.feasible and result.time_s < 0.6 + 0.25


@pytest.mark.parametrize("heatmap", ["softdist", "knn-prior", "uniform"])
def test_every_heatmap_gets_close_to_the_optimum(heatmap):
    path = TSPLIB / "kroA100.tsp"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    result = solve(load(path), "mcts", time_limit=1.0, seed=0, heatmap=heatmap)
    assert result.gap_to(21282) < 1.0


def test_gnn_heatmap_runs_or_explains_itself():
    problem = TSP.random(100, seed=1)
    try:
        result = solve(problem, "mcts", time_limit=0.5, heatmap="gnn")
    except ValueError as error:
        assert "gnn heatmap needs" in str(error)
    else:
        assert result.feasible


def test_tiny_instances():
    result = solve(TSP.random(3, seed=0), "mcts", time_limit=0.2)
    assert result.feasible and result.status == "optimal"
    result = solve(TSP.random(5, seed=0), "mcts", max_iterations=20)
    assert result.objective == pytest.approx(solve(TSP.random(5, seed=0), "exact").objective)


@pytest.mark.parametrize("options, message", [
    ({"heatmap": "magic"}, "unknown heatmap"),
    ({"candidates": 1}, "candidates must be an integer >= 2"),
    ({"max_depth": 0}, "max_depth"),
    ({"alpha": float("nan")}, "alpha"),
    ({"restart": "never"}, "restart must be one of"),
    ({"workers": 0}, "workers"),
    ({"max_iterations": 2.5}, "max_iterations"),
    ({"heatmap": "uniform", "tau": 0.3}, "tau applies to 'softdist' only"),
    ({"device": "quantum"}, "device"),
])
def test_impossible_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        solve(TSP.random(20, seed=0), "mcts", time_limit=0.2, **options)


def test_registered_for_tsp():
    assert "mcts" in methods("TSP")


def test_twenty_thousand_cities_within_two_gigabytes():
    script = textwrap.dedent("""
        import resource, time
        from problems import TSP
        from solvers import solve
        problem = TSP.random(20000, seed=0)
        result = solve(problem, "mcts", time_limit=4.0, seed=0)
        assert result.feasible, result.status
        print(result.time_s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    elapsed, peak_kib = map(float, done.stdout.split())
    assert elapsed < 4.0 + 0.5
    assert peak_kib / 2**20 < 2.0  # GiB, the whole process (torch included)
