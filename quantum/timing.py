"""Deadlines inside the quantum loops: absolute ``time.perf_counter()`` values, ``None`` for none.

An inner solver is given the moment its work must be done by; a simulator call that cannot
be interrupted is started only when its measured (or extrapolated) duration still fits.

>>> import time
>>> fits(None, 1e9), fits(time.perf_counter() + 60, 1.0), fits(time.perf_counter(), 1.0)
(True, True, False)
"""

from __future__ import annotations

import time


class OutOfTime(RuntimeError):
    """Work that could not finish before the deadline was not started."""


def fits(deadline: float | None, seconds: float) -> bool:
    """Whether ``seconds`` of work started now ends before ``deadline``."""
    return deadline is None or time.perf_counter() + seconds <= deadline
