"""A fast exact QAOA simulator for diagonal cost Hamiltonians: numba on the CPU, torch on a GPU.

The cost of every basis state is computed once (``quantum.ising.cost_vector``). A QAOA layer is
``ψ ← exp(-iγ C) ⊙ ψ`` followed by the mixer ``exp(-iβ Σ X_q) = ⊗_q RX(2β)``. Conventions match
Qiskit's ``QAOAAnsatz``: parameters ``(γ_1..γ_p, β_1..β_p)``, cost layer ``exp(-iγ H_C)``, mixer
``exp(-iβ Σ X)``, initial state ``|+>^n``, qubit ``i`` = bit ``i`` of the basis index.

Two kernels compute the same state:

* ``"numba"`` (CPU default): one thread, cache-blocked. The first sweep of a layer walks blocks
  of ``2**LOW_BITS`` amplitudes, multiplies each by its phase (computed on the fly) and applies
  RX to every low qubit of the block while it sits in cache; each further sweep mixes up to
  ``HIGH_GROUP`` high qubits on cache-sized tiles of up to ``2**HIGH_GROUP`` rows of
  ``2**ROW_BITS`` contiguous amplitudes (24 qubits: 3 sweeps per layer instead of 24 passes).
  The energy is summed inside the last sweep. Qubits are mixed two at a time (a radix-4
  butterfly), so every amplitude is read from cache once per pair of qubits.
* ``"torch"`` (the only one on a GPU): the phase as one elementwise multiply and the mixer on
  groups of ``GROUP`` qubits as one batched matrix product over a reshaped view of the state.
"""

from __future__ import annotations

import contextlib
import math

import numba
import numpy as np
import torch

GROUP = 4  # torch: qubits per mixer pass (2^4 x 2^4 blocks were fastest on CPU)
SMALL = 1 << 16  # torch: below this many amplitudes one CPU thread beats several
LOW_BITS = 13  # numba: 2^13 amplitudes (128 KiB) per block of the first sweep
HIGH_GROUP = 8  # numba: high qubits per further sweep ...
ROW_BITS = 6  # ... on tiles of 2^8 rows x 2^6 amplitudes (256 KiB); see docs/benchmarks.md
KERNELS = ("numba", "torch")


@numba.njit(cache=True, inline="always")
def _rx(a, b, c, s):  # pragma: no cover - compiled
    """``RX(2β)`` on the amplitude pair ``(a, b)``, ``c = cos β``, ``s = sin β``."""
    return (complex(c * a.real + s * b.imag, c * a.imag - s * b.real),
            complex(c * b.real + s * a.imag, c * b.imag - s * a.real))


@numba.njit(cache=True, inline="always")
def _rx_pair(psi, i0, i1, i2, i3, c, s):  # pragma: no cover - compiled
    """``RX ⊗ RX`` on the four amplitudes of two qubits (``i1 - i0`` and ``i2 - i0`` apart)."""
    a0, a1 = _rx(psi[i0], psi[i1], c, s)
    a2, a3 = _rx(psi[i2], psi[i3], c, s)
    psi[i0], psi[i2] = _rx(a0, a2, c, s)
    psi[i1], psi[i3] = _rx(a1, a3, c, s)


@numba.njit(cache=True)
def _phase_and_low_qubits(psi, costs, start, bits, gamma, amplitude, first,
                          c, s):  # pragma: no cover - compiled
    """Phase ``exp(-iγ c_x)`` and RX on qubits ``0..bits-1`` for ``psi[start:start + 2**bits]``;
    ``first``: the state is still ``amplitude`` everywhere (layer 1), so it is not read."""
    end = start + (1 << bits)
    for i in range(start, end):
        angle = -gamma * costs[i]
        phase = complex(math.cos(angle), math.sin(angle))
        psi[i] = amplitude * phase if first else psi[i] * phase
    q = 0
    while q < bits:
        h = 1 << q
        if q + 1 < bits:
            for block in range(start, end, 4 * h):
                for i in range(block, block + h):
                    _rx_pair(psi, i, i + h, i + 2 * h, i + 3 * h, c, s)
            q += 2
        else:
            for block in range(start, end, 2 * h):
                for i in range(block, block + h):
                    psi[i], psi[i + h] = _rx(psi[i], psi[i + h], c, s)
            q += 1


