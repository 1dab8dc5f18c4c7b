"""The two solution forms shared by several problems: 0/1 vectors and permutations.

Each check returns the solution as a clean integer array or raises ``InfeasibleSolution``
naming the first fault, in the words of the problem (``PermutationWords``).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

from problems.errors import InfeasibleSolution, ProblemFormatError


def best_known_value(value, what: str = "best_known") -> float | None:
    """``value`` as a float when it is a finite number, ``None`` for ``None``; every problem
    type checks its ``best_known`` with this one rule (NaN, inf, strings and bools refused).

    >>> best_known_value(7), best_known_value(None)
    (7.0, None)
    >>> best_known_value(float("nan"))
    Traceback (most recent call last):
    ...
    problems.errors.ProblemFormatError: best_known must be a finite number or None, got nan
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
            or not math.isfinite(value):
        raise ProblemFormatError(f"{what} must be a finite number or None, got {value!r}")
    return float(value)


def binary_vector(solution, n: int) -> np.ndarray:
    """``solution`` as an int8 0/1 vector of length ``n``; ``InfeasibleSolution`` if malformed.

    >>> binary_vector([True, False], 2)
    array([1, 0], dtype=int8)
    """
    try:
        x = np.asarray(solution)
    except (ValueError, TypeError) as error:
        raise InfeasibleSolution(f"solution is not a vector of 0/1 entries: {error}") from None
    if x.ndim != 1 or len(x) != n:
        raise InfeasibleSolution(f"solution must be a vector of {n} entries (0 or 1), "
                                 f"got shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise InfeasibleSolution(f"solution entries must be 0 or 1, got dtype {x.dtype}")
    bad = np.flatnonzero((x != 0) & (x != 1))
    if bad.size:
        raise InfeasibleSolution(f"solution entry {bad[0]} is {x[bad[0]]}, expected 0 or 1")
    return x.astype(np.int8)


class PermutationWords(NamedTuple):
    """How a problem names the parts of a permutation in its error messages.

    ``solution``: the whole ("tour"); ``slot``: what an index of the vector is ("stop");
    ``item``/``items``: what an entry names ("city"/"cities"); ``repeated``: the message for
    an item listed twice, formatted with ``value`` (the item), ``count``, ``missing`` (the
    smallest item never listed), ``first`` and ``second`` (the first two slots holding it).
    """

    solution: str = "solution"
    slot: str = "entry"
    item: str = "value"
    items: str = "values"
    repeated: str = "value {value} appears {count} times and value {missing} never"


def permutation_vector(solution, n: int, words: PermutationWords = PermutationWords()
                       ) -> np.ndarray:
    """``solution`` as an int64 permutation of 0..n-1; ``InfeasibleSolution`` if it is not one.

    Integral floats are accepted. ``constraint`` of the error is ``"form"`` for a malformed
    vector, ``"<slot> <k>"`` for an entry outside 0..n-1 and ``"<item> <v>"`` for a repeat.

    >>> permutation_vector([2, 0, 1.0], 3)
    array([2, 0, 1])
    >>> permutation_vector([2, 0, 2], 3)
    Traceback (most recent call last):
    ...
    problems.errors.InfeasibleSolution: value 2 appears 2 times and value 1 never
    """
    try:
        arr = np.asarray(solution)
    except (TypeError, ValueError) as error:
        raise InfeasibleSolution(f"the {words.solution} must be a sequence of {words.items}: "
                                 f"{error}", constraint="form") from None
    if arr.ndim != 1:
        raise InfeasibleSolution(f"the {words.solution} must be a 1-D sequence of {words.items}, "
                                 f"got shape {arr.shape}", constraint="form")
    if len(arr) != n:
        raise InfeasibleSolution(f"the {words.solution} has {len(arr)} entries, expected {n}: a "
                                 f"permutation of {n} {words.items}", constraint="form")
    if arr.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)))
        if bad.size:
            k = int(bad[0])
            raise InfeasibleSolution(f"{words.slot} {k} is {float(arr[k])!r}, not an integer: "
                                     f"entries must be integer {words.items}",
                                     constraint="form")
    elif arr.dtype.kind not in "iu":
        raise InfeasibleSolution(f"entries must be integer {words.items}, got dtype {arr.dtype}",
                                 constraint="form")
    arr = arr.astype(np.int64)
    outside = np.flatnonzero((arr < 0) | (arr >= n))
    if outside.size:
        k = int(outside[0])
        raise InfeasibleSolution(f"{words.slot} {k} is at {words.item} {arr[k]}, outside "
                                 f"0..{n - 1}", constraint=f"{words.slot} {k}")
    counts = np.bincount(arr, minlength=n)
    if np.any(counts != 1):
        value = int(np.flatnonzero(counts > 1)[0])
        first, second = np.flatnonzero(arr == value)[:2].tolist()
        message = words.repeated.format(value=value, count=counts[value], first=first,
                                        second=second,
                                        missing=int(np.flatnonzero(counts == 0)[0]))
        raise InfeasibleSolution(message, constraint=f"{words.item} {value}")
    return arr


