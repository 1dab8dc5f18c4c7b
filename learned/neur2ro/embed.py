"""The trained loss network as MILP constraints in a MathOpt model (big-M ReLU encoding).

Every ReLU ``h = max(0, a)`` whose pre-activation ``a`` has interval bounds ``[L, U]`` with
``L < 0 < U`` becomes ``h >= a``, ``h <= a - L (1 - s)``, ``h <= U s``, ``0 <= h <= U``,
``s`` binary; a neuron with ``U <= 0`` is the constant 0 and one with ``L >= 0`` is ``a``
itself. The bounds are propagated layer by layer by interval arithmetic from the ranges of the
free inputs, so each big-M is as small as those bounds allow.

Two embeddings, one per problem of the surrogate CCG:

* ``scenario_loss``: ``ξ`` fixed, ``x`` binary variables. The item encoder is evaluated in
  numpy for the fixed ``ξ`` (``a_i = φ(z_i)``), the aggregate ``Σ x_i a_i`` is linear in ``x``,
  and only the value head needs binaries. Bounds of the first head layer:
  ``Σ_i min(0, (W a_i)_j) <= (W e)_j <= Σ_i max(0, (W a_i)_j)`` (exact over x in {0,1}^n).
* ``selection_loss``: ``x`` fixed, ``ξ_i`` continuous in [0, 1] for the selected items. Each
  selected item's first-layer pre-activation is affine in its ``ξ_i``, so its bounds are exact
  at ``ξ_i = 0`` and ``1``; the item encoder and the head are encoded with binaries.

Both return a linear expression for ``loss_scale · (network output)``, the estimated loss
``Δ̂(x, ξ)`` in the problem's units. ``main_problem`` and ``adversarial_problem`` build and
solve the two problems of the surrogate CCG with them (``solvers.algorithms.neur2ro`` runs the
loop; ``learned.neur2ro.data`` replays it to sample the selections the loop visits).

>>> from ortools.math_opt.python import mathopt
>>> from problems import RobustKnapsack
>>> from learned.neur2ro.network import ValueNetwork
>>> net, p = ValueNetwork(seed=0).double(), RobustKnapsack.random(5, seed=2)
>>> model = mathopt.Model()
>>> x = [model.add_variable(lb=1, ub=1, is_integer=True) for _ in range(5)]
>>> model.maximize(scenario_loss(model, net, p, np.zeros(5), x))
>>> result = mathopt.solve(model, mathopt.SolverType.GSCIP)
>>> abs(result.objective_value() - net.loss(p, np.ones(5), np.zeros(5))) < 1e-6
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from ortools.math_opt.python import mathopt

from learned.neur2ro.network import item_constants, item_features, loss_scale


@dataclass(frozen=True)
class Bounded:
    """A linear expression (or a float) with interval bounds on its value."""

    expr: object
    lower: float
    upper: float


def relu(model: mathopt.Model, pre: Bounded, name: str) -> Bounded:
    """``max(0, pre)`` by the big-M encoding with the bounds of ``pre`` (see the module)."""
    if pre.upper <= 0:
        return Bounded(0.0, 0.0, 0.0)
    if pre.lower >= 0:
        return pre
    out = model.add_variable(lb=0.0, ub=pre.upper, name=f"{name}_h")
    active = model.add_binary_variable(name=f"{name}_s")
    model.add_linear_constraint(out >= pre.expr)
    model.add_linear_constraint(out <= pre.expr - pre.lower * (1 - active))
    model.add_linear_constraint(out <= pre.upper * active)
    return Bounded(out, 0.0, pre.upper)


def affine(inputs: list[Bounded], weight: np.ndarray, bias: np.ndarray) -> list[Bounded]:
    """``W h + b`` with interval bounds, one ``Bounded`` per output."""
    lower = np.array([h.lower for h in inputs])
    upper = np.array([h.upper for h in inputs])
    outputs = []
    for row, offset in zip(weight, bias):
        terms = [float(w) * h.expr for w, h in zip(row, inputs)
                 if w != 0 and not (isinstance(h.expr, float) and h.expr == 0.0)]
        expr = mathopt.LinearSum(terms) + float(offset) if terms else float(offset)
        low = float(offset + np.minimum(row * lower, row * upper).sum())
        high = float(offset + np.maximum(row * lower, row * upper).sum())
        outputs.append(Bounded(expr, low, high))
    return outputs


def relu_layer(model, inputs: list[Bounded], weight, bias, name: str) -> list[Bounded]:
    return [relu(model, pre, f"{name}_{j}")
            for j, pre in enumerate(affine(inputs, weight, bias))]


def _head(model, network, first_pre: list[Bounded], problem, name: str):
    """``loss_scale · ρ`` from the first head layer's pre-activations."""
    hidden = [relu(model, a, f"{name}_head0_{j}") for j, a in enumerate(first_pre)]
    layers = network.weights()[len(network.item_layers) + 1:]
    for depth, (weight, bias) in enumerate(layers[:-1], start=1):
        hidden = relu_layer(model, hidden, weight, bias, f"{name}_head{depth}")
    (out,) = affine(hidden, *layers[-1])
    return loss_scale(problem) * out.expr


