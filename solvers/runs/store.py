"""The results store: one SQLite row per finished task, written as soon as it finishes.

A row is keyed by ``(instance_path, instance_index, method, seed, time_limit,
options_hash)`` (a UNIQUE constraint), so a batch that is restarted with the same
arguments can ask which keys are already done and run only the rest. Every row is
written in its own transaction and the database runs in WAL mode: a batch killed
at any moment (even ``kill -9``) leaves only whole rows behind.

The verified solution is stored as zlib-compressed JSON; the trace, the method's
``info`` and the options as JSON text.
"""

from __future__ import annotations

import hashlib
import json
import math
import socket
import sqlite3
import zlib
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from solvers.result import STATUSES, _plain

#: Statuses a stored row may carry: a ``Result`` status, or ``skipped`` when the
#: method declares the instance too large (``MethodSpec.max_size``).
ROW_STATUSES = STATUSES + ("skipped",)

#: The method name of a row recording a file that could not be read at all
#: (so no task could be formed for it).
FILE_ERROR_METHOD = "-"

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY,
    instance_path TEXT NOT NULL,
    instance_index INTEGER NOT NULL,
    method TEXT NOT NULL,
    seed INTEGER NOT NULL,
    time_limit REAL NOT NULL,
    options_hash TEXT NOT NULL,
    options TEXT NOT NULL,
    status TEXT NOT NULL,
    objective REAL,
    feasible INTEGER NOT NULL,
    time_s REAL,
    solution BLOB,
    trace TEXT NOT NULL,
    info TEXT NOT NULL,
    error TEXT,
    best_known REAL,
    problem_type TEXT,
    sense TEXT,
    size INTEGER,
    instance_name TEXT,
    nqco_version TEXT NOT NULL,
    host TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (instance_path, instance_index, method, seed, time_limit, options_hash)
)
"""

Key = tuple[str, int, str, int, float, str]


def options_hash(options: dict[str, Any] | None) -> str:
    """A short stable hash of a method's options (part of the row key).

    >>> options_hash({}) == options_hash(None)
    True
    >>> options_hash({"a": 1, "b": 2}) == options_hash({"b": 2, "a": 1})
    True
    """
    text = json.dumps(options or {}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def nqco_version() -> str:
    """The installed nqco version (``"unknown"`` when not installed as a package)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nqco")
    except PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class Record:
    """One stored row. ``solution`` is the decoded solution (``None`` unless asked for).

    >>> r = Record(instance_path="/x/a.tsp", instance_index=0, method="exact", seed=0,
    ...            time_limit=5.0, options={}, status="optimal", objective=3.0, feasible=True,
    ...            time_s=0.1)
    >>> r.key[2:4]
    ('exact', 0)
    """

    instance_path: str
    instance_index: int
    method: str
    seed: int
    time_limit: float
    options: dict
    status: str
    objective: float | None
    feasible: bool
    time_s: float | None
    solution: Any = None
    trace: tuple = ()
    info: dict | None = None
    error: str | None = None
    best_known: float | None = None
    problem_type: str | None = None
    sense: str | None = None
    size: int | None = None
    instance_name: str | None = None
    nqco_version: str = ""
    host: str = ""
    created_at: str = ""

    def __post_init__(self):
        if self.status not in ROW_STATUSES:
            raise ValueError(f"Record.status must be one of {ROW_STATUSES}, got {self.status!r}")
        if self.feasible and (self.objective is None or not math.isfinite(self.objective)):
            raise ValueError(f"a feasible Record needs a finite objective, got {self.objective}")

    @property
    def key(self) -> Key:
        return (self.instance_path, self.instance_index, self.method, self.seed,
                float(self.time_limit), options_hash(self.options))


