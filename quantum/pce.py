"""Pauli correlation encoding (PCE, Sciorilli et al. 2025): m binary variables on n ≪ m qubits.

Variable ``i`` is the sign of the expectation of a two-body Pauli string ``Π_i`` (``Z_a Z_b``,
then ``X_a X_b``, then ``Y_a Y_b`` over the qubit pairs ``a < b``), so ``n`` qubits carry up to
``3·n(n−1)/2`` variables. With spins ``s = 1 − 2x`` the QUBO energy is ``Σ_{i<j} J_ij s_i s_j +
Σ h_i s_i + c``; PCE relaxes ``s_i`` to ``tanh(α⟨Π_i⟩)`` (``α = 1.5·n``) and minimises

    L(θ) = Σ_{i<j} J_ij t_i t_j + Σ h_i t_i + β ν [mean_i t_i²]²,   t_i = tanh(α⟨Π_i⟩(θ))

(the regulariser of the paper, ``β = 1/2``, ``ν = Σ|J|/2 + (m − 1)/4 · mean|J|``, the MaxCut
``|E|/2 + (m − 1)/4`` for unit weights), over a brickwork ansatz: per layer ``RY(θ)`` then
``RZ(φ)`` on every qubit and a chain of CZ gates, and a last rotation layer. The state is
simulated exactly in torch (qubit ``q`` is bit ``q`` of the basis index, as in Qiskit) and
trained with Adam on autograd gradients; all correlators come from the statevector at once
(``correlators``). Decoding: ``x_i = 1`` where ``⟨Π_i⟩ < 0``.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import torch

from problems.compiled import QUBO
from quantum.samples import Samples, unique_samples

MAX_QUBITS = 20
PAULIS = ("Z", "X", "Y")


def qubits_for(num_variables: int) -> int:
    """Fewest qubits (at least 2) whose two-body correlators hold ``num_variables`` variables.

    >>> qubits_for(45), qubits_for(46), qubits_for(2000)
    (6, 7, 38)
    """
    n = 2
    while 3 * n * (n - 1) // 2 < num_variables:
        n += 1
    return n


def pauli_strings(num_qubits: int, num_variables: int) -> list[tuple[str, int, int]]:
    """``(pauli, a, b)`` of the first ``num_variables`` correlators (ZZ pairs, then XX, then YY).

    >>> pauli_strings(3, 4)
    [('Z', 0, 1), ('Z', 0, 2), ('Z', 1, 2), ('X', 0, 1)]
    """
    pairs = list(itertools.combinations(range(num_qubits), 2))
    strings = [(p, a, b) for p in PAULIS for a, b in pairs]
    if num_variables > len(strings):
        raise ValueError(f"PCE: {num_qubits} qubits hold at most {len(strings)} variables, "
                         f"not {num_variables}")
    return strings[:num_variables]


def pauli_label(pauli: str, a: int, b: int, num_qubits: int) -> str:
    """The Qiskit label (qubit 0 rightmost) of ``pauli`` on qubits ``a`` and ``b``.

    >>> pauli_label("X", 0, 2, 3)
    'XIX'
    """
    label = ["I"] * num_qubits
    label[num_qubits - 1 - a] = label[num_qubits - 1 - b] = pauli
    return "".join(label)


class Correlators:
    """Vectorised two-body correlators ``⟨ψ|Π_i|ψ⟩`` of statevectors on ``num_qubits`` qubits."""

    def __init__(self, num_qubits: int, strings):
        self.num_qubits = num_qubits
        index = torch.arange(1 << num_qubits)
        bits = (index[:, None] >> torch.arange(num_qubits)) & 1
        z = (1 - 2 * bits).to(torch.float64)
        kinds = np.array([PAULIS.index(p) for p, _, _ in strings])
        a = torch.as_tensor([s[1] for s in strings])
        b = torch.as_tensor([s[2] for s in strings])
        self.zz = torch.as_tensor(np.flatnonzero(kinds == 0))
        self.flip = torch.as_tensor(np.flatnonzero(kinds > 0))
        self.z_a, self.z_b = a[self.zz], b[self.zz]
        masks = (1 << a[self.flip]) | (1 << b[self.flip])
        self.partner = index[None, :] ^ masks[:, None]  # (flips, 2^n)
        sign = z[:, a[self.flip]] * z[:, b[self.flip]]  # (2^n, flips): (−1)^(k_a + k_b)
        is_y = torch.as_tensor(kinds[kinds > 0] == 2)
        self.flip_sign = torch.where(is_y[None, :], -sign, torch.ones_like(sign)).T
        self.z = z
        self.size = len(strings)

    def __call__(self, psi: torch.Tensor) -> torch.Tensor:
        """The correlators (float64) of the statevector ``psi`` (length ``2**n``)."""
        out = torch.zeros(self.size, dtype=torch.float64)
        probabilities = psi.real ** 2 + psi.imag ** 2
        if len(self.zz):
            weighted = (self.z * probabilities[:, None]).T @ self.z
            out = out.index_put((self.zz,), weighted[self.z_a, self.z_b])
        if len(self.flip):
            moved = psi[self.partner].conj() * psi[None, :]
            out = out.index_put((self.flip,), (moved.real * self.flip_sign).sum(dim=1))
        return out


def brickwork_state(params: torch.Tensor, num_qubits: int, layers: int) -> torch.Tensor:
    """Statevector of the PCE ansatz; ``params`` has shape ``(layers + 1, num_qubits, 2)``.

    Each rotation layer applies ``RY(θ)`` then ``RZ(φ)`` to every qubit; between rotation layers
    a CZ on every neighbouring pair ``(q, q + 1)``.
    """
    n = num_qubits
    psi = torch.zeros((2,) * n, dtype=torch.complex128)
    psi[(0,) * n] = 1.0
    index = torch.arange(1 << n)
    bits = (index[:, None] >> torch.arange(n)) & 1
    odd = (bits[:, :-1] * bits[:, 1:]).sum(dim=1) % 2 == 1  # CZ chain: −1 per pair of ones
    cz = torch.where(odd, -1.0, 1.0).to(torch.complex128)
    for layer in range(layers + 1):
        theta, phi = params[layer, :, 0], params[layer, :, 1]
        c, s = torch.cos(theta / 2).to(torch.complex128), torch.sin(theta / 2).to(torch.complex128)
        e_minus, e_plus = torch.exp(-0.5j * phi), torch.exp(0.5j * phi)
        u = torch.stack((c * e_minus, -s * e_minus, s * e_plus, c * e_plus), dim=-1).view(n, 2, 2)
        for q in range(n):
            axis = n - 1 - q
            psi = torch.movedim(torch.tensordot(u[q], psi, dims=([1], [axis])), 0, axis)
        if layer < layers:
            psi = (psi.reshape(-1) * cz).reshape((2,) * n)
    return psi.reshape(-1)


def ising_terms(qubo: QUBO) -> tuple[np.ndarray, np.ndarray]:
    """``(Js, h)`` with ``energy = sᵀ Js s + h·s + const`` for spins ``s = 1 − 2x``
    (``Js`` symmetric, zero diagonal).

    >>> Js, h = ising_terms(QUBO(Q=np.array([[1.0, 2.0], [2.0, 0.0]]), offset=0.0,
    ...                          names=("a", "b"), decode=None))
    >>> Js.tolist(), h.tolist()
    ([[0.0, 0.5], [0.5, 0.0]], [-1.5, -1.0])
    """
    Q = np.asarray(qubo.Q, dtype=float)
    off = Q - np.diag(np.diag(Q))
    return off / 4.0, -np.diag(Q) / 2.0 - off.sum(axis=1) / 2.0


class PCE:
    """Pauli correlation encoding as an inner solver (``check``/``run`` like ``QAOA``).

    ``train=False`` is the control: the same decoding of random parameters (no training).

    >>> q = QUBO(Q=np.array([[-1.0, 2.0, 0.0], [2.0, -1.0, 2.0], [0.0, 2.0, -1.0]]),
    ...          offset=0.0, names=("a", "b", "c"), decode=None)
    >>> s = PCE(steps=100, seed=0).run(q)
    >>> s.bits.tolist(), q.energy(s.bits[0])
    ([[1, 0, 1]], -2.0)
    """

    name = "pce"

    def __init__(self, *, layers: int = 4, steps: int = 100, learning_rate: float = 0.1,
                 alpha: float | None = None, beta: float = 0.5, max_qubits: int = MAX_QUBITS,
                 train: bool = True, seed: int = 0):
        for what, value, least in (("layers", layers, 1), ("steps", steps, 0),
                                   ("max_qubits", max_qubits, 2)):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"PCE: {what} must be an integer >= {least}, got {value!r}")
        if not learning_rate > 0 or beta < 0 or (alpha is not None and not alpha > 0):
            raise ValueError("PCE: learning_rate and alpha must be positive, beta >= 0")
        self.layers, self.steps, self.learning_rate = layers, steps, learning_rate
        self.alpha, self.beta, self.max_qubits, self.train = alpha, beta, max_qubits, train
        self.rng = np.random.default_rng(seed)
        self.last_qubits = None
        self.deadline = None  # absolute perf_counter time after which training stops

    def check(self, num_variables: int, what: str = "the encoding") -> None:
        """Refuse more variables than ``max_qubits`` qubits can carry."""
        if qubits_for(num_variables) > self.max_qubits:
            capacity = 3 * self.max_qubits * (self.max_qubits - 1) // 2
            raise ValueError(f"{what} has {num_variables} variables; PCE on at most "
                             f"{self.max_qubits} qubits holds {capacity}")

    def run(self, qubo: QUBO, initial: np.ndarray | None = None,
            deadline: float | None = None) -> Samples:
        """Train on ``qubo`` (warm-started from ``initial`` when it fits) and decode the signs."""
        m = qubo.num_variables
        self.check(m)
        n = qubits_for(m)
        self.last_qubits = n
        correlators = Correlators(n, pauli_strings(n, m))
        Js, h = ising_terms(qubo)
        norm = float(np.sqrt(np.sum(Js ** 2) * 2.0 + np.sum(h ** 2))) or 1.0
        Js_t, h_t = torch.as_tensor(Js / norm), torch.as_tensor(h / norm)
        couplings = np.abs(Js[np.triu_indices(m, 1)]) * 2.0 / norm
        nonzero = couplings[couplings > 0]
        typical = float(nonzero.mean()) if nonzero.size else 0.0
        nu = couplings.sum() / 2.0 + (m - 1) / 4.0 * typical
        alpha = self.alpha or 1.5 * n
        shape = (self.layers + 1, n, 2)
        if initial is not None and np.size(initial) == np.prod(shape):
            start = np.asarray(initial, dtype=float).reshape(shape)
        else:
            start = self.rng.uniform(-np.pi, np.pi, size=shape)
        params = torch.tensor(start, dtype=torch.float64, requires_grad=True)

        def loss_of(p):
            t = torch.tanh(alpha * correlators(brickwork_state(p, n, self.layers)))
            return t @ Js_t @ t + h_t @ t + self.beta * nu * (t.square().mean()) ** 2

        before = torch.get_num_threads()
        torch.set_num_threads(1)  # states of at most 2^20 amplitudes: one thread is fastest
        try:
            return self._train(loss_of, params, correlators, n, norm)
        finally:
            torch.set_num_threads(before)

    def _train(self, loss_of, params, correlators, n, norm) -> Samples:
        evaluations = 0
        if self.train and self.steps:
            optimiser = torch.optim.Adam([params], lr=self.learning_rate)
            for _ in range(self.steps):
                if self.deadline is not None and time.perf_counter() >= self.deadline:
                    break
                optimiser.zero_grad()
                loss = loss_of(params)
                loss.backward()
                optimiser.step()
                evaluations += 1
        with torch.no_grad():
            values = correlators(brickwork_state(params, n, self.layers)).numpy()
            final = float(loss_of(params)) * norm
        bits = (values < 0).astype(np.int8)[None, :]
        return unique_samples(bits, params=params.detach().numpy().reshape(-1), value=final,
                              evaluations=evaluations + 1, shots=0)
