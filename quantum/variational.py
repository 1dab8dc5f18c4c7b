"""Inner solvers for one QUBO: QAOA, VQE and CVaR-VQE (plus simulated annealing, same interface).

Each solver's ``run(qubo, initial=None)`` trains its parameters (SciPy COBYLA or Powell), then
samples bitstrings from the trained state and returns ``Samples``; ``initial`` warm-starts the
parameters (the Lagrangian loop passes the previous iteration's). The training objective is
the expected energy, or its CVaR over the best ``alpha`` fraction of the distribution when
``alpha < 1`` (CVaR-VQE, Barkoutsos et al. 2020).

The QUBO is divided by the standard deviation of its energy over uniformly random bits before
it becomes a Hamiltonian, so the same angles mean the same thing for every instance.
"""

from __future__ import annotations

import copy
import math
import time
from typing import Callable, NamedTuple

import numpy as np

from problems.compiled import QUBO
from quantum.backends import AER_METHODS, AerRunner, check_backend, check_qubits
from quantum.circuits import ANSATZE, hardware_efficient, qaoa_circuit, qaoa_values
from quantum.ising import cost_vector, index_to_bits, qubo_to_ising
from quantum.real_amplitudes import RealAmplitudesSimulator
from quantum.samples import Samples, unique_samples
from quantum.simulator import DiagonalQAOA, ProductQAOA
from quantum.timing import OutOfTime, fits

OPTIMIZERS = ("COBYLA", "Powell")
PROBE_QUBITS = 16  # larger circuits get their evaluation time extrapolated from one this size


def energy_scale(qubo: QUBO) -> float:
    """Standard deviation of the QUBO energy over uniform random bits (1 for a constant QUBO).

    It equals the 2-norm of the Ising coefficients (Pauli strings are orthonormal).

    >>> energy_scale(QUBO(Q=np.diag([2.0, 2.0]), offset=0.0, names=("a", "b"), decode=None))
    1.4142135623730951
    """
    operator, _ = qubo_to_ising(qubo)
    norm = float(np.sqrt(np.sum(np.abs(operator.coeffs) ** 2)))
    return norm if norm > 0 else 1.0


def _check_common(optimizer: str, maxiter: int, alpha: float, final_shots: int) -> None:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    if not isinstance(maxiter, int) or isinstance(maxiter, bool) or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}")
    if not (isinstance(alpha, (int, float)) and 0.0 < alpha <= 1.0):
        raise ValueError(f"CVaR alpha must lie in (0, 1], got {alpha!r}")
    if not isinstance(final_shots, int) or isinstance(final_shots, bool) or final_shots < 1:
        raise ValueError(f"final_shots must be a positive integer, got {final_shots!r}")


def _minimise(function, start: np.ndarray, optimizer: str, maxiter: int,
              warm: bool = False, deadline: float | None = None,
              first_seconds: float = 0.0) -> tuple[np.ndarray, int, float]:
    """Minimise ``function`` from ``start``; a warm start searches a smaller initial region.

    COBYLA needs at least ``len(start) + 2`` evaluations, so ``maxiter`` is raised to that.
    With a ``deadline`` an evaluation starts only when it and the final sampling (one more
    evaluation) fit, judged by the slowest evaluation so far (``first_seconds`` before the
    first); the optimizer then stops with the best angles seen. Raises ``OutOfTime`` when
    not even the first evaluation fits. Returns the best angles seen, the evaluations and the
    seconds of the slowest evaluation after the first (an estimate for the next training).
    """
    from scipy.optimize import minimize

    calls = 0
    best = (math.inf, start)
    slowest = first_seconds
    steady = 0.0  # the slowest evaluation after the first (which may allocate or compile)

    def counted(theta):
        nonlocal calls, best, slowest, steady
        if not fits(deadline, 2.0 * slowest):
            raise _Stop
        began = time.perf_counter()
        value = function(theta)
        seconds = time.perf_counter() - began
        slowest = max(slowest, seconds)
        steady = max(steady, seconds) if calls else steady
        calls += 1
        if value < best[0]:
            best = (value, np.array(theta, dtype=float))
        return value

    try:
        if optimizer == "COBYLA":
            minimize(counted, start, method="COBYLA", options={
                "maxiter": max(maxiter, start.size + 2), "rhobeg": 0.1 if warm else 0.3,
                "tol": 1e-4})
        else:
            minimize(counted, start, method="Powell", options={"maxfev": maxiter, "xtol": 1e-3})
    except _Stop:
        if calls == 0:
            if first_seconds == 0.0:
                raise OutOfTime("the time limit was spent before the first circuit "
                                "evaluation") from None
            raise OutOfTime(f"one circuit evaluation takes about {first_seconds:.3g} s; "
                            "it and the final sampling do not fit before the deadline") from None
    return best[1], calls, steady if calls > 1 else slowest


