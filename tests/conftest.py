"""Fixtures shared by the test folders: the public benchmark files.

The files live outside the repository: ``../shared/benchmarks`` next to the checkout, or the
folder named by ``NQCO_BENCHMARKS``. A test that needs one asks ``benchmark_file("tsplib/
eil51.tsp")``; when it is absent the test is skipped with ``ABSENT`` in its reason, and the
run's summary ends with one line counting those skips, so missing files never pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

BENCHMARKS_ENV = "NQCO_BENCHMARKS"
ABSENT = "public benchmark file absent"


def benchmark_root() -> Path:
    """``$NQCO_BENCHMARKS``, else ``../shared/benchmarks`` beside the repository root."""
    given = os.environ.get(BENCHMARKS_ENV)
    if given:
        return Path(given)
    return Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


@pytest.fixture(scope="session")
def benchmark_file() -> Callable[[str], Path]:
    """``benchmark_file("qaplib/nug12.dat")``: the path of that public benchmark file, or a
    skip of the calling test that names it."""

    def find(relative: str) -> Path:
        path = benchmark_root() / relative
        if not path.is_file():
            pytest.skip(f"{ABSENT}: {path} (set {BENCHMARKS_ENV} to the benchmarks folder)")
        return path

    return find


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line saying how many tests were skipped for want of the benchmark files."""
    skipped = [report for report in terminalreporter.stats.get("skipped", [])
               if ABSENT in str(getattr(report, "longrepr", ""))]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} test(s) skipped: public benchmark files absent from "
            f"{benchmark_root()} (set {BENCHMARKS_ENV} to the folder that holds them)",
            yellow=True, bold=True)