def item_embeddings(network, problem, xi: np.ndarray) -> np.ndarray:
    """``φ(z_i(ξ_i))`` for every item, shape (n, width), in float64 numpy."""
    hidden = item_features(item_constants(problem), np.asarray(xi, dtype=float))
    for weight, bias in network.weights()[:len(network.item_layers)]:
        hidden = np.maximum(hidden @ weight.T + bias, 0.0)
    return hidden


def scenario_loss(model: mathopt.Model, network, problem, xi, x_vars, name: str = "v"):
    """``Δ̂(x, ξ)`` for a fixed scenario ``ξ`` and binary variables ``x_vars``."""
    embeddings = item_embeddings(network, problem, xi)
    first_weight, first_bias = network.weights()[len(network.item_layers)]
    contributions = embeddings @ first_weight.T
    pre = []
    for j in range(first_weight.shape[0]):
        column = contributions[:, j]
        terms = [float(c) * x for c, x in zip(column, x_vars) if c != 0]
        expr = (mathopt.LinearSum(terms) if terms else 0.0) + float(first_bias[j])
        pre.append(Bounded(expr, float(first_bias[j] + np.minimum(column, 0).sum()),
                           float(first_bias[j] + np.maximum(column, 0).sum())))
    return _head(model, network, pre, problem, name)


def selection_loss(model: mathopt.Model, network, problem, x, xi_vars, name: str = "a"):
    """``Δ̂(x, ξ)`` for a fixed selection ``x`` and ``ξ`` variables ``xi_vars`` (one
    per item in [0, 1]; those of unselected items are not used)."""
    constants = item_constants(problem)
    item_layers = network.weights()[:len(network.item_layers)]
    aggregate = None
    for i in np.flatnonzero(np.asarray(x) > 0.5):
        at_zero = item_features(constants[i], np.array(0.0))
        slope = item_features(constants[i], np.array(1.0)) - at_zero
        weight, bias = item_layers[0]
        offset, gain = weight @ at_zero + bias, weight @ slope
        pre = [Bounded(float(o) + float(g) * xi_vars[i] if g != 0 else float(o),
                       float(min(o, o + g)), float(max(o, o + g))) for o, g in zip(offset, gain)]
        hidden = [relu(model, a, f"{name}_item{i}_0_{j}") for j, a in enumerate(pre)]
        for depth, (weight, bias) in enumerate(item_layers[1:], start=1):
            hidden = relu_layer(model, hidden, weight, bias, f"{name}_item{i}_{depth}")
        aggregate = hidden if aggregate is None else [
            Bounded(a.expr + h.expr, a.lower + h.lower, a.upper + h.upper)
            for a, h in zip(aggregate, hidden)]
    if aggregate is None:  # nothing selected: the head at the zero aggregate, like torch
        aggregate = [Bounded(0.0, 0.0, 0.0)] * item_layers[-1][0].shape[0]
    return _head(model, network, affine(aggregate, *network.weights()[len(item_layers)]),
                 problem, name)


# Relative gap at which SCIP stops on the two surrogate problems: the network's own error on
# ``Q`` (0.4 % mean on validation) makes a tighter surrogate optimum meaningless, and closing
# the last 0.1 % is where most of the branch-and-bound time went.
MILP_GAP = 1e-3


