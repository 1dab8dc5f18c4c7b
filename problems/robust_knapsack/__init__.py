"""Two-stage robust knapsack with repair; see ``problems.robust_knapsack.model``."""

from problems.robust_knapsack.model import (CORRELATIONS, RESULTS_FILE, RobustKnapsack,
                                            best_known_value, count, instance_name, read, sniff)

__all__ = ["RobustKnapsack", "CORRELATIONS", "RESULTS_FILE", "best_known_value", "count",
           "instance_name", "read", "sniff"]
