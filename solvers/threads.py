"""How many threads one solve may use: every core, or the share a batch worker was given.

A batch with ``--workers W`` runs W solves side by side; each worker sets ``NQCO_THREADS`` to
its share of the cores (at least 1) so that multi-threaded methods (CP-SAT, torch) do not
oversubscribe the machine. Outside a batch nothing is set and a solve may use every core.

>>> import os
>>> os.environ[THREADS_ENV] = "3"; available_threads()
3
>>> del os.environ[THREADS_ENV]; available_threads() == (os.cpu_count() or 1)
True
"""

from __future__ import annotations

import os

THREADS_ENV = "NQCO_THREADS"


def available_threads() -> int:
    """``NQCO_THREADS`` when it holds a positive integer, else the number of cores."""
    value = os.environ.get(THREADS_ENV, "")
    if value.isdigit() and int(value) >= 1:
        return int(value)
    return os.cpu_count() or 1


def worker_share(workers: int) -> int:
    """Threads for each of ``workers`` parallel solves: the cores split evenly, at least 1.

    >>> worker_share(10**6)
    1
    """
    return max(1, (os.cpu_count() or 1) // max(1, workers))
