"""A fast exact QAOA simulator for diagonal cost Hamiltonians, in torch (GPU when present).

The cost of every basis state is computed once (``quantum.ising.cost_vector``). A QAOA layer is
then ``ψ ← exp(-iγ C) ⊙ ψ`` (one elementwise multiply) followed by the mixer
``exp(-iβ Σ X_q) = ⊗_q RX(2β)``, applied to groups of ``GROUP`` qubits at a time as one batched
matrix product over a reshaped view of the state (``ceil(n / GROUP)`` passes per layer instead
of ``n``). Conventions match Qiskit's ``QAOAAnsatz``: parameters ``(γ_1..γ_p, β_1..β_p)``,
cost layer ``exp(-iγ H_C)``, mixer ``exp(-iβ Σ X)``, initial state ``|+>^n``, qubit ``i`` = bit
``i`` of the basis index.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import torch

GROUP = 4  # qubits per mixer pass: 2^4 x 2^4 blocks were fastest on CPU (see bench/quantum.py)
SMALL = 1 << 16  # below this many amplitudes one CPU thread beats several (thread start-up)


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

    Examples
    --------
    >>> import numpy as np
    >>> sim = DiagonalQAOA(np.array([0.0, 1.0, 1.0, 2.0]))   # H = x0 + x1
    >>> round(sim.expectation([0.0], [0.0]), 12)            # |+>|+>: mean cost
    1.0
    >>> round(sim.expectation([math.pi / 2], [-math.pi / 4]), 12)     # both qubits to |0>
    0.0
    """

    def __init__(self, costs, *, device: torch.device | str | None = None):
        self.device = torch.device(device) if device is not None else default_device()
        costs = torch.as_tensor(np.asarray(costs, dtype=np.float64), device=self.device)
        size = costs.numel()
        n = size.bit_length() - 1
        if size < 2 or 1 << n != size:
            raise ValueError(f"DiagonalQAOA: cost vector length {size} is not a power of two >= 2")
        if not bool(torch.isfinite(costs).all()):
            raise ValueError("DiagonalQAOA: the cost vector holds NaN or inf")
        self.num_qubits = n
        self.costs = costs
        self._order: torch.Tensor | None = None

    def state(self, gammas, betas) -> torch.Tensor:
        """The QAOA state (complex128, length ``2**n``) for layer angles ``gammas``, ``betas``."""
        gammas = [float(g) for g in np.atleast_1d(gammas)]
        betas = [float(b) for b in np.atleast_1d(betas)]
        if len(gammas) != len(betas):
            raise ValueError(f"QAOA needs as many gammas as betas, got {len(gammas)} and "
                             f"{len(betas)}")
        size = self.costs.numel()
        with _cpu_threads(size, self.device):
            psi = torch.full((size,), 1.0 / math.sqrt(size), dtype=torch.complex128,
                             device=self.device)
            for gamma, beta in zip(gammas, betas):
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
