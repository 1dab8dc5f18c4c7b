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
simulated exactly in torch (``Brickwork``: qubit ``q`` is bit ``q`` of the basis index, as in
Qiskit; the rotations of a layer as a few chunked real matrix products, ``restarts`` circuits
as one batch, float32) and trained with Adam on autograd gradients, the learning rate on a
cosine, checking the deadline between steps. The correlators come from three measurement
bases as on hardware (``Correlators``): the state rotated into the Z, X or Y basis of every
qubit, its probabilities, and their Walsh–Hadamard transform, whose entry at the bit mask of a
qubit subset is that subset's parity expectation. Decoding: ``x_i = 1`` where ``⟨Π_i⟩ < 0``;
the one-flip local search of the paper (its "bit-swap search") is ``quantum.repair``'s.
Two options beyond the paper's settings (tuned on generated MaxCut graphs, see
``docs/benchmarks/compression.md``): ``alpha_growth`` raises ``α`` linearly over the run to
that multiple of its start, so the relaxation ends close to the signs it is decoded by; and
``roundings`` draws that many random bitstrings from the final correlators (spin ``+1`` with
probability ``(1 + tanh(α⟨Π_i⟩)) / 2``), handed back with the decodings for the search.
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
FINAL_RATE = 0.05  # the learning rate's cosine ends at this share of its start


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


DTYPE = torch.float32  # training precision; ``float64`` for checks against Aer
CHUNK = 5  # at most this many qubits' gates are multiplied into one matrix (2^5 x 2^5)


def chunk_widths(num_qubits: int, chunk: int = CHUNK) -> list[int]:
    """Consecutive qubit groups of at most ``chunk`` qubits, as even as possible.

    >>> chunk_widths(13), chunk_widths(14), chunk_widths(4)
    ([5, 4, 4], [5, 5, 4], [4])
    """
    parts = math.ceil(num_qubits / chunk)
    base, extra = divmod(num_qubits, parts)
    return [base + 1] * extra + [base] * (parts - extra)


def _bits(count: int, width: int) -> torch.Tensor:
    """``out[k, q]`` = bit ``q`` of ``k``."""
    return (torch.arange(count)[:, None] >> torch.arange(width)) & 1


def apply_chunks(x: torch.Tensor, matrices, widths, num_qubits: int,
                 inner: int) -> torch.Tensor:
    """``(⊗_chunks M) x`` for a batch ``x`` of shape ``(R, 2**num_qubits · inner)``.

    Each matrix (``(R, d, d)`` or ``(d, d)``, ``d = 2**w · inner``) contracts the lowest ``w``
    qubits (and the ``inner`` trailing axis: the real and imaginary parts of a complex state,
    ``inner = 2``) as one matrix product; the contracted qubits then move to the top of the
    index, so after all chunks (widths summing to ``num_qubits``) the order is restored.

    >>> x = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    >>> flip = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    >>> apply_chunks(x, [flip, flip], [1, 1], 2, 1).tolist()
    [[0.0, 0.0, 0.0, 1.0]]
    """
    batch = x.shape[0]
    for matrix, width in zip(matrices, widths):
        rest = 1 << (num_qubits - width)
        y = x.reshape(batch, rest, (1 << width) * inner) @ matrix.transpose(-1, -2)
        x = y.reshape(batch, rest, 1 << width, inner).transpose(1, 2).reshape(batch, -1)
    return x


def _hadamards(widths, dtype, inner: int) -> list[torch.Tensor]:
    """Unnormalised ``H^{⊗w}`` per chunk (times the identity on the ``inner`` axis)."""
    out = []
    for width in widths:
        matrix = torch.ones(1, 1, dtype=dtype)
        for _ in range(width):
            matrix = torch.kron(torch.tensor([[1.0, 1.0], [1.0, -1.0]], dtype=dtype), matrix)
        out.append(torch.kron(matrix, torch.eye(inner, dtype=dtype)))
    return out


