"""Speed of the compression pipeline's parts, old against current, in one process.

    .venv/bin/python bench/compression_speed.py shrink --before 564eb6a
    .venv/bin/python bench/compression_speed.py estimator

``shrink``: ``quantum.shrinking.shrink`` to 20 bits (``conflict_check`` on) of the revision
``--before`` (its ``quantum/shrinking.py`` read with ``git show``, imported beside the current
one) against the current one, best and median of three, on had12, keller4's complement and two
generated instances. ``estimator``: one evaluation of the QRAO Hamiltonian of ``er-n60`` shrunk
to 24–54 bits (best of three), by Aer's ``EstimatorV2`` against ``quantum.qrao.summed_estimator`` (same value).
Numbers for ``docs/benchmarks/compression.md``; not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from problems import MIS, QAP, load_all  # noqa: E402
from quantum import shrinking  # noqa: E402

BENCHMARKS = ROOT.parent / "shared" / "benchmarks"


def module_at(revision: str, path: str, name: str):
    """``path`` as it was at ``revision``, imported as module ``name``."""
    source = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    file = Path(tempfile.mkdtemp()) / f"{name}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def shrink_speed(before: str) -> None:
    old = module_at(before, "quantum/shrinking.py", "shrinking_before")
    cases = [load_all(BENCHMARKS / "qaplib/had12.dat")[0],
             load_all(BENCHMARKS / "mis/dimacs/keller4.clq")[0],
             QAP.random(8, seed=1), MIS.random(60, p=0.1, seed=1)]
    for module in (old, shrinking):  # numba compilation, untimed
        module.shrink(MIS.random(30, p=0.2, seed=0).to_qubo(), max_qubits=10)
    for problem in cases:
        qubo = problem.to_qubo()
        for label, module in ((before, old), ("current", shrinking)):
            times = []
            for _ in range(3):
                began = time.perf_counter()
                history = module.shrink(qubo, max_qubits=20,
                                        conflict=module.conflict_check(problem))
                times.append(time.perf_counter() - began)
            print(f"{problem.name:22s} {label:8s} {qubo.num_variables} -> {history.num_reduced} "
                  f"bits, {len(history.merges)} merges, {history.estimates} estimates, best of 3 "
                  f"{min(times):.3f} s, median {sorted(times)[1]:.3f} s", flush=True)


def estimator_speed() -> None:
    from qiskit.circuit.library import efficient_su2
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import EstimatorV2
    from qiskit_optimization.algorithms.qrao import QuantumRandomAccessEncoding

    from quantum.ising import to_quadratic_program
    from quantum.qrao import summed_estimator

    problem = MIS.random(60, p=0.1, seed=1)
    qubo = problem.to_qubo()
    options = {"backend_options": {"method": "statevector", "max_parallel_threads": 1}}
    passes = generate_preset_pass_manager(optimization_level=1, backend=AerSimulator())
    for target in (24, 36, 42, 48, 54):
        history = shrinking.shrink(qubo, max_qubits=target,
                                   conflict=shrinking.conflict_check(problem))
        reduced = shrinking.substitute(qubo, history.T, history.t)
        encoding = QuantumRandomAccessEncoding(max_vars_per_qubit=3)
        encoding.encode(to_quadratic_program(reduced))
        ansatz = efficient_su2(encoding.num_qubits, reps=1)
        circuit = passes.run(ansatz)
        operator = encoding.qubit_op.apply_layout(circuit.layout)
        point = np.random.default_rng(0).uniform(-3, 3, ansatz.num_parameters)
        line = f"{encoding.num_qubits:2d} qubits, {len(operator)} terms:"
        for label, estimator in (("EstimatorV2", EstimatorV2(options=options)),
                                 ("summed_estimator", summed_estimator(options=options))):
            estimator.run([(circuit, operator, point)]).result()  # first run, untimed
            times = []
            for _ in range(3):
                began = time.perf_counter()
                value = float(estimator.run([(circuit, operator, point)]).result()[0].data.evs)
                times.append(time.perf_counter() - began)
            line += f"  {label} best of 3 {min(times):.3f} s (value {value:.6f})"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("shrink", "estimator"))
    parser.add_argument("--before", default="564eb6a", help="revision of the old shrinking")
    args = parser.parse_args()
    shrink_speed(args.before) if args.part == "shrink" else estimator_speed()


if __name__ == "__main__":
    main()
