"""Multidimensional 0/1 knapsack (MDKP): pick items to maximise profit under m capacities.

Files: OR-Library ``mknap1.txt`` / ``mknapcb1..9.txt`` (K problems, each ``n m opt``, n profits,
m rows of n weights, m capacities; ``opt`` 0 means unknown) and ``mknap2.txt`` (blocks
``problem NAME.DAT``, then ``m n``, n profits, m capacities, m rows of n weights, the optimum).
For ``mknapcb*`` the best-known values come from ``mkcbres.txt`` beside the file when present:
they are Chu & Beasley's 1998 GA values, i.e. lower bounds on the optimum.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from problems.checks import best_known_value, binary_vector
from problems.compiled import MILP, QUBO, QUBOBuilder, decode_bits
from problems.errors import InfeasibleSolution, ProblemFormatError, require_finite
from problems.parsing import (NumberTokens, declared_count, format_number, format_row,
                              is_number, parse_float, text_lines)
from problems.views import SolutionViews

_PROBLEM_LINE = re.compile(r"^\s*problem\s+(\S+)", re.IGNORECASE)
_SEPARATOR_LINE = re.compile(r"^\s*\++\s*$")
_CBRES_LINE = re.compile(r"^\s*(\d+)\.(\d+)-(\d+)\s+(\S+)\s*$")


@dataclass(frozen=True)
class MDKP(SolutionViews):
    """Maximise ``profits @ x`` subject to ``weights @ x <= capacities``, ``x`` in {0,1}^n.

    ``profits`` has shape (n,), ``weights`` (m, n), ``capacities`` (m,); all finite,
    weights and capacities non-negative. A solution is a 0/1 vector over the items.

    >>> p = MDKP(profits=[3, 4, 5], weights=[[2, 3, 4]], capacities=[5], name="toy")
    >>> p.evaluate([1, 1, 0]), p.size
    (7.0, 3)
    """

    profits: np.ndarray
    weights: np.ndarray
    capacities: np.ndarray
    name: str = "mdkp"
    best_known: float | None = None

    sense: ClassVar[str] = "max"
    solution_kind: ClassVar[str] = "binary"

    def __post_init__(self):
        profits = _float_array(self.profits, "profits", 1)
        weights = _float_array(self.weights, "weights", 2)
        capacities = _float_array(self.capacities, "capacities", 1)
        n, m = len(profits), len(capacities)
        if n == 0 or m == 0:
            raise ProblemFormatError(f"MDKP needs at least one item and one constraint, "
                                     f"got {n} items and {m} capacities")
        if weights.shape != (m, n):
            raise ProblemFormatError(f"weights must have shape (m, n) = ({m}, {n}) for {m} "
                                     f"capacities and {n} profits, got {weights.shape}")
        for what, values in (("weights", weights), ("capacities", capacities)):
            if np.any(values < 0):
                bad = tuple(np.argwhere(values < 0)[0].tolist())
                raise ProblemFormatError(f"{what} must be non-negative, found "
                                         f"{values[bad]:g} at index {list(bad)}")
        for field_name, values in (("profits", profits), ("weights", weights),
                                   ("capacities", capacities)):
            values.setflags(write=False)
            object.__setattr__(self, field_name, values)
        object.__setattr__(self, "best_known", best_known_value(self.best_known))

    @property
    def size(self) -> int:
        """Number of items n."""
        return len(self.profits)

    @property
    def num_constraints(self) -> int:
        """Number of capacity constraints m."""
        return len(self.capacities)

    def evaluate(self, solution) -> float:
        """Total profit of ``solution`` (form checked, capacities not).

        >>> MDKP([3, 4], [[1, 1]], [1]).evaluate([1, 1])
        7.0
        """
        return float(self.profits @ binary_vector(solution, self.size))

    def check(self, solution) -> None:
        """Raise ``InfeasibleSolution`` naming the first exceeded capacity.

        >>> MDKP([3, 4], [[60, 50]], [100]).check([1, 1])
        Traceback (most recent call last):
        ...
        problems.errors.InfeasibleSolution: capacity 0 exceeded: 110 > 100
        """
        x = binary_vector(solution, self.size)
        loads = self.weights @ x
        over = loads > self.capacities + 1e-9 * np.maximum(1.0, self.capacities)
        if np.any(over):
            i = int(np.argmax(over))
            raise InfeasibleSolution(
                f"capacity {i} exceeded: {loads[i]:.10g} > {self.capacities[i]:.10g}",
                constraint=f"capacity {i}")

    @classmethod
    def random(cls, n: int, m: int, tightness: float = 0.5, seed: int = 0) -> MDKP:
        """A Chu–Beasley style instance with correlated profits.

        Weights are uniform integers in 1..1000, capacity i is ``floor(tightness * sum_j w_ij)``
        and profit j is ``floor(sum_i w_ij / m + 500 * U(0, 1))``.

        >>> p = MDKP.random(20, 3, tightness=0.25, seed=1)
        >>> p.weights.shape, bool(p.capacities[0] < p.weights[0].sum())
        ((3, 20), True)
        """
        for what, value in (("n", n), ("m", m)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"MDKP.random: {what} must be a positive integer, got {value!r}")
        if not (isinstance(tightness, (int, float)) and 0 < tightness <= 1):
            raise ValueError(f"MDKP.random: tightness must lie in (0, 1], got {tightness!r}")
        rng = np.random.default_rng(seed)
        weights = rng.integers(1, 1001, size=(m, n)).astype(float)
        capacities = np.floor(tightness * weights.sum(axis=1))
        profits = np.floor(weights.sum(axis=0) / m + 500.0 * rng.random(n))
        return cls(profits, weights, capacities, name=f"mdkp-n{n}-m{m}-t{tightness:g}-s{seed}")

    def write_orlib(self, path: str | Path) -> None:
        """Write this instance as a one-problem OR-Library ``mknap`` file (opt 0 if unknown).

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "mknap_toy.txt")
        >>> MDKP([3, 4], [[1, 2]], [2], name="toy").write_orlib(path)
        >>> read(path).evaluate([1, 0])
        3.0
        """
        n, m = self.size, self.num_constraints
        lines = ["1", f"{n} {m} {format_number(self.best_known or 0)}",
                 format_row(self.profits)]
        lines += [format_row(row) for row in self.weights]
        lines.append(format_row(self.capacities))
        Path(path).write_text("\n".join(lines) + "\n")

    def to_milp(self) -> MILP:
        """The direct 0/1 program: maximise profits subject to one row per capacity.

        >>> MDKP([3, 4], [[1, 2]], [2]).to_milp().num_constraints
        1
        """
        n, m = self.size, self.num_constraints
        return MILP(objective=self.profits.copy(), A=sp.csr_matrix(self.weights),
                    row_lower=np.full(m, -np.inf), row_upper=self.capacities.copy(),
                    lower=np.zeros(n), upper=np.ones(n), integer=np.ones(n, dtype=bool),
                    names=tuple(f"x{j}" for j in range(n)), sense="max",
                    decode=functools.partial(decode_bits, n=n),
                    row_names=tuple(f"capacity{i}" for i in range(m)))

    def to_qubo(self, penalty: float | None = None, encoding: str = "slack") -> QUBO:
        """Energy ``-profits @ x + penalty * sum_i (w_i @ x + s_i - c_i)^2`` with binary slacks.

        Each slack ``s_i`` is log-encoded over ``0..c_i``
        (``QUBOBuilder.add_inequality_with_slack``), so weights and capacities must be integers. The default penalty is
        ``sum(max(p, 0)) + 1``. Why it is enough: an assignment whose items exceed a capacity,
        or whose slack bits do not close the gap exactly, leaves some squared term >= 1 (all
        terms are integers), so its energy is >= ``penalty - sum(max(p, 0)) = 1``; the empty
        knapsack is feasible, so the best feasible energy ``-optimum`` is <= 0 < 1.

        >>> q = MDKP([3, 4], [[1, 2]], [2]).to_qubo()
        >>> q.slack_bits, q.energy([1, 0, 1, 0])
        (2, -3.0)
        """
        if encoding != "slack":
            raise ValueError(f"MDKP.to_qubo: unknown encoding {encoding!r}; supported: 'slack'")
        for what, values in (("weights", self.weights), ("capacities", self.capacities)):
            fractional = values != np.round(values)
            if np.any(fractional):
                bad = np.argwhere(fractional)[0].tolist()
                raise ValueError(f"MDKP.to_qubo needs integer weights and capacities for the slack "
                                 f"encoding; {what}{bad} = {values[tuple(bad)]:g} (scale the "
                                 f"instance to integers first)")
        if penalty is None:
            penalty = float(np.maximum(self.profits, 0.0).sum()) + 1.0
        elif not (isinstance(penalty, (int, float)) and np.isfinite(penalty) and penalty > 0):
            raise ValueError(f"MDKP.to_qubo: penalty must be a positive finite number, "
                             f"got {penalty!r}")
        n = self.size
        builder = QUBOBuilder([f"x{j}" for j in range(n)])
        for j, p in enumerate(self.profits):
            builder.add_linear(j, -float(p))
        slack_bits = 0
        for i, row in enumerate(self.weights):
            coefs = {int(j): float(row[j]) for j in np.flatnonzero(row)}
            slack_bits += builder.add_inequality_with_slack(coefs, float(self.capacities[i]),
                                                            penalty, prefix=f"capacity{i}")
        return builder.build(decode=functools.partial(decode_bits, n=n), slack_bits=slack_bits,
                             penalty=float(penalty), info={"encoding": encoding})


def sniff(path, head: str) -> bool:
    """True for OR-Library ``mknap*`` files, by name or by their numeric layout.

    QAPLIB ``.dat`` files and robust-knapsack files (first line ``n C Gamma``) are left alone.
    """
    name = Path(path).name.lower()
    if name.endswith(".dat"):
        return False
    if name.startswith("mknap"):
        return True
    lines = [line for line in head.splitlines() if line.strip()]
    if lines and _PROBLEM_LINE.match(lines[0]):
        return True
    if len(lines) < 3:
        return False
    first, second = lines[0].split(), lines[1].split()
    return (len(first) == 1 and len(second) == 3 and _is_count(first[0])
            and _is_count(second[0]) and _is_count(second[1]) and is_number(second[2])
            and all(is_number(token) for token in lines[2].split()))


def count(path) -> int:
    """Number of problems in an OR-Library ``mknap`` file."""
    path = Path(path)
    lines = _lines(path)
    if _is_mknap2(lines):
        return len(_mknap2_blocks(path, lines))
    return _orlib_count(path)


def _orlib_count(path: Path) -> int:
    """The number of problems K the file declares, once every one of them is found in it
    (a file declaring more problems than it holds, or holding more, is refused)."""
    tokens = _orlib_tokens(path)
    total = declared_count(tokens.integer("number of problems K"), "number of problems K",
                           held=tokens.remaining // 4, path=path, line=tokens.token_lines[0])
    for k in range(total):
        n, m = _orlib_header(tokens, k)
        tokens.number(f"optimum of problem {k}")
        for count, what in ((n, "profits"), (m * n, "weights"), (m, "capacities")):
            tokens.skip(count, f"{what} of problem {k}")
    tokens.expect_end(f"the last problem (the file says it holds {total})")
    return total


def read(path, index: int | None = None) -> MDKP:
    """Read problem ``index`` (default 0) of an OR-Library ``mknap`` file.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "mknap_demo.txt")
    >>> _ = open(path, "w").write("1\\n3 1 7\\n3 4 5\\n2 3 4\\n5\\n")
    >>> p = read(path)
    >>> p.name, p.best_known, p.size
    ('mknap_demo-00', 7.0, 3)
    """
    path = Path(path)
    lines = _lines(path)
    k = 0 if index is None else index
    if _is_mknap2(lines):
        return _read_mknap2(path, lines, k)
    return _read_orlib(path, k)


def _read_orlib(path: Path, k: int) -> MDKP:
    total = _orlib_count(path)
    tokens = _orlib_tokens(path)
    tokens.integer("number of problems K")
    if not isinstance(k, (int, np.integer)) or not 0 <= k < total:
        raise ProblemFormatError(f"problem index {k!r} out of range: the file holds {total} "
                                 f"problem(s)", path=path)
    for skipped in range(k):
        n, m = _orlib_header(tokens, skipped)
        tokens.number(f"optimum of problem {skipped}")
        tokens.skip(n + m * n + m, f"numbers of problem {skipped}")
    n, m = _orlib_header(tokens, k)
    optimum = tokens.number(f"optimum of problem {k}")
    profits = tokens.numbers(n, f"profits of problem {k}")
    weights = tokens.numbers(m * n, f"weights of problem {k}", nonnegative=True).reshape(m, n)
    capacities = tokens.numbers(m, f"capacities of problem {k}", nonnegative=True)
    best = optimum if optimum != 0 else _mkcbres_value(path, m, n, k)
    return MDKP(profits, weights, capacities, name=f"{path.stem}-{k:02d}", best_known=best)


def _orlib_header(tokens: NumberTokens, k: int) -> tuple[int, int]:
    return (tokens.integer(f"number of items n of problem {k}"),
            tokens.integer(f"number of constraints m of problem {k}"))


def _read_mknap2(path: Path, lines: tuple[str, ...], k: int) -> MDKP:
    blocks = _mknap2_blocks(path, lines)
    if not isinstance(k, (int, np.integer)) or not 0 <= k < len(blocks):
        raise ProblemFormatError(f"problem index {k!r} out of range: the file holds "
                                 f"{len(blocks)} problem(s)", path=path)
    name, start, stop = blocks[k]
    body = ["" if _SEPARATOR_LINE.match(line) else line for line in lines[start:stop]]
    tokens = NumberTokens(body, path=path, first_line=start + 1)
    m = tokens.integer(f"number of constraints m of {name}")
    n = tokens.integer(f"number of items n of {name}")
    profits = tokens.numbers(n, f"profits of {name}")
    capacities = tokens.numbers(m, f"capacities of {name}", nonnegative=True)
    weights = tokens.numbers(m * n, f"weights of {name}", nonnegative=True).reshape(m, n)
    optimum = tokens.number(f"optimum of {name}")
    tokens.expect_end(f"the optimum of {name}")
    return MDKP(profits, weights, capacities, name=name, best_known=optimum or None)


def _mknap2_blocks(path: Path, lines: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """(name, first body line index, end index) of each ``problem NAME`` block."""
    starts = [(i, _PROBLEM_LINE.match(line)) for i, line in enumerate(lines)]
    starts = [(i, match.group(1)) for i, match in starts if match]
    for i, line in enumerate(lines[:starts[0][0]]):
        if line.strip() and not _SEPARATOR_LINE.match(line):
            raise ProblemFormatError(f"unexpected text {line.strip()[:40]!r} before the first "
                                     f"'problem NAME' line", path=path, line=i + 1)
    ends = [i for i, _ in starts[1:]] + [len(lines)]
    return [(re.sub(r"\.dat$", "", name, flags=re.IGNORECASE), i + 1, end)
            for (i, name), end in zip(starts, ends)]


def _mkcbres_value(path: Path, m: int, n: int, k: int) -> float | None:
    """Chu–Beasley's best feasible value of problem ``m.n-kk`` (``mkcbres.txt`` beside ``path``)."""
    results = path.with_name("mkcbres.txt")
    if not path.name.lower().startswith("mknapcb") or not results.is_file():
        return None
    return _mkcbres_table(results, results.stat().st_mtime_ns).get((m, n, k))


