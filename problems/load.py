"""``load(path)``: pick the reader from the file's extension and content.

Each problem module offers ``sniff(path, head) -> bool``, ``read(path, index=None)``
and ``count(path) -> int`` (how many instances the file holds). The first module
whose ``sniff`` accepts the file reads it.
"""

from __future__ import annotations

from pathlib import Path

from problems.errors import ProblemFormatError


def _formats():
    from problems import bqp, mdkp, mis, qap, robust_knapsack, tsp

    return (tsp, qap, mis, bqp, mdkp, robust_knapsack)


def _head(path: Path, size: int = 4096) -> str:
    with open(path, "rb") as handle:
        raw = handle.read(size)
    if b"\x00" in raw:
        raise ProblemFormatError("binary content, not an instance file", path=path)
    return raw.decode("utf-8-sig", errors="replace")


def reader_for(path: str | Path):
    """The problem module that reads ``path``; ``ProblemFormatError`` if none does."""
    path = Path(path)
    if not path.is_file():
        raise ProblemFormatError("no such file", path=path)
    head = _head(path)
    for module in _formats():
        if module.sniff(path, head):
            return module
    raise ProblemFormatError(
        "not a known instance format (TSPLIB .tsp, TSP test-set .txt, QAPLIB .dat, "
        "DIMACS .clq/.col/.b, edge list .edges, OR-Library mknap .txt, robust knapsack, "
        "OR-Library bqp .txt, Gset/rudy .rud)",
        path=path)


def is_instance_file(path: str | Path) -> bool:
    """True when some reader claims ``path`` (used to scan folders)."""
    try:
        reader_for(path)
    except (ProblemFormatError, OSError):
        return False
    return True


def count(path: str | Path) -> int:
    """How many instances ``path`` holds (OR-Library and TSP test-set files hold many)."""
    return reader_for(path).count(Path(path))


def load(path: str | Path, index: int | None = None):
    """Read one instance; ``index`` picks one of a multi-instance file (default: the first).

    >>> from problems import load, TSP
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.tsp")
    >>> TSP.random(5, seed=0).write_tsplib(p)
    >>> load(p).size
    5
    """
    path = Path(path)
    module = reader_for(path)
    if index is not None:
        total = module.count(path)
        if not 0 <= index < total:
            raise ProblemFormatError(f"instance index {index} out of range: the file holds "
                                     f"{total} instance(s)", path=path)
    return module.read(path, index=index)


def load_all(path: str | Path):
    """Every instance of a file, in order."""
    path = Path(path)
    module = reader_for(path)
    return [module.read(path, index=k) for k in range(module.count(path))]