@numba.njit(cache=True)
def _high_qubits(psi, base, q0, count, row, c, s):  # pragma: no cover - compiled
    """RX on qubits ``q0..q0+count-1`` of the tile of ``2**count`` rows ``psi[base + (r << q0)
    : ... + row]``."""
    rows = 1 << count
    v = 0
    while v < count:
        step = 1 << (v + q0)
        if v + 1 < count:
            for first in range(0, rows, 4 << v):
                for r in range(first, first + (1 << v)):
                    o = base + (r << q0)
                    for j in range(o, o + row):
                        _rx_pair(psi, j, j + step, j + 2 * step, j + 3 * step, c, s)
            v += 2
        else:
            for first in range(0, rows, 2 << v):
                for r in range(first, first + (1 << v)):
                    o = base + (r << q0)
                    for j in range(o, o + row):
                        psi[j], psi[j + step] = _rx(psi[j], psi[j + step], c, s)
            v += 1


@numba.njit(cache=True)
def _tile_energy(psi, costs, base, q0, count, row):  # pragma: no cover - compiled
    energy = 0.0
    for r in range(1 << count):
        o = base + (r << q0)
        for j in range(o, o + row):
            z = psi[j]
            energy += (z.real * z.real + z.imag * z.imag) * costs[j]
    return energy


@numba.njit(cache=True)
def _evolve(psi, costs, gammas, betas, energy_wanted, low_bits=LOW_BITS, high_group=HIGH_GROUP,
            row_bits=ROW_BITS):  # pragma: no cover - compiled
    """Write the QAOA state into ``psi``; return ``<ψ|C|ψ>`` if ``energy_wanted`` (else 0).

    ``low_bits``, ``high_group``, ``row_bits``: the cache blocking (tests shrink it)."""
    size = psi.size
    n = 0
    while (1 << n) < size:
        n += 1
    bits = min(n, low_bits)
    high = n - bits
    amplitude = 1.0 / math.sqrt(size)
    layers = gammas.size
    energy = 0.0
    if layers == 0:
        psi[:] = amplitude
        return amplitude * amplitude * costs.sum() if energy_wanted else 0.0
    sweeps = (high + high_group - 1) // high_group
    for layer in range(layers):
        c, s = math.cos(betas[layer]), math.sin(betas[layer])
        last = energy_wanted and layer == layers - 1
        for start in range(0, size, 1 << bits):
            _phase_and_low_qubits(psi, costs, start, bits, gammas[layer], amplitude,
                                  layer == 0, c, s)
            if last and high == 0:
                energy += _tile_energy(psi, costs, start, 0, 0, 1 << bits)
        q0 = bits
        for sweep in range(sweeps):
            left = n - q0
            count = (left + sweeps - sweep - 1) // (sweeps - sweep)  # balanced groups
            k = min(row_bits, q0)
            low_mask = (1 << (q0 - k)) - 1
            for tile in range(size >> (count + k)):
                base = ((tile & low_mask) << k) | ((tile >> (q0 - k)) << (q0 + count))
                _high_qubits(psi, base, q0, count, 1 << k, c, s)
                if last and sweep == sweeps - 1:
                    energy += _tile_energy(psi, costs, base, q0, count, 1 << k)
            q0 += count
    return energy


