"""The five Lagrange-multiplier updates, each a function ``update(state) -> Step``.

The primal problem is ``min f(x) s.t. g(x) <= 0`` (inequalities) and ``h(x) = 0``
(equalities). Its dual function ``d(λ) = min_x f(x) + λ·c(x)`` (``c`` stacks ``g`` and ``h``)
is concave and is maximised over ``lower <= λ <= upper`` (``lower = 0`` for inequalities).
Every inner solve at ``λ_k`` gives a point ``x_k`` and hence a ``Cut``: the affine function
``λ ↦ L(x_k, λ) = value_k + c(x_k)·(λ − λ_k)``, which lies above ``d`` everywhere, whether or not
``x_k`` minimised the Lagrangian. All five rules read only the history of cuts:

* ``subgradient``: projected ascent ``λ + t_k c(x_k)``; Polyak step toward the best feasible
  value when one is known, else a diminishing step.
* ``dual-averaging``: Nesterov's simple dual averaging around the first multipliers.
* ``bundle``: proximal bundle; maximise the cut model minus ``‖λ − centre‖²/(2t)`` around the
  best point so far (a QP, solved with SciPy's SLSQP).
* ``cutting-plane``: Kelley's method; maximise the cut model over the box (an LP, solved with
  OR-Tools GLOP through MathOpt).
* ``augmented``: the method of multipliers ``λ + ρ_k c(x_k)``; with equalities ``ρ`` (which
  also weighs their quadratic augmentation in the QUBO) doubles whenever the violation did not
  shrink to a quarter, up to ``rho_max``; with inequalities only it halves on no progress.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

METHODS = ("subgradient", "dual-averaging", "bundle", "cutting-plane", "augmented")


@dataclass(frozen=True)
class Cut:
    """``L(x, λ') = value + subgradient · (λ' − lam)`` for the inner solution ``x`` found at ``lam``.
    """

    lam: np.ndarray
    value: float
    subgradient: np.ndarray


@dataclass(frozen=True)
class DualState:
    """Everything an update may use.

    ``cuts`` is the history (oldest first, at least one); ``scale`` is the typical size of a
    multiplier; ``target`` the best feasible objective known (``None`` before the first);
    ``rho`` the current augmentation weight.
    """

    cuts: tuple[Cut, ...]
    lower: np.ndarray
    upper: np.ndarray
    scale: float
    rho: float
    rho_max: float
    target: float | None = None
    options: dict = field(default_factory=dict)

    @property
    def last(self) -> Cut:
        return self.cuts[-1]

    def project(self, lam: np.ndarray) -> np.ndarray:
        return np.clip(lam, self.lower, self.upper)


@dataclass(frozen=True)
class Step:
    """New multipliers and augmentation weight."""

    lam: np.ndarray
    rho: float


def _stalled(state: DualState) -> int:
    """How many iterations so far failed to raise the best dual estimate."""
    values = [c.value for c in state.cuts]
    best = np.maximum.accumulate(values)
    return int(np.sum(np.asarray(values[1:]) <= best[:-1]))


def subgradient(state: DualState) -> Step:
    """Projected subgradient ascent with a Polyak step toward the best feasible value.

    ``t_k = θ_k (T − L_k) / ‖c_k‖²`` with ``T = target + target_margin·|target|`` (default
    margin 0.05, so that the step reaches a dual optimum equal to the target in finitely many
    steps instead of creeping up to it) and ``θ_k = θ 2^{-⌊u/2⌋}``, where ``u`` counts the
    iterations that did not improve the dual estimate (Held–Karp halving: with a duality gap
    the target overestimates the dual optimum). Without a target the step is
    ``scale / (sqrt(k) max|c_k|)``.

    >>> s = DualState(cuts=(Cut(np.zeros(1), -3.0, np.array([2.0])),), lower=np.zeros(1),
    ...               upper=np.full(1, 10.0), scale=1.0, rho=1.0, rho_max=1.0, target=-1.0,
    ...               options={"target_margin": 0.0})
    >>> subgradient(s).lam.tolist()   # t = (−1 − (−3)) / 2² = 0.5
    [1.0]
    """
    cut = state.last
    g = cut.subgradient
    norm2 = float(g @ g)
    if norm2 == 0.0:
        return Step(cut.lam.copy(), state.rho)
    k = len(state.cuts)
    margin = state.options.get("target_margin", 0.05)
    gap = None if state.target is None else (
        state.target + margin * abs(state.target) - cut.value)
    if gap is not None and gap > 1e-9 * max(1.0, abs(state.target)):
        theta = state.options.get("theta", 1.0) * 0.5 ** (_stalled(state) // 2)
        step = theta * gap / norm2
    else:
        step = state.scale / (math.sqrt(k) * float(np.max(np.abs(g))))
    return Step(state.project(cut.lam + step * g), state.rho)


def dual_averaging(state: DualState) -> Step:
    """Simple dual averaging: ``λ_0 + scale · Σ_i ĝ_i / sqrt(k)``, ``ĝ`` scaled by the largest |g|.

    >>> c = Cut(np.zeros(1), 0.0, np.array([4.0]))
    >>> s = DualState(cuts=(c, c), lower=np.zeros(1), upper=np.full(1, 10.0), scale=1.0,
    ...               rho=1.0, rho_max=1.0)
    >>> round(float(dual_averaging(s).lam[0]), 6)   # 2 / sqrt(2)
    1.414214
    """
    gs = np.array([c.subgradient for c in state.cuts])
    largest = float(np.max(np.abs(gs)))
    if largest == 0.0:
        return Step(state.last.lam.copy(), state.rho)
    k = len(state.cuts)
    lam = state.cuts[0].lam + state.scale * gs.sum(axis=0) / (largest * math.sqrt(k))
    return Step(state.project(lam), state.rho)


def _model_arrays(state: DualState):
    lams = np.array([c.lam for c in state.cuts])
    gs = np.array([c.subgradient for c in state.cuts])
    intercepts = np.array([c.value for c in state.cuts]) - np.einsum("ij,ij->i", gs, lams)
    return gs, intercepts  # model(λ) = min_i intercepts_i + gs_i · λ


def bundle(state: DualState) -> Step:
    """Proximal bundle step: ``argmax model(λ) − ‖λ − centre‖² / (2t)`` with ``t = scale / max|g|``.

    The centre is the cut point with the best dual estimate seen (serious steps only move it
    on an increase).

    >>> c = Cut(np.zeros(1), 0.0, np.array([1.0]))
    >>> s = DualState(cuts=(c,), lower=np.zeros(1), upper=np.full(1, 10.0), scale=1.0,
    ...               rho=1.0, rho_max=1.0)
    >>> round(float(bundle(s).lam[0]), 4)   # maximise λ − λ²/2
    1.0
    """
    from scipy.optimize import minimize

    gs, intercepts = _model_arrays(state)
    largest = float(np.max(np.abs(gs)))
    centre_cut = max(state.cuts, key=lambda c: c.value)
    if largest == 0.0:
        return Step(centre_cut.lam.copy(), state.rho)
    t = state.options.get("prox", 1.0) * state.scale / largest
    centre = centre_cut.lam
    m = centre.size

    def objective(z):
        d = z[:m] - centre
        return -z[m] + d @ d / (2.0 * t), np.concatenate((d / t, [-1.0]))

    constraints = {"type": "ineq",
                   "fun": lambda z: intercepts + gs @ z[:m] - z[m],
                   "jac": lambda z: np.hstack((gs, -np.ones((len(intercepts), 1))))}
    start = np.concatenate((centre, [float(np.min(intercepts + gs @ centre))]))
    bounds = list(zip(state.lower, state.upper)) + [(None, None)]
    result = minimize(objective, start, jac=True, method="SLSQP", bounds=bounds,
                      constraints=[constraints], options={"maxiter": 200, "ftol": 1e-10})
    lam = result.x[:m] if np.all(np.isfinite(result.x)) else centre
    return Step(state.project(lam), state.rho)


def cutting_plane(state: DualState) -> Step:
    """Kelley's cutting plane: ``argmax_λ model(λ)`` over the box, an LP solved by OR-Tools GLOP.

    >>> cuts = (Cut(np.zeros(1), 0.0, np.array([1.0])), Cut(np.full(1, 4.0), 0.0, np.array([-1.0])))
    >>> s = DualState(cuts=cuts, lower=np.zeros(1), upper=np.full(1, 10.0), scale=1.0,
    ...               rho=1.0, rho_max=1.0)
    >>> cutting_plane(s).lam.tolist()   # min(λ, 4 − λ) peaks at 2
    [2.0]
    """
    from ortools.math_opt.python import mathopt

    gs, intercepts = _model_arrays(state)
    model = mathopt.Model(name="kelley")
    lam = [model.add_variable(lb=float(lo), ub=float(hi), name=f"lam{j}")
           for j, (lo, hi) in enumerate(zip(state.lower, state.upper))]
    bound = model.add_variable(name="r")
    for g, b in zip(gs, intercepts):
        model.add_linear_constraint(
            bound <= float(b) + mathopt.fast_sum(float(gj) * v for gj, v in zip(g, lam) if gj))
    model.maximize(bound)
    result = mathopt.solve(model, mathopt.SolverType.GLOP)
    if result.termination.reason != mathopt.TerminationReason.OPTIMAL:
        raise RuntimeError(f"cutting-plane LP ended with {result.termination.reason.name}: "
                           f"{result.termination.detail}")
    values = result.variable_values()
    return Step(state.project(np.array([values[v] for v in lam])), state.rho)


def augmented(state: DualState) -> Step:
    """Method of multipliers: ``λ + ρ c(x)`` with a ``ρ`` schedule.

    With equality constraints (which carry the augmentation ``ρ/2 ‖h‖²`` in the QUBO) ``ρ``
    doubles, up to ``rho_max``, whenever the violation did not fall to a quarter. Without
    them nothing augments the QUBO (an inequality would need slack), ``ρ`` is a plain step
    length and halves whenever the dual estimate did not improve.

    >>> cuts = (Cut(np.zeros(1), 0.0, np.array([1.0])), Cut(np.ones(1), 0.0, np.array([1.0])))
    >>> s = DualState(cuts=cuts, lower=np.full(1, -5.0), upper=np.full(1, 5.0), scale=1.0,
    ...               rho=0.5, rho_max=4.0)
    >>> step = augmented(s); step.lam.tolist(), step.rho
    ([1.5], 1.0)
    """
    cut = state.last
    lam = state.project(cut.lam + state.rho * cut.subgradient)
    rho = state.rho
    if len(state.cuts) > 1:
        previous = state.cuts[-2]
        if np.any(state.lower < 0):  # equality multipliers are free in sign
            now = float(np.linalg.norm(cut.subgradient))
            before = float(np.linalg.norm(previous.subgradient))
            if now > 0.25 * before:
                rho = min(state.rho_max, 2.0 * state.rho)
        elif cut.value <= previous.value:
            rho = 0.5 * state.rho
    return Step(lam, rho)


UPDATES = {"subgradient": subgradient, "dual-averaging": dual_averaging, "bundle": bundle,
           "cutting-plane": cutting_plane, "augmented": augmented}


def get_update(name: str):
    """The update function called ``name``; ``ValueError`` naming the choices otherwise.

    >>> get_update("bundle").__name__
    'bundle'
    """
    try:
        return UPDATES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown multiplier method {name!r}; choose one of "
                         f"{', '.join(METHODS)}") from None
