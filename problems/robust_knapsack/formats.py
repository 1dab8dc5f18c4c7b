"""Robust knapsack files: the Arslan & Detienne format and the B&P results table.

Files (``Readme.txt`` of ``borisdetienne/RobustDecomposition``): first line ``n C Γ``, then
``n`` lines ``p̄ p̂ t c f``. The instance name is the file name. ``best_known`` comes from
``ResultsForBranchAndPrice.csv`` in the file's folder or its parent when present; its
"Solved to optimality" column gives ``best_known_proven``.
"""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path

import numpy as np

from problems.errors import ProblemFormatError
from problems.parsing import format_number, is_number, parse_float, text_lines
from problems.robust_knapsack.model import ITEM_FIELDS, RobustKnapsack

RESULTS_FILE = "ResultsForBranchAndPrice.csv"
_ITEM_COLUMNS = "p̄ p̂ t c f (nominal profit, max degradation, repair weight, weight, " \
                "outsourcing cost)"


def sniff(path, head: str) -> bool:
    """True when the file starts with a line of 3 numbers ``n C Γ`` (n a positive integer)
    followed by a line of 5 numbers (or nothing)."""
    lines = [line.split() for line in head.splitlines() if line.strip()]
    if len(lines) > 1 and not head.endswith(("\n", "\r")):
        lines = lines[:-1]
    if not lines or len(lines[0]) != 3 or not _all_numbers(lines[0]):
        return False
    n = float(lines[0][0])
    if not (math.isfinite(n) and n >= 1 and n.is_integer()):
        return False
    return len(lines) == 1 or (len(lines[1]) == 5 and _all_numbers(lines[1]))


def _all_numbers(tokens: list[str]) -> bool:
    """Non-finite values count: ``read`` then names the bad one."""
    return all(is_number(token, finite=False) for token in tokens)


def count(path) -> int:
    """A robust knapsack file holds one instance."""
    return 1


def instance_name(path) -> str:
    """The instance name: the file name, less a ``.txt`` / ``.rkp`` extension.

    >>> instance_name("RKP_UN_n20_R1000_H100_h40_dev0.1_d0.1")
    'RKP_UN_n20_R1000_H100_h40_dev0.1_d0.1'
    """
    path = Path(path)
    return path.stem if path.suffix.lower() in (".txt", ".rkp") else path.name


def read(path, index: int | None = None) -> RobustKnapsack:
    """Read an Arslan & Detienne instance file, with the B&P best value when it is listed.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny")
    >>> _ = open(path, "w").write("2 5 1\\n8 6 1 2 10\\n8 6 1 2 10\\n")
    >>> p = read(path)
    >>> p.name, p.size, p.capacity, p.budget
    ('tiny', 2, 5.0, 1.0)
    """
    path = Path(path)
    if index not in (None, 0):
        raise ProblemFormatError(f"instance index {index} out of range: the file holds 1 "
                                 f"instance", path=path)
    rows = [(lineno, line.split()) for lineno, line in enumerate(text_lines(path), start=1)
            if line.strip()]
    if not rows:
        raise ProblemFormatError("empty file; expected a first line 'n C Gamma'", path=path)
    lineno, header = rows[0]
    if len(header) != 3:
        raise ProblemFormatError(f"expected 3 numbers 'n C Gamma' (items, capacity, uncertainty "
                                 f"budget), got {len(header)}", path=path, line=lineno)
    n_value, capacity, budget = (parse_float(token, what, path=path, line=lineno) for token, what
                                 in zip(header, ("n", "capacity C", "budget Gamma")))
    if not (n_value >= 1 and n_value.is_integer()):
        raise ProblemFormatError(f"n must be a positive integer, got {header[0]}", path=path,
                                 line=lineno)
    n = int(n_value)
    if capacity < 0:
        raise ProblemFormatError(f"capacity C must be non-negative, got {header[1]}", path=path,
                                 line=lineno)
    if not 0 <= budget <= n:
        raise ProblemFormatError(f"uncertainty budget Gamma = {header[2]} must lie in [0, n] = "
                                 f"[0, {n}]", path=path, line=lineno)
    items = rows[1:]
    if len(items) < n:
        raise ProblemFormatError(f"file ends after {len(items)} of n = {n} item lines "
                                 f"('{_ITEM_COLUMNS}')", path=path, line=rows[-1][0])
    if len(items) > n:
        raise ProblemFormatError(f"unexpected line {n + 2}: the first line announces n = {n} "
                                 f"items", path=path, line=items[n][0])
    data = np.empty((n, 5))
    for k, (lineno, tokens) in enumerate(items):
        if len(tokens) != 5:
            raise ProblemFormatError(f"item {k}: expected 5 numbers '{_ITEM_COLUMNS}', got "
                                     f"{len(tokens)}", path=path, line=lineno)
        for j, (token, what) in enumerate(zip(tokens, ITEM_FIELDS)):
            value = parse_float(token, f"item {k} {what}", path=path, line=lineno)
            if value < 0:
                raise ProblemFormatError(f"item {k} {what} must be non-negative, got {token}",
                                         path=path, line=lineno)
            data[k, j] = value
    best_known, proven = best_known_value(path)
    return RobustKnapsack(*data.T, capacity=capacity, budget=budget, name=instance_name(path),
                          best_known=best_known, best_known_proven=proven)


def best_known_value(path) -> tuple[float | None, bool]:
    """``(best primal bound, proved optimal)`` of ``path`` in ``ResultsForBranchAndPrice.csv``.

    The table is looked up in the file's folder, then in its parent; ``(None, False)`` when
    neither has it or the instance is not listed.
    """
    path = Path(path)
    for folder in (path.parent, path.parent.parent):
        table = folder / RESULTS_FILE
        if table.is_file():
            entry = _results_table(str(table), table.stat().st_mtime).get(instance_name(path))
            if entry is not None:
                return entry
    return None, False


@functools.lru_cache(maxsize=4)
def _results_table(table: str, mtime: float) -> dict[str, tuple[float, bool]]:
    """Rows of a B&P results table; rows that are not well-formed are left out."""
    entries: dict[str, tuple[float, bool]] = {}
    try:
        with open(table, newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                try:
                    value = float(row["Best primal bound"])
                    proven = int(float(row["Solved to optimality"])) == 1
                    name = row["File name"].strip()
                except (KeyError, TypeError, ValueError):
                    continue
                if name and math.isfinite(value):
                    entries[name] = (value, proven)
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return entries


def write(problem: RobustKnapsack, path: str | Path) -> None:
    """Write the instance in the Arslan & Detienne format (``n C Γ``, then ``p̄ p̂ t c f``).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "RKP_toy")
    >>> write(RobustKnapsack.random(5, seed=2), path)
    >>> read(path).size
    5
    """
    lines = [f"{problem.size} {format_number(problem.capacity)} {format_number(problem.budget)}"]
    columns = np.column_stack([getattr(problem, field_name) for field_name in ITEM_FIELDS])
    lines += [" ".join(format_number(v) for v in row) for row in columns]
    Path(path).write_text("\n".join(lines) + "\n")
