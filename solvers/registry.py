"""The method registry: names, the problem types each supports, and where the code lives.

Entries are imported lazily, so ``nqco methods`` does not pay for torch or qiskit.
Every function has the signature ``fn(problem, *, time_limit, seed, **options) -> Answer``.
A method may declare what it can hold (``MethodSpec.limit``, shown by ``nqco methods``) and a
function ``need(problem, **options) -> Need`` that says, before anything is built, how much of
that resource one instance would take; ``solve()`` refuses the instance when it does not fit.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

PROBLEM_TYPES = ("TSP", "MDKP", "MIS", "QAP", "RobustKnapsack", "BQP", "MaxCut")
QUADRATIC_TYPES = ("BQP", "MaxCut")
QUBO_TYPES = ("MDKP", "MIS", "TSP", "QAP", *QUADRATIC_TYPES)  # the quantum encodings' types
QUBIT_LIMIT = "26 qubits of the chosen encoding (64 on matrix_product_state)"
CIRCUIT_IMPORTS = ("quantum.variational", "quantum.circuits", "qiskit_aer")


class UnknownMethod(ValueError):
    pass


class UnsupportedProblem(ValueError):
    pass


class TooLarge(ValueError):
    """The instance needs more of a method's limiting resource than the method can hold."""


@dataclass(frozen=True)
class Need:
    """What one instance would take of the resource that runs out first, and the method's limit.

    >>> n = Need(amount=25, limit=26, unit="qubits", what="the lagrangian encoding of TSP t6")
    >>> n.fits, n.text()
    (True, 'the lagrangian encoding of TSP t6 needs 25 qubits; the limit is 26')
    """

    amount: float
    limit: float
    unit: str
    what: str

    @property
    def fits(self) -> bool:
        return self.amount <= self.limit

    def text(self) -> str:
        return f"{self.what} needs {self.amount:,.10g} {self.unit}; the limit is {self.limit:,.10g}"


@dataclass(frozen=True)
class MethodSpec:
    name: str
    target: str  # "module:function"
    types: tuple[str, ...]
    description: str
    demo: bool = False  # part of `make demo`
    limit: str = ""  # what the method can hold, in the unit that runs out (for `nqco methods`)
    need: str | None = None  # "module:function" (problem, **options) -> Need, checked first
    imports: tuple[str, ...] = ()  # heavy modules the method imports lazily (loaded in set-up)

    def load(self) -> Callable:
        return _load(self.target)

    def modules(self) -> tuple[str, ...]:
        """Every module a call imports before its work starts: the method's own, its ``need``
        function's and the lazily imported libraries it declares (``solve()`` loads them
        within the time limit)."""
        own = tuple(t.partition(":")[0] for t in (self.target, self.need) if t is not None)
        return tuple(dict.fromkeys(own + self.imports))

    def refusal(self, problem, options: dict | None = None) -> str | None:
        """Why the method cannot hold ``problem`` with ``options`` (``None``: it can)."""
        if self.need is None:
            return None
        need = _load(self.need)(problem, **(options or {}))
        if need.fits:
            return None
        return f"method {self.name!r} cannot hold this instance: {need.text()}"


def _load(target: str) -> Callable:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


_METHODS: dict[str, MethodSpec] = {}



def register(spec: MethodSpec) -> None:
    _METHODS[spec.name] = spec


