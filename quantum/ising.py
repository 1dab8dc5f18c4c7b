"""QUBO ↔ Ising operator (``SparsePauliOp``), the diagonal cost vector, ``QuadraticProgram`` interop.

Conventions
-----------
* Bit ``x_i`` is qubit ``i``; basis state ``|k>`` has ``x_i = (k >> i) & 1`` (Qiskit's
  little-endian order), and ``x_i = (1 - z_i) / 2`` with ``z_i`` the eigenvalue of ``Z_i``.
* ``qubo_to_ising`` returns the operator *without* its constant, plus that constant, so that
  ``<ψ|op|ψ> + offset`` is the expected QUBO energy.
"""

from __future__ import annotations

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from problems.compiled import QUBO


def qubo_to_ising(qubo: QUBO, *, atol: float = 0.0) -> tuple[SparsePauliOp, float]:
    """The Ising operator of ``qubo`` (Z and ZZ terms) and its constant offset.

    Terms whose coefficient is at most ``atol`` in magnitude are dropped.

    >>> import numpy as np
    >>> q = QUBO(Q=np.array([[1.0, -1.0], [-1.0, 2.0]]), offset=0.5, names=("a", "b"),
    ...          decode=lambda b: b)
    >>> op, offset = qubo_to_ising(q)
    >>> sorted(op.to_list()), offset
    ([('ZI', (-0.5+0j)), ('ZZ', (-0.5+0j))], 1.5)
    """
    Q = np.asarray(qubo.Q, dtype=float)
    n = Q.shape[0]
    if n == 0:
        raise ValueError("qubo_to_ising: the QUBO has no variables")
    off_diagonal = Q - np.diag(np.diag(Q))
    h = -np.diag(Q) / 2.0 - off_diagonal.sum(axis=1) / 2.0
    constant = float(qubo.offset + np.trace(Q) / 2.0 + off_diagonal.sum() / 4.0)
    terms = [("Z", [i], float(h[i])) for i in range(n) if abs(h[i]) > atol]
    rows, cols = np.triu_indices(n, k=1)
    couplings = Q[rows, cols] / 2.0
    keep = np.abs(couplings) > atol
    terms += [("ZZ", [int(i), int(j)], float(c))
              for i, j, c in zip(rows[keep], cols[keep], couplings[keep])]
    return SparsePauliOp.from_sparse_list(terms, num_qubits=n).simplify(atol=0.0), constant


def ising_to_qubo(operator: SparsePauliOp, offset: float = 0.0,
                  names: tuple[str, ...] | None = None) -> QUBO:
    """The QUBO of a diagonal operator of one- and two-body ``Z`` terms (``qubo_to_ising`` inverse).

    The returned QUBO decodes to the bit vector itself.

    >>> import numpy as np
    >>> q = QUBO(Q=np.array([[1.0, -1.0], [-1.0, 2.0]]), offset=0.5, names=("a", "b"),
    ...          decode=lambda b: b)
    >>> back = ising_to_qubo(*qubo_to_ising(q))
    >>> bool(np.allclose(back.Q, q.Q)), back.offset
    (True, 0.5)
    """
    n = operator.num_qubits
    Q = np.zeros((n, n))
    constant = float(offset)
    for label, coef in operator.to_list():
        if abs(np.imag(coef)) > 1e-12:
            raise ValueError(f"ising_to_qubo: term {label} has a complex coefficient {coef}")
        c = float(np.real(coef))
        if set(label) - {"I", "Z"}:
            raise ValueError(f"ising_to_qubo: term {label} is not diagonal (only I and Z allowed)")
        qubits = [n - 1 - pos for pos, p in enumerate(label) if p == "Z"]
        if len(qubits) > 2:
            raise ValueError(f"ising_to_qubo: term {label} couples {len(qubits)} qubits, "
                             "a QUBO allows at most two")
        constant += c
        if len(qubits) == 1:  # z = 1 - 2x
            Q[qubits[0], qubits[0]] += -2.0 * c
        elif len(qubits) == 2:  # z_i z_j = 1 - 2x_i - 2x_j + 4 x_i x_j
            i, j = qubits
            Q[i, i] += -2.0 * c
            Q[j, j] += -2.0 * c
            Q[i, j] += 2.0 * c
            Q[j, i] += 2.0 * c
    names = tuple(names) if names is not None else tuple(f"x{i}" for i in range(n))
    return QUBO(Q=Q, offset=constant, names=names, decode=lambda bits: np.asarray(bits))


