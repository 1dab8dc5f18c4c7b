"""The method registry: names, the problem types each supports, and where the code lives.

Entries are imported lazily, so ``nqco methods`` does not pay for torch or qiskit.
Every function has the signature ``fn(problem, *, time_limit, seed, **options) -> Answer``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

PROBLEM_TYPES = ("TSP", "MDKP", "MIS", "QAP", "RobustKnapsack")


class UnknownMethod(ValueError):
    pass


class UnsupportedProblem(ValueError):
    pass


@dataclass(frozen=True)
class MethodSpec:
    name: str
    target: str  # "module:function"
    types: tuple[str, ...]
    description: str
    demo: bool = False  # part of `make demo`
    max_size: int | dict | None = None  # largest problem.size accepted: any, or per type

    def size_limit(self, problem_type: str) -> int | None:
        """The largest ``problem.size`` this method accepts for ``problem_type`` (None: any)."""
        if isinstance(self.max_size, dict):
            return self.max_size.get(problem_type)
        return self.max_size

    def load(self) -> Callable:
        module, _, function = self.target.partition(":")
        return getattr(importlib.import_module(module), function)


_METHODS: dict[str, MethodSpec] = {}


def register(spec: MethodSpec) -> None:
    _METHODS[spec.name] = spec


for _spec in (
    MethodSpec("ortools", "solvers.ortools_baseline:solve_ortools", PROBLEM_TYPES,
               "OR-Tools: routing + guided local search (TSP), CP-SAT (MDKP, MIS, QAP), "
               "column-and-constraint generation (RobustKnapsack)", demo=True),
    MethodSpec("ccg", "solvers.ccg:solve_ccg", ("RobustKnapsack",),
               "exact column-and-constraint generation with MathOpt (SCIP)"),
    MethodSpec("milp", "solvers.milp:solve_milp", PROBLEM_TYPES,
               "the compiled MILP solved by MathOpt (solver='scip' default, or 'highs'); "
               "for RobustKnapsack the nominal problem, its x priced exactly"),
    MethodSpec("exact", "solvers.exact:solve_exact", PROBLEM_TYPES,
               "brute-force enumeration for tiny instances (references for tests and quantum)"),
    MethodSpec("qaoa", "solvers.quantum_methods:solve_qaoa", ("MDKP", "MIS", "TSP", "QAP"),
               "QAOA in a slack-free Lagrangian multiplier loop (fast torch simulator or Aer)",
               max_size=24),
    MethodSpec("vqe", "solvers.quantum_methods:solve_vqe", ("MDKP", "MIS", "TSP", "QAP"),
               "VQE (EfficientSU2/RealAmplitudes on Aer) in a Lagrangian multiplier loop",
               max_size=24),
    MethodSpec("cvar-vqe", "solvers.quantum_methods:solve_cvar_vqe",
               ("MDKP", "MIS", "TSP", "QAP"),
               "CVaR-VQE (alpha-tail energy) on Aer in a Lagrangian multiplier loop", max_size=24),
    MethodSpec("sa", "solvers.quantum_methods:solve_sa", ("MDKP", "MIS", "TSP", "QAP"),
               "simulated annealing on the problem's QUBO (slack) or the Lagrangian QUBOs",
               demo=True, max_size={"TSP": 40}),
    MethodSpec("udc", "solvers.udc:solve_udc", ("TSP", "MIS", "MDKP"),
               "GNN divide-and-conquer: learned dividing, learned conquering, reunion",
               demo=True),
    MethodSpec("mcts", "solvers.mcts:solve_mcts", ("TSP",),
               "heatmap-guided Monte Carlo tree search over k-opt moves", demo=True),
):
    register(_spec)


def get(name: str) -> MethodSpec:
    try:
        return _METHODS[name]
    except KeyError:
        raise UnknownMethod(
            f"unknown method {name!r}; available methods: {', '.join(sorted(_METHODS))}"
        ) from None


def methods(problem_type: str | None = None) -> dict[str, MethodSpec]:
    """All registered methods, or only those supporting ``problem_type``."""
    return {n: s for n, s in sorted(_METHODS.items())
            if problem_type is None or problem_type in s.types}
