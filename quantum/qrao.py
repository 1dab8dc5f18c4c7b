"""Quantum random access optimisation (QRAO) as an inner solver: qiskit-optimization on Aer.

``QRAO.run(qubo)`` hands the QUBO to qiskit-optimization's ``QuantumRandomAccessEncoding``
(up to ``max_vars_per_qubit`` variables per qubit, by a colouring of the variables' coupling
graph), finds a low-energy state of the relaxed Hamiltonian with qiskit-optimization's ``VQE``
(EfficientSU2 ansatz, COBYLA) on Aer's ``EstimatorV2``, and rounds it with ``MagicRounding``
(measurements in the magic bases on Aer's ``SamplerV2``). The rounded bitstrings come back as
``Samples``. Nothing here re-implements QRAO; this module only wires the library to Aer.
Given a deadline, ``run`` first times one estimator evaluation and one rounding circuit and lets
COBYLA run only the iterations (and the rounding only the shots) that fit
(``QRAO._affordable``), because the library's solve cannot be interrupted once started.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from problems.compiled import QUBO
from quantum.backends import check_qubits
from quantum.ising import to_quadratic_program
from quantum.samples import Samples, unique_samples
from quantum.timing import OutOfTime, fits

SAFETY = 1.5  # the estimated cost of an evaluation is multiplied by this before it is planned
MIN_SHOTS = 16  # fewest magic-rounding shots a deadline may cut the rounding to
CALIBRATE_ABOVE = 14  # above this many qubits a smaller circuit is timed first,
CALIBRATE = 3  # on this many qubits fewer
FEW = 6  # qubits of the circuit that times an evaluation's fixed cost
MIN_QUBITS = 3  # fewest qubits ``fitting_qubits`` proposes: below that QRAO refuses


@dataclass(frozen=True)
class Probe:
    """What one plan measured: an evaluation of ``seconds`` (``SAFETY`` included) on ``qubits``
    qubits (extrapolated when ``measured_on`` is fewer), ``parameters_per_qubit`` ansatz
    parameters per qubit, ``overhead`` seconds of an evaluation on ``FEW`` qubits (the part of
    the cost that does not halve with the register) and ``setup`` seconds spent before the plan
    (encoding, transpiling, timing)."""

    qubits: int
    seconds: float
    parameters_per_qubit: float
    measured_on: int
    overhead: float = 0.0
    setup: float = 0.0


def qrao_qubits(qubo: QUBO, max_vars_per_qubit: int = 3) -> int:
    """Qubits the random access encoding of ``qubo`` needs, without building its Hamiltonian.

    The library's own steps up to the operator: its Ising coefficients and its colouring of the
    coupling graph (``QuantumRandomAccessEncoding``), then ``⌈|colour| / max_vars_per_qubit⌉``
    qubits per colour as its ``encode`` adds them. Building the Pauli operator of a dense
    100-variable QUBO takes seconds, and the shrinking loop asks after every attempt.

    >>> q = QUBO(Q=np.eye(6), offset=0.0, names=tuple("abcdef"), decode=None)
    >>> qrao_qubits(q)   # no couplings: three variables on each qubit
    2
    """
    from qiskit_optimization.algorithms.qrao import QuantumRandomAccessEncoding as Encoding

    _, _, quad = Encoding._generate_ising_coefficients(to_quadratic_program(qubo))
    colours = Encoding._find_variable_partition(quad)
    return sum(-(-len(group) // max_vars_per_qubit) for group in colours.values())


class QRAO:
    """QRAO with magic rounding on Aer, with the inner-solver interface of ``QAOA``.

    >>> q = QUBO(Q=np.array([[-1.0, 2.0, 0.0], [2.0, -1.0, 2.0], [0.0, 2.0, -1.0]]),
    ...          offset=0.0, names=("a", "b", "c"), decode=None)
    >>> s = QRAO(maxiter=40, shots=256, seed=0).run(q)
    >>> float(min(q.energies(s.bits)))
    -2.0
    """

    name = "qrao"

    def __init__(self, *, max_vars_per_qubit: int = 3, reps: int = 1, maxiter: int = 100,
                 shots: int = 1024, max_qubits: int = 20, seed: int = 0):
        if max_vars_per_qubit not in (1, 2, 3):
            raise ValueError(f"QRAO: max_vars_per_qubit must be 1, 2 or 3, got "
                             f"{max_vars_per_qubit!r}")
        for what, value in (("reps", reps), ("maxiter", maxiter), ("shots", shots),
                            ("max_qubits", max_qubits)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"QRAO: {what} must be a positive integer, got {value!r}")
        self.max_vars_per_qubit, self.reps, self.maxiter = max_vars_per_qubit, reps, maxiter
        self.shots, self.max_qubits = shots, max_qubits
        self.rng = np.random.default_rng(seed)
        self.last_qubits = self.last_maxiter = self.last_shots = None
        self.last_probe: Probe | None = None
        self._passes = None
        self._began = None

    def check(self, num_variables: int, what: str = "the encoding") -> None:
        """Refuse a problem that cannot fit even at the best compression (3 per qubit)."""
        check_qubits("statevector", -(-num_variables // self.max_vars_per_qubit), what)

    def run(self, qubo: QUBO, initial: np.ndarray | None = None,
            deadline: float | None = None) -> Samples:
        """Relax, optimise (warm-started from ``initial`` when it fits) and magic-round."""
        self._began = time.perf_counter()
        from qiskit.circuit.library import efficient_su2
        from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
        from qiskit_aer import AerSimulator
        from qiskit_aer.primitives import SamplerV2
        from qiskit_optimization.algorithms.qrao import (MagicRounding,
                                                         QuantumRandomAccessEncoding,
                                                         QuantumRandomAccessOptimizer)
        from qiskit_optimization.minimum_eigensolvers import VQE
        from qiskit_optimization.optimizers import COBYLA

        encoding = QuantumRandomAccessEncoding(max_vars_per_qubit=self.max_vars_per_qubit)
        encoding.encode(to_quadratic_program(qubo))
        n = encoding.num_qubits
        self.last_qubits = n
        if n > self.max_qubits:
            raise ValueError(f"QRAO: the encoding needs {n} qubits, more than max_qubits = "
                             f"{self.max_qubits}")
        seed = int(self.rng.integers(2**31))
        threads = {"max_parallel_threads": 1}
        estimator = summed_estimator(options={"backend_options": {"method": "statevector",
                                                                  **threads},
                                              "run_options": {"seed": seed}})
        sampler = SamplerV2(default_shots=self.shots, seed=seed,
                            options={"backend_options": threads})
        if self._passes is None:  # building it takes about 0.3 s: once per solver
            self._passes = generate_preset_pass_manager(optimization_level=1,
                                                        backend=AerSimulator())
        passes = self._passes
        ansatz = efficient_su2(n, reps=self.reps)
        start = (np.asarray(initial, dtype=float) if initial is not None
                 and len(initial) == ansatz.num_parameters
                 else self.rng.uniform(-np.pi, np.pi, ansatz.num_parameters))
        maxiter, shots = self.maxiter, self.shots
        if deadline is not None:
            maxiter, shots = self._affordable(encoding, ansatz, start, estimator, sampler,
                                              passes, deadline)
            sampler = SamplerV2(default_shots=shots, seed=seed,
                                options={"backend_options": threads})
        self.last_maxiter, self.last_shots = maxiter, shots
        vqe = VQE(estimator, ansatz, COBYLA(maxiter=maxiter), initial_point=start,
                  pass_manager=passes)
        rounding = MagicRounding(sampler, seed=seed, pass_manager=passes)
        optimizer = QuantumRandomAccessOptimizer(vqe, rounding_scheme=rounding)
        relaxed, context = optimizer.solve_relaxed(encoding)
        rounded = rounding.round(context)
        bits = np.array([sample.x for sample in rounded.samples], dtype=np.int8)
        weights = np.array([sample.probability for sample in rounded.samples])
        return unique_samples(bits, weights, params=np.asarray(relaxed.optimal_point),
                              value=float(relaxed.eigenvalue.real),
                              evaluations=int(relaxed.cost_function_evals or 0) + 1,
                              shots=shots)

    def _affordable(self, encoding, ansatz, start, estimator, sampler, passes,
                    deadline: float) -> tuple[int, int]:
        """COBYLA iterations and rounding shots that fit before ``deadline``, from two probes.

        One solve cannot be interrupted, so its cost is estimated before it starts: one energy
        evaluation (the ansatz and the relaxed Hamiltonian on Aer's estimator, timed) per
        iteration, plus the magic rounding: one measured circuit (timed) per distinct basis,
        ``B·(1 − (1 − 1/B)^shots)`` of them expected for ``B`` bases. COBYLA takes at least
        ``parameters + 2`` evaluations. When the rounding of ``shots`` does not fit beside
        those, the shots are cut to what fits (at least ``MIN_SHOTS``); the iterations get the
        rest. When even that does not fit, ``OutOfTime`` is raised and nothing is started;
        ``last_probe`` keeps the measured cost for ``fitting_qubits``. Above ``CALIBRATE_ABOVE``
        qubits one evaluation of the same ansatz on ``CALIBRATE`` qubits fewer (the operator's
        terms cut to them) is timed first, and the full one only when twice that per qubit fits.
        """
        least = ansatz.num_parameters + 2
        if time.perf_counter() >= deadline:
            raise OutOfTime(f"QRAO on {encoding.num_qubits} qubits: the time limit was spent "
                            "encoding, before any circuit ran")
        n = encoding.num_qubits
        per_qubit = ansatz.num_parameters / n
        overhead = SAFETY * _calibrate(encoding.qubit_op, min(n, FEW), self.reps, estimator,
                                       passes)

        def probe(seconds: float, measured_on: int) -> Probe:
            self.last_probe = Probe(n, seconds, per_qubit, measured_on, min(overhead, seconds),
                                    time.perf_counter() - self._began)
            return self.last_probe

        if n > CALIBRATE_ABOVE:  # one evaluation on n qubits may take longer than the limit
            small = n - CALIBRATE
            evaluation = SAFETY * _calibrate(encoding.qubit_op, small, self.reps, estimator,
                                             passes)
            evaluation = probe(overhead + (evaluation - overhead) * 2.0 ** CALIBRATE,
                               small).seconds
            if not fits(deadline, least * evaluation):
                raise OutOfTime(f"QRAO on {n} qubits needs at least {least} evaluations of "
                                f"about {evaluation:.2g} s (timed on {small} qubits, doubled "
                                f"per qubit); {max(0.0, deadline - time.perf_counter()):.3g} s "
                                "are left")
        circuit = passes.run(ansatz)
        operator = encoding.qubit_op.apply_layout(circuit.layout)
        began = time.perf_counter()
        estimator.run([(circuit, operator, start)]).result()
        evaluation = probe(SAFETY * (time.perf_counter() - began), n).seconds
        if not fits(deadline, least * evaluation):
            raise OutOfTime(f"QRAO on {n} qubits needs at least {least} "
                            f"evaluations of {evaluation:.2g} s; "
                            f"{max(0.0, deadline - time.perf_counter()):.3g} s are left")
        began = time.perf_counter()
        measured = ansatz.assign_parameters(start)
        measured.measure_all()
        sampler.run([passes.run(measured)], shots=1).result()
        circuit_s = SAFETY * (time.perf_counter() - began)
        bases = float(2 ** (encoding.max_vars_per_qubit - 1)) ** encoding.num_qubits

        def rounding(shots: int) -> float:
            if bases <= 1:
                return circuit_s
            return circuit_s * min(shots, bases * -np.expm1(shots * np.log1p(-1.0 / bases)))

        left = deadline - time.perf_counter()
        shots = self.shots
        while shots > MIN_SHOTS and rounding(shots) + (least + 1) * evaluation > left:
            shots = max(MIN_SHOTS, shots // 2)
        affordable = int((left - rounding(shots)) / evaluation) - 1
        if affordable < least:
            raise OutOfTime(f"QRAO on {encoding.num_qubits} qubits needs about "
                            f"{(least + 1) * evaluation + rounding(shots):.3g} s ({least} "
                            f"evaluations of {evaluation:.2g} s and magic rounding of "
                            f"{shots} shots, {rounding(shots):.2g} s); {max(0.0, left):.3g} s "
                            "are left")
        return min(self.maxiter, affordable), shots

    def fitting_qubits(self, seconds: float) -> int | None:
        """The most qubits, fewer than the last plan's, whose plan would fit ``seconds``.

        Extrapolated from ``last_probe``: an evaluation costs its fixed ``overhead`` plus a part
        that halves per qubit removed (the statevector halves); the plan needs COBYLA's least
        ``parameters + 2`` evaluations plus one, the magic rounding of ``MIN_SHOTS`` circuits
        (counted as ``MIN_SHOTS / 2`` evaluations) and the last run's ``setup`` again. The plan
        on that many qubits measures again before it starts. ``None`` below ``MIN_QUBITS`` or
        without a probe.

        >>> q = QRAO()
        >>> q.last_probe = Probe(qubits=17, seconds=0.47, parameters_per_qubit=4, measured_on=17)
        >>> q.fitting_qubits(5.0)
        14
        >>> q.last_probe = Probe(17, 0.47, 4, 17, overhead=0.02, setup=0.5)
        >>> q.fitting_qubits(5.0)
        13
        """
        probe = self.last_probe
        if probe is None:
            return None
        for qubits in range(probe.qubits - 1, MIN_QUBITS - 1, -1):
            evaluation = probe.overhead + (probe.seconds - probe.overhead) * 2.0 ** (
                qubits - probe.qubits)
            least = math.ceil(probe.parameters_per_qubit * qubits) + 2
            if probe.setup + (least + 1 + MIN_SHOTS / 2) * evaluation <= seconds:
                return qubits
        return None


def _calibrate(operator, qubits: int, reps: int, estimator, passes) -> float:
    """Seconds of one estimator evaluation of EfficientSU2 on ``qubits`` qubits against
    ``operator`` cut to its first ``qubits`` qubits (as many terms)."""
    from qiskit.circuit.library import efficient_su2
    from qiskit.quantum_info import SparsePauliOp

    cut = operator.paulis.delete(range(qubits, operator.num_qubits), qubit=True)
    ansatz = efficient_su2(qubits, reps=reps)
    point = np.zeros(ansatz.num_parameters)
    circuit = passes.run(ansatz)
    small = SparsePauliOp(cut, operator.coeffs).apply_layout(circuit.layout)
    began = time.perf_counter()
    estimator.run([(circuit, small, point)]).result()
    return time.perf_counter() - began


def summed_estimator(**options):
    """Aer's ``EstimatorV2`` saving one expectation value of the whole operator per circuit.

    Aer's estimator saves one expectation value per Pauli term (``save_expectation_value`` of
    each ``Pauli``) and sums them in Python; Aer's own ``save_expectation_value`` of the
    ``SparsePauliOp`` gives the same value (up to rounding) in one instruction. For QRAO's
    100–250-term Hamiltonians that is about 3× faster on 9–13 qubits on an idle machine (more
    under load) and the same at 20 qubits, where the statevector dominates
    (``bench/compression_speed.py estimator``). Pubs with a precision or with an array of
    observables go to Aer's code unchanged.
    """
    from qiskit.primitives.containers import DataBin, PubResult
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer.primitives import EstimatorV2

    class SummedEstimator(EstimatorV2):
        def _run_pub(self, pub):
            if pub.precision > 0 or pub.observables.shape != ():
                return super()._run_pub(pub)
            circuit = pub.circuit.copy()
            terms = pub.observables.ravel()[0]
            operator = SparsePauliOp(list(terms), np.array(list(terms.values())))
            circuit.save_expectation_value(operator, qubits=range(circuit.num_qubits),
                                           label="energy")
            shape = pub.parameter_values.shape
            values = pub.parameter_values.as_array(circuit.parameters)
            binds = {p: values[..., i].ravel() for i, p in enumerate(circuit.parameters)}
            result = self._backend.run(circuit, parameter_binds=[binds],
                                       **self.options.run_options).result()
            energies = np.array([np.real(result.data(i)["energy"])
                                 for i in range(int(np.prod(shape, dtype=int)))], dtype=float)
            energies = energies.reshape(shape)
            return PubResult(DataBin(evs=energies, stds=np.zeros(shape), shape=shape),
                             metadata={"target_precision": 0.0,
                                       "circuit_metadata": pub.circuit.metadata,
                                       "simulator_metadata": result.metadata})

    return SummedEstimator(**options)
