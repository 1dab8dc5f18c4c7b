"""The method registry: names, the problem types each supports, and where the code lives.

Entries are imported lazily, so ``nqco methods`` does not pay for torch or qiskit.
Every function has the signature ``fn(problem, *, time_limit, seed, **options) -> Answer``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

PROBLEM_TYPES = ("TSP", "MDKP", "MIS", "QAP", "RobustKnapsack", "BQP", "MaxCut")
QUADRATIC_TYPES = ("BQP", "MaxCut")
QUBO_TYPES = ("MDKP", "MIS", "TSP", "QAP", *QUADRATIC_TYPES)  # the quantum encodings' types


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
    MethodSpec("ortools", "solvers.algorithms.ortools_baseline:solve_ortools", PROBLEM_TYPES,
               "OR-Tools: routing + guided local search (TSP), CP-SAT (MDKP, MIS, QAP, BQP, "
               "MaxCut), column-and-constraint generation (RobustKnapsack)", demo=True),
    MethodSpec("ccg", "solvers.algorithms.ccg:solve_ccg", ("RobustKnapsack",),
               "exact column-and-constraint generation with MathOpt (SCIP)"),
    MethodSpec("neur2ro", "solvers.algorithms.neur2ro:solve_neur2ro", ("RobustKnapsack",),
               "Neur2RO: CCG over a learned second-stage value network embedded as a MILP, "
               "final x priced exactly"),
    MethodSpec("milp", "solvers.algorithms.milp:solve_milp", PROBLEM_TYPES,
               "the compiled MILP solved by MathOpt (solver='scip' default, or 'highs'); "
               "for RobustKnapsack the nominal problem, its x priced exactly"),
    MethodSpec("exact", "solvers.algorithms.exact:solve_exact", PROBLEM_TYPES,
               "brute-force enumeration for tiny instances (references for tests and quantum)"),
    MethodSpec("qaoa", "solvers.algorithms.quantum:solve_qaoa", QUBO_TYPES,
               "QAOA in a slack-free Lagrangian multiplier loop (fast torch simulator or Aer)",
               max_size=24),
    MethodSpec("vqe", "solvers.algorithms.quantum:solve_vqe", QUBO_TYPES,
               "VQE (EfficientSU2/RealAmplitudes on Aer) in a Lagrangian multiplier loop",
               max_size=24),
    MethodSpec("cvar-vqe", "solvers.algorithms.quantum:solve_cvar_vqe",
               QUBO_TYPES,
               "CVaR-VQE (alpha-tail energy) on Aer in a Lagrangian multiplier loop", max_size=24),
    MethodSpec("sa", "solvers.algorithms.quantum:solve_sa", QUBO_TYPES,
               "simulated annealing on the problem's QUBO (slack) or the Lagrangian QUBOs",
               demo=True, max_size={"TSP": 40}),
    MethodSpec("shrink-qaoa", "solvers.algorithms.compression:solve_shrink_qaoa",
               ("MDKP", "MIS", "QAP", "MaxCut"),
               "adaptive shrinking (exact merges of correlated bits) to max_qubits, QAOA in the "
               "multiplier loop, expand, verify-and-repair"),
    MethodSpec("shrink-cvar-vqe", "solvers.algorithms.compression:solve_shrink_cvar_vqe",
               ("MDKP", "MIS", "QAP", "MaxCut"),
               "adaptive shrinking to max_qubits, CVaR-VQE (fast simulator) in the multiplier "
               "loop, expand, verify-and-repair"),
    MethodSpec("qrao", "solvers.algorithms.compression:solve_qrao",
               ("MDKP", "MIS", "QAP", "MaxCut"),
               "quantum random access optimization (qiskit-optimization, magic rounding, Aer), "
               "shrinking first when the encoding exceeds max_qubits"),
    MethodSpec("pce", "solvers.algorithms.compression:solve_pce",
               ("MDKP", "MIS", "QAP", "MaxCut"),
               "Pauli correlation encoding: bits as signs of 2-body correlators, trained on a "
               "torch statevector, repaired and locally searched"),
    MethodSpec("udc", "solvers.algorithms.udc:solve_udc", ("TSP",),
               "GNN divide-and-conquer: learned dividing, learned sub-path conquering, reunion",
               demo=True),
    MethodSpec("mcts", "solvers.algorithms.mcts:solve_mcts", ("TSP",),
               "heatmap-guided Monte Carlo tree search over k-opt moves", demo=True),
    MethodSpec("tabu", "solvers.algorithms.tabu:solve_tabu", QUADRATIC_TYPES,
               "one-flip tabu search with an elite pool (numba); constrained BQPs on their "
               "penalty QUBO"),
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
