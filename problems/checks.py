"""The two solution forms shared by several problems: 0/1 vectors and permutations.

Each check returns the solution as a clean integer array or raises ``InfeasibleSolution``
naming the first fault, in the words of the problem (``PermutationWords``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from problems.errors import InfeasibleSolution


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