def cost_vector(qubo: QUBO) -> np.ndarray:
    """Energy of every basis state, ``costs[k] = energy(bits of k)``, in O(2^n) time.

    Built by doubling: adding bit ``k`` appends ``E + Q_kk + 2 Σ_{j<k} Q_kj x_j`` to ``E``.

    >>> import numpy as np
    >>> q = QUBO(Q=np.array([[1.0, -1.0], [-1.0, 2.0]]), offset=0.5, names=("a", "b"),
    ...          decode=lambda b: b)
    >>> cost_vector(q).tolist()   # states 00, x0=1, x1=1, 11
    [0.5, 1.5, 2.5, 1.5]
    """
    Q = np.asarray(qubo.Q, dtype=float)
    n = Q.shape[0]
    energies = np.full(1, float(qubo.offset))
    for k in range(n):
        field = np.zeros(1)
        for j in range(k):
            field = np.concatenate((field, field + 2.0 * Q[k, j]))
        energies = np.concatenate((energies, energies + Q[k, k] + field))
    return energies


def index_to_bits(indices: np.ndarray, num_qubits: int) -> np.ndarray:
    """Bit rows (``int8``) of basis-state indices, bit ``i`` of index ``k`` in column ``i``.

    >>> index_to_bits(np.array([1, 2, 3]), 2).tolist()
    [[1, 0], [0, 1], [1, 1]]
    """
    indices = np.asarray(indices, dtype=np.int64)
    return ((indices[:, None] >> np.arange(num_qubits)) & 1).astype(np.int8)


def bits_to_index(bits: np.ndarray) -> np.ndarray:
    """Inverse of ``index_to_bits``.

    >>> bits_to_index(np.array([[1, 0], [1, 1]])).tolist()
    [1, 3]
    """
    bits = np.atleast_2d(np.asarray(bits, dtype=np.int64))
    return bits @ (np.int64(1) << np.arange(bits.shape[1], dtype=np.int64))


def to_quadratic_program(qubo: QUBO, name: str = "qubo"):
    """The QUBO as an unconstrained binary ``qiskit_optimization.QuadraticProgram`` (minimise).

    >>> import numpy as np
    >>> q = QUBO(Q=np.array([[1.0, -1.0], [-1.0, 2.0]]), offset=0.5, names=("a", "b"),
    ...          decode=lambda b: b)
    >>> qp = to_quadratic_program(q)
    >>> float(qp.objective.evaluate([1, 1]))
    1.5
    """
    from qiskit_optimization import QuadraticProgram

    Q = np.asarray(qubo.Q, dtype=float)
    program = QuadraticProgram(name)
    for var in qubo.names:
        program.binary_var(var)
    n = Q.shape[0]
    rows, cols = np.triu_indices(n, k=1)
    quadratic = {(qubo.names[i], qubo.names[j]): 2.0 * Q[i, j]
                 for i, j in zip(rows, cols) if Q[i, j] != 0.0}
    linear = {qubo.names[i]: Q[i, i] for i in range(n) if Q[i, i] != 0.0}
    program.minimize(constant=float(qubo.offset), linear=linear, quadratic=quadratic)
    return program


def from_quadratic_program(program, penalty: float | None = None) -> QUBO:
    """A ``QUBO`` from a ``QuadraticProgram``, converting constraints with qiskit-optimization.

    Constraints and integer variables are handled by ``QuadraticProgramToQubo`` (slack and
    penalties); ``decode`` maps the bits back to the values of the program's own variables.

    >>> q = from_quadratic_program(to_quadratic_program(
    ...     QUBO(Q=np.eye(2), offset=0.0, names=("a", "b"), decode=lambda b: b)))
    >>> q.energy(np.array([1, 1]))
    2.0
    """
    from qiskit_optimization.converters import QuadraticProgramToQubo

    converter = QuadraticProgramToQubo(penalty=penalty)
    converted = converter.convert(program)
    objective = converted.objective
    sign = 1.0 if objective.sense.name == "MINIMIZE" else -1.0
    n = converted.get_num_vars()
    linear = objective.linear.to_array()
    quadratic = objective.quadratic.to_array()
    Q = sign * ((quadratic + quadratic.T) / 2.0 + np.diag(linear))
    names = tuple(v.name for v in converted.variables)
    slack = sum(1 for v in names if "@" in v)
    return QUBO(Q=Q, offset=sign * float(objective.constant), names=names,
                decode=lambda bits: np.asarray(converter.interpret(np.asarray(bits)[:n])),
                slack_bits=slack, penalty=float(converter.penalty or 0.0))
