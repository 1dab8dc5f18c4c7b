"""A fast exact simulator of Qiskit's ``real_amplitudes`` ansatz (linear entanglement), in numba.

``real_amplitudes(n, reps, entanglement="linear")`` is ``reps + 1`` layers of RY rotations with
a chain ``CX(0,1), CX(1,2), ..., CX(n-2,n-1)`` between consecutive layers, started from
``|0...0>``. Every gate is real (RY is a real 2 x 2 rotation, CX a permutation of basis
states), so the state is a real float64 vector: half the memory of a complex one, and a quarter
of the arithmetic. The first RY layer makes a product state, built directly; the CX chain maps
basis state ``x`` to its prefix XOR ``y_k = x_0 ⊕ ... ⊕ x_k`` (one gather pass); each later RY
layer mixes the qubits two at a time within cache-sized blocks, like ``quantum.simulator``.
Parameter ``θ[l·n + q]`` is the rotation of qubit ``q`` in layer ``l``, the order of
``circuit.parameters``; qubit ``i`` is bit ``i`` of the basis index.
"""

from __future__ import annotations

import numba
import numpy as np

LOW_BITS = 14  # 2^14 float64 amplitudes (128 KiB) per block of the first sweep of an RY layer


@numba.njit(cache=True)
def _product_state(psi, c, s):  # pragma: no cover - compiled
    """``⊗_q (c_q |0> + s_q |1>)`` into ``psi``."""
    psi[0] = 1.0
    for q in range(c.size):
        h = 1 << q
        for i in range(h):
            psi[h + i] = psi[i] * s[q]
            psi[i] *= c[q]


@numba.njit(cache=True)
def _cx_chain(source, target):  # pragma: no cover - compiled
    """``target = CX(n-2,n-1) ... CX(0,1) source``: ``target[y] = source[y ⊕ (y << 1)]``."""
    mask = source.size - 1
    for y in range(source.size):
        target[y] = source[y ^ ((y << 1) & mask)]


@numba.njit(cache=True, inline="always")
def _ry(psi, i, j, c, s):  # pragma: no cover - compiled
    a, b = psi[i], psi[j]
    psi[i] = c * a - s * b
    psi[j] = s * a + c * b


@numba.njit(cache=True, inline="always")
def _ry_pair(psi, i, h, g, c0, s0, c1, s1):  # pragma: no cover - compiled
    """RY on two qubits at once: amplitudes ``i, i + h, i + g, i + h + g``."""
    a0, a1, a2, a3 = psi[i], psi[i + h], psi[i + g], psi[i + h + g]
    b0, b1 = c0 * a0 - s0 * a1, s0 * a0 + c0 * a1
    b2, b3 = c0 * a2 - s0 * a3, s0 * a2 + c0 * a3
    psi[i], psi[i + g] = c1 * b0 - s1 * b2, s1 * b0 + c1 * b2
    psi[i + h], psi[i + h + g] = c1 * b1 - s1 * b3, s1 * b1 + c1 * b3


@numba.njit(cache=True)
def _ry_qubits(psi, start, end, q0, q1, c, s):  # pragma: no cover - compiled
    """RY(θ_q) on qubits ``q0 <= q < q1`` of ``psi[start:end]``, two qubits per pass."""
    q = q0
    while q < q1:
        h = 1 << q
        c0, s0 = c[q], s[q]  # locals: loads from c, s could alias psi in the loop
        if q + 1 < q1:
            c1, s1 = c[q + 1], s[q + 1]
            for block in range(start, end, 4 * h):
                for i in range(block, block + h):
                    _ry_pair(psi, i, h, 2 * h, c0, s0, c1, s1)
            q += 2
        else:
            for block in range(start, end, 2 * h):
                for i in range(block, block + h):
                    _ry(psi, i, i + h, c0, s0)
            q += 1


@numba.njit(cache=True)
def _ry_layer(psi, c, s, low_bits):  # pragma: no cover - compiled
    """RY(θ_q) on every qubit ``q`` (``c = cos θ/2``, ``s = sin θ/2``): the low qubits block by
    block while each block is in cache, then the high qubits in passes over the whole state."""
    n = c.size
    bits = min(n, low_bits)
    for start in range(0, psi.size, 1 << bits):
        _ry_qubits(psi, start, start + (1 << bits), 0, bits, c, s)
    _ry_qubits(psi, 0, psi.size, bits, n, c, s)


