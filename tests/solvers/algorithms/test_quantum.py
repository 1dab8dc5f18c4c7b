import pytest

import quantum.variational
from problems import MDKP, MIS, QAP, TSP
from quantum.backends import TooManyQubits
from quantum.multipliers import METHODS
from solvers import registry, solve

SMALL = {"MDKP": MDKP.random(8, 2, seed=1), "MIS": MIS.random(8, p=0.3, seed=1),
         "TSP": TSP.random(4, seed=1), "QAP": QAP.random(3, seed=1)}
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
    with pytest.raises(TooManyQubits, match="slack encoding .* needs 127 qubits"):
        solve(MDKP.random(10, 10, seed=0), "qaoa", encoding="slack")
    with pytest.raises(ValueError, match="handles TSP up to size 5"):  # 36 qubits
        solve(TSP.random(7, seed=0), "cvar-vqe")
    with pytest.raises(ValueError, match="handles MIS up to size 24"):
        solve(MIS.random(30, seed=0), "vqe")


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
        assert set(spec.types) == {"MDKP", "MIS", "TSP", "QAP"}
        assert spec.demo == (name in ("sa", "qaoa"))  # one quantum method and its control
        assert (spec.size_limit("MIS") is None) == (name == "sa")
