"""``method="neur2ro"``: column-and-constraint generation on a learned second stage (Neur2RO).

For ``problems.RobustKnapsack``, with the value network ``V(x, ξ) ≈ Q(x, ξ)`` of
``learned.neur2ro`` embedded as a MILP (``learned.neur2ro.embed``):

1. Main problem (MathOpt/SCIP): ``max (p̄ - f) x + θ`` with ``θ <= V(x, ξ^k)`` for every stored
   scenario ``ξ^k`` (one copy of the embedded value head per scenario; the item layer is
   linear in ``x`` for a fixed ``ξ``). Its optimum is the *surrogate bound*.
2. Adversarial problem: ``min_{ξ in Ξ} V(x*, ξ)`` for the main problem's ``x*`` (the item
   encoder and the head embedded over ``ξ``). ``first stage + this`` is the surrogate value
   of ``x*``.
3. Stop when the surrogate gap closes (``bound - value <= gap · max(1, |value|)``), when the
   adversary's scenario is already stored (``repeated_scenario``), at ``max_iterations`` or
   when the loop's time share runs out; else store the scenario and repeat.

Scenario selection: the stored scenario with the lowest ``V(x*, ξ)`` is reported as
``info["selected_scenario"]``, and the adversary's scenario replaces nothing (every stored
scenario keeps its copy). The final ``x*`` is then priced *exactly* by
``problem.worst_case`` with the time left, and so are (while time is left) up to
``price_candidates - 1`` earlier candidates of the loop, latest first; the best exact value
is returned: ``info["exact_value"]``. Nothing here is proved
optimal (the status is ``"feasible"``); ``certify=True`` also solves the exact CCG main problem
(``solvers.algorithms.ccg``) over the surrogate's scenarios, whose dual bound is a valid upper bound on the
robust optimum (``info["exact_upper_bound"]``).

``surrogate`` chooses the second stage: ``"trained"`` (the shipped checkpoint), ``"untrained"``
(the same network at its seeded random initialisation: the ablation that shows what training
buys) or ``"nominal"`` (the exact recourse at ``ξ = 0``, a non-learned surrogate that ignores
the uncertainty: one main problem, the nominal optimum).
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

import numpy as np
from ortools.math_opt.python import mathopt

from solvers.result import Answer

DEFAULT_TIME_LIMIT = 60.0
SURROGATES = ("trained", "untrained", "nominal")
# Share of the time limit the surrogate loop may use; the rest is kept for the exact pricing.
LOOP_SHARE = 0.7


def solve_neur2ro(problem, *, time_limit: float | None = None, seed: int = 0,
                  surrogate: str = "trained", max_iterations: int = 50, gap: float = 1e-4,
                  price_candidates: int = 5, certify: bool = False) -> Answer:
    """Neur2RO's surrogate CCG on a ``RobustKnapsack``, the final ``x`` priced exactly.

    Parameters
    ----------
    problem : RobustKnapsack
    time_limit : seconds for the whole call (default 60): the loop uses at most 70 %, the exact
        pricing (and ``certify``) the rest.
    seed : random seed of the MILP solver (and of the untrained network).
    surrogate : ``"trained"``, ``"untrained"`` or ``"nominal"`` (see the module).
    max_iterations : most main problems solved.
    gap : relative surrogate gap at which to stop.
    price_candidates : how many of the loop's distinct candidates ``x`` are priced exactly (the
        final one first, then the latest others, while time is left); the best is returned.
    certify : also compute a valid upper bound with the exact main problem.

    Returns
    -------
    Answer
        ``solution`` the final ``x``; ``info`` with ``iterations``, ``scenarios``,
        ``surrogate_bound``, ``surrogate_value``, ``exact_value``, ``stopped`` (why the loop
        ended), ``selected_scenario``, the time of each part and ``time_s``.

    Examples
    --------
    >>> from problems import RobustKnapsack
    >>> p = RobustKnapsack.random(8, "UN", seed=1)
    >>> answer = solve_neur2ro(p, time_limit=30)
    >>> answer.info["exact_value"] == p.evaluate(answer.solution)
    True
    """
    if type(problem).__name__ != "RobustKnapsack":
        raise ValueError(f"neur2ro solves RobustKnapsack, got {type(problem).__name__}")
    if surrogate not in SURROGATES:
        raise ValueError(f"neur2ro: unknown surrogate {surrogate!r}; choose one of "
                         f"{', '.join(SURROGATES)}")
    if not (isinstance(max_iterations, int) and not isinstance(max_iterations, bool)
            and max_iterations >= 1):
        raise ValueError(f"neur2ro: max_iterations must be a positive integer, "
                         f"got {max_iterations!r}")
    if not (isinstance(gap, (int, float)) and math.isfinite(gap) and gap >= 0):
        raise ValueError(f"neur2ro: gap must be a non-negative number, got {gap!r}")
    if not (isinstance(price_candidates, int) and not isinstance(price_candidates, bool)
            and price_candidates >= 1):
        raise ValueError(f"neur2ro: price_candidates must be a positive integer, "
                         f"got {price_candidates!r}")
    start = time.perf_counter()
    limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    deadline = start + limit
    loop_deadline = start + LOOP_SHARE * limit
    network = _network(surrogate, seed)
    n = problem.size
    first_stage = problem.profit - problem.outsourcing_cost
    scenarios = [np.zeros(n)]
    candidates: list[np.ndarray] = []
    x = np.zeros(n)
    bound, value = math.inf, -math.inf
    iterations, stopped = 0, "max_iterations"
    main_time = adversary_time = 0.0
    while iterations < max_iterations:
        tick = time.perf_counter()
        solved = _main(problem, network, scenarios, x, seed, loop_deadline - tick)
        main_time += time.perf_counter() - tick
        if solved is None:
            stopped = "time_limit"
            break
        x, bound = solved
        iterations += 1
        candidates.append(np.rint(x).astype(np.int8))
        if network is None:
            value, stopped = bound, "nominal_surrogate"
            break
        tick = time.perf_counter()
        attacked = _adversary(problem, network, x, seed, loop_deadline - tick)
        adversary_time += time.perf_counter() - tick
        if attacked is None:
            stopped = "time_limit"
            break
        xi, second_stage = attacked
        value = float(first_stage @ x) + second_stage
        if bound - value <= gap * max(1.0, abs(value)):
            stopped = "surrogate_gap_closed"
            break
        if any(np.allclose(xi, known, atol=1e-6) for known in scenarios):
            stopped = "repeated_scenario"
            break
        scenarios.append(xi)
    solution = np.rint(x).astype(np.int8)
    info = {"surrogate": surrogate, "iterations": iterations, "scenarios": len(scenarios),
            "surrogate_bound": bound, "surrogate_value": value, "stopped": stopped,
            "main_time_s": main_time, "adversary_time_s": adversary_time}
    tick = time.perf_counter()
    exact, priced = None, 0
    for candidate in _latest_first(candidates, solution)[:price_candidates]:
        try:
            candidate_value, worst = problem.worst_case(candidate,
                                                        time_limit=deadline - time.perf_counter())
        except TimeoutError:
            break
        priced += 1
        if exact is None or candidate_value > exact:
            exact, solution = candidate_value, candidate
            info.update(exact_value=exact, claimed_objective=exact, worst_case=worst.tolist())
    info["exact_value"] = exact
    info["candidates_priced"] = priced
    if network is not None:
        values = [network.value(problem, solution, xi) for xi in scenarios]
        info["selected_scenario"] = scenarios[int(np.argmin(values))].tolist()
    info["pricing_time_s"] = time.perf_counter() - tick
    if certify and exact is not None:
        info["exact_upper_bound"] = _exact_upper_bound(problem, scenarios, solution, seed,
                                                       deadline - time.perf_counter())
    info["time_s"] = time.perf_counter() - start
    trace = ((info["time_s"], info["exact_value"]),) if info["exact_value"] is not None else ()
    return Answer(solution=solution, status="feasible", trace=trace, info=info)


def _latest_first(candidates: list[np.ndarray], final: np.ndarray) -> list[np.ndarray]:
    """The distinct candidates, the final one first, then the others from the latest back."""
    ordered, seen = [], set()
    for x in [final] + candidates[::-1]:
        if x.tobytes() not in seen:
            seen.add(x.tobytes())
            ordered.append(x)
    return ordered


def _network(surrogate: str, seed: int):
    """The value network in float64 (None for the nominal surrogate)."""
    from learned.neur2ro.network import ValueNetwork, load_value_network

    if surrogate == "nominal":
        return None
    if surrogate == "untrained":
        return ValueNetwork(seed=seed).double().eval()
    return load_value_network()


def _parameters(seed: int, seconds: float) -> mathopt.SolveParameters:
    return mathopt.SolveParameters(time_limit=timedelta(seconds=seconds), random_seed=seed,
                                   threads=1, relative_gap_tolerance=1e-6)


def _main(problem, network, scenarios, hint_x, seed: int, seconds: float):
    """``(x, surrogate bound)`` of the main problem, or None when no time is left or the
    solver found nothing in it."""
    from learned.neur2ro.embed import scenario_value
    from solvers.algorithms.milp import build_model

    if seconds <= 0.05:
        return None
    n = problem.size
    if network is None:
        milp = problem.to_milp([np.zeros(n)])
        model, variables = build_model(milp)
        x_vars = variables[:n]
    else:
        model = mathopt.Model(name="neur2ro_main")
        x_vars = [model.add_binary_variable(name=f"x{i}") for i in range(n)]
        theta = model.add_variable(lb=0.0, ub=float(problem.outsourcing_cost.sum()),
                                   name="theta")
        for k, xi in enumerate(scenarios):
            model.add_linear_constraint(
                theta <= scenario_value(model, network, problem, xi, x_vars, name=f"v{k}"))
        model.maximize(mathopt.LinearSum(float(c) * v for c, v in
                                         zip(problem.profit - problem.outsourcing_cost, x_vars))
                       + theta)
    hint = mathopt.SolutionHint(variable_values={v: float(h) for v, h in zip(x_vars, hint_x)})
    result = mathopt.solve(model, mathopt.SolverType.GSCIP, params=_parameters(seed, seconds),
                           model_params=mathopt.ModelSolveParameters(solution_hints=[hint]))
    if not result.has_primal_feasible_solution():
        return None
    x = np.rint([result.variable_values(v) for v in x_vars])
    return x, float(result.termination.objective_bounds.dual_bound)


def _adversary(problem, network, x, seed: int, seconds: float):
    """``(ξ, V(x, ξ))`` minimising the embedded network over Ξ, or None without a solution."""
    from learned.neur2ro.embed import selection_value

    if seconds <= 0.05:
        return None
    n = problem.size
    if not np.any(x > 0.5):
        return np.zeros(n), 0.0
    model = mathopt.Model(name="neur2ro_adversary")
    xi_vars = [model.add_variable(lb=0.0, ub=1.0 if x[i] > 0.5 else 0.0, name=f"xi{i}")
               for i in range(n)]
    model.add_linear_constraint(mathopt.LinearSum(xi_vars) <= problem.budget)
    model.minimize(selection_value(model, network, problem, x, xi_vars))
    result = mathopt.solve(model, mathopt.SolverType.GSCIP, params=_parameters(seed, seconds))
    if not result.has_primal_feasible_solution():
        return None
    xi = np.clip([result.variable_values(v) for v in xi_vars], 0.0, 1.0)
    if xi.sum() > problem.budget:
        xi *= problem.budget / xi.sum()
    return xi, network.value(problem, x, xi)


def _exact_upper_bound(problem, scenarios, hint_x, seed: int, seconds: float) -> float | None:
    """The dual bound of the exact CCG main problem over ``scenarios`` (None without time)."""
    from solvers.algorithms.ccg import _solve_main

    if seconds <= 0.05:
        return None
    _, bound = _solve_main(problem, scenarios, hint_x, "scip", seed, seconds)
    return bound if math.isfinite(bound) else None
