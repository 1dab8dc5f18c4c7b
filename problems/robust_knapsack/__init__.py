"""Two-stage robust knapsack with repair (Arslan & Detienne 2022, the Neur2RO knapsack benchmark).

* ``model``: the ``RobustKnapsack`` object, the two-stage model, ``check`` and ``scenario``;
* ``worst_case``: the exact evaluation ``min_ξ Q(x, ξ)`` by cutting planes (``evaluate``);
* ``formulations``: the scenario MILP and the single-scenario QUBO (``to_milp``, ``to_qubo``);
* ``knapsack``: the recourse knapsack by dynamic programming over integer loads;
* ``hull_cuts``: lifted inequalities for the recourse hull, exact at a priced selection (the
  main problem of ``ccg``);
* ``generators``: the instance generator of the published files (``RobustKnapsack.random``);
* ``formats``: the Arslan & Detienne file format and the B&P results table, with the
  ``sniff``/``count``/``read`` interface that ``problems.load`` uses.
"""

from problems.robust_knapsack.formats import (RESULTS_FILE, best_known_value, count,
                                              instance_name, read, sniff)
from problems.robust_knapsack.generators import CORRELATIONS
from problems.robust_knapsack.model import RobustKnapsack

__all__ = ["RobustKnapsack", "CORRELATIONS", "RESULTS_FILE", "best_known_value", "count",
           "instance_name", "read", "sniff"]
