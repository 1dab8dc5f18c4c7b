"""Symmetric travelling salesman problem (TSP); see ``problems.tsp.model``."""

from problems.tsp.model import (DENSE_LIMIT, EDGE_WEIGHT_TYPES, EXPLICIT_FORMATS, GEO_PI, GEO_RRR,
                                MILP_LIMIT, QUBO_LIMIT, TSP, count, position_bit,
                                position_length_builder, read, read_tour, sniff, write_tour)

__all__ = ["TSP", "EDGE_WEIGHT_TYPES", "EXPLICIT_FORMATS", "DENSE_LIMIT", "MILP_LIMIT",
           "QUBO_LIMIT", "GEO_PI", "GEO_RRR", "count", "read", "read_tour", "sniff", "write_tour",
           "position_bit", "position_length_builder"]
