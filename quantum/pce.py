"""Pauli correlation encoding (PCE, Sciorilli et al. 2025): m binary variables on n ≪ m qubits.

Variable ``i`` is the sign of the expectation of a ``k``-body Pauli string ``Π_i`` (``Z⊗k`` on
every ``k``-subset of the qubits, then ``X⊗k``, then ``Y⊗k``), so ``n`` qubits carry up to
``3·C(n, k)`` variables: ``k = 2`` gives 570 on 20 qubits, ``k = 3`` gives 858 on 13 and 3,420 on
20 (``body="auto"``: 2 where that fits ``max_qubits``, else 3). With spins ``s = 1 − 2x`` the
QUBO energy is ``Σ_{i<j} J_ij s_i s_j + Σ h_i s_i + c``; PCE relaxes ``s_i`` to
``tanh(α⟨Π_i⟩)`` (``α = 1.5·n``, the paper's ``1.5·n^⌊k/2⌋``) and minimises

    L(θ) = Σ_{i<j} J_ij t_i t_j + Σ h_i t_i + β ν [mean_i t_i²]²,   t_i = tanh(α⟨Π_i⟩(θ))

(the regulariser of the paper, ``β = 1/2``, ``ν = Σ|J|/2 + (m − 1)/4 · mean|J|``, the MaxCut
``|E|/2 + (m − 1)/4`` for unit weights), over a brickwork ansatz: per layer ``RY(θ)`` then
``RZ(φ)`` on every qubit and a chain of CZ gates, and a last rotation layer. The state is
simulated exactly in torch (qubit ``q`` is bit ``q`` of the basis index, as in Qiskit) and
trained with Adam on autograd gradients, checking the deadline between steps. The correlators
come from three measurement bases as on hardware (``Correlators``): the state rotated into the
Z, X or Y basis of every qubit, its probabilities, and their Walsh–Hadamard transform, whose
entry at the bit mask of a qubit subset is that subset's parity expectation. Decoding:
``x_i = 1`` where ``⟨Π_i⟩ < 0``; the one-flip local search of the paper is
``quantum.repair``'s.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import torch

from problems.compiled import QUBO
from quantum.samples import Samples, unique_samples
from quantum.timing import fits

MAX_QUBITS = 20
PAULIS = ("Z", "X", "Y")
BODIES = ("auto", 2, 3)
KEEP = 8  # lowest-energy decoded bitstrings of the training run handed back


def capacity(num_qubits: int, body: int) -> int:
    """Variables ``num_qubits`` qubits carry with ``body``-body correlators: ``3·C(n, k)``.

    >>> capacity(20, 2), capacity(13, 3), capacity(20, 3)
    (570, 858, 3420)
    """
    return 3 * math.comb(num_qubits, body)


def choose_body(num_variables: int, max_qubits: int, body="auto") -> int:
    """``body`` itself, or for ``"auto"``: 2 where two-body correlators on ``max_qubits``
    qubits hold ``num_variables``, else 3.

    >>> choose_body(570, 20), choose_body(571, 20), choose_body(100, 20, body=3)
    (2, 3, 3)
    """
    if body not in BODIES:
        raise ValueError(f"PCE: body must be one of {BODIES}, got {body!r}")
    if body != "auto":
        return body
    return 2 if num_variables <= capacity(max_qubits, 2) else 3


def qubits_for(num_variables: int, body: int = 2) -> int:
    """Fewest qubits (at least ``body``) whose ``body``-body correlators hold ``num_variables``.

    >>> qubits_for(45), qubits_for(46), qubits_for(800, body=3), qubits_for(1000, body=3)
    (6, 7, 13, 14)
    """
    n = body
    while capacity(n, body) < num_variables:
        n += 1
    return n


def pauli_strings(num_qubits: int, num_variables: int,
                  body: int = 2) -> list[tuple[str, tuple[int, ...]]]:
    """``(pauli, qubits)`` of the first ``num_variables`` correlators (every ``body``-subset
    with Z, then with X, then with Y).

    >>> pauli_strings(3, 4)
    [('Z', (0, 1)), ('Z', (0, 2)), ('Z', (1, 2)), ('X', (0, 1))]
    """
    subsets = list(itertools.combinations(range(num_qubits), body))
    strings = [(p, s) for p in PAULIS for s in subsets]
    if num_variables > len(strings):
        raise ValueError(f"PCE: {num_qubits} qubits hold at most {len(strings)} variables with "
                         f"{body}-body correlators, not {num_variables}")
    return strings[:num_variables]


def pauli_label(pauli: str, qubits: tuple[int, ...], num_qubits: int) -> str:
    """The Qiskit label (qubit 0 rightmost) of ``pauli`` on ``qubits``.

    >>> pauli_label("X", (0, 2), 3)
    'XIX'
    """
    label = ["I"] * num_qubits
    for q in qubits:
        label[num_qubits - 1 - q] = pauli
    return "".join(label)


_SQRT_HALF = 2 ** -0.5
# single-qubit rotations that map the X and Y eigenbases to Z: H, and H·S†
_TO_Z = {"X": torch.tensor([[1, 1], [1, -1]], dtype=torch.complex128) * _SQRT_HALF,
         "Y": torch.tensor([[1, -1j], [1, 1j]], dtype=torch.complex128) * _SQRT_HALF}


def walsh_hadamard(values: torch.Tensor, num_qubits: int) -> torch.Tensor:
    """``out[mask] = Σ_k values[k]·(−1)^popcount(k & mask)`` (length ``2**num_qubits``).

    >>> walsh_hadamard(torch.tensor([0.5, 0.0, 0.0, 0.5], dtype=torch.float64), 2).tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    sign = torch.tensor([[1.0, 1.0], [1.0, -1.0]], dtype=values.dtype)
    return apply_each(values, [sign] * num_qubits, num_qubits)


