import time

import pytest

from problems import MDKP, MIS, QAP
from solvers import solve

SMALL = {"MIS": MIS.random(14, p=0.3, seed=5), "MDKP": MDKP.random(12, 2, seed=5),
         "QAP": QAP.random(4, seed=5)}
FAST = {"shrink-qaoa": {"max_qubits": 6, "max_iterations": 2, "maxiter": 20},
        "shrink-cvar-vqe": {"max_qubits": 6, "max_iterations": 2, "maxiter": 20},
        "pce": {"steps": 15, "layers": 2, "max_iterations": 2},
        "qrao": {"maxiter": 15, "shots": 64, "max_qubits": 5, "max_iterations": 1}}


@pytest.mark.parametrize("kind", SMALL)
@pytest.mark.parametrize("method", ["shrink-qaoa", "pce"])
def test_methods_return_verified_solutions_with_their_compression_info(method, kind):
    problem = SMALL[kind]
    result = solve(problem, method, seed=0, **FAST[method])
    assert result.feasible
    info = result.info
    assert 0 < info["qubits"] < info["variables"]
    assert info["variables_per_qubit"] == pytest.approx(info["variables"] / info["qubits"])
    assert info["repairs"] <= info["candidates"]
    assert isinstance(info["raw_feasible"], bool)
    if info["raw_objective"] is not None:
        sign = 1 if problem.sense == "max" else -1
        assert sign * result.objective >= sign * info["raw_objective"] - 1e-9


def test_shrink_qaoa_meets_the_qubit_budget_by_merging():
    result = solve(SMALL["MIS"], "shrink-qaoa", seed=0, **FAST["shrink-qaoa"])
    assert result.info["qubits"] == 6 and result.info["merges"] == 8


def test_qrao_runs_the_library_on_aer_and_returns_a_verified_solution():
    result = solve(SMALL["QAP"], "qrao", seed=0, **FAST["qrao"])
    assert result.feasible and result.info["qubits"] <= 5
    assert result.info["inner"] == "qrao"


def test_shrink_cvar_vqe_on_mdkp():
    result = solve(SMALL["MDKP"], "shrink-cvar-vqe", seed=0, **FAST["shrink-cvar-vqe"])
    assert result.feasible and result.info["encoding"] == "lagrangian"


@pytest.mark.parametrize("control", ["uniform", "sa"])
def test_controls_run_the_same_pipeline(control):
    result = solve(SMALL["MIS"], "shrink-qaoa", seed=0, control=control, time_limit=5.0,
                   **FAST["shrink-qaoa"])
    assert result.feasible and result.info["control"] == control
    assert result.info["qubits"] == 6


def test_pce_random_parameter_control():
    result = solve(SMALL["QAP"], "pce", seed=0, control="random-parameters", **FAST["pce"])
    assert result.feasible and result.info["control"] == "random-parameters"


def test_same_seed_same_answer():
    a = solve(SMALL["QAP"], "shrink-qaoa", seed=3, **FAST["shrink-qaoa"])
    b = solve(SMALL["QAP"], "shrink-qaoa", seed=3, **FAST["shrink-qaoa"])
    assert a.solution.tolist() == b.solution.tolist()


def test_time_limit_is_honoured():
    start = time.perf_counter()
    solve(MIS.random(60, p=0.1, seed=1), "shrink-qaoa", seed=0, time_limit=4.0, max_qubits=12)
    assert time.perf_counter() - start < 12.0


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="control"):
        solve(SMALL["MIS"], "shrink-qaoa", control="coin")
    with pytest.raises(ValueError, match="random-parameters"):
        solve(SMALL["MIS"], "shrink-qaoa", control="random-parameters")
    with pytest.raises(ValueError, match="slack"):
        solve(SMALL["MDKP"], "pce", encoding="penalty")
    with pytest.raises(ValueError, match="encoding"):
        solve(SMALL["MIS"], "pce", encoding="magic")


def test_maxcut_through_the_penalty_free_qubo():
    from problems.bqp import MaxCut

    problem = MaxCut.random(24, p=0.3, seed=2)
    result = solve(problem, "pce", seed=0, steps=15, layers=2)
    assert result.feasible and result.info["encoding"] == "penalty"
    assert result.info["qubits"] == 5 and result.info["variables"] == 24
    shrunk = solve(problem, "shrink-qaoa", seed=0, max_qubits=6, maxiter=20)
    assert shrunk.feasible and shrunk.info["qubits"] == 6