class _Stop(Exception):
    """Raised inside the optimizer's objective to end the optimization at the deadline."""


def _distribution_value(energies: np.ndarray, probabilities: np.ndarray, alpha: float,
                        order: np.ndarray | None = None) -> float:
    """Mean energy, or CVaR_α (mean over the lowest-energy ``alpha`` of the mass)."""
    if alpha >= 1.0:
        return float(probabilities @ energies)
    order = np.argsort(energies, kind="stable") if order is None else order
    p = probabilities[order]
    taken = np.clip(np.minimum(p, alpha - (np.cumsum(p) - p)), 0.0, None)
    return float(taken @ energies[order] / alpha)


class _Simulation(NamedTuple):
    """What the training loop needs of a backend, for one QUBO divided by its energy scale.

    ``objective(theta)``: the value minimised (mean energy or its CVaR);
    ``finish(theta, evaluations)``: the trained state's samples as (bits, counts or None,
    value, shots spent in all).
    """

    num_parameters: int
    objective: Callable[[np.ndarray], float]
    finish: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray | None, float, int]]


class _Variational:
    """The training and sampling loop (``run``) shared by QAOA and VQE on every backend;
    subclasses provide the circuit, the initial angles and their fast simulation."""

    name = "variational"
    backends: tuple[str, ...] = AER_METHODS

    def __init__(self, *, alpha: float, optimizer: str, maxiter: int, backend: str,
                 shots: int | None, final_shots: int, noise, seed: int):
        _check_common(optimizer, maxiter, alpha, final_shots)
        check_backend(backend, allowed=self.backends)
        if shots is not None and backend == "fast":
            raise ValueError("the fast simulator is exact; shots apply to the Aer backends "
                             "('statevector', 'matrix_product_state')")
        if noise is not None and backend == "fast":
            raise ValueError("the fast simulator is noiseless; use backend='statevector' or "
                             "'matrix_product_state' for a noise model")
        self.alpha = float(alpha)
        self.optimizer = optimizer
        self.maxiter = maxiter
        self.backend = backend
        self.shots = shots
        self.final_shots = final_shots
        self.noise = noise
        self.rng = np.random.default_rng(seed)
        self.seed = seed

    def check(self, num_qubits: int, what: str = "the encoding") -> None:
        """Raise ``TooManyQubits`` before any simulation when the backend cannot hold the QUBO."""
        check_qubits(self.backend, num_qubits, what)

    def circuit(self, qubo: QUBO, scale: float | None = None):
        raise NotImplementedError

    def values(self, circuit, theta: np.ndarray) -> list[float]:
        """Circuit parameter values, in ``circuit.parameters`` order, for the angles ``theta``."""
        return list(map(float, theta))

    def initial(self, num_parameters: int) -> np.ndarray:
        raise NotImplementedError

    def run(self, qubo: QUBO, initial: np.ndarray | None = None,
            deadline: float | None = None) -> Samples:
        """Train on ``qubo`` (warm-started from ``initial`` when it fits) and sample bitstrings.

        The one training loop of every backend: ``simulation`` says what is minimised and
        how the trained state is sampled. ``deadline`` (a ``time.perf_counter()`` value) stops
        training early; ``OutOfTime`` is raised, before anything large is built, when not even
        one evaluation would fit.
        """
        n = qubo.num_variables
        self.check(n)
        first = self.evaluation_seconds(n) if deadline is not None else 0.0
        if not fits(deadline, 2.0 * first):
            raise OutOfTime(f"one evaluation of the {n}-qubit circuit takes about {first:.3g} s "
                            f"(extrapolated from {PROBE_QUBITS} qubits); it and the final "
                            "sampling do not fit before the deadline")
        scale = energy_scale(qubo)
        simulation = self.simulation(qubo, scale)
        start = self._start(initial, simulation.num_parameters)
        theta, calls, slowest = _minimise(
            simulation.objective, start, self.optimizer, self.maxiter,
            warm=initial is not None and len(initial) == len(start), deadline=deadline,
            first_seconds=first)
        self.__dict__.setdefault("_measured_seconds", {})[n] = slowest
        bits, counts, value, shots = simulation.finish(theta, calls)
        return unique_samples(bits, counts, params=theta, value=value * scale,
                              evaluations=calls + 1, shots=shots)

    def evaluation_seconds(self, num_qubits: int) -> float:
        """Estimated seconds of one training evaluation on ``num_qubits`` qubits: the slowest
        one measured by this solver's previous training at this size (the multiplier loop
        trains many times); else 0 up to ``PROBE_QUBITS`` (cheap), and beyond it a timed
        evaluation on ``PROBE_QUBITS`` qubits scaled by the state size and the gate count.
        """
        measured = self.__dict__.get("_measured_seconds", {}).get(num_qubits)
        if measured is not None:
            return measured
        if num_qubits <= PROBE_QUBITS:
            return 0.0
        cache = self.__dict__.setdefault("_probe_seconds", {})
        if PROBE_QUBITS not in cache:
            probe = copy.copy(self)
            probe.rng = np.random.default_rng(0)  # leaves this solver's random stream alone
            Q = np.random.default_rng(0).normal(size=(PROBE_QUBITS, PROBE_QUBITS))
            qubo = QUBO(Q=(Q + Q.T) / 2, offset=0.0, decode=None,
                        names=tuple(f"p{i}" for i in range(PROBE_QUBITS)))
            simulation = probe.simulation(qubo, energy_scale(qubo))
            theta = probe._start(None, simulation.num_parameters)
            simulation.objective(theta)  # the first call may compile or allocate: time the second
            began = time.perf_counter()
            simulation.objective(theta)
            cache[PROBE_QUBITS] = time.perf_counter() - began
        growth = 2.0 ** (num_qubits - PROBE_QUBITS) * num_qubits / PROBE_QUBITS
        return cache[PROBE_QUBITS] * growth

    def simulation(self, qubo: QUBO, scale: float) -> _Simulation:
        """The training objective and final sampling of ``qubo / scale`` on Aer."""
        n = qubo.num_variables
        circuit = self.circuit(qubo, scale)
        runner = AerRunner(circuit, self.backend, shots=self.shots, noise=self.noise,
                           seed=int(self.rng.integers(2**31)))
        exact = runner.shots is None
        costs = cost_vector(qubo) / scale if exact else None
        order = np.argsort(costs, kind="stable") if exact and self.alpha < 1.0 else None

        def energies(states):
            if exact:
                return costs[states]
            return qubo.energies(index_to_bits(states, n)) / scale

        def objective(theta):
            states, probabilities = runner.distribution(self.values(circuit, theta))
            return _distribution_value(energies(states), probabilities, self.alpha, order)

        def finish(theta, calls):
            states, probabilities = runner.distribution(self.values(circuit, theta),
                                                        shots=self.final_shots)
            value = _distribution_value(energies(states), probabilities, self.alpha, order)
            if exact:
                return self._sampled(probabilities, n), None, value, self.final_shots
            shots = calls * runner.shots + self.final_shots
            return index_to_bits(states, n), probabilities, value, shots

        return _Simulation(circuit.num_parameters, objective, finish)

    def _sampled(self, probabilities: np.ndarray, n: int) -> np.ndarray:
        """``final_shots`` bitstrings of ``n`` bits drawn from an exact distribution."""
        states = self.rng.choice(probabilities.size, size=self.final_shots,
                                 p=probabilities / probabilities.sum())
        return index_to_bits(states, n)

    def _start(self, initial, size: int) -> np.ndarray:
        if initial is not None and len(initial) == size:
            return np.asarray(initial, dtype=float)
        return self.initial(size)