for _spec in (
    MethodSpec("ortools", "solvers.algorithms.ortools_baseline:solve_ortools", PROBLEM_TYPES,
               "OR-Tools: routing + guided local search (TSP), CP-SAT (MDKP, MIS, QAP, BQP, "
               "MaxCut), column-and-constraint generation (RobustKnapsack)", demo=True,
               limit="TSP: 10,000 cities (dense cost matrix); CP-SAT: 10^7 model terms; "
                     "RobustKnapsack: as ccg",
               need="solvers.algorithms.ortools_baseline:ortools_need"),
    MethodSpec("ccg", "solvers.algorithms.ccg:solve_ccg", ("RobustKnapsack",),
               "exact column-and-constraint generation with lifted hull cuts, MathOpt (SCIP)",
               demo=True, limit="100 items (a main MILP over n binaries and an exact worst "
               "case per round)", need="solvers.algorithms.ccg:ccg_need"),
    MethodSpec("neur2ro", "solvers.algorithms.neur2ro:solve_neur2ro", ("RobustKnapsack",),
               "Neur2RO: CCG over the exact nominal recourse minus a learned loss network "
               "embedded as a MILP, candidates priced exactly",
               limit="100 items (loss network trained on 20-80 items; 24 adversarial "
                     "binaries per selected item)",
               need="solvers.algorithms.neur2ro:neur2ro_need",
               imports=("learned.neur2ro.network", "learned.neur2ro.embed"), demo=True),
    MethodSpec("milp", "solvers.algorithms.milp:solve_milp", PROBLEM_TYPES,
               "the compiled MILP solved by MathOpt (solver='scip' default, or 'highs'); "
               "for RobustKnapsack the nominal problem, its x priced exactly", demo=True,
               limit="TSP 60 cities, QAP 12 facilities (formulation size); else 10^7 variables",
               need="solvers.algorithms.milp:milp_need"),
    MethodSpec("exact", "solvers.algorithms.exact:solve_exact", PROBLEM_TYPES,
               "brute-force enumeration for tiny instances (references for tests and quantum)",
               demo=True,
               limit="size 10 (TSP), 9 (QAP), 18 (MDKP, MIS): every candidate enumerated",
               need="solvers.algorithms.exact:exact_need"),
    MethodSpec("qaoa", "solvers.algorithms.quantum:solve_qaoa", QUBO_TYPES,
               "QAOA in a slack-free Lagrangian multiplier loop (fast torch simulator or Aer)",
               demo=True,
               limit=QUBIT_LIMIT, need="solvers.algorithms.quantum:qaoa_qubits",
               imports=CIRCUIT_IMPORTS),
    MethodSpec("vqe", "solvers.algorithms.quantum:solve_vqe", QUBO_TYPES,
               "VQE (EfficientSU2/RealAmplitudes on Aer) in a Lagrangian multiplier loop",
               limit=QUBIT_LIMIT, need="solvers.algorithms.quantum:vqe_qubits",
               imports=CIRCUIT_IMPORTS, demo=True),
    MethodSpec("cvar-vqe", "solvers.algorithms.quantum:solve_cvar_vqe",
               QUBO_TYPES,
               "CVaR-VQE (alpha-tail energy) on Aer in a Lagrangian multiplier loop",
               limit=QUBIT_LIMIT, need="solvers.algorithms.quantum:vqe_qubits",
               imports=CIRCUIT_IMPORTS, demo=True),
    MethodSpec("sa", "solvers.algorithms.quantum:solve_sa", QUBO_TYPES,
               "simulated annealing on the problem's QUBO (slack) or the Lagrangian QUBOs",
               demo=True, limit="5,000 QUBO variables of the encoding (dense matrix)",
               need="solvers.algorithms.quantum:variables_needed"),
    MethodSpec("shrink-qaoa", "solvers.algorithms.compression:solve_shrink_qaoa",
               ("MDKP", "MIS", "QAP", "MaxCut"),
               "adaptive shrinking (exact merges of correlated bits) to max_qubits, QAOA in the "
               "multiplier loop, expand, verify-and-repair",
               limit="max_qubits <= 26 (fast simulator); 2,000 problem bits (each merge "
               "rewrites the dense QUBO)",
               need="solvers.algorithms.compression:shrink_need", demo=True),
    MethodSpec("shrink-cvar-vqe", "solvers.algorithms.compression:solve_shrink_cvar_vqe",
               ("MDKP", "MIS", "QAP", "MaxCut"),
               "adaptive shrinking to max_qubits, CVaR-VQE (fast simulator) in the multiplier "
               "loop, expand, verify-and-repair",
               limit="max_qubits <= 26 (fast simulator); 2,000 problem bits (each merge "
               "rewrites the dense QUBO)",
               need="solvers.algorithms.compression:shrink_need", demo=True),
    MethodSpec("qrao", "solvers.algorithms.compression:solve_qrao",
               ("MDKP", "MIS", "QAP", "MaxCut"),
               "quantum random access optimization (qiskit-optimization, magic rounding, Aer), "
               "shrinking first when the encoding exceeds max_qubits",
               limit="max_qubits <= 26 (Aer statevector); 2,000 problem bits (shrunk first when "
               "the encoding needs more qubits)", need="solvers.algorithms.compression:qrao_need",
               imports=("qiskit_aer", "qiskit_optimization.algorithms.qrao",
                        "qiskit_optimization.minimum_eigensolvers"), demo=True),
    MethodSpec("pce", "solvers.algorithms.compression:solve_pce",
               ("MDKP", "MIS", "QAP", "MaxCut"),
               "Pauli correlation encoding: bits as signs of 2- or 3-body correlators, trained "
               "on a torch statevector, repaired and locally searched",
               limit="max_qubits <= 20 (torch statevector): 3,420 problem bits on 3-body "
               "correlators of 20 qubits, else shrunk first",
               need="solvers.algorithms.compression:pce_need", demo=True,
               imports=("torch._dynamo",)),  # Adam's first step imports it (and sympy)
    MethodSpec("udc", "solvers.algorithms.udc:solve_udc", ("TSP", "MIS", "MDKP"),
               "GNN divide-and-conquer: learned dividing, learned conquering, reunion",
               demo=True, limit="2,000,000 cities with coordinates",
               need="solvers.algorithms.udc:udc_need"),
    MethodSpec("mcts", "solvers.algorithms.mcts:solve_mcts", ("TSP",),
               "heatmap-guided Monte Carlo tree search over k-opt moves", demo=True,
               limit="2,000,000 cities; 5,000 without coordinates (dense matrix)",
               need="solvers.algorithms.mcts:mcts_need"),
    MethodSpec("tabu", "solvers.algorithms.tabu:solve_tabu", QUADRATIC_TYPES,
               "breakout local search: one-flip descent, tabu-directed and random "
               "perturbation of adaptive size (numba); constrained BQPs on their penalty QUBO",
               limit="25,000,000 QUBO matrix entries (n + 2 products sparse; (n + slack)² "
               "dense with constraints)", need="solvers.algorithms.tabu:tabu_need", demo=True),
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