class Correlators:
    """Vectorised correlators ``⟨ψ|Π_i|ψ⟩`` of statevectors on ``num_qubits`` qubits.

    Per basis B in {Z, X, Y} used by some string: rotate every qubit so that B becomes Z,
    take the probabilities, and read the Walsh–Hadamard transform at the strings' bit masks.
    """

    def __init__(self, num_qubits: int, strings):
        self.num_qubits = num_qubits
        self.size = len(strings)
        self.bases = []
        for pauli in PAULIS:
            rows = [i for i, (p, _) in enumerate(strings) if p == pauli]
            if rows:
                masks = [sum(1 << q for q in strings[i][1]) for i in rows]
                self.bases.append((pauli, torch.as_tensor(rows), torch.as_tensor(masks)))

    def __call__(self, psi: torch.Tensor) -> torch.Tensor:
        """The correlators (float64) of the statevector ``psi`` (length ``2**n``)."""
        n = self.num_qubits
        out = torch.zeros(self.size, dtype=torch.float64)
        for pauli, rows, masks in self.bases:
            phi = psi if pauli == "Z" else apply_each(psi, [_TO_Z[pauli]] * n, n)
            probabilities = phi.real ** 2 + phi.imag ** 2
            out = out.index_put((rows,), walsh_hadamard(probabilities, n)[masks])
        return out


CHUNK = 6  # qubits whose gates are multiplied into one 2^6 × 2^6 matrix


def _kron(gates) -> torch.Tensor:
    """``gates[-1] ⊗ … ⊗ gates[0]`` (qubit 0 the least significant bit)."""
    out = gates[-1]
    for gate in reversed(gates[:-1]):
        out = torch.kron(out, gate)
    return out