@numba.njit(cache=True)
def _evolve(theta, psi, spare, low_bits):  # pragma: no cover - compiled
    """The ansatz state for angles ``theta``; returns whichever of ``psi``, ``spare`` holds it."""
    n = 0
    while (1 << n) < psi.size:
        n += 1
    layers = theta.size // n
    half = theta / 2.0
    _product_state(psi, np.cos(half[:n]), np.sin(half[:n]))
    for layer in range(1, layers):
        _cx_chain(psi, spare)
        psi, spare = spare, psi
        angles = half[layer * n:(layer + 1) * n]
        _ry_layer(psi, np.cos(angles), np.sin(angles), low_bits)
    return psi


@numba.njit(cache=True)
def _tail_mean(psi, sorted_costs, order, alpha):  # pragma: no cover - compiled
    """CVaR_α: the mean cost of the lowest-cost ``alpha`` of the mass (walks the sorted order
    only as far as the mass reaches ``alpha``; ``sorted_costs = costs[order]``)."""
    mass = 0.0
    total = 0.0
    for k in range(order.size):
        if mass >= alpha:
            break
        i = order[k]
        p = psi[i] * psi[i]
        total += min(p, alpha - mass) * sorted_costs[k]
        mass += p
    return total / alpha


@numba.njit(cache=True)
def _mean(psi, costs):  # pragma: no cover - compiled
    total = 0.0
    for i in range(psi.size):
        total += psi[i] * psi[i] * costs[i]
    return total


class RealAmplitudesSimulator:
    """Exact states, energies and CVaR values of ``real_amplitudes(n, reps)`` for a cost vector.

    Parameters
    ----------
    costs : array of length ``2**n``
        Energy of each basis state (``quantum.ising.cost_vector``).
    reps : int
        Entangling layers of the ansatz; it has ``n * (reps + 1)`` parameters.

    Raises
    ------
    ValueError
        A cost vector whose length is not a power of two >= 2 or that holds NaN or inf; reps
        not a positive integer; angles of the wrong length.

    Examples
    --------
    >>> sim = RealAmplitudesSimulator(np.array([0.0, 1.0, 1.0, 2.0]), reps=1)  # H = x0 + x1
    >>> round(sim.expectation(np.zeros(4)), 12)                 # |00>
    0.0
    >>> round(sim.expectation(np.array([np.pi, 0.0, 0.0, 0.0])), 12)   # |11> after the CX
    2.0
    """

    def __init__(self, costs, reps: int):
        costs = np.ascontiguousarray(costs, dtype=np.float64)
        size = costs.size
        n = size.bit_length() - 1
        if costs.ndim != 1 or size < 2 or 1 << n != size:
            raise ValueError(f"RealAmplitudesSimulator: cost vector length {size} is not a "
                             "power of two >= 2")
        if not np.all(np.isfinite(costs)):
            raise ValueError("RealAmplitudesSimulator: the cost vector holds NaN or inf")
        if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
            raise ValueError(f"ansatz reps must be a positive integer, got {reps!r}")
        self.costs = costs
        self.num_qubits = n
        self.reps = reps
        self.num_parameters = n * (reps + 1)
        self._order: tuple[np.ndarray, np.ndarray] | None = None  # argsort, sorted costs
        self._buffers: tuple[np.ndarray, np.ndarray] | None = None

    def _run(self, theta, fresh: bool) -> np.ndarray:
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        if theta.shape != (self.num_parameters,):
            raise ValueError(f"real_amplitudes on {self.num_qubits} qubits with reps "
                             f"{self.reps} has {self.num_parameters} parameters, got "
                             f"{theta.size}")
        if fresh or self._buffers is None:
            buffers = (np.empty(self.costs.size), np.empty(self.costs.size))
            if not fresh:
                self._buffers = buffers
        else:
            buffers = self._buffers
        return _evolve(theta, *buffers, LOW_BITS)

    def state(self, theta) -> np.ndarray:
        """The (real, float64) state for parameters ``theta`` in ``circuit.parameters`` order."""
        return self._run(theta, fresh=True)

    def probabilities(self, theta) -> np.ndarray:
        """Measurement probabilities of every basis state."""
        return np.square(self._run(theta, fresh=True))

    def expectation(self, theta) -> float:
        """``<ψ|H_C|ψ>`` including the constant offset of the cost vector."""
        return float(_mean(self._run(theta, fresh=False), self.costs))

    def cvar(self, theta, alpha: float) -> float:
        """Conditional value at risk: mean cost of the lowest-cost ``alpha`` probability mass."""
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"CVaR alpha must lie in (0, 1], got {alpha}")
        if self._order is None:
            order = np.argsort(self.costs, kind="stable")
            self._order = (order, self.costs[order])
        order, sorted_costs = self._order
        return float(_tail_mean(self._run(theta, fresh=False), sorted_costs, order,
                                float(alpha)))