class Brickwork:
    """The PCE ansatz on ``num_qubits`` qubits with ``layers`` entangling layers, batched.

    Each rotation layer applies ``RY(θ)`` then ``RZ(φ)`` to every qubit; between rotation
    layers a CZ on every neighbouring pair ``(q, q + 1)``. ``states(params)`` takes
    ``params`` of shape ``(R, layers + 1, num_qubits, 2)`` (``R`` independent circuits, e.g.
    restarts) and returns their statevectors as reals ``(R, 2 · 2**n)``: amplitude ``k`` at
    ``[2k, 2k + 1]`` (real, imaginary part); qubit ``q`` is bit ``q`` of ``k`` (Qiskit's order).

    The rotations of a layer are a tensor product: per chunk of ``CHUNK`` qubits one
    ``2^(w+1)``-square real matrix (the complex ``⊗(RZ·RY)`` acting on real and imaginary
    parts), built for every layer at once, and one matrix product per chunk and layer
    (``apply_chunks``), so the autograd graph has a few nodes per layer, not one per gate.
    """

    def __init__(self, num_qubits: int, layers: int, dtype=DTYPE):
        self.num_qubits, self.layers, self.dtype = num_qubits, layers, dtype
        self.widths = chunk_widths(num_qubits)
        bits = _bits(1 << num_qubits, num_qubits)
        odd = (bits[:, :-1] * bits[:, 1:]).sum(dim=1) % 2  # CZ chain: −1 per pair of ones
        self.cz = (1.0 - 2.0 * odd.to(dtype)).repeat_interleave(2)
        self.chunks = []
        low = 0
        for width in self.widths:
            local = _bits(1 << width, width).T  # (width, 2^width): bit q of each index
            rows, cols = local[:, :, None], local[:, None]
            # entry (i, j) of ⊗RY is Π_q [c, s, −s][code]: c where the bits agree, s for 1←0
            code = torch.where(rows == cols, 0, torch.where(rows == 1, 1, 2))
            code = (code + 3 * torch.arange(width)[:, None, None]).reshape(width, -1)
            phase = (local.to(dtype) - 0.5).contiguous()  # RZ: φ(b − ½)
            self.chunks.append((low, width, code, phase))
            low += width

    def matrices(self, params: torch.Tensor) -> list[tuple[torch.Tensor, ...]]:
        """Per chunk, the ``layers + 1`` real ``(R, 2d, 2d)`` matrices of ``⊗(RZ·RY)``."""
        count, depth = params.shape[0], self.layers + 1
        half = params[..., 0] / 2
        c, s = torch.cos(half), torch.sin(half)
        values = torch.stack((c, s, -s), dim=-1)
        out = []
        for low, width, code, phase in self.chunks:
            d = 1 << width
            ry = values[:, :, low:low + width].reshape(count, depth, 3 * width)[..., code]
            ry = ry.prod(dim=-2).reshape(count, depth, d, d)
            angle = params[:, :, low:low + width, 1] @ phase
            re, im = torch.cos(angle)[..., None] * ry, torch.sin(angle)[..., None] * ry
            real = torch.stack((re, -im, im, re), dim=-1).reshape(count, depth, d, d, 2, 2)
            out.append(real.permute(0, 1, 2, 4, 3, 5).reshape(count, depth, 2 * d, 2 * d)
                       .unbind(1))
        return out

    def states(self, params: torch.Tensor) -> torch.Tensor:
        """Statevectors ``(R, 2 · 2**n)`` (real, imaginary interleaved) of ``params``."""
        n = self.num_qubits
        chunks = self.matrices(params.to(self.dtype))
        psi = torch.zeros(params.shape[0], 2 << n, dtype=self.dtype)
        psi[:, 0] = 1.0
        for layer in range(self.layers + 1):
            psi = apply_chunks(psi, [m[layer] for m in chunks], self.widths, n, 2)
            if layer < self.layers:
                psi = psi * self.cz
        return psi