def _parameters(seed: int, seconds: float, absolute_gap: float = 0.0,
                node_limit: int | None = None) -> mathopt.SolveParameters:
    return mathopt.SolveParameters(time_limit=timedelta(seconds=seconds), random_seed=seed,
                                   threads=1, relative_gap_tolerance=MILP_GAP,
                                   absolute_gap_tolerance=absolute_gap, node_limit=node_limit)


def main_problem(problem, network, scenarios, hint_x, seed: int, seconds: float,
                 node_limit: int | None = None):
    """``(x, surrogate bound)`` of ``max (p̄ - f) x + f y⁰ - η``, ``y⁰ <= x``, ``c y⁰ <= C``,
    ``η >= Δ̂(x, ξ^k)`` for each scenario, ``η >= 0`` (MathOpt/SCIP; see
    ``solvers.algorithms.neur2ro``), or None when no time is left or nothing was found in it.
    ``network`` None or no scenarios: the nominal problem. ``node_limit`` caps SCIP's
    branch-and-bound nodes (an effort limit that, unlike the time, does not depend on the
    machine's load; the incumbent and the dual bound at the limit are returned)."""
    if seconds <= 0.05:
        return None
    n = problem.size
    model = mathopt.Model(name="neur2ro_main")
    x_vars = [model.add_binary_variable(name=f"x{i}") for i in range(n)]
    y_vars = [model.add_binary_variable(name=f"y{i}") for i in range(n)]
    for x_var, y_var in zip(x_vars, y_vars):
        model.add_linear_constraint(y_var <= x_var)
    model.add_linear_constraint(mathopt.LinearSum(float(c) * y for c, y in
                                                  zip(problem.weight, y_vars))
                                <= float(problem.capacity))
    eta = model.add_variable(lb=0.0, name="eta")
    for k, xi in enumerate(scenarios if network is not None else []):
        model.add_linear_constraint(
            eta >= scenario_loss(model, network, problem, xi, x_vars, name=f"v{k}"))
    model.maximize(mathopt.LinearSum(float(c) * v for c, v in
                                     zip(problem.profit - problem.outsourcing_cost, x_vars))
                   + mathopt.LinearSum(float(f) * y for f, y in
                                       zip(problem.outsourcing_cost, y_vars)) - eta)
    hint = mathopt.SolutionHint(variable_values={v: float(h) for v, h in zip(x_vars, hint_x)})
    result = mathopt.solve(model, mathopt.SolverType.GSCIP,
                           params=_parameters(seed, seconds, node_limit=node_limit),
                           model_params=mathopt.ModelSolveParameters(solution_hints=[hint]))
    if not result.has_primal_feasible_solution():
        return None
    x = np.rint([result.variable_values(v) for v in x_vars])
    return x, float(result.termination.objective_bounds.dual_bound)


def adversarial_problem(problem, network, x, seed: int, seconds: float):
    """``(ξ, Δ̂(x, ξ))`` maximising the embedded loss over Ξ for a fixed ``x`` (MathOpt/SCIP),
    or None when no time is left or nothing was found in it."""
    if seconds <= 0.05:
        return None
    n = problem.size
    if not np.any(np.asarray(x) > 0.5):
        return np.zeros(n), network.loss(problem, x, np.zeros(n))
    model = mathopt.Model(name="neur2ro_adversary")
    xi_vars = [model.add_variable(lb=0.0, ub=1.0 if x[i] > 0.5 else 0.0, name=f"xi{i}")
               for i in range(n)]
    model.add_linear_constraint(mathopt.LinearSum(xi_vars) <= problem.budget)
    model.maximize(selection_loss(model, network, problem, x, xi_vars))
    # the loss is a few % of Q: a gap relative to the loss alone would be needlessly tight
    params = _parameters(seed, seconds, absolute_gap=MILP_GAP * float(
        problem.outsourcing_cost @ np.asarray(x, dtype=float)))
    result = mathopt.solve(model, mathopt.SolverType.GSCIP, params=params)
    if not result.has_primal_feasible_solution():
        return None
    xi = np.clip([result.variable_values(v) for v in xi_vars], 0.0, 1.0)
    if xi.sum() > problem.budget:
        xi *= problem.budget / xi.sum()
    return xi, network.loss(problem, x, xi)