@contextlib.contextmanager
def _cpu_threads(size: int, device: torch.device):
    """Run small CPU states on one torch thread, restoring the caller's setting afterwards."""
    before = torch.get_num_threads()
    if device.type != "cpu" or size > SMALL or before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def default_device() -> torch.device:
    """``cuda`` when a GPU is visible, else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class DiagonalQAOA:
    """Exact QAOA states, energies and CVaR values for a fixed cost vector.

    Parameters
    ----------
    costs : array of length ``2**n``
        Energy of each basis state (``quantum.ising.cost_vector``).
    device : torch device, optional
        Defaults to ``default_device()``.
    kernel : ``"numba"`` or ``"torch"``, optional
        Defaults to ``"numba"`` on the CPU and ``"torch"`` elsewhere (numba runs on the CPU
        only). Both give the same state to rounding (about 1e-15).

    Raises
    ------
    ValueError
        A cost vector whose length is not a power of two >= 2 or that holds NaN or inf; an
        unknown kernel, or ``"numba"`` on a GPU.

    Examples
    --------
    >>> import numpy as np
    >>> sim = DiagonalQAOA(np.array([0.0, 1.0, 1.0, 2.0]))   # H = x0 + x1
    >>> round(sim.expectation([0.0], [0.0]), 12)            # |+>|+>: mean cost
    1.0
    >>> round(sim.expectation([math.pi / 2], [-math.pi / 4]), 12)     # both qubits to |0>
    0.0
    """

    def __init__(self, costs, *, device: torch.device | str | None = None,
                 kernel: str | None = None):
        self.device = torch.device(device) if device is not None else default_device()
        if kernel is None:
            kernel = "numba" if self.device.type == "cpu" else "torch"
        if kernel not in KERNELS:
            raise ValueError(f"DiagonalQAOA: unknown kernel {kernel!r}; choose one of "
                             f"{', '.join(KERNELS)}")
        if kernel == "numba" and self.device.type != "cpu":
            raise ValueError(f"DiagonalQAOA: the numba kernel runs on the CPU only, not on "
                             f"{self.device}; use kernel='torch'")
        self.kernel = kernel
        costs = torch.as_tensor(np.asarray(costs, dtype=np.float64), device=self.device)
        size = costs.numel()
        n = size.bit_length() - 1
        if size < 2 or 1 << n != size:
            raise ValueError(f"DiagonalQAOA: cost vector length {size} is not a power of two >= 2")
        if not bool(torch.isfinite(costs).all()):
            raise ValueError("DiagonalQAOA: the cost vector holds NaN or inf")
        self.num_qubits = n
        self.costs = costs.contiguous()
        self._order: torch.Tensor | None = None
        self._work: np.ndarray | None = None  # numba: state buffer reused by expectation()

    def state(self, gammas, betas) -> torch.Tensor:
        """The QAOA state (complex128, length ``2**n``) for layer angles ``gammas``, ``betas``."""
        gammas, betas = _angles(gammas, betas)
        size = self.costs.numel()
        if self.kernel == "numba":
            psi = np.empty(size, dtype=np.complex128)
            _evolve(psi, self.costs.numpy(), gammas, betas, False)
            return torch.from_numpy(psi)
        with _cpu_threads(size, self.device):
            psi = torch.full((size,), 1.0 / math.sqrt(size), dtype=torch.complex128,
                             device=self.device)
            for gamma, beta in zip(gammas.tolist(), betas.tolist()):
                angle = -gamma * self.costs  # cos + sin: twice as fast as polar/exp on CPU
                psi = psi * torch.complex(torch.cos(angle), torch.sin(angle))
                psi = self._mixer(psi, beta)
        return psi

    def _mixer(self, psi: torch.Tensor, beta: float) -> torch.Tensor:
        rx = torch.tensor([[math.cos(beta), -1j * math.sin(beta)],
                           [-1j * math.sin(beta), math.cos(beta)]],
                          dtype=torch.complex128, device=self.device)
        blocks = {}
        q = 0
        while q < self.num_qubits:
            k = min(GROUP, self.num_qubits - q)
            if k not in blocks:
                block = rx
                for _ in range(k - 1):
                    block = torch.kron(rx, block)
                blocks[k] = block
            if q == 0:  # lowest qubits: one plain matrix product over rows of 2^k amplitudes
                psi = (psi.view(-1, 1 << k) @ blocks[k].T).reshape(-1)
            else:
                psi = torch.matmul(blocks[k], psi.view(-1, 1 << k, 1 << q)).reshape(-1)
            q += k
        return psi

    def probabilities(self, gammas, betas) -> torch.Tensor:
        """Measurement probabilities of every basis state (float64)."""
        psi = self.state(gammas, betas)
        with _cpu_threads(psi.numel(), self.device):
            return psi.real.square() + psi.imag.square()

    def expectation(self, gammas, betas) -> float:
        """``<ψ|H_C|ψ>`` including the constant offset of the cost vector."""
        if self.kernel == "numba":
            gammas, betas = _angles(gammas, betas)
            if self._work is None:
                self._work = np.empty(self.costs.numel(), dtype=np.complex128)
            return float(_evolve(self._work, self.costs.numpy(), gammas, betas, True))
        probabilities = self.probabilities(gammas, betas)
        with _cpu_threads(probabilities.numel(), self.device):
            return float(torch.dot(probabilities, self.costs))

    def cvar(self, gammas, betas, alpha: float) -> float:
        """Conditional value at risk: mean cost of the lowest-cost ``alpha`` probability mass."""
        probabilities = self.probabilities(gammas, betas)
        with _cpu_threads(probabilities.numel(), self.device):
            return cvar_from_distribution(self.costs, probabilities, alpha,
                                          order=self._sorted_order())

    def _sorted_order(self) -> torch.Tensor:
        if self._order is None:
            self._order = torch.argsort(self.costs)
        return self._order


def _angles(gammas, betas) -> tuple[np.ndarray, np.ndarray]:
    """Layer angles as two float64 arrays of equal length."""
    gammas = np.ascontiguousarray(np.atleast_1d(gammas), dtype=np.float64)
    betas = np.ascontiguousarray(np.atleast_1d(betas), dtype=np.float64)
    if gammas.ndim != 1 or len(gammas) != len(betas):
        raise ValueError(f"QAOA needs as many gammas as betas, got {len(gammas)} and "
                         f"{len(betas)}")
    return gammas, betas


def cvar_from_distribution(costs, probabilities, alpha: float, *, order=None) -> float:
    """CVaR_α of a discrete distribution: the expected cost over its best ``alpha`` mass.

    >>> import torch
    >>> cvar_from_distribution(torch.tensor([3.0, 1.0, 2.0]), torch.tensor([0.5, 0.25, 0.25]), 0.5)
    1.5
    """
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"CVaR alpha must lie in (0, 1], got {alpha}")
    costs = torch.as_tensor(costs, dtype=torch.float64)
    probabilities = torch.as_tensor(probabilities, dtype=torch.float64, device=costs.device)
    if order is None:
        order = torch.argsort(costs)
    p = probabilities[order]
    c = costs[order]
    before = torch.cumsum(p, 0) - p
    taken = torch.clamp(torch.minimum(p, alpha - before), min=0.0)
    return float(torch.dot(taken, c) / alpha)


class ProductQAOA:
    """Exact QAOA for a cost with no couplings (diagonal ``Q``): every qubit evolves alone.

    A linear cost ``Σ h_i x_i + c`` (the slack-free MDKP Lagrangian) gives a product state, so
    ``n`` two-amplitude states replace the ``2**n`` vector; it agrees with ``DiagonalQAOA``.

    >>> sim = ProductQAOA(np.array([1.0, 1.0]), 0.0)   # H = x0 + x1
    >>> round(sim.expectation([math.pi / 2], [-math.pi / 4]), 12)
    0.0
    """

    def __init__(self, linear, offset: float = 0.0):
        self.linear = np.asarray(linear, dtype=float)
        if self.linear.ndim != 1 or not np.all(np.isfinite(self.linear)):
            raise ValueError("ProductQAOA: linear costs must be a finite vector")
        self.offset = float(offset)
        self.num_qubits = self.linear.size

    def marginals(self, gammas, betas) -> np.ndarray:
        """``P(x_i = 1)`` for every qubit."""
        gammas, betas = np.atleast_1d(gammas), np.atleast_1d(betas)
        if len(gammas) != len(betas):
            raise ValueError(f"QAOA needs as many gammas as betas, got {len(gammas)} and "
                             f"{len(betas)}")
        zero = np.full(self.num_qubits, 1.0 / math.sqrt(2.0), dtype=np.complex128)
        one = zero.copy()
        for gamma, beta in zip(gammas, betas):
            one = one * np.exp(-1j * float(gamma) * self.linear)
            c, s = math.cos(float(beta)), -1j * math.sin(float(beta))
            zero, one = c * zero + s * one, s * zero + c * one
        return np.abs(one) ** 2

    def expectation(self, gammas, betas) -> float:
        """``<ψ|H_C|ψ>`` including the offset."""
        return float(self.offset + self.marginals(gammas, betas) @ self.linear)

    def sample(self, gammas, betas, shots: int, rng: np.random.Generator) -> np.ndarray:
        """``shots`` bit rows drawn from the product distribution."""
        return (rng.random((shots, self.num_qubits))
                < self.marginals(gammas, betas)).astype(np.int8)
