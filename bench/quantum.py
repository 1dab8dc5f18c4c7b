"""Quantum solvers (issue 5): qubits with and without slack, solution quality, simulator speed.

    .venv/bin/python bench/quantum.py [--quick] [--part qubits,quality,speed] [--seeds 5]
        [--instances mdkp-n20,er-n20] [--inner qaoa,cvar-vqe,uniform] [--threads 1]

1. qubits: MDKP qubit counts, slack-free Lagrangian (one per item) against the slack QUBO of
   ``MDKP.to_qubo`` and against qiskit-optimization's inequality-to-equality + integer-to-binary
   conversion, for OR-Library ``mknap1``/``mknap2`` (from ../shared/benchmarks/mknap, skipped
   when absent) and generated instances; then the depth and CX count of the QAOA circuit of
   each encoding of the quality instances.
2. quality: every multiplier method x {QAOA, CVaR-VQE} x {lagrangian, slack} on small MDKP,
   MIS, TSP and QAP instances up to 20 qubits, five seeds, both on the fast simulators
   (CVaR-VQE: ``backend="fast"``), each run through ``solve()`` (so every solution is verified
   by the problem's own ``check``); optimum by enumeration. A control row runs the same loop on
   uniformly random bitstrings ("uniform") to show what the repair alone achieves.
3. speed: one QAOA (p = 2) energy evaluation on dense 20- and 24-qubit QUBOs with Aer
   EstimatorV2, Aer statevector + the diagonal, and the fast simulator (its numba CPU kernel,
   and its torch kernel for comparison).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from problems import MDKP, MIS, QAP, QUBO, TSP, load_all  # noqa: E402
from quantum.brute_force import feasible_optimum  # noqa: E402
from quantum.encodings import make_encoding  # noqa: E402
from quantum.lagrangian import solve_lagrangian  # noqa: E402
from quantum.multipliers import METHODS  # noqa: E402
from quantum.samples import unique_samples  # noqa: E402
from solvers import solve  # noqa: E402
from solvers.result import gap  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"
QUBIT_BUDGET = 20  # largest encoding the quality benchmark simulates
INNERS = ("qaoa", "cvar-vqe", "uniform")
INNER = {
    "qaoa": {"reps": 2, "maxiter": 60},
    "cvar-vqe": {"ansatz": "real_amplitudes", "reps": 1, "alpha": 0.25, "maxiter": 100,
                 "backend": "fast"},
}
LOOP = {"max_iterations": 8, "patience": 3}


# ------------------------------------------------------------------ 1. qubits
def qiskit_slack_qubits(problem: MDKP) -> int:
    """Variables after qiskit-optimization's InequalityToEquality + IntegerToBinary."""
    from qiskit_optimization import QuadraticProgram
    from qiskit_optimization.converters import InequalityToEquality, IntegerToBinary

    program = QuadraticProgram()
    for j in range(problem.size):
        program.binary_var(f"x{j}")
    program.maximize(linear=dict(enumerate(problem.profits.tolist())))
    for i, row in enumerate(problem.weights):
        program.linear_constraint(dict(enumerate(row.tolist())), "<=",
                                  float(problem.capacities[i]), name=f"c{i}")
    program = IntegerToBinary().convert(InequalityToEquality().convert(program))
    return program.get_num_vars()


