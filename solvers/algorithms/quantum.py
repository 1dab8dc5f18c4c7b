"""Registered methods ``qaoa``, ``vqe``, ``cvar-vqe`` and the classical reference ``sa``.

Qiskit and torch are imported only by the circuit methods, so that ``sa`` (whose imports
count against its time limit) starts in a fraction of a second.

Each builds an encoding (``quantum.encodings``: slack-free ``"lagrangian"`` or the problem's
``"slack"`` QUBO), checks the qubit count against the backend before simulating anything, runs
the multiplier loop (``quantum.lagrangian``) around its inner solver and reports the best
feasible solution found. ``status`` is always ``"feasible"``: sampling proves nothing.

``Answer.info`` carries: ``encoding``, ``multipliers``, ``qubits``, ``slack_bits``, ``depth`` and
``two_qubit_gates`` (the final circuit transpiled to CX + 1-qubit gates), ``shots``,
``circuit_evaluations``, ``iterations``, ``stop``, ``dual_estimate``, ``p_feasible`` and
``final_feasible_mass`` (of the final sampled distribution), ``multiplier_history``.
"""

from __future__ import annotations

import time

from quantum.annealing import MAX_VARIABLES, Annealer
from quantum.backends import MAX_QUBITS, check_backend
from quantum.encodings import count_problem_bits, make_encoding
from quantum.lagrangian import solve_lagrangian
from quantum.multipliers import get_update
from solvers.registry import Need
from solvers.result import Answer


def solve_qaoa(problem, *, time_limit: float | None = None, seed: int = 0,
               encoding: str = "lagrangian", multipliers: str = "subgradient", reps: int = 2,
               alpha: float = 1.0, optimizer: str = "COBYLA", maxiter: int = 100,
               backend: str = "fast", shots: int | None = None, final_shots: int = 1024,
               noise=None, max_iterations: int = 20, patience: int = 5,
               penalty: float | None = None, progress=None) -> Answer:
    """QAOA (``reps`` layers) inside the multiplier loop; trained on the fast simulator by default.

    >>> from problems import MDKP
    >>> from solvers import solve
    >>> r = solve(MDKP.random(8, 2, seed=0), "qaoa", seed=0, max_iterations=3)
    >>> r.feasible, r.info["qubits"], r.info["slack_bits"]
    (True, 8, 0)
    """
    from quantum.variational import QAOA

    inner = QAOA(reps=reps, alpha=alpha, optimizer=optimizer, maxiter=maxiter, backend=backend,
                 shots=shots, final_shots=final_shots, noise=noise, seed=seed)
    return _run(problem, inner, encoding=encoding, multipliers=multipliers, penalty=penalty,
                time_limit=time_limit, max_iterations=max_iterations, patience=patience,
                extra={"backend": backend, "reps": reps, "alpha": alpha}, progress=progress)


def solve_vqe(problem, *, time_limit: float | None = None, seed: int = 0,
              encoding: str = "lagrangian", multipliers: str = "subgradient",
              ansatz: str = "efficient_su2", reps: int = 1, alpha: float = 1.0,
              optimizer: str = "COBYLA", maxiter: int = 150, backend: str = "statevector",
              shots: int | None = None, final_shots: int = 1024, noise=None,
              max_iterations: int = 20, patience: int = 5,
              penalty: float | None = None, progress=None) -> Answer:
    """VQE on a hardware-efficient ansatz (Aer) inside the multiplier loop.

    >>> from problems import MIS
    >>> from solvers import solve
    >>> r = solve(MIS.random(6, p=0.3, seed=0), "vqe", seed=0, max_iterations=2, maxiter=40)
    >>> r.feasible, r.info["two_qubit_gates"] > 0
    (True, True)
    """
    from quantum.variational import VQE

    inner = VQE(ansatz=ansatz, reps=reps, alpha=alpha, optimizer=optimizer, maxiter=maxiter,
                backend=backend, shots=shots, final_shots=final_shots, noise=noise, seed=seed)
    return _run(problem, inner, encoding=encoding, multipliers=multipliers, penalty=penalty,
                time_limit=time_limit, max_iterations=max_iterations, patience=patience,
                extra={"backend": backend, "ansatz": ansatz, "reps": reps, "alpha": alpha},
                progress=progress)


def solve_cvar_vqe(problem, *, time_limit: float | None = None, seed: int = 0,
                   encoding: str = "lagrangian", multipliers: str = "subgradient",
                   ansatz: str = "efficient_su2", reps: int = 1, alpha: float = 0.25,
                   optimizer: str = "COBYLA", maxiter: int = 150, backend: str = "statevector",
                   shots: int | None = None, final_shots: int = 1024, noise=None,
                   max_iterations: int = 20, patience: int = 5,
                   penalty: float | None = None, progress=None) -> Answer:
    """CVaR-VQE: VQE trained on the mean energy of the best ``alpha`` fraction of outcomes.

    >>> from problems import QAP
    >>> from solvers import solve
    >>> r = solve(QAP.random(3, seed=0), "cvar-vqe", seed=0, max_iterations=2, maxiter=40)
    >>> r.feasible, r.info["alpha"]
    (True, 0.25)
    """
    if not (isinstance(alpha, (int, float)) and 0.0 < alpha < 1.0):
        raise ValueError(f"cvar-vqe needs 0 < alpha < 1 (alpha = 1 is plain vqe), got {alpha!r}")
    return solve_vqe(problem, time_limit=time_limit, seed=seed, encoding=encoding,
                     multipliers=multipliers, ansatz=ansatz, reps=reps, alpha=alpha,
                     optimizer=optimizer, maxiter=maxiter, backend=backend, shots=shots,
                     final_shots=final_shots, noise=noise, max_iterations=max_iterations,
                     patience=patience, penalty=penalty, progress=progress)