def apply_each(psi: torch.Tensor, gates, num_qubits: int) -> torch.Tensor:
    """``(⊗_q gates[q]) ψ`` for a flat statevector, ``CHUNK`` qubits per matrix product.

    >>> x = torch.tensor([[0, 1], [1, 0]], dtype=torch.complex128)
    >>> apply_each(torch.tensor([1, 0, 0, 0], dtype=torch.complex128), [x, x], 2).real.tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    for low in range(0, num_qubits, CHUNK):
        width = min(CHUNK, num_qubits - low)
        block = psi.reshape(1 << (num_qubits - low - width), 1 << width, 1 << low)
        psi = torch.einsum("ij,ajb->aib", _kron(gates[low:low + width]), block)
    return psi.reshape(-1)


def brickwork_state(params: torch.Tensor, num_qubits: int, layers: int) -> torch.Tensor:
    """Statevector of the PCE ansatz; ``params`` has shape ``(layers + 1, num_qubits, 2)``.

    Each rotation layer applies ``RY(θ)`` then ``RZ(φ)`` to every qubit; between rotation layers
    a CZ on every neighbouring pair ``(q, q + 1)``.
    """
    n = num_qubits
    psi = torch.zeros(1 << n, dtype=torch.complex128)
    psi[0] = 1.0
    index = torch.arange(1 << n)
    bits = (index[:, None] >> torch.arange(n)) & 1
    odd = (bits[:, :-1] * bits[:, 1:]).sum(dim=1) % 2 == 1  # CZ chain: −1 per pair of ones
    cz = torch.where(odd, -1.0, 1.0).to(torch.complex128)
    for layer in range(layers + 1):
        theta, phi = params[layer, :, 0], params[layer, :, 1]
        c, s = torch.cos(theta / 2).to(torch.complex128), torch.sin(theta / 2).to(torch.complex128)
        e_minus, e_plus = torch.exp(-0.5j * phi), torch.exp(0.5j * phi)
        u = torch.stack((c * e_minus, -s * e_minus, s * e_plus, c * e_plus), dim=-1).view(n, 2, 2)
        psi = apply_each(psi, list(u.unbind(0)), n)
        if layer < layers:
            psi = psi * cz
    return psi


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
    ``layers=None`` sizes the ansatz to the variables: ``max(4, ⌈m / 4n⌉)`` layers, so the
    ``2n(layers + 1)`` angles number about ``m / 2``. Training stops after ``steps`` Adam steps
    or before a step that would end after the deadline (``deadline`` here or the attribute).

    >>> q = QUBO(Q=np.array([[-1.0, 2.0, 0.0], [2.0, -1.0, 2.0], [0.0, 2.0, -1.0]]),
    ...          offset=0.0, names=("a", "b", "c"), decode=None)
    >>> s = PCE(steps=100, seed=0).run(q)   # the lowest-energy decodings seen in training
    >>> float(min(q.energies(s.bits)))
    -2.0
    """

    name = "pce"

    def __init__(self, *, layers: int | None = None, steps: int = 100,
                 learning_rate: float = 0.1, alpha: float | None = None, beta: float = 0.5,
                 body="auto", max_qubits: int = MAX_QUBITS, train: bool = True, seed: int = 0):
        for what, value, least in (("layers", 1 if layers is None else layers, 1),
                                   ("steps", steps, 0), ("max_qubits", max_qubits, 2)):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"PCE: {what} must be an integer >= {least}, got {value!r}")
        if max_qubits > MAX_QUBITS:
            raise ValueError(f"PCE: max_qubits is at most {MAX_QUBITS} (torch statevector with "
                             f"autograd), got {max_qubits}")
        if not learning_rate > 0 or beta < 0 or (alpha is not None and not alpha > 0):
            raise ValueError("PCE: learning_rate and alpha must be positive, beta >= 0")
        choose_body(1, max_qubits, body)
        self.layers, self.steps, self.learning_rate = layers, steps, learning_rate
        self.alpha, self.beta, self.max_qubits, self.train = alpha, beta, max_qubits, train
        self.body = body
        self.rng = np.random.default_rng(seed)
        self.last_qubits = self.last_body = self.last_layers = None
        self.last_steps = 0
        self.deadline = None  # absolute perf_counter time after which no step starts

    def qubits(self, num_variables: int) -> int:
        """Qubits the encoding of ``num_variables`` variables takes."""
        return qubits_for(num_variables, choose_body(num_variables, self.max_qubits, self.body))

    def check(self, num_variables: int, what: str = "the encoding") -> None:
        """Refuse more variables than ``max_qubits`` qubits can carry."""
        body = choose_body(num_variables, self.max_qubits, self.body)
        if qubits_for(num_variables, body) > self.max_qubits:
            raise ValueError(f"{what} has {num_variables} variables; PCE on at most "
                             f"{self.max_qubits} qubits holds {capacity(self.max_qubits, body)} "
                             f"with {body}-body correlators")

    def run(self, qubo: QUBO, initial: np.ndarray | None = None,
            deadline: float | None = None) -> Samples:
        """Train on ``qubo`` (warm-started from ``initial`` when it fits) and decode the signs."""
        m = qubo.num_variables
        self.check(m)
        body = choose_body(m, self.max_qubits, self.body)
        n = qubits_for(m, body)
        layers = self.layers or max(4, math.ceil(m / (4 * n)))
        self.last_qubits, self.last_body, self.last_layers = n, body, layers
        correlators = Correlators(n, pauli_strings(n, m, body))
        Js, h = ising_terms(qubo)
        norm = float(np.sqrt(np.sum(Js ** 2) * 2.0 + np.sum(h ** 2))) or 1.0
        Js_t, h_t = torch.as_tensor(Js / norm), torch.as_tensor(h / norm)
        couplings = np.abs(Js[np.triu_indices(m, 1)]) * 2.0 / norm
        nonzero = couplings[couplings > 0]
        typical = float(nonzero.mean()) if nonzero.size else 0.0
        nu = couplings.sum() / 2.0 + (m - 1) / 4.0 * typical
        alpha = self.alpha or 1.5 * n
        shape = (layers + 1, n, 2)
        if initial is not None and np.size(initial) == np.prod(shape):
            start = np.asarray(initial, dtype=float).reshape(shape)
        else:
            start = self.rng.uniform(-np.pi, np.pi, size=shape)
        params = torch.tensor(start, dtype=torch.float64, requires_grad=True)

        def loss_of(p):
            values = correlators(brickwork_state(p, n, layers))
            t = torch.tanh(alpha * values)
            return t @ Js_t @ t + h_t @ t + self.beta * nu * (t.square().mean()) ** 2, values

        ends = [d for d in (deadline, self.deadline) if d is not None]
        before = torch.get_num_threads()
        torch.set_num_threads(1)  # states of at most 2^20 amplitudes: one thread is fastest
        try:
            return self._train(loss_of, params, qubo.energy, n, layers, norm,
                               min(ends) if ends else None)
        finally:
            torch.set_num_threads(before)

    def _train(self, loss_of, params, energy, n, layers, norm, deadline) -> Samples:
        """Adam steps; every step's correlators are decoded, and the ``KEEP`` lowest-energy
        distinct bitstrings seen (the final one among them) come back as the samples."""
        seen: dict[bytes, float] = {}

        def record(values):
            bits = (values.detach().numpy() < 0).astype(np.int8)
            seen.setdefault(bits.tobytes(), energy(bits))

        evaluations = 0
        if self.train and self.steps:
            optimiser = torch.optim.Adam([params], lr=self.learning_rate)
            step_s = 0.0
            for _ in range(self.steps):
                if not fits(deadline, step_s):
                    break
                begun = time.perf_counter()
                optimiser.zero_grad()
                loss, values = loss_of(params)
                loss.backward()
                optimiser.step()
                record(values)
                evaluations += 1
                step_s = time.perf_counter() - begun
        self.last_steps = evaluations
        with torch.no_grad():
            loss, values = loss_of(params)
        record(values)
        final = (values.numpy() < 0).astype(np.int8)
        best = sorted(seen, key=seen.get)[:KEEP]
        rows = [np.frombuffer(b, dtype=np.int8) for b in best]
        if final.tobytes() not in best:
            rows.append(final)
        return unique_samples(np.array(rows), params=params.detach().numpy().reshape(-1),
                              value=float(loss) * norm, evaluations=evaluations + 1, shots=0)
