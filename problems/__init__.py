"""Problems: TSP, MDKP, MIS, QAP, the two-stage robust knapsack, BQP (QUBO) and MaxCut.

Each is an immutable object over numpy arrays with ``name``, ``sense``, ``size``,
``evaluate``, ``check``, ``to_milp``, ``to_qubo`` and a ``random`` generator.
"""

from problems.bqp import BQP, MaxCut
from problems.compiled import MILP, QUBO, QUBOBuilder
from problems.errors import InfeasibleSolution, ProblemFormatError
from problems.load import count, is_instance_file, load, load_all
from problems.mdkp import MDKP
from problems.mis import MIS
from problems.qap import QAP
from problems.robust_knapsack import RobustKnapsack
from problems.tsp import TSP

__all__ = ["TSP", "MDKP", "MIS", "QAP", "RobustKnapsack", "BQP", "MaxCut", "MILP", "QUBO",
           "QUBOBuilder", "InfeasibleSolution", "ProblemFormatError", "load", "load_all", "count",
           "is_instance_file"]
