"""``import nqco``: the names user code needs, in one place.

A facade only: everything here lives in ``problems`` (problem types, reading, plotting,
solution files) or ``solvers`` (``solve``, the method list, the anytime plot), and is
re-exported unchanged. Nothing inside nqco's own packages imports this module.

>>> import nqco
>>> result = nqco.solve(nqco.MIS.random(10, p=0.3, seed=1), "exact")
>>> result.status, "mcts" in nqco.methods("TSP")
('optimal', True)
"""

from problems import BQP, MDKP, MIS, QAP, TSP, MaxCut, RobustKnapsack, load, load_all
from problems.plotting import plot_solution
from problems.solution_io import labelled, read_solution, write_solution
from solvers import Result, methods, prepare, solve
from solvers.cli import version as _version
from solvers.report.trace import plot_trace
from solvers.progress import Improvement

__version__ = _version()

__all__ = ["solve", "prepare", "load", "load_all", "methods", "Result", "Improvement", "TSP",
           "MDKP", "MIS", "QAP", "RobustKnapsack", "BQP", "MaxCut", "plot_solution", "plot_trace", "write_solution",
           "read_solution", "labelled", "__version__"]