class ResultStore:
    """SQLite file of ``Record`` rows; use as a context manager.

    >>> import tempfile, os
    >>> db = os.path.join(tempfile.mkdtemp(), "r.sqlite")
    >>> with ResultStore(db) as store:
    ...     store.add(Record(instance_path="/x/a.col", instance_index=0, method="exact",
    ...                      seed=0, time_limit=5.0, options={}, status="optimal",
    ...                      objective=4.0, feasible=True, time_s=0.01, solution=[1, 0, 1]))
    ...     [r.solution for r in store.records(with_solutions=True)]
    [[1, 0, 1]]
    """

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise FileNotFoundError(f"results store {self.path} does not exist")
        try:
            self._db = sqlite3.connect(self.path, timeout=60.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise ValueError(f"{self.path}: results store schema version {version}, "
                                 f"this nqco reads version {SCHEMA_VERSION}")
            with self._db:
                self._db.execute(_SCHEMA)
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as error:
            raise ValueError(f"{self.path} is not a usable nqco results store: {error}") from None
        self._host = socket.gethostname()
        self._version = nqco_version()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def done_keys(self) -> set[Key]:
        """Keys of every stored row (what a restarted batch skips)."""
        rows = self._db.execute("SELECT instance_path, instance_index, method, seed, time_limit, "
                                "options_hash FROM results")
        return {(p, i, m, s, float(t), h) for p, i, m, s, t, h in rows}

    def failed_keys(self) -> set[Key]:
        """Keys of rows whose task failed (``error`` or ``timeout``)."""
        rows = self._db.execute("SELECT instance_path, instance_index, method, seed, time_limit, "
                                "options_hash FROM results WHERE status IN ('error', 'timeout')")
        return {(p, i, m, s, float(t), h) for p, i, m, s, t, h in rows}

    def delete(self, keys: set[Key]) -> int:
        """Remove the rows with these keys (one transaction); returns how many went."""
        with self._db:
            before = self._db.total_changes
            self._db.executemany(
                "DELETE FROM results WHERE instance_path=? AND instance_index=? AND method=? "
                "AND seed=? AND time_limit=? AND options_hash=?", sorted(keys))
            return self._db.total_changes - before

    def add(self, record: Record) -> None:
        """Write one row in its own transaction (replacing a row with the same key)."""
        solution = None
        if record.solution is not None:
            solution = zlib.compress(json.dumps(_plain(record.solution),
                                             separators=(",", ":")).encode())
        values = {
            "instance_path": record.instance_path,
            "instance_index": record.instance_index,
            "method": record.method,
            "seed": record.seed,
            "time_limit": float(record.time_limit),
            "options_hash": options_hash(record.options),
            "options": json.dumps(_plain(record.options), sort_keys=True, default=str),
            "status": record.status,
            "objective": record.objective,
            "feasible": int(bool(record.feasible)),
            "time_s": record.time_s,
            "solution": solution,
            "trace": json.dumps([[float(t), float(v)] for t, v in record.trace]),
            "info": json.dumps(_plain(record.info or {}), default=str),
            "error": record.error,
            "best_known": record.best_known,
            "problem_type": record.problem_type,
            "sense": record.sense,
            "size": record.size,
            "instance_name": record.instance_name,
            "nqco_version": record.nqco_version or self._version,
            "host": record.host or self._host,
            "created_at": record.created_at or datetime.now(timezone.utc).isoformat(
                timespec="seconds"),
        }
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        with self._db:
            self._db.execute(f"INSERT OR REPLACE INTO results ({columns}) VALUES ({marks})",
                             tuple(values.values()))

    def records(self, *, with_solutions: bool = False) -> list[Record]:
        """Every row, in insertion order."""
        return list(self._iter(with_solutions))

    def solution(self, key: Key) -> Any:
        """The decoded solution of the row with ``key`` (``None`` when it has none)."""
        row = self._db.execute(
            "SELECT solution FROM results WHERE instance_path=? AND instance_index=? AND "
            "method=? AND seed=? AND time_limit=? AND options_hash=?", key).fetchone()
        if row is None:
            raise KeyError(f"no row with key {key}")
        return None if row[0] is None else json.loads(zlib.decompress(row[0]))

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def _iter(self, with_solutions: bool) -> Iterator[Record]:
        names = [f.name for f in fields(Record)]
        cursor = self._db.execute(f"SELECT {', '.join(names)} FROM results ORDER BY id")
        for row in cursor:
            data = dict(zip(names, row))
            data["options"] = json.loads(data["options"])
            data["feasible"] = bool(data["feasible"])
            data["trace"] = tuple(tuple(p) for p in json.loads(data["trace"]))
            data["info"] = json.loads(data["info"])
            blob = data["solution"]
            data["solution"] = (json.loads(zlib.decompress(blob))
                                if with_solutions and blob is not None else None)
            yield Record(**data)

