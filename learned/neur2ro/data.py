"""Training samples for the Neur2RO loss network: (instance, x, ξ) with the exact
``Δ(x, ξ) = Q(x, 0) - Q(x, ξ)``.

Instances follow the benchmark's published generator rules (``RobustKnapsack.random``:
n in 20…80, the four correlation types, h in {40, 80}, δ in {0.1, 0.5, 1}, Γ-factor in
{0.1, 0.15, 0.2}) with seeds of their own; the benchmark files are never read. Instance ``k``
of seed ``s`` draws everything from ``numpy.random.default_rng([s, k])``, so the samples do not
depend on how many worker processes label them.

Where the samples lie matters more than how many there are: the surrogate CCG's main problem
visits selections close to good knapsack solutions and pushes towards the ones where the
network under-estimates the loss. A first version drew ``x`` uniformly (each item kept with a
probability in [0.1, 0.9]); on the selections the CCG then chose (near-full or over-full
knapsacks) its value network was 10–15 % off. So most decisions here are *good* ones:

* ``near_good_selection``: the optimum of a perturbed nominal knapsack ``max (p̄ - λ p̂) x``
  s.t. ``c x <= κ C`` (λ in [0, 0.6]: robust-minded profits; κ in [0.75, 1.15]: room left for
  repairs, or items kept in reserve beyond the capacity), solved by SCIP, then 0–3 random
  flips; a quarter of the decisions are uniform random selections, for coverage.
* ``attack_scenario``: ξ in Ξ that spends the whole budget (most of the time) on selected
  items picked with probability growing with ``p̂``, split fractionally over 1 to 3Γ + 1
  items (the worst cases of this problem are fractional and spread), clipped to [0, 1].

Labels: ``problem.recourse_values`` (MathOpt/SCIP, zero gap) at ``ξ = 0`` and at each ξ.

``generate_visited`` adds a DAgger round: it replays the surrogate CCG with a trained network
(``embed.main_problem`` / ``embed.adversarial_problem``) on fresh instances and labels the
selections the loop *visits*, with the loop's own adversarial scenarios and a few attacks, so
the next network is trained where the loop goes.

>>> samples = generate(2, decisions=1, scenarios=2, seed=0, sizes=(20,))
>>> samples["features"].shape, samples["selection"].shape, samples["target"].shape
((4, 20, 6), (4, 20), (4,))
>>> bool(np.all(samples["target"] >= -1e-9))
True
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np

from learned.neur2ro.network import item_constants, item_features, loss_scale
from problems import RobustKnapsack
from problems.robust_knapsack import CORRELATIONS

SIZES = (20, 30, 40, 50, 60, 70, 80)
H_VALUES = (40, 80)
DELTAS = (0.1, 0.5, 1.0)
BUDGET_FACTORS = (0.1, 0.15, 0.2)
RANDOM_SELECTION_SHARE = 0.25


def random_instance(rng: np.random.Generator, sizes=SIZES) -> RobustKnapsack:
    """An instance drawn from the generator grid with a fresh seed."""
    return RobustKnapsack.random(int(rng.choice(sizes)), str(rng.choice(CORRELATIONS)),
                                 h=int(rng.choice(H_VALUES)), delta=float(rng.choice(DELTAS)),
                                 budget_factor=float(rng.choice(BUDGET_FACTORS)),
                                 seed=int(rng.integers(2**31)))


def random_selection(rng: np.random.Generator, n: int) -> np.ndarray:
    """``x`` with each item kept with a probability drawn from U[0.1, 0.9]."""
    return (rng.random(n) < rng.uniform(0.1, 0.9)).astype(float)


def knapsack(profit: np.ndarray, weight: np.ndarray, capacity: float) -> np.ndarray:
    """``argmax profit · x`` s.t. ``weight · x <= capacity``, x binary (MathOpt, SCIP)."""
    from ortools.math_opt.python import mathopt

    model = mathopt.Model(name="knapsack")
    x = [model.add_binary_variable() for _ in profit]
    model.add_linear_constraint(mathopt.LinearSum(float(w) * v for w, v in zip(weight, x))
                                <= float(capacity))
    model.maximize(mathopt.LinearSum(float(p) * v for p, v in zip(profit, x)))
    result = mathopt.solve(model, mathopt.SolverType.GSCIP,
                           params=mathopt.SolveParameters(threads=1, random_seed=0))
    return np.rint([result.variable_values(v) for v in x])


def near_good_selection(rng: np.random.Generator, problem: RobustKnapsack) -> np.ndarray:
    """A perturbed nominal knapsack optimum with 0–3 random flips (see the module)."""
    lam, kappa = rng.uniform(0.0, 0.6), rng.uniform(0.75, 1.15)
    x = knapsack(problem.profit - lam * problem.degradation, problem.weight,
                 kappa * problem.capacity)
    flips = rng.choice(problem.size, size=int(rng.integers(0, 4)), replace=False)
    x[flips] = 1.0 - x[flips]
    return x


def attack_scenario(rng: np.random.Generator, problem: RobustKnapsack,
                    x: np.ndarray) -> np.ndarray:
    """ξ in Ξ aimed at the selected items with large ``p̂`` (see the module); 5 % are 0."""
    n, budget = problem.size, problem.budget
    xi = np.zeros(n)
    if budget <= 0 or rng.random() < 0.05:
        return xi
    spend = budget if rng.random() < 0.75 else rng.uniform(0, budget)
    pool = np.flatnonzero(x) if x.any() and rng.random() < 0.9 else np.arange(n)
    size = int(rng.integers(1, min(pool.size, int(3 * budget) + 1) + 1))
    appeal = problem.degradation[pool] ** rng.uniform(0.0, 3.0)
    support = rng.choice(pool, size=size, replace=False, p=appeal / appeal.sum())
    xi[support] = np.minimum(rng.dirichlet(np.full(size, rng.uniform(0.3, 3.0))) * spend, 1.0)
    return xi


def instance_samples(seed: int, k: int, decisions: int, scenarios: int, sizes=SIZES
                     ) -> tuple[list, list, list, list]:
    """Features (n, 6), selections, targets ``Δ / loss_scale`` and ``Q(x, 0) / loss_scale``
    of instance ``k``."""
    rng = np.random.default_rng([seed, k])
    problem = random_instance(rng, sizes)
    n, constants, scale = problem.size, item_constants(problem), loss_scale(problem)
    samples = ([], [], [], [])
    for _ in range(decisions):
        x = random_selection(rng, n) if rng.random() < RANDOM_SELECTION_SHARE \
            else near_good_selection(rng, problem)
        xis = [attack_scenario(rng, problem, x) for _ in range(scenarios)]
        _label(problem, constants, scale, x, xis, samples)
    return samples


def visited_samples(network, seed: int, k: int, iterations: int, scenarios: int, sizes=SIZES,
                    seconds: float = 60.0) -> tuple[list, list, list, list]:
    """Like ``instance_samples`` for the selections the surrogate CCG with ``network`` visits
    on instance ``k`` (draws from ``default_rng([seed, k, 1])``, a stream of its own): each is
    labelled at every adversarial scenario of the loop and ``scenarios`` ``attack_scenario``s.
    Each MILP gets ``seconds`` (they normally finish well within; then the samples depend on
    the seed only)."""
    from learned.neur2ro.embed import adversarial_problem, main_problem

    rng = np.random.default_rng([seed, k, 1])
    problem = random_instance(rng, sizes)
    n, constants, scale = problem.size, item_constants(problem), loss_scale(problem)
    stored: list[np.ndarray] = []
    visited: list[np.ndarray] = []
    x = np.zeros(n)
    for _ in range(iterations):
        solved = main_problem(problem, network, stored, x, 0, seconds)
        if solved is None:
            break
        x = solved[0]
        if not any(np.array_equal(x, seen) for seen in visited):
            visited.append(x)
        attacked = adversarial_problem(problem, network, x, 0, seconds)
        if attacked is None or any(np.allclose(attacked[0], xi, atol=1e-6) for xi in stored):
            break
        stored.append(attacked[0])
    samples = ([], [], [], [])
    for x in visited:
        xis = [xi * x for xi in stored] + [attack_scenario(rng, problem, x)
                                           for _ in range(scenarios)]
        _label(problem, constants, scale, x, xis, samples)
    return samples


def _label(problem, constants, scale: float, x: np.ndarray, xis: list,
           samples: tuple[list, list, list, list]) -> None:
    """Append one sample per scenario of ``xis`` at selection ``x`` to ``samples`` (features,
    selections, targets ``Δ / scale``, ``Q(x, 0) / scale``); the exact recourse values come
    from one ``recourse_values`` call."""
    features, selections, targets, nominals = samples
    nominal, *values = problem.recourse_values(x, [np.zeros(problem.size)] + xis)
    for xi, value in zip(xis, values):
        features.append(item_features(constants, xi))
        selections.append(x)
        targets.append((nominal - value) / scale)
        nominals.append(nominal / scale)


def generate_visited(network, instances: int, iterations: int = 6, scenarios: int = 6,
                     seed: int = 0, sizes=SIZES, workers: int = 1) -> dict[str, np.ndarray]:
    """``generate``'s arrays for the selections the surrogate CCG with ``network`` visits on
    ``instances`` fresh instances (``visited_samples``)."""
    jobs = [(network, seed, k, iterations, scenarios, sizes) for k in range(instances)]
    return _stack(_run(visited_samples, jobs, workers), max(sizes))


def generate(instances: int, decisions: int = 8, scenarios: int = 10, seed: int = 0,
             sizes=SIZES, workers: int = 1) -> dict[str, np.ndarray]:
    """Labelled samples padded to the largest size: ``features`` (m, N, 6), ``selection``
    (m, N), ``target`` ``Δ / loss_scale`` (m,), ``nominal`` ``Q(x, 0) / loss_scale`` (m,),
    ``instance`` index (m,). The same for any
    ``workers`` (processes labelling instances in parallel)."""
    jobs = [(seed, k, decisions, scenarios, sizes) for k in range(instances)]
    return _stack(_run(instance_samples, jobs, workers), max(sizes))


def _run(function, jobs: list[tuple], workers: int) -> list:
    """``function(*job)`` for every job, in order; in ``workers`` processes when > 1."""
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            return list(pool.map(function, *zip(*jobs)))
    return [function(*job) for job in jobs]


def _stack(results: list[tuple], width: int) -> dict[str, np.ndarray]:
    """Per-instance sample lists as padded arrays (see ``generate``)."""
    features, selections, targets, nominals, owners = [], [], [], [], []
    for k, (f, s, t, q) in enumerate(results):
        for item_rows, x, target, nominal in zip(f, s, t, q):
            padded = np.zeros((width, 6))
            padded[:len(x)] = item_rows
            chosen = np.zeros(width)
            chosen[:len(x)] = x
            features.append(padded)
            selections.append(chosen)
            targets.append(target)
            nominals.append(nominal)
            owners.append(k)
    return {"features": np.array(features, dtype=np.float32),
            "selection": np.array(selections, dtype=np.float32),
            "target": np.array(targets, dtype=np.float32),
            "nominal": np.array(nominals, dtype=np.float32), "instance": np.array(owners)}
