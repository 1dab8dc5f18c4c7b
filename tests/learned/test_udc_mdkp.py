import numpy as np
import pytest

from learned import udc_mdkp
from problems import MDKP


def _instances():
    for seed in range(6):
        rng = np.random.default_rng(seed)
        yield MDKP.random(int(rng.integers(1, 80)), int(rng.integers(1, 6)),
                          tightness=float(rng.choice([0.05, 0.25, 0.75, 1.0])), seed=seed)
    rng = np.random.default_rng(7)  # real-valued data, a zero capacity, negative profits
    weights = rng.random((3, 40)) * 10
    weights[2, :5] = 0.0
    yield MDKP(rng.normal(5, 4, 40), weights, [12.345, 30.5, 0.0], name="real-valued")


@pytest.mark.parametrize("problem", list(_instances()), ids=lambda p: p.name)
@pytest.mark.parametrize("scores", ["gnn", "random"])
def test_every_packing_fits(problem, scores):
    x, trace, info = udc_mdkp.udc_mdkp(problem.profits, problem.weights, problem.capacities,
                                       rounds=1, seed=1, scores=scores, group_size=15)
    problem.check(x)
    assert info["profit"] == problem.evaluate(x) == trace[-1][1]
    assert all(a[1] < b[1] for a, b in zip(trace, trace[1:]))


def test_drop_add_keeps_feasibility_and_never_loses_profit():
    problem = MDKP.random(60, 5, tightness=0.3, seed=3)
    rng = np.random.default_rng(0)
    x = udc_mdkp.greedy_fill(problem.profits, problem.weights, problem.capacities,
                             np.zeros(60, np.int8), rng.permutation(60))
    before = problem.evaluate(x)
    udc_mdkp.drop_add(problem.profits, problem.weights, problem.capacities, x, np.inf)
    problem.check(x)
    assert problem.evaluate(x) > before


def test_a_fixed_seed_and_round_budget_reproduce_the_packing():
    problem = MDKP.random(60, 5, seed=4)
    runs = [udc_mdkp.udc_mdkp(problem.profits, problem.weights, problem.capacities, rounds=2,
                              seed=3, group_size=12)[0] for _ in range(2)]
    assert np.array_equal(*runs)


def _validation_set():
    return [MDKP.random(120, m, tightness=t, seed=900_000_000 + k)
            for k, (m, t) in enumerate([(5, 0.25), (5, 0.5), (10, 0.75), (10, 0.25),
                                        (30, 0.5), (30, 0.75)])]


def test_the_checkpoint_loads_and_its_packings_beat_random_scores():
    def packed(problem, scores):
        x = udc_mdkp.greedy_fill(problem.profits, problem.weights, problem.capacities,
                                 np.zeros(problem.size, np.int8), np.argsort(-scores))
        return problem.evaluate(udc_mdkp.drop_add(problem.profits, problem.weights,
                                                  problem.capacities, x, np.inf))

    problems = _validation_set()
    learned = [packed(p, udc_mdkp.predict_scores(p.profits, p.weights, p.capacities))
               for p in problems]
    random = [packed(p, udc_mdkp.scores_for("random", p.profits, p.weights, p.capacities, 0))
              for p in problems]
    assert all(a > b for a, b in zip(learned, random))


@pytest.mark.parametrize("options,message", [
    ({"rounds": -1}, "rounds"), ({"group_size": 0}, "group_size"),
    ({"scores": "magic"}, "scores"), ({"rounds": None}, "time_limit"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        udc_mdkp.udc_mdkp([1.0, 2.0], [[1.0, 1.0]], [1.0], **{"rounds": 1, **options})