def solve_sa(problem, *, time_limit: float | None = None, seed: int = 0,
             encoding: str = "slack", multipliers: str = "subgradient", sweeps: int = 1000,
             reads: int = 16, rounds: int | None = None, max_iterations: int = 20,
             patience: int = 5, penalty: float | None = None, progress=None) -> Answer:
    """Simulated annealing on the same QUBOs (``slack`` by default: the problem's own QUBO).

    The work is counted, never probed from the clock: a round is ``reads`` reads of ``sweeps``
    sweeps. On the slack QUBO, without a time limit ``rounds`` rounds run (default 1), so a
    seed fixes the answer; with a time limit rounds repeat until the limit (or until
    ``rounds``), and ``info["rounds"]`` says how many the clock allowed. With
    ``encoding="lagrangian"`` every multiplier iteration runs ``rounds`` rounds (default 1)
    and the loop's own rules stop it (``info["stop"]``).

    >>> from problems import MIS
    >>> from solvers import solve
    >>> solve(MIS.random(30, p=0.1, seed=0), "sa", seed=0).feasible
    True
    """
    anytime = encoding == "slack" and time_limit is not None
    inner = Annealer(sweeps=sweeps, reads=reads, seed=seed,
                     rounds=rounds if anytime or rounds is not None else 1)
    answer = _run(problem, inner, encoding=encoding, multipliers=multipliers, penalty=penalty,
                  time_limit=time_limit, max_iterations=max_iterations, patience=patience,
                  extra={"sweeps": sweeps, "reads": reads}, circuit=False,
                  progress=progress)
    answer.info["rounds"] = inner.batches
    if anytime:
        answer.info["stop"] = "rounds" if rounds is not None and inner.batches >= rounds \
            else "time limit"
    return answer


def qaoa_qubits(problem, *, encoding: str = "lagrangian", backend: str = "fast",
                **options) -> Need:
    """Qubits of the chosen encoding against the chosen backend's limit (nothing simulated).

    >>> from problems import TSP
    >>> need = qaoa_qubits(TSP.random(7, seed=0))
    >>> need.amount, need.fits
    (36, False)
    """
    return _qubits(problem, encoding, backend)


def vqe_qubits(problem, *, encoding: str = "lagrangian", backend: str = "statevector",
               **options) -> Need:
    """``qaoa_qubits`` with VQE's default backend (Aer statevector)."""
    return _qubits(problem, encoding, backend)


def _qubits(problem, encoding: str, backend: str) -> Need:
    check_backend(backend)
    return Need(_encoding_size(problem, encoding, MAX_QUBITS[backend]), MAX_QUBITS[backend],
                f"qubits (backend {backend!r})",
                f"the {encoding} encoding of {type(problem).__name__} {problem.name}")


def variables_needed(problem, *, encoding: str = "slack", **options) -> Need:
    """QUBO variables of the chosen encoding against the annealer's dense-matrix limit."""
    return Need(_encoding_size(problem, encoding, MAX_VARIABLES), MAX_VARIABLES,
                "QUBO variables (a dense matrix)",
                f"the {encoding} encoding of {type(problem).__name__} {problem.name}")


def _encoding_size(problem, encoding: str, limit: int) -> int:
    """Variables of the encoding; only MDKP's slack QUBO has more than the problem's bits (its
    slack bits), and it is built only when the problem bits fit."""
    bits = count_problem_bits(problem)
    if encoding == "lagrangian" or bits > limit or type(problem).__name__ != "MDKP":
        return bits
    return make_encoding(problem, encoding).num_qubits


def _run(problem, inner, *, encoding, multipliers, penalty, time_limit, max_iterations,
         patience, extra: dict, circuit: bool = True, progress=None) -> Answer:
    start = time.perf_counter()
    get_update(multipliers)
    what = f"{type(problem).__name__} {problem.name}"
    inner.check(count_problem_bits(problem), f"{what} (its own bits, before any slack)")
    enc = make_encoding(problem, encoding, penalty=penalty)
    inner.check(enc.num_qubits, f"the {encoding} encoding of {what}")
    left = None if time_limit is None else max(time_limit - (time.perf_counter() - start), 1e-3)
    out = solve_lagrangian(enc, inner, multipliers=multipliers, max_iterations=max_iterations,
                           patience=patience, time_limit=left,
                           on_improvement=None if progress is None else progress.improved)
    info = {"encoding": encoding, "multipliers": multipliers if enc.num_multipliers else None,
            "qubits": enc.num_qubits, "slack_bits": enc.slack_bits, "shots": out.shots,
            "circuit_evaluations": out.evaluations, "iterations": out.iterations,
            "stop": out.stop, "dual_estimate": out.dual_estimate,
            "p_feasible": sum(mass for _, mass in out.final_feasible_mass),
            "final_feasible_mass": [list(pair) for pair in out.final_feasible_mass[:10]],
            "multiplier_history": list(out.history), **extra}
    if circuit and out.iterations:
        from quantum.circuits import circuit_stats

        info.update(circuit_stats(inner.circuit(enc.qubo(out.multipliers, out.rho))))
    if out.solution is not None:
        info["claimed_objective"] = out.objective
    return Answer(solution=out.solution, status="feasible", trace=out.trace, info=info)