@functools.lru_cache(maxsize=2)
def _mkcbres_table(path: Path, _mtime_ns: int) -> dict[tuple[int, int, int], float]:
    """The first table (best feasible values); the second one holds LP relaxation values."""
    table, headers = {}, 0
    for number, line in enumerate(path.read_text(encoding="utf-8-sig", errors="replace")
                                  .splitlines(), start=1):
        if re.match(r"\s*problem\s+name", line, re.IGNORECASE):
            headers += 1
            if headers == 2:
                break
        match = _CBRES_LINE.match(line)
        if match and headers == 1:
            value = parse_float(match.group(4), f"problem {match.group(0).split()[0]}",
                                path=path, line=number)
            table[tuple(int(g) for g in match.groups()[:3])] = value
    return table


def _lines(path: Path) -> tuple[str, ...]:
    if not path.is_file():
        raise ProblemFormatError("no such file", path=path)
    return _cached_lines(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _cached_lines(path: Path, _mtime_ns: int) -> tuple[str, ...]:
    return tuple(text_lines(path))


def _orlib_tokens(path: Path) -> NumberTokens:
    """A fresh cursor over the file's tokens (tokenised once per file version)."""
    return copy.copy(_cached_orlib_tokens(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=2)
def _cached_orlib_tokens(path: Path, mtime_ns: int) -> NumberTokens:
    return NumberTokens(_cached_lines(path, mtime_ns), path=path)


def _is_mknap2(lines: tuple[str, ...]) -> bool:
    return any(_PROBLEM_LINE.match(line) for line in lines)


def _is_count(token: str) -> bool:
    return token.isdigit() and int(token) > 0


def _float_array(values, what: str, ndim: int) -> np.ndarray:
    try:
        array = np.array(values, dtype=float)
    except (ValueError, TypeError) as error:
        raise ProblemFormatError(f"{what} must be numbers: {error}") from None
    if array.ndim != ndim:
        raise ProblemFormatError(f"{what} must be a {ndim}-d array, got shape {array.shape}")
    require_finite(array, what)
    return array
