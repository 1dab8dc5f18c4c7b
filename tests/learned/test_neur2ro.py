import numpy as np
import pytest
import torch
from ortools.math_opt.python import mathopt

from learned.neur2ro.data import attack_scenario, generate, generate_visited
from learned.neur2ro.embed import scenario_loss, selection_loss
from learned.neur2ro.network import CHECKPOINT, ValueNetwork, load_value_network, loss_scale
from learned.neur2ro.train import fit
from problems import RobustKnapsack


def networks():
    yield "untrained", ValueNetwork(seed=5).double().eval()
    if CHECKPOINT.is_file():
        yield "trained", load_value_network()


def embedded_value(network, problem, x, xi, fixed: str) -> float:
    """The MILP's optimum with both x and ξ fixed: the embedding evaluated by SCIP."""
    model = mathopt.Model()
    if fixed == "scenario":
        x_vars = [model.add_variable(lb=v, ub=v, is_integer=True) for v in x]
        model.maximize(scenario_loss(model, network, problem, xi, x_vars))
    else:
        xi_vars = [model.add_variable(lb=v, ub=v) for v in xi]
        model.minimize(selection_loss(model, network, problem, x, xi_vars))
    params = mathopt.SolveParameters(threads=1, relative_gap_tolerance=0,
                                     absolute_gap_tolerance=0)
    result = mathopt.solve(model, mathopt.SolverType.GSCIP, params=params)
    assert result.termination.reason == mathopt.TerminationReason.OPTIMAL
    return result.objective_value()


@pytest.mark.parametrize("fixed", ["scenario", "selection"])
def test_embedded_network_reproduces_the_torch_network(fixed):
    rng = np.random.default_rng(3)
    for label, network in networks():
        for n in (7, 25):
            p = RobustKnapsack.random(n, "ASC", h=40, delta=0.5, budget_factor=0.2, seed=n)
            for keep in (0.6, 0.6, 0.6, 0.0):  # the last: nothing selected, the head at 0
                x = (rng.random(n) < keep).astype(float)
                xi = attack_scenario(rng, p, x)
                expected = network.loss(p, x, xi) / loss_scale(p)
                got = embedded_value(network, p, x, xi, fixed) / loss_scale(p)
                assert got == pytest.approx(expected, abs=1e-6), label


def test_adversarial_embedding_finds_the_network_maximum_over_a_grid():
    # two selected items, budget 1: the MILP maximum is above every grid point's value
    network = ValueNetwork(seed=2).double().eval()
    p = RobustKnapsack.random(4, "UN", budget_factor=0.25, seed=4)
    x = np.array([1.0, 1.0, 0.0, 0.0])
    model = mathopt.Model()
    xi_vars = [model.add_variable(lb=0, ub=1.0 if v else 0.0) for v in x]
    model.add_linear_constraint(mathopt.LinearSum(xi_vars) <= p.budget)
    model.maximize(selection_loss(model, network, p, x, xi_vars))
    result = mathopt.solve(model, mathopt.SolverType.GSCIP)
    grid = [network.loss(p, x, [a, b, 0, 0]) for a in np.linspace(0, 1, 21)
            for b in np.linspace(0, 1, 21) if a + b <= p.budget + 1e-12]
    assert result.objective_value() >= max(grid) - 1e-6


def test_scenario_on_unselected_items_does_not_change_the_value():
    p = RobustKnapsack.random(5, seed=0)
    x = np.array([1.0, 0.0, 1.0, 0.0, 0.0])
    for _, network in networks():
        assert network.loss(p, x, [0.2, 0.0, 0.3, 0.0, 0.0]) == \
            network.loss(p, x, [0.2, 1.0, 0.3, 0.0, 0.0])


def test_shipped_checkpoint_loads_with_its_validation_record():
    if not CHECKPOINT.is_file():
        pytest.skip("no shipped checkpoint")
    assert CHECKPOINT.stat().st_size < 1_000_000
    network = load_value_network()
    state = torch.load(CHECKPOINT, weights_only=True)
    assert state["validation"]["valid_rel_err_mean"] < 0.05
    assert state["validation"]["valid_loss_err"] < 0.5
    # a trained loss grows with the damage: a full-budget attack costs more than none
    p = RobustKnapsack.random(40, "WC", h=40, delta=1.0, budget_factor=0.2, seed=11)
    x = np.zeros(40)
    x[:15] = 1
    attack = np.zeros(40)
    attack[np.argsort(-p.degradation[:15])[:8]] = 1.0
    assert network.loss(p, x, attack) > network.loss(p, x, np.zeros(40)) + 0.01 * x @ p.profit


def test_samples_are_labelled_with_the_exact_second_stage_loss():
    samples = generate(2, decisions=2, scenarios=2, seed=4, sizes=(20,))
    # replay the generator's draws for the first instance to recover it
    from learned.neur2ro.data import random_instance
    p = random_instance(np.random.default_rng([4, 0]), (20,))
    for row in range(4):
        features, selection = samples["features"][row], samples["selection"][row]
        xi = np.clip(features[:, 4].astype(float) / np.maximum(features[:, 1], 1e-12), 0, 1)
        xi *= min(1.0, p.budget / max(xi.sum(), 1e-12))  # float32 features: undo rounding
        nominal, value = p.recourse_values(selection, [np.zeros(20), p.scenario(xi)])
        scale = loss_scale(p)
        assert samples["nominal"][row] == pytest.approx(nominal / scale, rel=1e-5)
        assert samples["target"][row] == pytest.approx((nominal - value) / scale,
                                                       rel=1e-4, abs=1e-4)


def test_dagger_samples_are_the_selections_the_loop_visits_with_exact_losses():
    network = ValueNetwork(seed=1).double().eval()
    samples = generate_visited(network, 1, iterations=1, scenarios=2, seed=3, sizes=(20,))
    # one main problem (no scenario stored yet: the nominal optimum), its adversarial scenario
    # and two attacks, each labelled with a loss in [0, Q(x, 0)]
    assert samples["target"].shape == (3,)
    assert np.all(samples["target"] >= -1e-6)
    assert np.all(samples["target"] <= samples["nominal"] + 1e-4)
    assert len({row.tobytes() for row in samples["selection"]}) == 1


def test_samples_do_not_depend_on_the_number_of_workers():
    one = generate(2, decisions=1, scenarios=2, seed=6, sizes=(20,))
    two = generate(2, decisions=1, scenarios=2, seed=6, sizes=(20,), workers=2)
    for key in one:
        assert np.array_equal(one[key], two[key]), key


def test_training_is_reproducible_from_the_seed():
    rng = np.random.default_rng(1)
    tensors = {"features": torch.as_tensor(rng.random((16, 20, 6)), dtype=torch.float32),
               "selection": torch.as_tensor(rng.random((16, 20)) < 0.5, dtype=torch.float32),
               "target": torch.as_tensor(rng.random(16), dtype=torch.float32),
               "nominal": torch.as_tensor(1 + rng.random(16), dtype=torch.float32)}
    quiet = lambda line: None  # noqa: E731
    first, _ = fit(tensors, tensors, epochs=2, seed=7, log=quiet)
    second, _ = fit(tensors, tensors, epochs=2, seed=7, log=quiet)
    for a, b in zip(first.parameters(), second.parameters()):
        assert torch.equal(a, b)
