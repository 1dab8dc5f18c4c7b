"""Where circuits run: the fast diagonal simulator or Qiskit Aer (statevector, MPS, shots, noise).

Every backend has a qubit limit, checked by ``check_qubits`` before anything is simulated.
``AerRunner`` turns a parametrised circuit plus parameter values into a distribution over basis
states: exact probabilities (statevector without shots) or shot frequencies.
"""

from __future__ import annotations

import numpy as np

# Largest qubit counts each backend accepts: a complex128 statevector of 26 qubits is 1 GiB.
MAX_QUBITS = {"fast": 26, "statevector": 26, "matrix_product_state": 64}
AER_METHODS = ("statevector", "matrix_product_state")
DEFAULT_MPS_SHOTS = 4096


class TooManyQubits(ValueError):
    """An encoding needs more qubits than the chosen backend simulates."""


def check_backend(backend: str, *, allowed: tuple[str, ...] = tuple(MAX_QUBITS)) -> None:
    """Raise ``ValueError`` unless ``backend`` is one of ``allowed``.

    >>> check_backend("fast")
    >>> check_backend("gpu")
    Traceback (most recent call last):
    ...
    ValueError: unknown backend 'gpu'; choose one of fast, statevector, matrix_product_state
    """
    if backend not in allowed:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(allowed)}")


def check_qubits(backend: str, num_qubits: int, what: str = "the encoding") -> None:
    """Raise ``TooManyQubits`` when ``num_qubits`` exceeds the backend's limit.

    >>> check_qubits("statevector", 30, "MDKP slack encoding")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    quantum.backends.TooManyQubits: MDKP slack encoding needs 30 qubits; ... at most 26
    """
    check_backend(backend)
    if num_qubits > MAX_QUBITS[backend]:
        raise TooManyQubits(f"{what} needs {num_qubits} qubits; backend {backend!r} simulates "
                            f"at most {MAX_QUBITS[backend]}")


def noise_model(error: float):
    """A depolarizing ``NoiseModel``: ``error`` on CX gates, ``error / 10`` on 1-qubit gates.

    >>> sorted(noise_model(0.01).noise_instructions)
    ['cx', 'rz', 'sx', 'x']
    """
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    if not 0.0 < error < 1.0:
        raise ValueError(f"noise must be a depolarizing probability in (0, 1), got {error!r}")
    model = NoiseModel(basis_gates=["cx", "rz", "sx", "x"])
    model.add_all_qubit_quantum_error(depolarizing_error(error, 2), ["cx"])
    model.add_all_qubit_quantum_error(depolarizing_error(error / 10.0, 1), ["rz", "sx", "x"])
    return model


class AerRunner:
    """Runs one parametrised circuit on ``AerSimulator`` many times with new parameter values.

    Parameters
    ----------
    circuit : QuantumCircuit
        Parametrised, without measurements.
    method : "statevector" or "matrix_product_state"
    shots : int or None
        ``None`` gives exact probabilities (statevector only; with noise or MPS a default
        of ``DEFAULT_MPS_SHOTS`` shots is used).
    noise : float, NoiseModel or None
        Depolarizing probability (see ``noise_model``) or an Aer ``NoiseModel``.
    seed : int
    threads : int
        Aer's ``max_parallel_threads`` (0: all cores). One thread is fastest up to about
        20 qubits on a shared machine (measured: 19 ms against 127 ms at 16 qubits).

    Examples
    --------
    >>> from qiskit import QuantumCircuit
    >>> from qiskit.circuit import Parameter
    >>> c = QuantumCircuit(1)
    >>> _ = c.ry(Parameter("t"), 0)
    >>> states, probs = AerRunner(c).distribution([np.pi])
    >>> states.tolist(), np.round(probs, 12).tolist()
    ([0, 1], [0.0, 1.0])
    """

    def __init__(self, circuit, method: str = "statevector", *,
                 shots: int | None = None, noise=None, seed: int = 0, threads: int = 1):
        from qiskit import transpile  # here, so that the qubit limits import without qiskit
        from qiskit_aer import AerSimulator

        check_backend(method, allowed=AER_METHODS)
        check_qubits(method, circuit.num_qubits, "the circuit")
        if noise is not None and not hasattr(noise, "noise_instructions"):
            noise = noise_model(float(noise))
        if shots is None and (noise is not None or method == "matrix_product_state"):
            shots = DEFAULT_MPS_SHOTS
        if shots is not None and (not isinstance(shots, int) or isinstance(shots, bool)
                                  or shots < 1):
            raise ValueError(f"shots must be a positive integer or None, got {shots!r}")
        self.shots = shots
        self.num_qubits = circuit.num_qubits
        self.simulator = AerSimulator(method=method, noise_model=noise, seed_simulator=seed,
                                      max_parallel_threads=threads)
        prepared = circuit.copy()
        if shots is None:
            prepared.save_statevector()
        else:
            prepared.measure_all()
        self.circuit = transpile(prepared, self.simulator, optimization_level=1,
                                 seed_transpiler=seed)
        self.runs = 0

    def distribution(self, values, shots: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Basis-state indices with exact probabilities, or with shot frequencies.

        ``shots`` overrides the runner's shot count (shot-based runners only).
        """
        bound = self.circuit.assign_parameters(list(map(float, values)))
        self.runs += 1
        if self.shots is None:
            result = self.simulator.run(bound).result()
            amplitudes = np.asarray(result.get_statevector(), dtype=np.complex128)
            return np.arange(amplitudes.size, dtype=np.int64), np.abs(amplitudes) ** 2
        counts = self.simulator.run(bound, shots=shots or self.shots).result().get_counts()
        states = np.fromiter((int(k.replace(" ", ""), 2) for k in counts), dtype=np.int64,
                             count=len(counts))
        freq = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        return states, freq / freq.sum()
