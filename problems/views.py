"""``SolutionViews``: the ``plot``, ``write_solution`` and ``labelled`` methods every problem
class inherits; each delegates to ``problems.plotting`` or ``problems.solution_io``."""

from __future__ import annotations

from pathlib import Path


class SolutionViews:
    """Pictures, files and user labels of a problem's solutions.

    >>> from problems import MIS
    >>> MIS(3, [[0, 1]]).labelled([1, 0, 1])
    [0, 2]
    """

    def plot(self, solution, ax=None):
        """Draw ``solution`` (see ``problems.plotting.plot_solution``); returns the axes."""
        from problems.plotting import plot_solution

        return plot_solution(self, solution, ax=ax)

    def write_solution(self, solution, path: str | Path) -> Path:
        """Write ``solution`` in the format of ``path``'s suffix (``problems.solution_io``)."""
        from problems.solution_io import write_solution

        return write_solution(self, solution, path)

    def read_solution(self, path: str | Path):
        """Read a solution of this problem back from ``path`` (``problems.solution_io``)."""
        from problems.solution_io import read_solution

        return read_solution(self, path)

    def labelled(self, solution) -> list:
        """The solution in the user's own names (``problems.solution_io.labelled``)."""
        from problems.solution_io import labelled

        return labelled(self, solution)
