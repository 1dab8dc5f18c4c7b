"""One clock per ``solve()`` call: when it started, how long it may run, how much is left.

``solve()`` starts a ``Deadline`` the moment it is called, so imports, model building and
compilation all count; each method is then called with ``time_limit`` set to what is left
and checks its own clock inside its inner loops.

>>> d = Deadline(60.0)
>>> 59.0 < d.remaining() <= 60.0, d.expired()
(True, False)
>>> Deadline(None).remaining()
inf
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field


class DeadlineExpired(RuntimeError):
    """Raised by ``Deadline.check`` once the time limit has passed."""


def check_time_limit(time_limit) -> float | None:
    """``time_limit`` as float seconds (``None`` stays ``None``); refuses anything else.

    >>> check_time_limit(2)
    2.0
    >>> check_time_limit(True)
    Traceback (most recent call last):
    ...
    ValueError: time_limit must be a positive number of seconds or None, got True
    """
    if time_limit is None:
        return None
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) \
            or not math.isfinite(time_limit) or time_limit <= 0:
        raise ValueError(f"time_limit must be a positive number of seconds or None, "
                         f"got {time_limit!r}")
    return float(time_limit)


@dataclass(frozen=True)
class Deadline:
    """A time limit in seconds (``None``: none) counted from ``start`` (``time.perf_counter``)."""

    limit: float | None
    start: float = field(default_factory=time.perf_counter)

    def __post_init__(self):
        object.__setattr__(self, "limit", check_time_limit(self.limit))

    @property
    def at(self) -> float:
        """The ``time.perf_counter()`` value at which the limit passes (``inf`` without one)."""
        return math.inf if self.limit is None else self.start + self.limit

    def elapsed(self) -> float:
        """Seconds since the clock started."""
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        """Seconds left, never negative (``inf`` without a limit)."""
        return max(self.at - time.perf_counter(), 0.0)

    def expired(self) -> bool:
        return time.perf_counter() >= self.at

    def check(self, what: str = "the method") -> None:
        """Raise ``DeadlineExpired`` once the limit has passed.

        >>> Deadline(1e-9, start=0.0).check("the search")
        Traceback (most recent call last):
        ...
        solvers.deadline.DeadlineExpired: the search: time limit of 1e-09 s reached
        """
        if self.expired():
            raise DeadlineExpired(f"{what}: time limit of {self.limit:g} s reached")
