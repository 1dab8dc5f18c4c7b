"""Readers and writers: OR-Library ``bqp`` files (BQP) and Gset/rudy graphs (MaxCut).

* OR-Library ``bqp`` (Beasley 1998, ``bqpinfo``): first line the number of instances K; per
  instance a line ``n k`` and ``k`` lines ``i j q`` (1-based). The problem is to **maximise**
  ``Σ_i Σ_j q_ij x_i x_j`` with ``q`` symmetric and each entry stored once, so ``q_ii`` is a
  linear coefficient and an off-diagonal ``q_ij`` counts twice: the product ``x_i x_j`` gets
  ``2 q_ij``. Instance ``k`` (0-based index) is named ``<file stem>-<k+1>`` as in the literature
  (``bqp50-1`` … ``bqp50-10``).
* Gset/rudy: a line ``n m``, then ``m`` lines ``u v w`` (1-based, undirected).

Both accept a UTF-8 byte-order mark and CRLF line ends; every error names the file and line.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from problems.bqp.maxcut import MaxCut
from problems.bqp.model import BQP
from problems.errors import ProblemFormatError
from problems.parsing import format_number, is_number

MAX_VARIABLES = 1_000_000  # declared sizes beyond this are refused before allocating
MAX_ENTRIES = 100_000_000
_INTEGER = re.compile(r"^[+-]?\d+$")


def sniff(path, head: str) -> bool:
    """OR-Library ``bqp*`` files and Gset/rudy graphs, by name or by their numeric layout.

    >>> sniff(Path("x.txt"), "2\\n3 1\\n1 2 5\\n")
    True
    >>> sniff(Path("x.txt"), "3 2\\n1 2 1\\n2 3 -1\\n")
    True
    """
    return _kind(Path(path), head) is not None


def problem_type(path) -> str:
    """``"MaxCut"`` for a rudy graph, ``"BQP"`` for a ``bqp`` file (from the first lines).

    >>> problem_type(Path("G1.rud"))
    'MaxCut'
    """
    path = Path(path)
    head = "" if path.suffix.lower() == ".rud" else \
        "\n".join(text for _, text in _lines(path)[:4]) + "\n"
    return "MaxCut" if _kind(path, head) == "rudy" else "BQP"


def count(path) -> int:
    """Instances in the file: K for ``bqp`` files, 1 for a graph."""
    path = Path(path)
    if problem_type(path) == "MaxCut":
        return 1
    return len(_bqp_headers(path, _lines(path)))


def read(path, index: int | None = None) -> BQP | MaxCut:
    """Instance ``index`` (default 0) of a ``bqp`` file, or the graph of a rudy file.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "bqpdemo.txt")
    >>> _ = open(path, "w").write("1\\n2 3\\n1 1 3\\n1 2 -2\\n2 2 1\\n")
    >>> p = read(path)
    >>> p.name, p.sense, p.evaluate([1, 1])
    ('bqpdemo-1', 'max', 0.0)
    """
    path = Path(path)
    lines = _lines(path)
    if problem_type(path) == "MaxCut":
        if index not in (None, 0):
            raise ProblemFormatError(f"instance index {index!r} out of range: a graph file holds "
                                     f"one instance", path=path)
        return _read_rudy(path, lines)
    headers = _bqp_headers(path, lines)
    k = 0 if index is None else index
    if not isinstance(k, (int, np.integer)) or not 0 <= k < len(headers):
        raise ProblemFormatError(f"instance index {k!r} out of range: the file holds "
                                 f"{len(headers)} instance(s)", path=path)
    start, n, entries = headers[k]
    linear = np.zeros(n)
    rows = np.empty(entries, dtype=np.int64)
    cols = np.empty(entries, dtype=np.int64)
    values = np.empty(entries)
    seen = set()
    for e, (number, text) in enumerate(lines[start + 1:start + 1 + entries]):
        i, j, q = _triple(path, number, text, n, "i j q")
        key = (min(i, j), max(i, j))
        if key in seen:
            raise ProblemFormatError(f"entry ({key[0] + 1}, {key[1] + 1}) given twice (each "
                                     f"entry is stored once)", path=path, line=number)
        seen.add(key)
        rows[e], cols[e], values[e] = key[0], key[1], q
    diagonal = rows == cols
    np.add.at(linear, rows[diagonal], values[diagonal])
    off = ~diagonal
    return BQP(linear, np.column_stack((rows[off], cols[off])), 2.0 * values[off], sense="max",
               name=f"{path.stem}-{k + 1}")


def write_bqp(path: str | Path, problems: Sequence[BQP]) -> None:
    """Write unconstrained BQPs as one OR-Library ``bqp`` file (maximise ``xᵀqx``).

    A ``min`` model is written as maximising ``-f`` (same optimal solutions, reading it back
    gives that ``max`` model); the format has no constant term, so models with one are refused.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "bqp_toy.txt")
    >>> write_bqp(path, [BQP([3.0, 1.0], pairs=[[0, 1]], coefficients=[-4.0], sense="max")])
    >>> read(path).coefficients.tolist()
    [-4.0]
    """
    lines = [str(len(problems))]
    for problem in problems:
        if problem.num_constraints:
            raise ValueError(f"{problem.name}: the bqp format holds unconstrained models only; "
                             f"this one has {problem.num_constraints} constraint(s)")
        if problem.constant:
            raise ValueError(f"{problem.name}: the bqp format has no constant term "
                             f"(constant = {problem.constant:g})")
        sign = 1.0 if problem.sense == "max" else -1.0
        diagonal = np.flatnonzero(problem.linear)
        lines.append(f"{problem.size} {len(diagonal) + problem.num_pairs}")
        lines += [f"{i + 1} {i + 1} {format_number(sign * problem.linear[i])}" for i in diagonal]
        lines += [f"{i + 1} {j + 1} {format_number(sign * c / 2.0)}"
                  for (i, j), c in zip(problem.pairs.tolist(), problem.coefficients)]
    Path(path).write_text("\n".join(lines) + "\n")


def _read_rudy(path: Path, lines: tuple) -> MaxCut:
    if not lines:
        raise ProblemFormatError("empty file: expected a line 'n m'", path=path)
    number, text = lines[0]
    n, m = _header(path, number, text, "n m (nodes, edges)")
    if m > n * (n - 1) // 2:
        raise ProblemFormatError(f"{m} edges is more than a simple graph on {n} nodes holds",
                                 path=path, line=number)
    body = lines[1:]
    if len(body) != m:
        where = body[m][0] if len(body) > m else None
        raise ProblemFormatError(f"the header declares {m} edges but the file has {len(body)} "
                                 f"edge lines", path=path, line=where)
    edges = np.empty((m, 2), dtype=np.int64)
    weights = np.empty(m)
    for e, (number, text) in enumerate(body):
        u, v, w = _triple(path, number, text, n, "u v w")
        if u == v:
            raise ProblemFormatError(f"self-loop on node {u + 1}", path=path, line=number)
        edges[e], weights[e] = (u, v), w
    return MaxCut(n, edges, weights, name=path.stem)


def _bqp_headers(path: Path, lines: tuple) -> list[tuple[int, int, int]]:
    """(position in ``lines``, n, entries) of each instance, sizes checked against the body."""
    if not lines:
        raise ProblemFormatError("empty file: expected the number of instances", path=path)
    number, text = lines[0]
    tokens = text.split()
    if len(tokens) != 1 or not _INTEGER.match(tokens[0]) or int(tokens[0]) < 1:
        raise ProblemFormatError(f"expected the number of instances (a positive integer), got "
                                 f"{text.strip()[:40]!r}", path=path, line=number)
    total = int(tokens[0])
    headers, position = [], 1
    for k in range(total):
        if position >= len(lines):
            raise ProblemFormatError(f"the file declares {total} instances but ends after {k}",
                                     path=path, line=lines[-1][0])
        number, text = lines[position]
        n, entries = _header(path, number, text, f"n k (variables, entries) of instance {k + 1}")
        if entries > n * (n + 1) // 2:
            raise ProblemFormatError(f"{entries} entries is more than a symmetric {n} x {n} "
                                     f"matrix stores once each", path=path, line=number)
        if position + entries >= len(lines):
            raise ProblemFormatError(f"instance {k + 1} declares {entries} entries but the file "
                                     f"ends after {len(lines) - position - 1}", path=path,
                                     line=lines[-1][0])
        headers.append((position, n, entries))
        position += entries + 1
    if position < len(lines):
        raise ProblemFormatError(f"unexpected line {lines[position][1].strip()[:40]!r} after the "
                                 f"{total} declared instances", path=path,
                                 line=lines[position][0])
    return headers


def _header(path: Path, number: int, text: str, what: str) -> tuple[int, int]:
    tokens = text.split()
    if len(tokens) != 2 or not all(_INTEGER.match(t) for t in tokens):
        raise ProblemFormatError(f"expected '{what}' as two integers, got {text.strip()[:40]!r}",
                                 path=path, line=number)
    n, entries = int(tokens[0]), int(tokens[1])
    if not 1 <= n <= MAX_VARIABLES:
        raise ProblemFormatError(f"size {n} outside 1..{MAX_VARIABLES}", path=path, line=number)
    if not 0 <= entries <= MAX_ENTRIES:
        raise ProblemFormatError(f"count {entries} outside 0..{MAX_ENTRIES}", path=path,
                                 line=number)
    return n, entries


def _triple(path: Path, number: int, text: str, n: int, what: str) -> tuple[int, int, float]:
    """(0-based i, 0-based j, value) of a line ``i j value`` with 1 <= i, j <= n."""
    tokens = text.split()
    if len(tokens) != 3:
        raise ProblemFormatError(f"expected '{what}' (3 numbers), got {text.strip()[:40]!r}",
                                 path=path, line=number)
    indices = []
    for token in tokens[:2]:
        if not _INTEGER.match(token):
            raise ProblemFormatError(f"expected an integer index, got {token!r}", path=path,
                                     line=number)
        value = int(token)
        if not 1 <= value <= n:
            raise ProblemFormatError(f"index {value} out of range 1..{n}", path=path, line=number)
        indices.append(value - 1)
    try:
        value = float(tokens[2])
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise ProblemFormatError(f"expected a finite number, got {tokens[2]!r}", path=path,
                                 line=number)
    return indices[0], indices[1], value


def _kind(path: Path, head: str) -> str | None:
    """"bqp", "rudy" or None, from the name and the first lines."""
    name = path.name.lower()
    if path.suffix.lower() == ".rud":
        return "rudy"
    if name.startswith("bqp"):
        return "bqp"
    lines = [line.split() for line in head.lstrip("\ufeff").splitlines() if line.strip()]
    if len(lines) > 1 and not head.endswith(("\n", "\r")):
        lines = lines[:-1]
    if len(lines) < 2:
        return None

    def integers(tokens, count):
        return len(tokens) == count and all(_INTEGER.match(t) for t in tokens)

    def entry(tokens):
        return len(tokens) == 3 and integers(tokens[:2], 2) and is_number(tokens[2])

    if integers(lines[0], 1) and integers(lines[1], 2) and (len(lines) < 3 or entry(lines[2])):
        return "bqp"
    if integers(lines[0], 2) and entry(lines[1]):
        return "rudy"
    return None


def _lines(path: Path) -> tuple[tuple[int, str], ...]:
    """(1-based line number, text) of every non-blank line."""
    if not path.is_file():
        raise ProblemFormatError("no such file", path=path)
    return _cached_lines(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _cached_lines(path: Path, _mtime_ns: int) -> tuple[tuple[int, str], ...]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ProblemFormatError("binary content, not an instance file", path=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProblemFormatError("not a UTF-8 text file", path=path) from None
    return tuple((number, line) for number, line in enumerate(text.splitlines(), start=1)
                 if line.strip())
