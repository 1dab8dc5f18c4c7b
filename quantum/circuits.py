"""Parametrised circuits: the QAOA ansatz of an Ising operator and hardware-efficient ansätze.

Circuits come from Qiskit's circuit library; this module only fixes parameter order and reports
the size of a circuit after transpiling it to a hardware-like basis (CX + single-qubit gates).
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.library import efficient_su2, qaoa_ansatz, real_amplitudes
from qiskit.quantum_info import SparsePauliOp

ANSATZE = ("efficient_su2", "real_amplitudes")
STATS_BASIS = ("cx", "rz", "sx", "x")


def qaoa_circuit(operator: SparsePauliOp, reps: int) -> QuantumCircuit:
    """The ``reps``-layer QAOA circuit of a diagonal ``operator`` (no measurements).

    Bind it with ``qaoa_values(circuit, gammas, betas)``.

    >>> from qiskit.quantum_info import SparsePauliOp
    >>> c = qaoa_circuit(SparsePauliOp(["ZZ", "IZ"], [1.0, 0.5]), reps=2)
    >>> c.num_qubits, c.num_parameters
    (2, 4)
    """
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
        raise ValueError(f"QAOA reps must be a positive integer, got {reps!r}")
    return qaoa_ansatz(operator, reps=reps)


def qaoa_values(circuit: QuantumCircuit, gammas, betas) -> list[float]:
    """Parameter values for ``circuit.parameters`` from layer angles ``gammas`` and ``betas``.

    >>> from qiskit.quantum_info import SparsePauliOp
    >>> c = qaoa_circuit(SparsePauliOp(["Z"], [1.0]), reps=1)
    >>> qaoa_values(c, [0.1], [0.2])
    [0.2, 0.1]
    """
    angles = {"γ": [float(g) for g in gammas], "β": [float(b) for b in betas]}
    values = []
    for parameter in circuit.parameters:
        vector = getattr(parameter, "vector", None)
        if vector is None or vector.name not in angles:
            raise ValueError(f"qaoa_values: unexpected parameter {parameter.name} in circuit")
        values.append(angles[vector.name][parameter.index])
    return values


def hardware_efficient(num_qubits: int, kind: str = "efficient_su2", reps: int = 2,
                       entanglement: str = "linear") -> QuantumCircuit:
    """A hardware-efficient ansatz: ``efficient_su2`` (RY, RZ) or ``real_amplitudes`` (RY).

    >>> hardware_efficient(3, "real_amplitudes", reps=1).num_parameters
    6
    """
    if kind not in ANSATZE:
        raise ValueError(f"unknown ansatz {kind!r}; choose one of {', '.join(ANSATZE)}")
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
        raise ValueError(f"ansatz reps must be a positive integer, got {reps!r}")
    if kind == "efficient_su2":
        return efficient_su2(num_qubits, reps=reps, entanglement=entanglement)
    return real_amplitudes(num_qubits, reps=reps, entanglement=entanglement)


def circuit_stats(circuit: QuantumCircuit, seed: int = 0) -> dict:
    """Depth and two-qubit gate count after transpiling to CX + {RZ, SX, X} (all-to-all).

    >>> circuit_stats(hardware_efficient(3, "real_amplitudes", reps=1))["two_qubit_gates"]
    2
    """
    bound = circuit.assign_parameters(np.linspace(0.1, 0.9, circuit.num_parameters)) \
        if circuit.num_parameters else circuit
    compiled = transpile(bound, basis_gates=list(STATS_BASIS), optimization_level=1,
                         seed_transpiler=seed)
    two_qubit = sum(1 for item in compiled.data if item.operation.num_qubits == 2)
    return {"depth": int(compiled.depth()), "two_qubit_gates": int(two_qubit)}