class PairWords(NamedTuple):
    """How a problem names the index pairs of its input in error messages (``index_pairs``).

    ``pair``: one row ("edge"); ``array``: the whole as expected ("an (E, 2) array of node
    numbers"); ``shape``: its shape ("(E, 2)"); ``entries``: what the numbers are ("node
    numbers"); ``entry``: one of them ("a node").
    """

    pair: str
    array: str
    shape: str
    entries: str
    entry: str


def index_pairs(pairs, n: int, words: PairWords, self_pair: Callable[[int, np.ndarray], str],
                length: int | None = None) -> np.ndarray:
    """``pairs`` as an int64 (K, 2) array of indices in 0..n-1, no index paired with itself
    (``self_pair(k, row)`` says why row ``k`` is refused), rows as given; ``length``: the K
    required (one value per pair). Faults raise ``ProblemFormatError`` in ``words``.

    >>> edge = PairWords("edge", "an (E, 2) array", "(E, 2)", "node numbers", "a node")
    >>> index_pairs([[1, 0]], 2, edge, lambda k, row: "is a loop").tolist()
    [[1, 0]]
    >>> index_pairs([[0, 2]], 2, edge, lambda k, row: "is a loop")
    Traceback (most recent call last):
    ...
    problems.errors.ProblemFormatError: edge 0 = (0, 2) has a node outside 0..1
    """
    try:
        array = np.asarray(pairs)
    except (ValueError, TypeError) as error:
        raise ProblemFormatError(f"{words.pair}s must be {words.array}: {error}") from None
    if array.size == 0 and not length:
        return np.zeros((0, 2), dtype=np.int64)
    if array.ndim != 2 or array.shape[1] != 2 or (length is not None and len(array) != length):
        values = "" if length is None else f" for K = {length} values"
        raise ProblemFormatError(f"{words.pair}s must have shape {words.shape}{values}, "
                                 f"got {array.shape}")
    if array.dtype.kind not in "iu" and not (array.dtype.kind == "f"
                                             and np.all(array == np.round(array))):
        raise ProblemFormatError(f"{words.pair}s must hold integer {words.entries}, "
                                 f"got dtype {array.dtype}")
    array = array.astype(np.int64)
    out = (array < 0) | (array >= n)
    if np.any(out):
        k = int(np.argwhere(out)[0][0])
        raise ProblemFormatError(f"{words.pair} {k} = {tuple(array[k].tolist())} has "
                                 f"{words.entry} outside 0..{n - 1}")
    same = array[:, 0] == array[:, 1]
    if np.any(same):
        k = int(np.argmax(same))
        raise ProblemFormatError(f"{words.pair} {k} {self_pair(k, array[k])}")
    return array
