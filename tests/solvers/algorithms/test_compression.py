import re
import time

import numpy as np
import pytest

from problems import MDKP, MIS, QAP
from quantum.qrao import QRAO
from quantum.timing import OutOfTime
from solvers import registry, solve

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
    result = solve(MIS.random(60, p=0.1, seed=1), "shrink-qaoa", seed=0, time_limit=4.0,
                   max_qubits=12)
    assert result.time_s < 12.0


@pytest.mark.parametrize("method", ["qrao", "pce", "shrink-qaoa"])
def test_no_time_for_a_solve_gives_no_solution_and_says_why(method):
    result = solve(SMALL["MIS"], method, seed=0, time_limit=1e-3, **FAST[method])
    if result.solution is None:  # nothing could start within a millisecond
        assert result.status == "no_solution" and "time limit" in result.info["stop"]
    else:  # a solve that fitted (PCE decodes its random start without a step) is verified
        assert result.feasible


def test_qrao_starts_no_solve_it_cannot_finish():
    qubo = SMALL["MIS"].to_qubo()
    with pytest.raises(OutOfTime, match="time limit was spent"):
        QRAO(maxiter=50, seed=0).run(qubo, deadline=time.perf_counter())
    tiny = MIS(3, [[0, 1], [1, 2]]).to_qubo()  # one qubit: evaluations take milliseconds
    planned = QRAO(maxiter=100_000, shots=32, seed=0)
    planned.run(tiny, deadline=time.perf_counter() + 5.0)
    assert planned.last_maxiter < 100_000  # COBYLA got the iterations that fit


@pytest.mark.parametrize("method, options, words", [
    ("shrink-qaoa", {}, "2,500 problem bits; the limit is 2,000"),
    ("shrink-cvar-vqe", {"max_qubits": 30}, "30 qubits (the fast simulator); the limit is 26"),
    ("qrao", {"max_qubits": 27}, "27 qubits (Aer's statevector); the limit is 26"),
    ("pce", {"max_qubits": 21}, "21 qubits (the torch statevector); the limit is 20"),
])
def test_declared_limits_refuse_before_starting(method, options, words):
    problem = QAP.random(50, seed=0) if not options else SMALL["MIS"]
    assert registry.get(method).limit
    with pytest.raises(registry.TooLarge, match=re.escape(words)):
        solve(problem, method, **options)


def test_pce_holds_a_gset_sized_graph_without_shrinking():
    from problems.bqp import MaxCut

    need = registry.get("pce").refusal(MaxCut.random(3420, p=0.001, seed=0))
    assert need is None
    assert "3,421 problem bits; the limit is 3,420" in registry.get("pce").refusal(
        MaxCut.random(3421, p=0.001, seed=0))


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


@pytest.mark.parametrize("problem", [SMALL["MIS"], SMALL["QAP"], MDKP.random(9, 2, seed=1)])
def test_qrao_qubit_count_matches_the_library_encoding(problem):
    from qiskit_optimization.algorithms.qrao import QuantumRandomAccessEncoding

    from quantum.ising import to_quadratic_program
    from quantum.qrao import qrao_qubits

    qubo = problem.to_qubo()  # MDKP: with its slack bits, a QUBO all the same
    encoding = QuantumRandomAccessEncoding(max_vars_per_qubit=3)
    encoding.encode(to_quadratic_program(qubo))
    assert qrao_qubits(qubo) == encoding.num_qubits


class _SlowAboveSix:
    """An inner solver that, like QRAO, refuses a solve that does not fit and says how many
    qubits would (two fewer each time), and samples uniformly once it runs."""

    name = "slow"

    def __init__(self):
        from quantum.samples import UniformSampler

        self.sampler, self.last_qubits, self.asked = UniformSampler(shots=64, seed=0), None, []

    def check(self, num_qubits, what="the encoding"):
        pass

    def run(self, qubo, initial=None, deadline=None):
        self.last_qubits = qubo.num_variables
        if qubo.num_variables > 6:
            raise OutOfTime(f"{qubo.num_variables} qubits do not fit")
        return self.sampler.run(qubo)

    def fitting_qubits(self, seconds):
        self.asked.append(seconds)
        return self.last_qubits - 2