def qubits_part() -> None:
    instances = []
    for file in ("mknap1.txt", "mknap2.txt"):
        path = SHARED / "mknap" / file
        if path.is_file():
            instances += load_all(path)
        else:
            print(f"({path} absent: skipped)")
    instances += [MDKP.random(n, m, seed=0) for n, m in ((10, 10), (28, 4), (28, 10), (50, 5),
                                                         (100, 10), (250, 30))]
    print("| instance | items n | constraints m | slack-free (Lagrangian) | slack: MDKP.to_qubo "
          "| slack: qiskit-optimization | slack / slack-free |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for problem in instances:
        free = make_encoding(problem, "lagrangian").num_qubits
        assert free == problem.size, "slack-free must be exactly one qubit per item"
        slack = make_encoding(problem, "slack").num_qubits
        print(f"| {problem.name} | {problem.size} | {problem.num_constraints} | {free} | {slack} "
              f"| {qiskit_slack_qubits(problem)} | {slack / free:.1f} |")


def circuits_part(quick: bool) -> None:
    """Size of the p = 2 QAOA circuit per encoding, transpiled to CX + 1-qubit gates."""
    from quantum.circuits import circuit_stats
    from quantum.variational import QAOA

    print("| instance | encoding | qubits | depth | CX gates |")
    print("|---|---|---:|---:|---:|")
    for problem in quality_instances(quick):
        for encoding in ("lagrangian", "slack"):
            enc = make_encoding(problem, encoding)
            stats = circuit_stats(QAOA(reps=2).circuit(enc.qubo()))
            print(f"| {problem.name} | {encoding} | {enc.num_qubits} | {stats['depth']} "
                  f"| {stats['two_qubit_gates']} |", flush=True)


# ----------------------------------------------------------------- 2. quality
def quality_instances(quick: bool):
    if quick:
        return [MDKP.random(8, 2, seed=1), MIS.random(8, p=0.3, seed=1), TSP.random(4, seed=1),
                QAP.random(3, seed=1)]
    return [MDKP.random(12, 3, seed=1), MDKP.random(16, 4, seed=2), MDKP.random(20, 5, seed=3),
            MIS.random(12, p=0.3, seed=1), MIS.random(16, p=0.25, seed=2),
            MIS.random(20, p=0.2, seed=3), TSP.random(4, seed=1), TSP.random(5, seed=2),
            QAP.random(3, seed=1), QAP.random(4, seed=2)]


class Uniform:
    """Control inner solver: uniformly random bitstrings, no training."""

    def __init__(self, shots: int, seed: int):
        self.shots, self.rng = shots, np.random.default_rng(seed)

    def check(self, num_qubits, what=""):
        pass

    def run(self, qubo, initial=None):
        bits = self.rng.integers(0, 2, size=(self.shots, qubo.num_variables))
        return unique_samples(bits, shots=self.shots)


def run_one(problem, inner, encoding, multipliers, seed, reference):
    start = time.perf_counter()
    if inner == "uniform":
        out = solve_lagrangian(make_encoding(problem, encoding), Uniform(1024, seed),
                               multipliers=multipliers, **LOOP)
        problem.check(out.solution)
        objective, evaluations, mass = out.objective, 0, dict(out.final_feasible_mass)
    else:
        options = dict(INNER[inner], encoding=encoding, **LOOP)
        if multipliers is not None:
            options["multipliers"] = multipliers
        result = solve(problem, inner, seed=seed, **options)
        assert result.feasible, result.info.get("violation")
        objective, evaluations = result.objective, result.info["circuit_evaluations"]
        mass = {value: m for value, m in result.info["final_feasible_mass"]}
    return {"feasible": True, "optimal": math.isclose(objective, reference, rel_tol=1e-9),
            "gap": gap(objective, reference, problem.sense),
            "p_opt": mass.get(round(reference, 9), 0.0),
            "p_feasible": sum(mass.values()), "evaluations": evaluations,
            "time": time.perf_counter() - start}


def quality_part(quick: bool, seeds: int, instances=None, inners=INNERS) -> None:
    """``instances``: run only those whose name contains one of these strings (None: all)."""
    rows, totals = [], defaultdict(list)
    for problem in quality_instances(quick):
        if instances and not any(part in problem.name for part in instances):
            continue
        kind = type(problem).__name__
        reference = feasible_optimum(make_encoding(problem)).objective
        for inner in inners:
            for encoding in ("lagrangian", "slack"):
                qubits = make_encoding(problem, encoding).num_qubits
                label = (problem.name, qubits, inner, encoding)
                if inner == "uniform" and encoding == "slack":
                    continue
                if qubits > QUBIT_BUDGET:
                    rows.append((*label, "-",
                                 f"not run: {qubits} qubits > {QUBIT_BUDGET}-qubit budget"))
                    continue
                methods = METHODS if encoding == "lagrangian" else (None,)
                if inner == "uniform":
                    methods = ("subgradient",)
                for multipliers in methods:
                    runs = [run_one(problem, inner, encoding, multipliers, seed, reference)
                            for seed in range(seeds)]
                    rows.append((*label, multipliers or "-", runs))
                    if inner == "qaoa" and encoding == "lagrangian":
                        totals[kind] += runs
                    print(f"  done {problem.name} {inner} {encoding} {multipliers} "
                          f"{sum(r['time'] for r in runs):.1f}s", file=sys.stderr, flush=True)
    print(f"{seeds} seeds per row; QAOA p={INNER['qaoa']['reps']} (COBYLA, "
          f"{INNER['qaoa']['maxiter']} evaluations per solve, fast simulator); CVaR-VQE "
          f"RealAmplitudes reps 1, alpha {INNER['cvar-vqe']['alpha']} (fast simulator, "
          f"{INNER['cvar-vqe']['maxiter']} evaluations per solve); loop {LOOP}; 1024 final "
          "shots; P(opt), P(feas): mass of the final sampled distribution (raw, no repair)\n")
    print("| instance | qubits | inner | encoding | multipliers | runs | feasible % | optimum % "
          "| mean gap % | P(opt) | P(feas) | circuit evals | time s |")
    print("|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, qubits, inner, encoding, multipliers, runs in rows:
        if isinstance(runs, str):
            print(f"| {name} | {qubits} | {inner} | {encoding} | {multipliers} | 0 | {runs} "
                  "| | | | | | |")
            continue
        mean = {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}
        print(f"| {name} | {qubits} | {inner} | {encoding} | {multipliers} | {len(runs)} "
              f"| {100 * mean['feasible']:.0f} | {100 * mean['optimal']:.0f} | {mean['gap']:.2f} "
              f"| {mean['p_opt']:.3f} | {mean['p_feasible']:.3f} | {mean['evaluations']:.0f} "
              f"| {mean['time']:.1f} |")
    print("\nTargets, slack-free Lagrangian QAOA over all multiplier methods and seeds:")
    for kind, runs in totals.items():
        print(f"* {kind}: feasible after repair in {sum(r['feasible'] for r in runs)}/{len(runs)}"
              f" runs, optimum in {sum(r['optimal'] for r in runs)}/{len(runs)}")


# ------------------------------------------------------------------- 3. speed
def dense_qubo(n: int, seed: int = 0) -> QUBO:
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    return QUBO(Q=(A + A.T) / 2.0, offset=0.0, names=tuple(f"x{i}" for i in range(n)),
                decode=None)


def timed(function, repeat: int = 1) -> tuple[float, object]:
    start = time.perf_counter()
    for _ in range(repeat):
        value = function()
    return (time.perf_counter() - start) / repeat, value


def speed_part(sizes, threads: int) -> None:
    """``threads``: the CPU threads both Aer and torch may use (0: Aer's and torch's default)."""
    import torch
    from qiskit import transpile
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import EstimatorV2

    from quantum.backends import AerRunner
    from quantum.circuits import qaoa_circuit, qaoa_values
    from quantum.ising import cost_vector, qubo_to_ising
    from quantum.simulator import DiagonalQAOA

    gammas, betas = [0.4, 0.7], [-0.6, -0.3]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch threads, Aer threads "
          f"{threads or 'all'}, numba kernel 1 thread, torch kernel on the CPU; one QAOA p=2 "
          "energy evaluation after one warm-up call (numba kernel: mean of 3)\n")
    print("| qubits | Pauli terms | Aer EstimatorV2 s | Aer statevector + diagonal s "
          "| fast simulator (numba) s | speed-up vs EstimatorV2 | torch kernel s "
          "| cost vector s | one state pass s | fast / (p·n passes) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        qubo = dense_qubo(n)
        operator, offset = qubo_to_ising(qubo)
        circuit = qaoa_circuit(operator, reps=2)
        values = qaoa_values(circuit, gammas, betas)
        build, costs = timed(lambda: cost_vector(qubo))
        simulator = DiagonalQAOA(costs, device="cpu")
        simulator.expectation(gammas, betas)  # warm-up (numba cache load, buffer)
        fast, energy = timed(lambda: simulator.expectation(gammas, betas), repeat=3)
        torch_kernel = DiagonalQAOA(costs, device="cpu", kernel="torch")
        torch_kernel.expectation(gammas, betas)  # warm-up (allocations)
        slow, torch_energy = timed(lambda: torch_kernel.expectation(gammas, betas))
        assert abs(torch_energy - energy) < 1e-10 * max(1.0, abs(energy)), (torch_energy, energy)
        del torch_kernel
        runner = AerRunner(circuit, "statevector", threads=threads)
        aer_call = lambda: float(runner.distribution(values)[1] @ costs)  # noqa: E731
        aer_call()  # warm-up
        aer_sv, aer_energy = timed(aer_call)
        compiled = transpile(circuit, AerSimulator(method="statevector"), optimization_level=1)
        estimator = EstimatorV2(options={"backend_options": {
            "method": "statevector", "max_parallel_threads": threads}})
        est_call = lambda: float(  # noqa: E731
            estimator.run([(compiled, operator, values)]).result()[0].data.evs) + offset
        est_call()  # warm-up
        est, evs = timed(est_call)
        assert abs(evs - energy) < 1e-8 * max(1.0, abs(energy)), (evs, energy)
        assert abs(aer_energy - energy) < 1e-8 * max(1.0, abs(energy)), (aer_energy, energy)
        psi = simulator.state(gammas, betas)
        one_pass, _ = timed(lambda: psi.mul_(1.0), repeat=5)
        model = 2 * n * one_pass
        print(f"| {n} | {len(operator)} | {est:.2f} | {aer_sv:.2f} | {fast:.3f} "
              f"| {est / fast:.0f}x | {slow:.3f} | {build:.2f} | {one_pass:.4f} "
              f"| {fast / model:.2f} |",
              flush=True)
        del psi, simulator, costs, runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny instances, two seeds, speed at 16 and 20 qubits")
    parser.add_argument("--part", default="qubits,quality,speed")
    parser.add_argument("--seeds", type=int, default=None, help="default 5 (2 with --quick)")
    parser.add_argument("--instances", default=None,
                        help="quality: only instances whose name contains one of these "
                             "comma-separated strings")
    parser.add_argument("--inner", default=",".join(INNERS),
                        help=f"quality: inner solvers to run (default {','.join(INNERS)})")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for torch and Aer (default: their own choice)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    parts = set(args.part.split(","))
    seeds = args.seeds or (2 if args.quick else 5)
    if "qubits" in parts:
        print("## 1. Qubits: slack-free against slack encodings (MDKP)\n")
        qubits_part()
        print("\nQAOA (p = 2) circuit at the initial multipliers, transpiled to CX + 1-qubit "
              "gates:\n")
        circuits_part(args.quick)
    if "quality" in parts:
        print("\n## 2. Quality on simulator-sized instances\n")
        quality_part(args.quick, seeds,
                     args.instances.split(",") if args.instances else None,
                     tuple(args.inner.split(",")))
    if "speed" in parts:
        print("\n## 3. Speed of one QAOA energy evaluation\n")
        speed_part((16, 20) if args.quick else (20, 24), args.threads or 0)


if __name__ == "__main__":
    main()
