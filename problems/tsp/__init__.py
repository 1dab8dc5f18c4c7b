"""Symmetric travelling salesman problem (TSP).

A solution is a permutation of the cities ``0..n-1``, read as a closed tour.

* ``model``: the ``TSP`` object, the TSPLIB distance rules, ``evaluate`` and ``check``;
* ``generators``: random instances (``TSP.random``, ``TSP.clustered``);
* ``formulations``: the MTZ MILP and the position-encoding QUBO (``to_milp``, ``to_qubo``);
* ``formats``: TSPLIB ``.tsp`` and ``.tour`` files and the test-set ``.txt`` format, with the
  ``sniff``/``count``/``read`` interface that ``problems.load`` uses.
"""

from problems.tsp.formats import EXPLICIT_FORMATS, count, read, read_tour, sniff, write_tour
from problems.tsp.formulations import (MILP_LIMIT, QUBO_LIMIT, position_bit,
                                       position_length_builder)
from problems.tsp.model import DENSE_LIMIT, EDGE_WEIGHT_TYPES, GEO_PI, GEO_RRR, TSP

__all__ = ["TSP", "EDGE_WEIGHT_TYPES", "EXPLICIT_FORMATS", "DENSE_LIMIT", "MILP_LIMIT",
           "QUBO_LIMIT", "GEO_PI", "GEO_RRR", "count", "read", "read_tour", "sniff", "write_tour",
           "position_bit", "position_length_builder"]