def test_a_solve_that_does_not_fit_shrinks_further_and_says_why():
    from solvers.algorithms.compression import run_compressed

    inner = _SlowAboveSix()
    problem = MIS.random(30, p=0.2, seed=0)
    answer = run_compressed(
        problem, inner, budget=lambda q: q.num_variables <= 10, target=10, time_limit=30.0,
        seed=0, correlations="sdp", reestimate=5, threshold=None, encoding="penalty",
        multipliers="subgradient", max_iterations=1, patience=1, repair_limit=8, control=None,
        qubits=lambda q: q.num_variables, max_qubits=10, extra={})
    info = answer.info
    assert answer.solution is not None and info["qubits"] == 6 and info["qubit_budget"] == 10
    assert info["fewer_qubits"] == ("time limit: 10 qubits do not fit; 8 qubits would fit",
                                    "time limit: 8 qubits do not fit; 6 qubits would fit")
    assert len(inner.asked) == 2 and all(0 < s < 30 for s in inner.asked)
    problem.check(answer.solution)


def test_qrao_takes_fewer_qubits_when_the_budget_does_not_fit_the_time_limit():
    # 20 qubits need 82 COBYLA evaluations of 0.5 s or more each (measured): never 12 s
    result = solve(MIS.random(60, p=0.1, seed=1), "qrao", seed=0, time_limit=12.0,
                   max_qubits=20, maxiter=30, shots=64)
    info = result.info
    assert result.feasible and info["qubit_budget"] == 20
    assert info["qubits"] < 20 and "qubits would fit" in info["fewer_qubits"][0]


def test_summed_estimator_agrees_with_aers_estimator():
    from qiskit.circuit.library import efficient_su2
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer.primitives import EstimatorV2

    from quantum.qrao import summed_estimator

    rng = np.random.default_rng(0)
    operator = SparsePauliOp(["".join(rng.choice(list("IXYZ"), 5)) for _ in range(30)],
                             rng.normal(size=30))
    ansatz = efficient_su2(5, reps=1)
    options = {"backend_options": {"method": "statevector", "max_parallel_threads": 1}}
    for points in (rng.uniform(-3, 3, ansatz.num_parameters),
                   rng.uniform(-3, 3, (3, ansatz.num_parameters))):
        ours = summed_estimator(options=options).run([(ansatz, operator, points)]).result()
        aers = EstimatorV2(options=options).run([(ansatz, operator, points)]).result()
        assert ours[0].data.evs.shape == aers[0].data.evs.shape
        assert np.allclose(ours[0].data.evs, aers[0].data.evs, atol=1e-10)


def test_pce_roundings_are_searched_and_the_solve_share_bounds_training():
    from problems.bqp import MaxCut

    problem = MaxCut.random(80, p=0.1, seed=3)
    for control in (None, "random-parameters"):
        result = solve(problem, "pce", seed=0, steps=5, layers=2, roundings=20, control=control)
        assert result.feasible and result.info["candidates"] > 9  # KEEP + 1 without roundings
    timed = solve(problem, "pce", seed=0, steps=100_000, layers=2, time_limit=2.0,
                  solve_share=0.5)
    assert timed.info["solve_s"] < 1.0 + 0.5 and timed.info["trained_steps"] < 100_000
    with pytest.raises(ValueError, match="solve_share"):
        solve(problem, "pce", solve_share=1.5)


def test_pce_same_seed_same_answer_with_roundings_and_shrinking():
    from problems.bqp import MaxCut

    problem = MaxCut.random(70, p=0.1, seed=4)
    options = dict(seed=3, steps=8, layers=2, roundings=16, max_qubits=5, reestimate=50)
    a, b = solve(problem, "pce", **options), solve(problem, "pce", **options)
    assert a.info["reduced_variables"] == 30 and a.info["merges"] == 40  # 3·C(5, 3) = 30
    assert a.solution.tolist() == b.solution.tolist() and a.objective == b.objective