class Correlators:
    """Correlators ``⟨ψ|Π_i|ψ⟩`` of a batch of statevectors (``Brickwork.states``' layout).

    As on hardware, from three measurement bases: the state as it is (Z), rotated by
    ``H^{⊗n}`` (X) and by ``(H·S†)^{⊗n}`` (Y); their probabilities; and the Walsh–Hadamard
    transform of each, whose entry at the bit mask of a qubit subset is that subset's parity
    expectation. The rotations and transforms are chunked matrix products (``apply_chunks``).
    """

    def __init__(self, num_qubits: int, strings, dtype=DTYPE):
        n, size = num_qubits, 1 << num_qubits
        self.num_qubits, self.size = n, len(strings)
        self.widths = chunk_widths(n)
        self.bases = sorted({PAULIS.index(p) for p, _ in strings})
        self.flat = torch.tensor([self.bases.index(PAULIS.index(p)) * size
                                  + sum(1 << q for q in qubits) for p, qubits in strings])
        # S†^{⊗n} multiplies amplitude k by (−i)^popcount(k): a swap of (re, im) and signs
        turns = _bits(size, n).sum(dim=1) % 4
        swap = (turns % 2 == 1).to(torch.long)
        self.y_index = (2 * torch.arange(size)[:, None] + torch.stack((swap, 1 - swap), 1))
        self.y_index = self.y_index.reshape(-1)
        self.y_sign = torch.stack((torch.tensor([1.0, 1.0, -1.0, -1.0])[turns],
                                   torch.tensor([1.0, -1.0, -1.0, 1.0])[turns]), 1)
        self.y_sign = self.y_sign.reshape(-1).to(dtype)
        self.h_complex = _hadamards(self.widths, dtype, 2)
        self.h_real = _hadamards(self.widths, dtype, 1)

    def __call__(self, psi: torch.Tensor) -> torch.Tensor:
        """The correlators ``(R, m)`` of the statevectors ``psi`` ``(R, 2 · 2**n)``."""
        n, count = self.num_qubits, psi.shape[0]
        rotated = []
        if 1 in self.bases:
            rotated.append(psi)
        if 2 in self.bases:
            rotated.append(psi[:, self.y_index] * self.y_sign)
        probabilities = []
        if 0 in self.bases:
            probabilities.append(psi.square().reshape(count, -1, 2).sum(dim=-1))
        if rotated:
            turned = apply_chunks(torch.cat(rotated), self.h_complex, self.widths, n, 2)
            probabilities += list((turned.square().reshape(len(rotated) * count, -1, 2)
                                   .sum(dim=-1) * 2.0 ** -n).split(count))
        bases = len(probabilities)
        parities = apply_chunks(torch.cat(probabilities), self.h_real, self.widths, n, 1)
        parities = parities.reshape(bases, count, -1).transpose(0, 1).reshape(count, -1)
        return parities[:, self.flat]


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

    ``restarts`` circuits are trained side by side (one batch, each from its own random start)
    with Adam, the learning rate falling from ``learning_rate`` to ``FINAL_RATE`` times it on a
    cosine over the run (its progress: the larger of the share of ``steps`` done and the share
    of the time to the deadline spent). Every step's correlators of every restart are decoded
    and the ``KEEP`` lowest-energy distinct bitstrings seen come back as the samples.
    ``alpha_growth`` raises ``α`` linearly with the progress to that multiple of its start;
    ``roundings`` random bitstrings drawn from the final correlators of the best restart
    (``round``, at the final ``α``) come back besides.
    ``train=False`` is the control: random search over the same parameters with the same
    decoding, ``restarts`` random parameter vectors per batch, up to ``steps`` batches or the
    deadline, never trained (its first batch is the trained run's start); its roundings are
    drawn from its lowest-loss batch.
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
                 body="auto", max_qubits: int = MAX_QUBITS, restarts: int = 1,
                 roundings: int = 0, alpha_growth: float = 1.0, train: bool = True,
                 seed: int = 0):
        for what, value, least in (("layers", 1 if layers is None else layers, 1),
                                   ("steps", steps, 0), ("max_qubits", max_qubits, 2),
                                   ("restarts", restarts, 1), ("roundings", roundings, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"PCE: {what} must be an integer >= {least}, got {value!r}")
        if max_qubits > MAX_QUBITS:
            raise ValueError(f"PCE: max_qubits is at most {MAX_QUBITS} (torch statevector with "
                             f"autograd), got {max_qubits}")
        if not learning_rate > 0 or beta < 0 or (alpha is not None and not alpha > 0):
            raise ValueError("PCE: learning_rate and alpha must be positive, beta >= 0")
        if not (isinstance(alpha_growth, (int, float)) and alpha_growth >= 1.0):
            raise ValueError(f"PCE: alpha_growth must be a number >= 1, got {alpha_growth!r}")
        choose_body(1, max_qubits, body)
        self.layers, self.steps, self.learning_rate = layers, steps, learning_rate
        self.alpha, self.beta, self.max_qubits, self.train = alpha, beta, max_qubits, train
        self.body, self.restarts = body, restarts
        self.roundings, self.alpha_growth = roundings, float(alpha_growth)
        self.rng = np.random.default_rng(seed)
        self.last_qubits = self.last_body = self.last_layers = None
        self.last_steps = self.last_evaluations = 0
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
        """Train on ``qubo`` (restart 0 warm-started from ``initial`` when it fits) and decode
        the signs."""
        m = qubo.num_variables
        self.check(m)
        body = choose_body(m, self.max_qubits, self.body)
        n = qubits_for(m, body)
        layers = self.layers or max(4, math.ceil(m / (4 * n)))
        self.last_qubits, self.last_body, self.last_layers = n, body, layers
        circuit = Brickwork(n, layers)
        correlators = Correlators(n, pauli_strings(n, m, body))
        Js, h = ising_terms(qubo)
        norm = float(np.sqrt(np.sum(Js ** 2) * 2.0 + np.sum(h ** 2))) or 1.0
        Js_t, h_t = torch.as_tensor(Js / norm, dtype=DTYPE), torch.as_tensor(h / norm, dtype=DTYPE)
        couplings = np.abs(Js[np.triu_indices(m, 1)]) * 2.0 / norm
        nonzero = couplings[couplings > 0]
        typical = float(nonzero.mean()) if nonzero.size else 0.0
        nu = couplings.sum() / 2.0 + (m - 1) / 4.0 * typical
        alpha = self.alpha or 1.5 * n
        shape = (self.restarts, layers + 1, n, 2)
        start = self.rng.uniform(-np.pi, np.pi, size=shape)
        if initial is not None and np.size(initial) == np.prod(shape[1:]):
            start[0] = np.asarray(initial, dtype=float).reshape(shape[1:])

        def loss_of(params, progress=1.0):
            values = correlators(circuit.states(params))
            t = torch.tanh(alpha * (1.0 + (self.alpha_growth - 1.0) * progress) * values)
            losses = ((t @ Js_t) * t).sum(dim=-1) + t @ h_t
            return losses + self.beta * nu * t.square().mean(dim=-1).square(), values

        ends = [d for d in (deadline, self.deadline) if d is not None]
        keeper = _Lowest(qubo, Js, h)
        before = torch.get_num_threads()
        torch.set_num_threads(1)  # states of at most 2^20 amplitudes: one thread is fastest
        try:
            if self.train:
                params, losses, values = self._train(loss_of, start, keeper,
                                                     min(ends) if ends else None)
            else:
                params, losses, values = self._search(loss_of, start, keeper,
                                                      min(ends) if ends else None)
        finally:
            torch.set_num_threads(before)
        best = int(np.argmin(losses))
        self.last_evaluations = keeper.evaluations
        bits = keeper.bits()
        if self.roundings:
            bits = np.vstack((bits, self.round(values[best], alpha * self.alpha_growth)))
        return unique_samples(bits, params=params[best].reshape(-1),
                              value=float(losses[best]) * norm,
                              evaluations=keeper.evaluations, shots=0)

    def round(self, values: np.ndarray, alpha: float) -> np.ndarray:
        """``roundings`` random bitstrings from correlators ``values``: spin ``s_i = +1``
        (``x_i = 0``) with probability ``(1 + tanh(α⟨Π_i⟩)) / 2``, independently.

        >>> PCE(roundings=3).round(np.array([5.0, -5.0, 0.0]), 10.0)[:, :2].tolist()
        [[0, 1], [0, 1], [0, 1]]
        """
        minus = (1.0 - np.tanh(alpha * np.asarray(values, dtype=float))) / 2.0
        return (self.rng.random((self.roundings, minus.size)) < minus).astype(np.int8)

    def _train(self, loss_of, start, keeper, deadline):
        """Adam on every restart at once, the learning rate on its cosine schedule (and α
        growing linearly to ``alpha_growth`` times its start); ``(params, losses, values)``
        of the end."""
        params = torch.tensor(start, dtype=DTYPE, requires_grad=True)
        optimiser = torch.optim.Adam([params], lr=self.learning_rate)
        begun = time.perf_counter()
        span = None if deadline is None else max(deadline - begun, 1e-9)
        step_s, done = 0.0, 0
        for step in range(self.steps):
            if not fits(deadline, step_s):
                break
            now = time.perf_counter()
            progress = step / self.steps if span is None else max(step / self.steps,
                                                                 (now - begun) / span)
            optimiser.param_groups[0]["lr"] = self.learning_rate * (
                FINAL_RATE + (1.0 - FINAL_RATE) * 0.5 * (1.0 + math.cos(math.pi * progress)))
            optimiser.zero_grad()
            losses, values = loss_of(params, min(1.0, progress))
            losses.sum().backward()
            optimiser.step()
            keeper.add(values)
            done += 1
            step_s = time.perf_counter() - now
        self.last_steps = done
        with torch.no_grad():
            losses, values = loss_of(params)
        keeper.add(values, final=True)
        return params.detach().numpy(), losses.numpy(), values.numpy()

    def _search(self, loss_of, start, keeper, deadline):
        """The control: batches of random parameter vectors, decoded, none trained;
        ``(params, losses, values)`` of the batch with the lowest loss."""
        best_params, best_losses, best_values = None, None, None
        params, batch_s = start, 0.0
        with torch.no_grad():
            for batch in range(max(1, self.steps)):
                if batch and not fits(deadline, batch_s):
                    break
                now = time.perf_counter()
                losses, values = loss_of(torch.as_tensor(params, dtype=DTYPE))
                keeper.add(values, final=batch == 0)
                losses = losses.numpy()
                if best_losses is None or losses.min() < best_losses.min():
                    best_params, best_losses, best_values = params, losses, values.numpy()
                params = self.rng.uniform(-np.pi, np.pi, size=start.shape)
                batch_s = time.perf_counter() - now
        self.last_steps = 0
        return best_params, best_losses, best_values


class _Lowest:
    """The ``KEEP`` lowest-energy distinct decodings seen (the ``final`` ones kept besides).

    Energies in the Ising form ``sᵀJs s + h·s + c`` on torch's one thread (numpy's BLAS
    threads slowed a 1,000-variable product to 0.1 s on a loaded machine).
    """

    def __init__(self, qubo: QUBO, Js: np.ndarray, h: np.ndarray):
        self.Js, self.h = torch.as_tensor(Js), torch.as_tensor(h)
        self.constant = qubo.offset - float(Js.sum() + h.sum())  # x = 0 is s = 1
        self.seen: dict[bytes, float] = {}
        self.final: list[bytes] = []
        self.evaluations = 0

    def add(self, values: torch.Tensor, final: bool = False) -> None:
        negative = values.detach() < 0
        spins = 1.0 - 2.0 * negative.to(torch.float64)
        energies = ((spins @ self.Js) * spins).sum(dim=1) + spins @ self.h + self.constant
        bits = negative.numpy().astype(np.int8)
        for row, energy in zip(bits, energies.tolist()):
            self.seen.setdefault(row.tobytes(), energy)
            if final:
                self.final.append(row.tobytes())
        self.evaluations += len(bits)
        if len(self.seen) > 8 * KEEP:
            self.seen = dict(sorted(self.seen.items(), key=lambda kv: kv[1])[:KEEP]
                             + [(b, self.seen[b]) for b in self.final if b in self.seen])

    def bits(self) -> np.ndarray:
        best = sorted(self.seen, key=self.seen.get)[:KEEP]
        best += [b for b in dict.fromkeys(self.final) if b not in best][:1]
        return np.array([np.frombuffer(b, dtype=np.int8) for b in best])