class QAOA(_Variational):
    """QAOA with ``reps`` layers, trained on the fast simulator or on Aer.

    On the fast backend a cost without couplings (e.g. the slack-free MDKP Lagrangian) is
    simulated exactly as a product state (``ProductQAOA``).

    >>> q = QUBO(Q=np.array([[-1.0, 2.0], [2.0, -1.0]]), offset=0.0, names=("a", "b"),
    ...          decode=None)
    >>> s = QAOA(reps=2, maxiter=60, seed=1).run(q)
    >>> best = s.bits[np.argmax(s.weights)]
    >>> q.energy(best)
    -1.0
    """

    name = "qaoa"
    backends = ("fast",) + AER_METHODS

    def __init__(self, *, reps: int = 2, alpha: float = 1.0, optimizer: str = "COBYLA",
                 maxiter: int = 100, backend: str = "fast", shots: int | None = None,
                 final_shots: int = 1024, noise=None, seed: int = 0, device=None):
        super().__init__(alpha=alpha, optimizer=optimizer, maxiter=maxiter, backend=backend,
                         shots=shots, final_shots=final_shots, noise=noise, seed=seed)
        if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
            raise ValueError(f"QAOA reps must be a positive integer, got {reps!r}")
        self.reps = reps
        self.device = device

    def circuit(self, qubo: QUBO, scale: float | None = None):
        """The QAOA circuit of ``qubo`` divided by ``scale`` (default ``energy_scale``)."""
        operator, _ = qubo_to_ising(qubo)
        scale = energy_scale(qubo) if scale is None else scale
        return qaoa_circuit(operator / scale, self.reps)

    def initial(self, num_parameters: int) -> np.ndarray:
        """A linear ramp (a discretised anneal): ``γ_i = s_i Δ``, ``β_i = −(1 − s_i) Δ``."""
        p = num_parameters // 2
        s = (np.arange(p) + 0.5) / p
        return np.concatenate((0.8 * s, -0.8 * (1.0 - s)))

    def simulation(self, qubo: QUBO, scale: float) -> _Simulation:
        """On the fast backend: ``ProductQAOA`` for a cost without couplings, else
        ``DiagonalQAOA``; on the others, Aer."""
        if self.backend != "fast":
            return super().simulation(qubo, scale)
        n = qubo.num_variables
        p = self.reps
        Q = np.asarray(qubo.Q, dtype=float)
        separable = self.alpha >= 1.0 and not np.any(Q - np.diag(np.diag(Q)))
        if separable:  # a linear cost: the exact state is a product state
            simulator = ProductQAOA(np.diag(Q) / scale, qubo.offset / scale)
        else:
            simulator = DiagonalQAOA(cost_vector(qubo) / scale, device=self.device)

        def objective(theta):
            if self.alpha >= 1.0:
                return simulator.expectation(theta[:p], theta[p:])
            return simulator.cvar(theta[:p], theta[p:], self.alpha)

        def finish(theta, calls):
            value = objective(theta)
            if separable:
                bits = simulator.sample(theta[:p], theta[p:], self.final_shots, self.rng)
            else:
                bits = self._sampled(
                    simulator.probabilities(theta[:p], theta[p:]).cpu().numpy(), n)
            return bits, None, value, self.final_shots

        return _Simulation(2 * p, objective, finish)

    def values(self, circuit, theta: np.ndarray) -> list[float]:
        """``theta = (γ_1..γ_p, β_1..β_p)`` in the order of ``circuit.parameters``."""
        return qaoa_values(circuit, theta[:self.reps], theta[self.reps:])


