"""Reading and writing the numbers of instance files, shared by every problem's reader.

Every error is a ``ProblemFormatError`` that names the file and the line of the offending
token, e.g. ``"kroA100.tsp line 7: expected a number for node 3's coordinate, but 'x' is not
a number"``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from problems.errors import ProblemFormatError


def is_number(token: str, *, finite: bool = True) -> bool:
    """True when ``token`` reads as a number (a finite one unless ``finite=False``).

    >>> is_number("1e3"), is_number("nan"), is_number("nan", finite=False), is_number("x")
    (True, False, True, False)
    """
    try:
        value = float(token)
    except ValueError:
        return False
    return math.isfinite(value) or not finite


def parse_float(token: str, what: str, *, path=None, line: int | None = None) -> float:
    """``token`` as a finite float; ``ProblemFormatError`` naming ``what``, file and line.

    >>> parse_float("2.5", "a coordinate")
    2.5
    >>> parse_float("x", "y", path="t", line=7)
    Traceback (most recent call last):
    ...
    problems.errors.ProblemFormatError: t line 7: expected a number for y, but 'x' is not a number
    """
    try:
        value = float(token)
    except ValueError:
        raise ProblemFormatError(f"expected a number for {what}, but {token!r} is not a number",
                                 path=path, line=line) from None
    if not math.isfinite(value):
        raise ProblemFormatError(f"{what} must be a finite number, got {token}", path=path,
                                 line=line)
    return value


def parse_int(token: str, what: str, *, path=None, line: int | None = None,
              minimum: int | None = None) -> int:
    """``token`` as an integer of at least ``minimum``; ``ProblemFormatError`` otherwise.

    >>> parse_int("12", "node", minimum=1)
    12
    >>> parse_int("0", "node", path="g.col", line=3, minimum=1)
    Traceback (most recent call last):
    ...
    problems.errors.ProblemFormatError: g.col line 3: node must be >= 1, got 0
    """
    try:
        value = int(token)
    except ValueError:
        raise ProblemFormatError(f"expected an integer {what}, got {token!r}", path=path,
                                 line=line) from None
    if minimum is not None and value < minimum:
        raise ProblemFormatError(f"{what} must be >= {minimum}, got {value}", path=path,
                                 line=line)
    return value


def text_lines(path: Path, *, errors: str = "strict") -> list[str]:
    """The lines of a text file; ``ProblemFormatError`` when it is missing or not text.

    ``errors="replace"`` reads undecodable bytes as U+FFFD instead of refusing the file.

    >>> import tempfile, os
    >>> path = Path(tempfile.mkdtemp()) / "two.txt"
    >>> _ = path.write_text("1 2\\n\\n3\\n")
    >>> text_lines(path)
    ['1 2', '', '3']
    """
    path = Path(path)
    if not path.is_file():
        raise ProblemFormatError("no such file", path=path)
    try:
        return path.read_bytes().decode("utf-8", errors=errors).splitlines()
    except UnicodeDecodeError:
        raise ProblemFormatError("not a text file", path=path) from None


class NumberedLines:
    """The stripped, non-empty lines of a text, with their 1-based line numbers, read in order.

    For keyword formats (TSPLIB) whose readers look one line ahead.

    >>> lines = NumberedLines(["NAME : t", "", "EOF"])
    >>> lines.next(), lines.peek(), lines.line_number
    ((1, 'NAME : t'), (3, 'EOF'), 3)
    """

    def __init__(self, lines):
        self.items = [(k + 1, s) for k, raw in enumerate(lines) if (s := raw.strip())]
        self.pos = 0
        self.last_line = self.items[-1][0] if self.items else 0

    @property
    def line_number(self) -> int:
        """The number of the next line, or of the last one at the end (where errors point)."""
        item = self.peek()
        return self.last_line if item is None else item[0]

    def peek(self) -> tuple[int, str] | None:
        """The next line, left unread; ``None`` at the end."""
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self) -> tuple[int, str] | None:
        """The next line, read; ``None`` at the end."""
        item = self.peek()
        self.pos += item is not None
        return item


class NumberTokens:
    """Whitespace-separated tokens of some lines of a text file, read in order.

    Used by the free-form numeric formats (OR-Library, QAPLIB); every error names the file
    and the line of the offending token.

    >>> t = NumberTokens(["2", "1.5 7"], path="x.txt")
    >>> t.integer("count"), t.numbers(2, "values").tolist()
    (2, [1.5, 7.0])
    """

    def __init__(self, lines, *, path=None, first_line: int = 1, separators: str = ""):
        self.path = path
        self.tokens: list[str] = []
        token_lines: list[int] = []
        for number, line in enumerate(lines, start=first_line):
            for sep in separators:
                line = line.replace(sep, " ")
            parts = line.split()
            self.tokens.extend(parts)
            token_lines.extend([number] * len(parts))
        self.token_lines = token_lines
        self.end_line = first_line + max(len(lines) - 1, 0)
        self.pos = 0

    def error(self, message: str, index: int | None = None) -> ProblemFormatError:
        """A ``ProblemFormatError`` at the line of token ``index`` (default: the next one)."""
        index = self.pos if index is None else index
        line = self.token_lines[index] if index < len(self.tokens) else self.end_line
        return ProblemFormatError(message, path=self.path, line=line)

    @property
    def remaining(self) -> int:
        """Tokens not read yet."""
        return len(self.tokens) - self.pos

    def _next(self, count: int, what: str) -> list[str]:
        chunk = self.tokens[self.pos:self.pos + count]
        if len(chunk) < count:
            raise self.error(f"expected {count} {what}, but the data ends after {len(chunk)} "
                             f"(file truncated or a count is wrong)", len(self.tokens))
        return chunk

    def numbers(self, count: int, what: str, *, nonnegative: bool = False) -> np.ndarray:
        """The next ``count`` tokens as finite floats."""
        chunk = self._next(count, what)
        try:
            values = np.array(chunk, dtype=float)
        except ValueError:
            k = next(k for k, token in enumerate(chunk) if not is_number(token, finite=False))
            raise self.error(f"expected a number among the {what}, got {chunk[k]!r}",
                             self.pos + k) from None
        bad = np.flatnonzero(~np.isfinite(values) | ((values < 0) if nonnegative else False))
        if bad.size:
            k = int(bad[0])
            kind = "non-negative finite" if nonnegative else "finite"
            raise self.error(f"{what} must be {kind} numbers, got {chunk[k]}", self.pos + k)
        self.pos += count
        return values

    def number(self, what: str) -> float:
        """The next token as a finite float."""
        return float(self.numbers(1, what)[0])

    def integer(self, what: str, minimum: int = 1) -> int:
        """The next token as an integer of at least ``minimum`` (``"3.0"`` counts as 3)."""
        value = self.number(what)
        if not value.is_integer() or value < minimum:
            raise self.error(f"{what} must be an integer >= {minimum}, "
                             f"got {self.tokens[self.pos - 1]}", self.pos - 1)
        return int(value)

    def skip(self, count: int, what: str) -> None:
        """Step over the next ``count`` tokens."""
        self.pos += len(self._next(count, what))

    def expect_end(self, what: str) -> None:
        """Raise unless every token has been read."""
        if self.remaining:
            raise self.error(f"unexpected extra token {self.tokens[self.pos]!r} after {what}")


def format_number(value: float) -> str:
    """Integers without a decimal point, other values with full precision (``repr``).

    >>> format_number(3.0), format_number(0.1)
    ('3', '0.1')
    """
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def format_row(values) -> str:
    """Numbers separated by spaces, as the OR-Library and QAPLIB writers print them.

    >>> format_row([1.0, 2.5])
    '1 2.5'
    """
    return " ".join(format_number(v) for v in values)
