"""The two error families of the problem layer.

Both are ``ValueError`` subclasses so that callers who only know the standard
library still catch them. Messages name the file, the line where it is known,
and what was expected, e.g. ``"kroA100.tsp line 7: expected 2 coordinates, got 1"``.
"""

from __future__ import annotations

from pathlib import Path


class ProblemFormatError(ValueError):
    """An instance (file or arrays) that does not describe a valid problem."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        where = ""
        if path is not None:
            where = Path(path).name if line is None else f"{Path(path).name} line {line}"
            where += ": "
        super().__init__(where + message)


class InfeasibleSolution(ValueError):
    """A solution that is malformed or violates a constraint of its problem."""

    def __init__(self, message: str, *, constraint: str | None = None):
        self.constraint = constraint
        super().__init__(message)


def require_finite(array, what: str, *, path=None, line=None):
    """Raise ``ProblemFormatError`` if ``array`` holds NaN or inf.

    >>> import numpy as np
    >>> require_finite(np.array([1.0, 2.0]), "coordinates")
    """
    import numpy as np

    values = np.asarray(array, dtype=float)
    if not np.all(np.isfinite(values)):
        bad = np.argwhere(~np.isfinite(values))[0].tolist()
        raise ProblemFormatError(
            f"{what} must be finite numbers, found {values[tuple(bad)]} at index {bad}",
            path=path, line=line,
        )