class VQE(_Variational):
    """VQE on a hardware-efficient ansatz; ``alpha < 1`` makes it CVaR-VQE.

    Runs on Aer (``backend="statevector"`` by default); ``backend="fast"`` trains the real
    ``real_amplitudes`` ansatz on ``RealAmplitudesSimulator`` instead (same energies to 1e-12).

    >>> q = QUBO(Q=np.array([[-1.0, 2.0], [2.0, -1.0]]), offset=0.0, names=("a", "b"),
    ...          decode=None)
    >>> s = VQE(ansatz="real_amplitudes", reps=1, alpha=0.5, maxiter=80, seed=0).run(q)
    >>> float(min(q.energies(s.bits)))
    -1.0
    """

    name = "vqe"
    backends = ("fast",) + AER_METHODS

    def __init__(self, *, ansatz: str = "efficient_su2", reps: int = 1, alpha: float = 1.0,
                 optimizer: str = "COBYLA", maxiter: int = 150, backend: str = "statevector",
                 shots: int | None = None, final_shots: int = 1024, noise=None, seed: int = 0):
        if ansatz not in ANSATZE:
            raise ValueError(f"unknown ansatz {ansatz!r}; choose one of {', '.join(ANSATZE)}")
        if backend == "fast" and ansatz != "real_amplitudes":
            raise ValueError("the fast simulator handles QAOA and the real_amplitudes ansatz "
                             f"only; VQE with {ansatz!r} runs on Aer: backend one of "
                             f"{', '.join(AER_METHODS)}")
        super().__init__(alpha=alpha, optimizer=optimizer, maxiter=maxiter, backend=backend,
                         shots=shots, final_shots=final_shots, noise=noise, seed=seed)
        if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
            raise ValueError(f"ansatz reps must be a positive integer, got {reps!r}")
        self.ansatz = ansatz
        self.reps = reps

    def circuit(self, qubo: QUBO, scale: float | None = None):
        """The hardware-efficient ansatz on ``qubo.num_variables`` qubits."""
        return hardware_efficient(qubo.num_variables, self.ansatz, self.reps)

    def initial(self, num_parameters: int) -> np.ndarray:
        """Uniform random angles in [−π, π)."""
        return self.rng.uniform(-np.pi, np.pi, size=num_parameters)

    def simulation(self, qubo: QUBO, scale: float) -> _Simulation:
        """On the fast backend ``RealAmplitudesSimulator``, on the others Aer."""
        if self.backend != "fast":
            return super().simulation(qubo, scale)
        simulator = RealAmplitudesSimulator(cost_vector(qubo) / scale, self.reps)
        self.rng.integers(2**31)  # the Aer path's simulator seed: same stream, same start

        def objective(theta):
            if self.alpha >= 1.0:
                return simulator.expectation(theta)
            return simulator.cvar(theta, self.alpha)

        def finish(theta, calls):
            value = objective(theta)
            bits = self._sampled(simulator.probabilities(theta), qubo.num_variables)
            return bits, None, value, self.final_shots

        return _Simulation(simulator.num_parameters, objective, finish)
