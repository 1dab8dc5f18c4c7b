import networkx as nx
import numpy as np
import pytest

from learned import mis_search, udc_mis
from problems import MIS


def _graphs():
    for seed in range(10):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(5, 200))
        if seed % 3 == 0:
            yield MIS.barabasi_albert(n, int(rng.integers(1, 4)), seed=seed)
        else:
            yield MIS.random(n, p=float(rng.uniform(0.01, 0.5)), seed=seed)


@pytest.mark.parametrize("graph", list(_graphs()), ids=lambda g: g.name)
def test_parts_conquered_one_by_one_keep_the_set_independent(graph):
    indptr, indices = mis_search.csr(graph.n, graph.edges)
    rng = np.random.default_rng(graph.n)
    state = mis_search.rng_state(graph.n)
    sol = mis_search.greedy(indptr, indices, rng.permutation(graph.n))
    for part_size, exact_max in ((4, 0), (60, 40)):
        before = sol.sum()
        udc_mis.conquer_round(indptr, indices, sol, rng.random(graph.n), part_size, exact_max,
                              rng, state, np.inf)
        graph.check(sol)
        assert sol.sum() >= before


@pytest.mark.parametrize("graph", list(_graphs())[:5], ids=lambda g: g.name)
def test_parts_are_disjoint_and_hold_every_selected_node(graph):
    indptr, indices = mis_search.csr(graph.n, graph.edges)
    sol = mis_search.greedy(indptr, indices, np.arange(graph.n))
    tight = mis_search.tightness(indptr, indices, sol)
    part = mis_search.solution_parts(indptr, indices, sol, tight, np.arange(graph.n), 20, 3,
                                     mis_search.rng_state(0))
    assert (part[sol.astype(bool)] >= 0).all()
    for v in np.flatnonzero((part >= 0) & (sol == 0)):  # all its selected neighbours inside
        neighbours = indices[indptr[v]:indptr[v + 1]]
        assert (part[neighbours[sol[neighbours] == 1]] == part[v]).all()


def test_weighted_insertion_draws_heavy_nodes_more_often():
    state = mis_search.rng_state(3)
    cumulative = np.cumsum([1.0, 0.0, 3.0])  # node 1 has no weight: never drawn
    draws = np.bincount([mis_search.draw_node(state, cumulative, 3) for _ in range(4000)],
                        minlength=3)
    assert draws[1] == 0 and 2.5 < draws[2] / draws[0] < 3.5


@pytest.mark.parametrize("bias", [0.0, 3.0])
def test_iterated_local_search_stays_independent_and_never_loses_the_best(bias):
    graph = MIS.random(300, p=0.05, seed=4)
    indptr, indices = mis_search.csr(graph.n, graph.edges)
    sol = mis_search.greedy(indptr, indices, np.arange(graph.n))
    tight = mis_search.tightness(indptr, indices, sol)
    best, start = sol.copy(), int(sol.sum())
    weights = udc_mis.perturbation_weights(np.random.default_rng(0).random(graph.n), bias)
    size = mis_search.iterated_local_search(indptr, indices, sol, tight, best, 2000,
                                            mis_search.rng_state(1), weights)
    graph.check(sol)
    graph.check(best)
    assert size == best.sum() > start
    assert np.array_equal(tight, mis_search.tightness(indptr, indices, sol))


def test_how_the_local_search_is_chunked_does_not_change_it():
    # chunks are sized from measured speed, so where they end varies run to run
    graph = MIS.random(300, p=0.05, seed=4)
    indptr, indices = mis_search.csr(graph.n, graph.edges)
    weights = udc_mis.perturbation_weights(np.random.default_rng(0).random(graph.n), 3.0)
    finals = []
    for chunk_seconds in (1e-9, 1e-4, 10.0):
        sol = mis_search.greedy(indptr, indices, np.arange(graph.n))
        tight = mis_search.tightness(indptr, indices, sol)
        best = sol.copy()
        udc_mis.run_local_search(indptr, indices, sol, tight, best, 3000,
                                 mis_search.rng_state(1), np.inf, weights, chunk_seconds)
        finals.append((sol.copy(), best.copy()))
    for sol, best in finals[1:]:
        assert np.array_equal(sol, finals[0][0]) and np.array_equal(best, finals[0][1])


def test_exact_part_finds_the_maximum_independent_set():
    graph = MIS.random(30, p=0.3, seed=2)
    indptr, indices = mis_search.csr(graph.n, graph.edges)
    nodes = np.arange(graph.n)
    chosen = udc_mis.exact_part(indptr, indices, nodes, np.zeros(graph.n, np.int8), 0, 10.0)
    clique, size = nx.max_weight_clique(nx.complement(graph.to_networkx()), weight=None)
    assert len(chosen) == size
    graph.check(np.isin(nodes, chosen).astype(int))


@pytest.mark.parametrize("scores", ["gnn", "random"])
def test_a_fixed_seed_and_round_budget_reproduce_the_solution(scores):
    graph = MIS.random(250, p=0.1, seed=11)
    runs = [udc_mis.udc_mis(graph.n, graph.edges, rounds=2, seed=5, scores=scores,
                            ils_steps=300)[0] for _ in range(2)]
    assert np.array_equal(*runs)
    graph.check(runs[0])


def _validation_graphs():
    return [MIS.random(300, p=p, seed=900_000_000 + k)
            for k, p in enumerate((0.02, 0.05, 0.1, 0.15, 0.2))]


def test_the_checkpoint_loads_and_its_greedy_beats_random_scores():
    def greedy(graph, scores):
        indptr, indices = mis_search.csr(graph.n, graph.edges)
        return mis_search.greedy(indptr, indices, np.argsort(-scores, kind="stable")).sum()

    graphs = _validation_graphs()
    learned = [greedy(g, udc_mis.predict_scores(g.n, g.edges)) for g in graphs]
    random = [greedy(g, udc_mis.scores_for("random", g.n, g.edges, 0)) for g in graphs]
    assert np.mean(learned) > np.mean(random) + 1


def test_udc_with_the_checkpoint_beats_udc_with_random_scores_at_one_round():
    graphs = _validation_graphs()
    sizes = {mode: np.mean([udc_mis.udc_mis(g.n, g.edges, rounds=1, seed=0, scores=mode,
                                            ils_steps=0, final_steps=0)[0].sum()
                            for g in graphs]) for mode in ("gnn", "random")}
    assert sizes["gnn"] > sizes["random"]


@pytest.mark.parametrize("options,message", [
    ({"rounds": -1}, "rounds"), ({"part_size": 1}, "part_size"), ({"scores": "magic"}, "scores"),
    ({"ils_steps": 1.5}, "ils_steps"), ({"rounds": None}, "time_limit"),
    ({"bias": -1.0}, "bias"), ({"bias": float("inf")}, "bias"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        udc_mis.udc_mis(10, np.array([[0, 1]]), **{"rounds": 1, **options})
