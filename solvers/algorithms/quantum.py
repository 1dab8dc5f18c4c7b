"""Registered methods ``qaoa``, ``vqe``, ``cvar-vqe`` and the classical reference ``sa``.

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

from quantum.annealing import Annealer
from quantum.circuits import circuit_stats
from quantum.encodings import count_problem_bits, make_encoding
from quantum.lagrangian import solve_lagrangian
from quantum.multipliers import get_update
from quantum.variational import QAOA, VQE
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
             reads: int = 16, max_iterations: int = 20, patience: int = 5,
             penalty: float | None = None, progress=None) -> Answer:
    """Simulated annealing on the same QUBOs (``slack`` by default: the problem's own QUBO).

    ``time_limit`` (default 10 s) bounds the whole run; with ``encoding="lagrangian"`` each
    multiplier iteration gets an equal share.

    >>> from problems import MIS
    >>> from solvers import solve
    >>> solve(MIS.random(30, p=0.1, seed=0), "sa", seed=0).feasible
    True
    """
    budget = 10.0 if time_limit is None else float(time_limit)
    share = budget if encoding == "slack" else budget / max_iterations
    inner = Annealer(sweeps=sweeps, reads=reads, seed=seed, time_limit=share)
    return _run(problem, inner, encoding=encoding, multipliers=multipliers, penalty=penalty,
                time_limit=budget, max_iterations=max_iterations, patience=patience,
                extra={"sweeps": sweeps, "reads": reads}, circuit=False, progress=progress)


def _run(problem, inner, *, encoding, multipliers, penalty, time_limit, max_iterations,
         patience, extra: dict, circuit: bool = True, progress=None) -> Answer:
    get_update(multipliers)
    what = f"{type(problem).__name__} {problem.name}"
    inner.check(count_problem_bits(problem), f"{what} (its own bits, before any slack)")
    enc = make_encoding(problem, encoding, penalty=penalty)
    inner.check(enc.num_qubits, f"the {encoding} encoding of {what}")
    out = solve_lagrangian(enc, inner, multipliers=multipliers, max_iterations=max_iterations,
                           patience=patience, time_limit=time_limit,
                           on_improvement=None if progress is None else progress.improved)
    info = {"encoding": encoding, "multipliers": multipliers if enc.num_multipliers else None,
            "qubits": enc.num_qubits, "slack_bits": enc.slack_bits, "shots": out.shots,
            "circuit_evaluations": out.evaluations, "iterations": out.iterations,
            "stop": out.stop, "dual_estimate": out.dual_estimate,
            "p_feasible": sum(mass for _, mass in out.final_feasible_mass),
            "final_feasible_mass": [list(pair) for pair in out.final_feasible_mass[:10]],
            "multiplier_history": list(out.history), **extra}
    if circuit:
        info.update(circuit_stats(inner.circuit(enc.qubo(out.multipliers, out.rho))))
    if out.solution is not None:
        info["claimed_objective"] = out.objective
    return Answer(solution=out.solution, status="feasible", trace=out.trace, info=info)
