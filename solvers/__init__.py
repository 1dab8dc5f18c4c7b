"""Solvers: ``solve()``, the method registry, baselines, batch runner, results store, report."""

from solvers.registry import MethodSpec, UnknownMethod, UnsupportedProblem
from solvers.result import Answer, Result
from solvers.solve import prepare, solve, verify


def methods(problem_type: str | None = None) -> dict[str, tuple[str, ...]]:
    """Method names mapped to the problem types each supports.

    >>> "ortools" in methods("TSP")
    True
    """
    from solvers import registry

    return {name: spec.types for name, spec in registry.methods(problem_type).items()}


def demo_methods() -> list[str]:
    """The methods `make demo` runs."""
    from solvers import registry

    return [name for name, spec in registry.methods().items() if spec.demo]


__all__ = ["solve", "prepare", "verify", "methods", "demo_methods", "Answer", "Result", "MethodSpec",
           "UnknownMethod", "UnsupportedProblem"]
