import numpy as np
import pytest
import torch
from ortools.math_opt.python import mathopt

from learned.neur2ro.data import generate, random_scenario
from learned.neur2ro.embed import scenario_value, selection_value
from learned.neur2ro.network import CHECKPOINT, ValueNetwork, load_value_network, value_scale
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
        model.maximize(scenario_value(model, network, problem, xi, x_vars))
    else:
        xi_vars = [model.add_variable(lb=v, ub=v) for v in xi]
        model.minimize(selection_value(model, network, problem, x, xi_vars))
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
            for _ in range(3):
                x = (rng.random(n) < 0.6).astype(float)
                xi = random_scenario(rng, x, p.budget)
                expected = network.value(p, x, xi) / value_scale(p)
                got = embedded_value(network, p, x, xi, fixed) / value_scale(p)
                assert got == pytest.approx(expected, abs=1e-6), label


def test_adversarial_embedding_finds_the_network_minimum_over_a_grid():
    # two selected items, budget 1: the MILP minimum is below every grid point's value
    network = ValueNetwork(seed=2).double().eval()
    p = RobustKnapsack.random(4, "UN", budget_factor=0.25, seed=4)
    x = np.array([1.0, 1.0, 0.0, 0.0])
    model = mathopt.Model()
    xi_vars = [model.add_variable(lb=0, ub=1.0 if v else 0.0) for v in x]
    model.add_linear_constraint(mathopt.LinearSum(xi_vars) <= p.budget)
    model.minimize(selection_value(model, network, p, x, xi_vars))
    result = mathopt.solve(model, mathopt.SolverType.GSCIP)
    grid = [network.value(p, x, [a, b, 0, 0]) for a in np.linspace(0, 1, 21)
            for b in np.linspace(0, 1, 21) if a + b <= p.budget + 1e-12]
    assert result.objective_value() <= min(grid) + 1e-6


def test_scenario_on_unselected_items_does_not_change_the_value():
    p = RobustKnapsack.random(5, seed=0)
    x = np.array([1.0, 0.0, 1.0, 0.0, 0.0])
    for _, network in networks():
        assert network.value(p, x, [0.2, 0.0, 0.3, 0.0, 0.0]) == \
            network.value(p, x, [0.2, 1.0, 0.3, 0.0, 0.0])


def test_shipped_checkpoint_loads_with_its_validation_record():
    if not CHECKPOINT.is_file():
        pytest.skip("no shipped checkpoint")
    assert CHECKPOINT.stat().st_size < 1_000_000
    network = load_value_network()
    state = torch.load(CHECKPOINT, weights_only=True)
    assert state["validation"]["valid_rel_err_mean"] < 0.05
    p = RobustKnapsack.random(20, "WC", seed=11)
    x = np.ones(20)
    assert np.isfinite(network.value(p, x, np.zeros(20)))


def test_samples_are_labelled_with_the_exact_second_stage_optimum():
    samples = generate(2, decisions=2, scenarios=2, seed=4, sizes=(20,))
    rng = np.random.default_rng(4)
    # replay the generator's draws for the first instance to recover it
    from learned.neur2ro.data import random_instance
    p = random_instance(rng, (20,))
    features, selection = samples["features"][0], samples["selection"][0]
    xi = features[:, 4].astype(float)
    assert p.scenario(xi) is not None
    label = p.recourse_values(selection, [xi])[0] / value_scale(p)
    assert samples["target"][0] == pytest.approx(label, rel=1e-6)


def test_training_is_reproducible_from_the_seed():
    rng = np.random.default_rng(1)
    tensors = {"features": torch.as_tensor(rng.random((16, 20, 6)), dtype=torch.float32),
               "selection": torch.as_tensor(rng.random((16, 20)) < 0.5, dtype=torch.float32),
               "target": torch.as_tensor(rng.random(16), dtype=torch.float32)}
    quiet = lambda line: None  # noqa: E731
    first, _ = fit(tensors, tensors, epochs=2, seed=7, log=quiet)
    second, _ = fit(tensors, tensors, epochs=2, seed=7, log=quiet)
    for a, b in zip(first.parameters(), second.parameters()):
        assert torch.equal(a, b)
