import pytest

import quantum.variational
from problems import BQP, MDKP, MIS, QAP, TSP, MaxCut
from quantum.backends import TooManyQubits
from quantum.multipliers import METHODS
from solvers import registry, solve
from solvers.algorithms.quantum import solve_vqe
from solvers.registry import TooLarge

SMALL = {"MDKP": MDKP.random(8, 2, seed=1), "MIS": MIS.random(8, p=0.3, seed=1),
         "TSP": TSP.random(4, seed=1), "QAP": QAP.random(3, seed=1),
         "BQP": BQP.random(8, constraints=2, seed=1, sense="max"),
         "MaxCut": MaxCut.random(8, p=0.5, signed=True, seed=1)}
QUICK = {"qaoa": {"maxiter": 30}, "vqe": {"maxiter": 30, "ansatz": "real_amplitudes"},
         "cvar-vqe": {"maxiter": 30, "ansatz": "real_amplitudes"}, "sa": {"sweeps": 100}}
REPORTED = {"encoding", "multipliers", "qubits", "slack_bits", "shots", "circuit_evaluations",
            "iterations", "stop", "multiplier_history", "p_feasible"}


@pytest.fixture
def no_simulation(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a simulation started")

    monkeypatch.setattr(quantum.variational, "DiagonalQAOA", refuse)
    monkeypatch.setattr(quantum.variational, "AerRunner", refuse)
    monkeypatch.setattr(quantum.variational, "RealAmplitudesSimulator", refuse)


@pytest.mark.parametrize("kind", SMALL)
@pytest.mark.parametrize("method", QUICK)
def test_every_method_returns_a_verified_feasible_solution(method, kind):
    problem = SMALL[kind]
    result = solve(problem, method, seed=0, max_iterations=2, **QUICK[method])
    assert result.feasible and result.status == "feasible"
    assert "claimed_objective_mismatch" not in result.info
    assert REPORTED <= set(result.info)
    if method != "sa":
        assert result.info["depth"] > 0 and result.info["two_qubit_gates"] >= 0


@pytest.mark.parametrize("multipliers", METHODS)
def test_qaoa_runs_with_every_multiplier_method(multipliers):
    problem = MDKP.random(10, 3, seed=2)
    result = solve(problem, "qaoa", seed=1, multipliers=multipliers, max_iterations=4,
                   maxiter=20, reps=1)
    assert result.feasible
    assert result.info["qubits"] == 10 and result.info["slack_bits"] == 0
    assert len(result.info["multiplier_history"]) == result.info["iterations"]


def test_slack_encoding_reports_slack_bits():
    problem = MDKP([3, 4, 5], [[2, 3, 4]], [5])
    result = solve(problem, "qaoa", encoding="slack", seed=0, maxiter=30)
    assert result.info["slack_bits"] == 3 and result.info["qubits"] == 6
    assert result.info["multipliers"] is None and result.objective == 7


def test_too_many_qubits_is_refused_before_any_simulation(no_simulation):
    with pytest.raises(TooLarge, match="slack encoding .* needs 127 qubits"):
        solve(MDKP.random(10, 10, seed=0), "qaoa", encoding="slack")
    with pytest.raises(TooLarge, match=r"needs 36 qubits \(backend 'statevector'\); the limit "
                                       "is 26"):
        solve(TSP.random(7, seed=0), "cvar-vqe")
    with pytest.raises(TooLarge, match="needs 30 qubits"):
        solve(MIS.random(30, seed=0), "vqe")
    with pytest.raises(TooManyQubits, match="needs 36 qubits"):  # the inner check stays
        solve_vqe(TSP.random(7, seed=0))
    # a 6-city TSP needs 25 qubits: held by the limit (the time limit then decides)
    assert registry.get("qaoa").refusal(TSP.random(6, seed=0)) is None
    assert "the limit is 64" in registry.get("qaoa").refusal(
        TSP.random(10, seed=0), {"backend": "matrix_product_state"})


def test_bad_options_are_refused_before_any_simulation(no_simulation):
    problem = SMALL["MDKP"]
    with pytest.raises(ValueError, match="unknown encoding 'unary'"):
        solve(problem, "qaoa", encoding="unary")
    with pytest.raises(ValueError, match="unknown multiplier method 'newton'"):
        solve(problem, "vqe", multipliers="newton")
    with pytest.raises(ValueError, match="cvar-vqe needs 0 < alpha < 1"):
        solve(problem, "cvar-vqe", alpha=1.0)
    with pytest.raises(ValueError, match="does not take option"):
        solve(problem, "qaoa", depth=3)


def test_registry_entries():
    for name in ("qaoa", "vqe", "cvar-vqe", "sa"):
        spec = registry.get(name)
        assert set(spec.types) == {"MDKP", "MIS", "TSP", "QAP", "BQP", "MaxCut"}
        assert spec.demo  # `make demo` runs every method on the instances it applies to
        assert spec.need is not None and spec.limit
