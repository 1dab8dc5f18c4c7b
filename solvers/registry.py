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

# Largest size per problem type that the quantum methods simulate: 24 qubits, i.e. 24 items or
# nodes (slack-free), 4 QAP facilities (n² bits), 5 TSP cities ((n-1)² bits); larger: "skipped".
QUANTUM_LIMITS = {"MDKP": 24, "MIS": 24, "QAP": 4, "TSP": 5}
# Largest size per problem type that `exact` enumerates in seconds; larger is "skipped".
EXACT_LIMITS = {"TSP": 10, "QAP": 9, "MDKP": 18, "MIS": 18, "RobustKnapsack": 10}


def register(spec: MethodSpec) -> None:
    _METHODS[spec.name] = spec


for _spec in (
    MethodSpec("ortools", "solvers.algorithms.ortools_baseline:solve_ortools", PROBLEM_TYPES,
               "OR-Tools: routing + guided local search (TSP), CP-SAT (MDKP, MIS, QAP), "
               "column-and-constraint generation (RobustKnapsack)", demo=True),
    MethodSpec("ccg", "solvers.algorithms.ccg:solve_ccg", ("RobustKnapsack",),
               "exact column-and-constraint generation with MathOpt (SCIP)", demo=True),
    MethodSpec("milp", "solvers.algorithms.milp:solve_milp", PROBLEM_TYPES,
               "the compiled MILP solved by MathOpt (solver='scip' default, or 'highs'); "
               "for RobustKnapsack the nominal problem, its x priced exactly", demo=True,
               max_size={"TSP": 60}),  # problems.tsp.MILP_LIMIT: the MTZ model's size
    MethodSpec("exact", "solvers.algorithms.exact:solve_exact", PROBLEM_TYPES,
               "brute-force enumeration for tiny instances (references for tests and quantum)",
               demo=True, max_size=EXACT_LIMITS),
    MethodSpec("qaoa", "solvers.algorithms.quantum:solve_qaoa", ("MDKP", "MIS", "TSP", "QAP"),
               "QAOA in a slack-free Lagrangian multiplier loop (fast torch simulator or Aer)",
               demo=True, max_size=QUANTUM_LIMITS),
    MethodSpec("vqe", "solvers.algorithms.quantum:solve_vqe", ("MDKP", "MIS", "TSP", "QAP"),
               "VQE (EfficientSU2/RealAmplitudes on Aer) in a Lagrangian multiplier loop",
               max_size=QUANTUM_LIMITS),
    MethodSpec("cvar-vqe", "solvers.algorithms.quantum:solve_cvar_vqe",
               ("MDKP", "MIS", "TSP", "QAP"),
               "CVaR-VQE (alpha-tail energy) on Aer in a Lagrangian multiplier loop",
               max_size=QUANTUM_LIMITS),
    MethodSpec("sa", "solvers.algorithms.quantum:solve_sa", ("MDKP", "MIS", "TSP", "QAP"),
               "simulated annealing on the problem's QUBO (slack) or the Lagrangian QUBOs",
               demo=True, max_size={"TSP": 40}),
    MethodSpec("udc", "solvers.algorithms.udc:solve_udc", ("TSP",),
               "GNN divide-and-conquer: learned dividing, learned sub-path conquering, reunion",
               demo=True),
    MethodSpec("mcts", "solvers.algorithms.mcts:solve_mcts", ("TSP",),
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
