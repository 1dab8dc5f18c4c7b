"""Tests of solvers/algorithms/local_search.py: compiled distances, tour moves, 2-opt + Or-opt."""

import numpy as np
import pytest

from learned.candidates import knn
from problems import TSP
from solvers.algorithms import local_search as ls


def graph(problem, k=8):
    metric = ls.metric_for(problem)
    nb = knn(np.asarray(problem.coords, dtype=float), k)
    nd = np.asarray(problem.distance(np.repeat(np.arange(problem.size), k),
                                     nb.reshape(-1).astype(np.int64)), float).reshape(-1, k)
    return metric, nb, nd


@pytest.mark.parametrize("kind, scale", [("EXACT", 1.0), ("EUC_2D", 5000.0), ("CEIL_2D", 5000.0),
                                         ("ATT", 9000.0), ("GEO", 80.0)])
def test_compiled_metric_reproduces_the_problems_distances(kind, scale):
    rng = np.random.default_rng(3)
    coords = rng.uniform(-scale, scale, (150, 2)).round(2)
    problem = TSP("t", coords=coords, edge_weight_type=kind)
    metric = ls.metric_for(problem)
    i, j = rng.integers(0, 150, 2000), rng.integers(0, 150, 2000)
    j[j == i] = (j[j == i] + 1) % 150
    assert np.array_equal(metric.distance(i, j), problem.distance(i, j))


def test_explicit_instances_use_their_matrix_and_large_ones_are_refused(monkeypatch):
    base = TSP.random(25, seed=2)
    explicit = TSP("m", matrix=base.dense_matrix(), edge_weight_type="EXPLICIT")
    metric = ls.metric_for(explicit)
    assert metric.kind == ls.MATRIX
    assert ls.tour_length(np.arange(25), metric) == pytest.approx(explicit.evaluate(np.arange(25)))
    monkeypatch.setattr(ls, "DENSE_LIMIT", 20)
    with pytest.raises(ValueError, match="without coordinates are supported up to 20"):
        ls.metric_for(explicit)


def test_check_metric_names_a_disagreeing_pair():
    problem = TSP.random(30, seed=1)
    metric, nb, nd = graph(problem, 5)
    ls.check_metric(metric, nb, nd, "t")
    nd[4, 2] += 1.0
    with pytest.raises(ValueError, match=f"cities 4 and {nb[4, 2]}"):
        ls.check_metric(metric, nb, nd, "t")


def test_random_moves_keep_a_permutation_and_their_gains_add_up():
    rng = np.random.default_rng(5)
    n = 40
    problem = TSP.random(n, seed=5)
    metric = ls.metric_for(problem)
    tour = rng.permutation(n).astype(np.int32)
    pos = np.empty(n, np.int32)
    pos[tour] = np.arange(n)
    journal = ls.Journal.empty(1000)
    snapshot = tour.copy()
    for _ in range(300):
        a = int(rng.integers(n))
        c = int(rng.integers(n))
        b, d = ls.succ(tour, pos, a), ls.succ(tour, pos, c)
        if len({a, b, c, d}) < 4:
            continue
        before = ls.tour_length(tour, metric)
        ls.move2(tour, pos, a, b, c, d, journal.ranges, journal.meta)
        expected = (before - problem.distance(a, b) - problem.distance(c, d)
                    + problem.distance(a, c) + problem.distance(b, d))
        assert ls.tour_length(tour, metric) == pytest.approx(expected)
        assert np.array_equal(pos[tour], np.arange(n))
    ls.undo_to(tour, pos, journal.ranges, journal.meta, 0)
    assert np.array_equal(tour, snapshot)


def test_or_move_inserts_a_segment_in_either_orientation():
    n = 12
    for forward in (True, False):
        tour = np.arange(n, dtype=np.int32)
        pos = np.arange(n, dtype=np.int32)
        journal = ls.Journal.empty(16)
        # move 3..5 (between 2 and 6) between 8 and 9
        ls.or_move(tour, pos, 2, 3, 5, 6, 8, 9, forward, journal.ranges, journal.meta)
        edges = {frozenset((int(tour[p]), int(tour[(p + 1) % n]))) for p in range(n)}
        inserted = [{8, 3}, {5, 9}] if forward else [{8, 5}, {3, 9}]
        assert {2, 6} in [set(e) for e in edges]
        assert all(frozenset(e) in edges for e in inserted)
        assert sorted(tour.tolist()) == list(range(n))


def test_two_opt_or_opt_reaches_a_candidate_local_optimum():
    problem = TSP.random(300, seed=7)
    metric, nb, nd = graph(problem)
    start = np.random.default_rng(7).permutation(300)
    tour, length = ls.two_opt_or_opt(start, metric, nb, nd)
    assert sorted(tour.tolist()) == list(range(300))
    assert length == pytest.approx(problem.evaluate(tour))
    assert length < 0.6 * problem.evaluate(start)
    # no improving 2-opt move along a candidate edge is left
    nxt = np.roll(tour, -1)
    succ = np.empty(300, int)
    succ[tour] = nxt
    for a in range(300):
        for c in nb[a]:
            b, d = succ[a], succ[c]
            if len({a, b, c, d}) == 4:
                delta = (problem.distance(a, c) + problem.distance(b, d)
                         - problem.distance(a, b) - problem.distance(c, d))
                assert delta > -1e-9


def test_two_opt_or_opt_rejects_a_non_permutation():
    problem = TSP.random(20, seed=1)
    metric, nb, nd = graph(problem, 4)
    with pytest.raises(ValueError, match="permutation"):
        ls.two_opt_or_opt(np.zeros(20, int), metric, nb, nd)


def test_euclidean_metric_rejects_unknown_rounding():
    with pytest.raises(ValueError, match="rounding"):
        ls.Metric.euclidean(np.zeros((3, 2)), "ROUND_UP")


def test_two_opt_or_opt_terminates_on_grid_cities_with_exact_ties():
    # Cities on a lattice: many moves tie to within rounding error. With a zero improvement
    # threshold this start made 2-opt and Or-opt undo each other forever (seen on a280).
    from learned.udc import fragment_insertion_tour

    rng = np.random.default_rng(3)
    xy = np.unique(rng.integers(0, 30, size=(250, 2)) * 10.0, axis=0)
    nb = knn(xy, 16)
    start = fragment_insertion_tour(xy, nb, np.full(nb.shape, 1 / 16), 0.2, seed=3)
    metric = ls.Metric.euclidean(xy)
    nb10 = nb[:, :10]
    nd = metric.distance(np.repeat(np.arange(len(xy)), 10), nb10.reshape(-1)).reshape(-1, 10)
    tour, length = ls.two_opt_or_opt(start, metric, nb10, nd)
    assert sorted(tour.tolist()) == list(range(len(xy)))
    assert length <= ls.tour_length(start, metric)
