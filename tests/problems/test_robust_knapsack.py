import dataclasses
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import LinearConstraint, linprog, milp

from problems import RobustKnapsack, load
from problems.errors import InfeasibleSolution, ProblemFormatError
from problems.robust_knapsack import best_known_value, count, knapsack, read, sniff
from problems.robust_knapsack import worst_case as worst_case_module
from problems.robust_knapsack.hull_cuts import hull_cut
from problems.robust_knapsack.worst_case import Recourse
from tests.conftest import ABSENT, benchmark_root

FOLDER = benchmark_root() / "robust-knapsack"
INSTANCES = FOLDER / "TwoStageRobustKnapsackInstances"

# Both items fit, but only one repair: Q = 20 - 6 min(ξ0, ξ1), minimised at ξ = (1/2, 1/2).
SPLIT = dict(profit=[8, 8], degradation=[6, 6], repair_weight=[1, 1], weight=[2, 2],
             outsourcing_cost=[10, 10], capacity=5, budget=1)


def instance(name: str) -> Path:
    path = INSTANCES / name
    if not path.is_file():
        pytest.skip(f"{ABSENT}: {path}")
    return path


def recourse_decisions(problem: RobustKnapsack, x) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every feasible (y, r) for x, enumerated: each selected item is outsourced, produced or
    produced and repaired."""
    items = np.flatnonzero(x)
    decisions = []
    for choice in itertools.product((0, 1, 2), repeat=len(items)):
        y, r = np.zeros(problem.size), np.zeros(problem.size)
        for i, c in zip(items, choice):
            y[i], r[i] = c >= 1, c == 2
        if problem.weight @ y + problem.repair_weight @ r <= problem.capacity:
            decisions.append((y, r))
    return decisions


def brute_recourse(problem: RobustKnapsack, x, xi) -> float:
    xi = np.asarray(xi, dtype=float)
    return max(float((problem.outsourcing_cost - problem.degradation * xi) @ y
                     + (problem.degradation * xi) @ r) for y, r in recourse_decisions(problem, x))


def brute_value(problem: RobustKnapsack, x) -> float:
    """value(x) with every recourse decision enumerated and the adversary's LP
    ``min z s.t. z >= f y - p̂ ξ (y - r)`` solved by scipy (HiGHS): no shared code."""
    x = np.asarray(x)
    first = float((problem.profit - problem.outsourcing_cost) @ x)
    decisions = recourse_decisions(problem, x)
    n = problem.size
    # variables: ξ (n), z; rows: f y - p̂ ξ (y - r) - z <= 0, sum ξ <= Γ
    A = [np.append(-problem.degradation * (y - r), -1.0) for y, r in decisions]
    b = [-float(problem.outsourcing_cost @ y) for y, _ in decisions]
    A.append(np.append(np.ones(n), 0.0))
    b.append(problem.budget)
    result = linprog(np.append(np.zeros(n), 1.0), A_ub=np.array(A), b_ub=np.array(b),
                     bounds=[(0, 1)] * n + [(None, None)], method="highs")
    assert result.status == 0
    return first + result.fun


def integer_scenarios(n: int, budget: float):
    for bits in itertools.product((0, 1), repeat=n):
        if sum(bits) <= budget:
            yield np.array(bits, dtype=float)


def all_selections(n: int):
    return [np.array(bits, dtype=np.int8) for bits in itertools.product((0, 1), repeat=n)]


# ------------------------------------------------------------------ model and exact evaluation
def test_worst_case_can_be_fractional_and_beats_every_integer_scenario():
    p = RobustKnapsack(**SPLIT)
    value, xi = p.worst_case([1, 1])
    assert value == pytest.approx(13.0, abs=1e-9)
    assert xi == pytest.approx([0.5, 0.5], abs=1e-9)
    best_integer = min(p.first_stage_value([1, 1]) + p.recourse_value([1, 1], s)
                       for s in integer_scenarios(2, 1))
    assert best_integer == pytest.approx(16.0)
    assert p.recourse_value([1, 1], xi) == pytest.approx(17.0)


@pytest.mark.parametrize("correlation,seed", [("UN", 0), ("WC", 1), ("ASC", 2), ("SC", 3)])
def test_evaluate_equals_enumerated_recourse_and_adversary_lp(correlation, seed):
    p = RobustKnapsack.random(7, correlation, h=50, delta=0.5, budget_factor=0.3, seed=seed)
    rng = np.random.default_rng(seed)
    for x in rng.integers(0, 2, size=(6, p.size)):
        value, xi = p.worst_case(x)
        assert value == pytest.approx(brute_value(p, x), rel=1e-9, abs=1e-6)
        # the returned scenario lies in Ξ and attains the value
        assert np.all((xi >= 0) & (xi <= 1)) and xi.sum() <= p.budget + 1e-9
        assert p.first_stage_value(x) + brute_recourse(p, x, xi) == pytest.approx(value, abs=1e-6)
        # the true value is never above the best integer scenario
        best_integer = min(p.first_stage_value(x) + brute_recourse(p, x, s)
                           for s in integer_scenarios(p.size, p.budget))
        assert value <= best_integer + 1e-6


def test_recourse_value_equals_enumeration():
    p = RobustKnapsack.random(6, "ASC", h=60, delta=1.0, budget_factor=0.2, seed=5)
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.integers(0, 2, p.size)
        xi = rng.uniform(0, 1, p.size)
        xi *= min(1.0, p.budget / xi.sum())
        assert p.recourse_value(x, xi) == pytest.approx(brute_recourse(p, x, xi), abs=1e-6)


def test_empty_selection_and_outsourcing_only():
    p = RobustKnapsack(profit=[5, 5], degradation=[1, 1], repair_weight=[1, 1], weight=[9, 9],
                       outsourcing_cost=[7, 6], capacity=3, budget=2)
    assert p.evaluate([0, 0]) == 0.0
    assert p.worst_case([0, 0])[1].tolist() == [0.0, 0.0]
    assert p.evaluate([1, 1]) == pytest.approx(-3.0)  # nothing fits: both outsourced


def test_worst_case_honours_a_time_limit():
    p = RobustKnapsack.random(20, "SC", seed=0)
    with pytest.raises(TimeoutError):
        p.worst_case(np.ones(20, dtype=int), time_limit=1e-9)


@pytest.mark.parametrize("bad,message", [
    ([1, 0], "vector of 3 entries"), ([1, 0, 2], "entry 2 is 2"), ([[1, 0, 1]], "shape"),
    (["a", "b", "c"], "dtype"), ([0.5, 0, 1], "entry 0 is 0.5"),
])
def test_malformed_solutions_are_rejected(bad, message):
    p = RobustKnapsack.random(3, seed=0)
    for call in (p.check, p.evaluate, p.first_stage_value):
        with pytest.raises(InfeasibleSolution, match=message):
            call(bad)


def test_every_selection_passes_check():
    p = RobustKnapsack.random(3, seed=0)
    for x in all_selections(3):
        p.check(x)


@pytest.mark.parametrize("xi,message", [
    ([1, 1, 0], "more than Γ"), ([-0.5, 0, 0], "entry 0"), ([0, 1.5, 0], "entry 1"),
    ([0, 0], "3 entries"), ([math.nan, 0, 0], "entry 0"),
])
def test_scenarios_outside_the_uncertainty_set_are_rejected(xi, message):
    p = RobustKnapsack.random(3, budget_factor=0.5, seed=0)
    with pytest.raises(ValueError, match=message):
        p.recourse_value([1, 1, 1], xi)


@pytest.mark.parametrize("change,message", [
    (dict(weight=[1, -2]), r"weight\[1\] = -2"), (dict(profit=[1, math.nan]), r"profit\[1\]"),
    (dict(degradation=[1]), "1 entries, expected 2"), (dict(capacity=-1), "capacity"),
    (dict(budget=3), "budget"), (dict(budget=-0.5), "budget"), (dict(capacity=math.inf), "finite"),
    (dict(profit=[], degradation=[], repair_weight=[], weight=[], outsourcing_cost=[]),
     "at least one item"),
])
def test_invalid_arrays_raise_a_format_error(change, message):
    with pytest.raises(ProblemFormatError, match=message):
        RobustKnapsack(**{**SPLIT, **change})


def test_arrays_are_read_only():
    p = RobustKnapsack(**SPLIT)
    with pytest.raises(ValueError):
        p.weight[0] = 5


# ------------------------------------------------------------------ generator
def test_generator_is_deterministic_by_seed():
    a = RobustKnapsack.random(15, "WC", h=80, delta=0.5, budget_factor=0.15, seed=4)
    b = RobustKnapsack.random(15, "WC", h=80, delta=0.5, budget_factor=0.15, seed=4)
    c = RobustKnapsack.random(15, "WC", h=80, delta=0.5, budget_factor=0.15, seed=5)
    for field in ("profit", "degradation", "repair_weight", "weight", "outsourcing_cost"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.weight, c.weight)
    assert a.name == b.name != c.name


@pytest.mark.parametrize("correlation", ["UN", "WC", "ASC", "SC"])
def test_generator_follows_the_published_recipe(correlation):
    p = RobustKnapsack.random(40, correlation, h=40, delta=0.1, budget_factor=0.15, seed=2)
    assert p.budget == pytest.approx(6.0)
    assert p.capacity == math.floor(40 / 101 * p.weight.sum())
    for field in ("profit", "degradation", "repair_weight", "weight", "outsourcing_cost"):
        values = getattr(p, field)
        assert np.all(values == np.round(values)) and values.min() >= 1
    assert np.all(p.weight <= 1000)
    ratio = p.degradation / p.profit
    assert np.all((ratio > 0.45 - 0.01) & (ratio < 0.55 + 0.01))
    assert np.all(p.outsourcing_cost >= 1.1 * p.profit - 0.5)
    assert np.all(p.outsourcing_cost <= 1.5 * p.profit + 0.5)
    if correlation == "SC":
        assert np.array_equal(p.profit, p.weight + 100)
    if correlation == "ASC":
        assert np.all(np.abs(p.profit - p.weight - 100) <= 1.5)
    if correlation == "WC":
        assert np.all(np.abs(p.profit - p.weight) <= 50.5)


@pytest.mark.parametrize("kwargs,message", [
    (dict(n=0), "positive integer"), (dict(n=3, correlation="XX"), "correlation"),
    (dict(n=3, delta=2), "delta"), (dict(n=3, budget_factor=-1), "budget_factor"),
])
def test_generator_rejects_impossible_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RobustKnapsack.random(**kwargs)


# ------------------------------------------------------------------ files
def test_write_then_read_round_trips(tmp_path):
    p = RobustKnapsack.random(9, "ASC", h=80, delta=1.0, budget_factor=0.15, seed=3)
    path = tmp_path / "RKP_roundtrip_dev0.15_d1"
    p.write(path)
    q = load(path)
    assert isinstance(q, RobustKnapsack) and q.name == "RKP_roundtrip_dev0.15_d1"
    for field in ("profit", "degradation", "repair_weight", "weight", "outsourcing_cost"):
        assert np.array_equal(getattr(p, field), getattr(q, field))
    assert (q.capacity, q.budget, q.best_known) == (p.capacity, p.budget, None)
    assert count(path) == 1


def test_reads_a_published_file_with_its_branch_and_price_value():
    path = instance("RKP_UN_n20_R1000_H100_h40_dev0.1_d0.1")
    p = load(path)
    assert (p.size, p.capacity, p.budget) == (20, 3988.0, 2.0)
    assert p.profit[0] == 474 and p.outsourcing_cost[-1] == 76
    assert p.best_known == pytest.approx(5318.0) and p.best_known_proven
    q = load(instance("RKP_ASC_n30_R1000_H100_h40_dev0.15_d0.1"))
    assert q.budget == 4.5


def test_unproven_best_known_is_flagged():
    if not (FOLDER / "ResultsForBranchAndPrice.csv").is_file():
        pytest.skip(f"{ABSENT}: {FOLDER / 'ResultsForBranchAndPrice.csv'}")
    unproven = [line.split(",")[0] for line in
                (FOLDER / "ResultsForBranchAndPrice.csv").read_text("utf-8-sig").splitlines()
                if line.endswith(",0")]
    assert unproven
    value, proven = best_known_value(instance(unproven[0]))
    assert value is not None and not proven


def test_best_known_from_a_results_table_in_the_parent_folder(tmp_path):
    (tmp_path / "instances").mkdir()
    path = tmp_path / "instances" / "RKP_toy"
    RobustKnapsack(**SPLIT).write(path)
    (tmp_path / "ResultsForBranchAndPrice.csv").write_text(
        "\ufeffFile name,Time,Best primal bound,Active columns in best primal sol,"
        "Total columns generated,Solved to optimality\n"
        "RKP_other,1,5,1,1,1\nRKP_toy,0.5,13,2,4,1\nbroken,row\n", encoding="utf-8")
    p = read(path)
    assert (p.best_known, p.best_known_proven) == (13.0, True)
    assert p.evaluate([1, 1]) == pytest.approx(p.best_known)


def test_sniff_accepts_the_layout_and_rejects_others(tmp_path):
    assert sniff(tmp_path / "a", "20 3988 2\n 474 229 332 625 568\n 604 303")
    assert sniff(tmp_path / "a", "2 5 1\n")
    assert not sniff(tmp_path / "a", "7\n6 10 3800\n")
    assert not sniff(tmp_path / "a", "2.5 5 1\n1 2 3 4 5\n")
    assert not sniff(tmp_path / "a", "2 5 1\n1 2 3\n")
    assert not sniff(tmp_path / "a", "NAME: x\nTYPE: TSP\n")


GOOD = "3 10 1\n5 2 1 3 6\n4 2 1 3 5\n6 3 2 4 7\n"


@pytest.mark.parametrize("text,message,line", [
    ("3 10 1\n5 2 1 3 6\n4 2 1 3 5\n", "ends after 2 of n = 3 item lines", 3),
    ("3 10 1\n5 2 1 3 6\n4 2 1 3 5\n6 3 2 4 7\n1 1 1 1 1\n", "announces n = 3", 5),
    ("3 10 1\n5 2 1 3 6\n4 2 1 3\n6 3 2 4 7\n", "expected 5 numbers", 3),
    ("3 10 1\n5 2 1 3 6\n4 2 nan 3 5\n6 3 2 4 7\n", "repair_weight must be a finite", 3),
    ("3 10 1\n5 2 1 3 6\n4 2 1 -3 5\n6 3 2 4 7\n", "weight must be non-negative", 3),
    ("3 10 1\n5 2 1 3 6\n4 2 1 x 5\n6 3 2 4 7\n", "'x' is not a number", 3),
    ("3 -10 1\n5 2 1 3 6\n4 2 1 3 5\n6 3 2 4 7\n", "capacity C must be non-negative", 1),
    ("3 10 4\n5 2 1 3 6\n4 2 1 3 5\n6 3 2 4 7\n", "Gamma = 4 must lie in", 1),
    ("3 10 -1\n5 2 1 3 6\n4 2 1 3 5\n6 3 2 4 7\n", "Gamma = -1 must lie in", 1),
    ("3 10 inf\n5 2 1 3 6\n4 2 1 3 5\n6 3 2 4 7\n", "finite", 1),
    ("3 10\n5 2 1 3 6\n", "expected 3 numbers", 1),
    ("0 10 0\n", "n must be a positive integer", 1),
])
def test_reader_names_file_line_and_problem(tmp_path, text, message, line):
    path = tmp_path / "RKP_bad"
    path.write_text(text)
    with pytest.raises(ProblemFormatError, match=message) as error:
        read(path)
    assert error.value.line == line and error.value.path == str(path)
    assert f"RKP_bad line {line}" in str(error.value)


def test_reader_rejects_empty_files_and_other_indices(tmp_path):
    path = tmp_path / "RKP_empty"
    path.write_text("\n\n")
    with pytest.raises(ProblemFormatError, match="empty file"):
        read(path)
    path.write_text(GOOD)
    assert read(path).size == 3
    with pytest.raises(ProblemFormatError, match="out of range"):
        read(path, index=1)
    with pytest.raises(ProblemFormatError, match="out of range"):
        load(path, index=1)


# ------------------------------------------------------------------ compiled forms
def solve_scipy(compiled):
    sign = -1.0 if compiled.sense == "max" else 1.0
    result = milp(sign * compiled.objective, integrality=compiled.integer.astype(int),
                  bounds=(compiled.lower, compiled.upper),
                  constraints=LinearConstraint(compiled.A, compiled.row_lower, compiled.row_upper))
    assert result.status == 0
    return sign * result.fun + compiled.objective_offset, result.x


def test_nominal_milp_equals_the_enumerated_nominal_optimum():
    p = RobustKnapsack.random(7, "WC", h=50, seed=1)
    value, raw = solve_scipy(p.to_milp())
    expected = max(p.first_stage_value(x) + brute_recourse(p, x, np.zeros(7))
                   for x in all_selections(7))
    assert value == pytest.approx(expected, abs=1e-6)
    x = p.to_milp().decode(raw)
    assert p.first_stage_value(x) + brute_recourse(p, x, np.zeros(7)) == pytest.approx(expected)


def test_scenario_milp_equals_the_enumerated_max_min_and_bounds_the_robust_optimum():
    p = RobustKnapsack.random(6, "UN", h=50, delta=1.0, budget_factor=0.34, seed=2)
    scenarios = [np.zeros(6), np.array([1, 1, 0, 0, 0, 0.0]), np.array([0, 0, 0.5, 0.5, 1, 0])]
    plain, _ = solve_scipy(p.to_milp(scenarios))
    expected = max(min(p.first_stage_value(x) + brute_recourse(p, x, s) for s in scenarios)
                   for x in all_selections(6))
    assert plain == pytest.approx(expected, abs=1e-6)
    bounded, _ = solve_scipy(p.to_milp(scenarios, relaxed_bound=True))
    robust = max(brute_value(p, x) for x in all_selections(6))
    assert robust - 1e-6 <= bounded <= plain + 1e-6


def test_to_milp_rejects_bad_scenario_lists():
    p = RobustKnapsack.random(3, budget_factor=0.4, seed=0)
    with pytest.raises(ValueError, match="scenario 1: .*more than Γ"):
        p.to_milp([[0, 0, 0], [1, 1, 0]])
    with pytest.raises(ValueError, match="at least one scenario"):
        p.to_milp([])
    cut = hull_cut(p, [1, 0, 0], [0.3, 0, 0])
    with pytest.raises(ValueError, match="relaxed_bound=True"):
        p.to_milp(None, cuts=[cut])


@pytest.mark.parametrize("scenario", [None, [0.0, 1.0, 0.0]])
def test_qubo_energy_is_minus_the_scenario_objective_on_feasible_assignments(scenario):
    p = RobustKnapsack(profit=[6, 5, 4], degradation=[3, 4, 2], repair_weight=[1, 2, 1],
                       weight=[3, 2, 2], outsourcing_cost=[7, 7, 5], capacity=6, budget=1)
    q = p.to_qubo(scenario=scenario)
    xi = np.zeros(3) if scenario is None else np.array(scenario)
    repaired = np.flatnonzero(xi)
    decision_bits = 6 + len(repaired)
    assert q.num_variables == decision_bits + q.slack_bits
    bits = np.array(list(itertools.product((0, 1), repeat=q.num_variables)))
    # slack bits are the last ones: the best slack for each decision is a row minimum
    best_energy = q.energies(bits).reshape(2 ** decision_bits, 2 ** q.slack_bits).min(axis=1)
    best = max(p.first_stage_value(x) + brute_recourse(p, x, xi) for x in all_selections(3))
    assert best_energy.min() == pytest.approx(-best)
    for row, energy in zip(bits[::2 ** q.slack_bits, :decision_bits], best_energy):
        x, y = row[:3], row[3:6]
        r = np.zeros(3)
        r[repaired] = row[6:]
        feasible = (np.all(y <= x) and np.all(r <= y)
                    and p.weight @ y + p.repair_weight @ r <= p.capacity)
        if feasible:
            objective = (p.first_stage_value(x) + (p.outsourcing_cost - p.degradation * xi) @ y
                         + (p.degradation * xi) @ r)
            assert energy == pytest.approx(-objective)
        else:
            assert energy > -best
    x = q.decode(bits[np.argmin(q.energies(bits))])
    assert p.first_stage_value(x) + brute_recourse(p, x, xi) == pytest.approx(best)


def test_qubo_rejects_fractional_weights_and_bad_options():
    p = RobustKnapsack(**{**SPLIT, "weight": [2.5, 2]})
    with pytest.raises(ValueError, match=r"weight\[0\] = 2.5"):
        p.to_qubo()
    q = RobustKnapsack(**SPLIT)
    with pytest.raises(ValueError, match="encoding"):
        q.to_qubo(encoding="unary")
    with pytest.raises(ValueError, match="penalty"):
        q.to_qubo(penalty=-1)
    with pytest.raises(ValueError, match="more than Γ"):
        q.to_qubo(scenario=[1, 1])


# ------------------------------------------------------------------ DP recourse and hull cuts
def fractional(problem: RobustKnapsack) -> RobustKnapsack:
    """The same items with weights and capacity off the integers (the DP no longer exact)."""
    return RobustKnapsack(profit=problem.profit, degradation=problem.degradation,
                          repair_weight=problem.repair_weight + 0.25,
                          weight=problem.weight + 0.5, outsourcing_cost=problem.outsourcing_cost,
                          capacity=problem.capacity + 0.75, budget=problem.budget)


def random_scenario(rng, problem: RobustKnapsack) -> np.ndarray:
    xi = rng.random(problem.size)
    return xi * min(1.0, problem.budget / xi.sum())


@pytest.mark.parametrize("correlation,seed", [("UN", 0), ("WC", 1), ("ASC", 2), ("SC", 3)])
def test_dp_recourse_equals_scip_and_enumeration(correlation, seed):
    rng = np.random.default_rng(seed)
    small = RobustKnapsack.random(6, correlation, h=50, delta=1.0, budget_factor=0.3, seed=seed)
    large = RobustKnapsack.random(30, correlation, h=40, delta=1.0, budget_factor=0.2, seed=seed)
    for p in (small, large):
        x = np.ones(p.size, dtype=int)
        x[rng.random(p.size) < 0.3] = 0
        items = np.flatnonzero(x)
        dp, scip = Recourse(p, items, engine="dp"), Recourse(p, items, engine="scip")
        assert dp.dp and not scip.dp
        for _ in range(4):
            xi = random_scenario(rng, p)
            value, keep, repair = dp.solve(xi)
            assert value == pytest.approx(scip.solve(xi)[0], abs=1e-6)
            if p is small:
                assert value == pytest.approx(brute_recourse(p, x, xi), abs=1e-6)
            assert np.all(repair <= keep)
            assert p.weight[items] @ keep + p.repair_weight[items] @ repair <= p.capacity


def test_recourse_uses_scip_where_the_dp_is_not_exact():
    p = fractional(RobustKnapsack.random(6, "UN", seed=0))
    assert not knapsack.is_integral(p) and not Recourse(p, np.arange(6)).dp
    with pytest.raises(ValueError, match="integer weights"):
        Recourse(p, np.arange(6), engine="dp")
    with pytest.raises(ValueError, match="engine"):
        Recourse(p, np.arange(6), engine="cplex")
    x = np.ones(6, dtype=int)
    assert p.evaluate(x) == pytest.approx(brute_value(p, x), abs=1e-6)


@pytest.mark.parametrize("integral", [True, False])
def test_hull_cut_is_valid_for_every_decision_and_exact_at_its_selection(integral):
    rng = np.random.default_rng(5)
    p = RobustKnapsack.random(6, "ASC", h=50, delta=1.0, budget_factor=0.34, seed=4)
    p = p if integral else fractional(p)
    everything = recourse_decisions(p, np.ones(6, dtype=int))
    for _ in range(6):
        x = (rng.random(6) < 0.6).astype(int)
        value, xi = p.worst_case(x)
        cut = hull_cut(p, x, xi)
        assert cut.exact == integral
        assert max(cut.y_coef @ y + cut.r_coef @ r for y, r in everything) <= cut.rhs
        best_on_x = max(cut.y_coef @ y + cut.r_coef @ r for y, r in recourse_decisions(p, x))
        if integral:  # tight at x: the cut's bound there is x's worst case
            assert best_on_x == pytest.approx(cut.rhs, rel=1e-8, abs=1e-6)
            assert p.first_stage_value(x) + cut.rhs == pytest.approx(value, rel=1e-8, abs=1e-6)


def test_relaxed_bound_with_the_hull_cut_of_x_equals_the_value_of_x():
    rng = np.random.default_rng(2)
    p = RobustKnapsack.random(7, "SC", h=50, delta=1.0, budget_factor=0.3, seed=6)
    for _ in range(4):
        x = (rng.random(7) < 0.6).astype(int)
        compiled = p.to_milp([], relaxed_bound=True, cuts=[hull_cut(p, x, p.worst_case(x)[1])])
        lower, upper = compiled.lower.copy(), compiled.upper.copy()
        lower[:7] = upper[:7] = x
        pinned = dataclasses.replace(compiled, lower=lower, upper=upper)
        bound, _ = solve_scipy(pinned)
        loose, _ = solve_scipy(dataclasses.replace(
            pinned, A=pinned.A[:-1], row_lower=pinned.row_lower[:-1],
            row_upper=pinned.row_upper[:-1], row_names=pinned.row_names[:-1]))
        assert bound == pytest.approx(brute_value(p, x), abs=1e-5)
        assert loose >= bound - 1e-6


class FailingSolver:
    """A warm-started GLOP that breaks down, as it did after 150 cuts on an n = 80 file."""

    def __init__(self, error: bool):
        self.error, self.closed = error, False

    def solve(self, params=None):
        if self.error:  # what MathOpt's own error mapping raised there
            raise AttributeError("'StatusNotOk' object has no attribute 'canonical_code'")
        from ortools.math_opt.python import mathopt

        return mathopt.SolveResult(termination=mathopt.Termination(
            reason=mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED))

    def close(self):
        self.closed = True


@pytest.mark.parametrize("error", [True, False])
def test_adversary_recovers_when_the_warm_started_lp_fails(monkeypatch, error):
    p = RobustKnapsack.random(12, "UN", h=40, delta=1.0, budget_factor=0.2, seed=3)
    x = np.ones(12, dtype=int)
    expected = p.worst_case(x)[0]
    broken = []
    real = worst_case_module.Adversary

    def adversary(problem, items):
        made = real(problem, items)
        made.solver = FailingSolver(error)
        broken.append(made.solver)
        return made

    monkeypatch.setattr(worst_case_module, "Adversary", adversary)
    assert worst_case_module.worst_case(p, x)[0] == pytest.approx(expected, abs=1e-6)
    assert broken and broken[0].closed


def test_adversary_replays_the_n80_run_where_glop_failed():
    """RKP_UN_n80_R1000_H100_h40_dev0.2_d1, the selection of items by profit/weight up to 80 %
    of the capacity: with SCIP recourse the Kelley loop added the 164 decisions of
    ``data/rkp_un_n80_glop_replay.txt`` (per selected item 0 outsourced, 1 produced,
    2 repaired), and GLOP's warm-started re-solve after the 150th ended ABNORMAL, which
    surfaced as "adversary LP not solved to optimality". Replayed, every round must give the
    LP's optimum (checked against scipy's HiGHS)."""
    p = load(instance("RKP_UN_n80_R1000_H100_h40_dev0.2_d1"))
    x = np.zeros(p.size, dtype=int)
    used = 0.0
    for i in np.argsort(-(p.profit / p.weight), kind="stable"):
        if used + p.weight[i] <= 0.8 * p.capacity:
            x[i], used = 1, used + p.weight[i]
    items = np.flatnonzero(x)
    replay = (Path(__file__).parent / "data" / "rkp_un_n80_glop_replay.txt").read_text().split()
    assert len(replay) == 164 and {len(line) for line in replay} == {items.size}
    adversary = worst_case_module.Adversary(p, items)
    for step, line in enumerate(replay, start=1):
        state = np.array([int(ch) for ch in line])
        adversary.add_cut((state >= 1).astype(float), (state == 2).astype(float))
        xi = adversary.solve()
        if step in (149, 150, 151, len(replay)):
            slopes = np.array(adversary.slopes)
            result = linprog(np.append(np.zeros(items.size), 1.0),
                             A_ub=np.vstack([np.hstack([-slopes, -np.ones((step, 1))]),
                                             np.append(np.ones(items.size), 0.0)]),
                             b_ub=np.append(-np.array(adversary.constants), p.budget),
                             bounds=[(0, 1)] * items.size + [(0, None)], method="highs")
            assert result.status == 0
            assert adversary.model_value(xi) == pytest.approx(result.fun, rel=1e-9, abs=1e-6)
