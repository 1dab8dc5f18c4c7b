"""Binary quadratic programs: the general ``BQP`` (QUBOs included) and ``MaxCut``.

Design: one general type, ``BQP`` (quadratic objective over 0/1 variables, min or max, optional
linear rows), whose unconstrained instances are the QUBOs (``BQP.from_matrix``); and ``MaxCut``,
a graph type of its own (edges, weights, node labels) that is a BQP over the same bits through
``MaxCut.to_bqp()``. Methods that work on any BQP read a MaxCut through that view.
"""

from problems.bqp.files import count, problem_type, read, sniff, write_bqp
from problems.bqp.maxcut import MaxCut
from problems.bqp.model import BQP

__all__ = ["BQP", "MaxCut", "count", "problem_type", "read", "sniff", "write_bqp"]
