"""Batch runs: every instance under a folder × every method × every seed, into the results store.

``run_batch`` scans the folder, forms one ``Task`` per (instance, method, seed)
the method supports, drops the tasks already in the store (so a killed batch
restarted with the same arguments runs only what is missing), runs the rest on an
executor and writes each outcome to the store the moment it arrives.

Best-known values come from ``best_known.csv`` manifests (columns ``instance,value``;
other columns are ignored) in the instance's folder or any folder above it (the nearest
wins), else from what the instance file carries. A manifest's
``instance`` column names an instance by its path relative to the manifest's folder
(``tsp/rand40.tsp``), its file name, its file stem, its instance name, or for files
holding several instances ``relative/path#index`` (0-based).
"""

from __future__ import annotations

import csv
import math
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from problems.errors import ProblemFormatError
from solvers import registry
from solvers.runs.executors import (LocalExecutor, Outcome, RayExecutor, Task,
                                   describe_error, import_plugins)
from solvers.result import gap
from solvers.runs.store import FILE_ERROR_METHOD, Key, Record, ResultStore, options_hash

MANIFEST = "best_known.csv"


def resolve_methods(names: Iterable[str]) -> list[str]:
    """Expand ``all`` and ``demo`` and check every name against the registry.

    >>> resolve_methods(["exact", "demo"])[0]
    'exact'
    >>> resolve_methods(["nope"])
    Traceback (most recent call last):
    ...
    solvers.registry.UnknownMethod: unknown method 'nope'; available methods: ...
    """
    from solvers import demo_methods

    chosen: list[str] = []
    for name in names:
        name = name.strip()
        if name == "all":
            expanded = list(registry.methods())
        elif name == "demo":
            expanded = demo_methods()
        else:
            registry.get(name)
            expanded = [name]
        chosen += [m for m in expanded if m not in chosen]
    if not chosen:
        raise ValueError("no methods given; name at least one (see `nqco methods`)")
    return chosen


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``"0,1,2"`` or ranges ``"0-4"`` (inclusive), mixed freely.

    >>> parse_seeds("0,1,5-7")
    [0, 1, 5, 6, 7]
    """
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        low, dash, high = part.partition("-")
        try:
            values = range(int(low), int(high) + 1) if dash else [int(part)]
        except ValueError:
            raise ValueError(f"bad seed {part!r} in {text!r}: expected non-negative integers "
                             "like 0,1,2 or a range like 0-4") from None
        if dash and int(high) < int(low):
            raise ValueError(f"bad seed range {part!r}: the end is below the start")
        seeds += [s for s in values if s not in seeds]
    if any(s < 0 for s in seeds):
        raise ValueError(f"seeds must be non-negative integers, got {text!r}")
    return seeds


def problem_type_of(path: Path) -> str:
    """The problem type (class name) whose reader claims ``path``; raises if none does.
    The class lives in the reader's module or, for a problem package, inside it.

    >>> import tempfile, os
    >>> from problems import QAP, TSP
    >>> folder = tempfile.mkdtemp()
    >>> QAP.random(5, seed=0).write_qaplib(os.path.join(folder, "q.dat"))
    >>> TSP.random(5, seed=0).write_tsplib(os.path.join(folder, "t.tsp"))
    >>> [problem_type_of(os.path.join(folder, name)) for name in ("q.dat", "t.tsp")]
    ['QAP', 'TSP']
    """
    import problems
    from problems.load import reader_for

    reader = reader_for(path)
    if hasattr(reader, "problem_type"):  # a reader of several types (problems.bqp) says which
        return reader.problem_type(path)
    module = reader.__name__
    for name in registry.PROBLEM_TYPES:
        home = getattr(problems, name).__module__
        if home == module or home.startswith(module + "."):
            return name
    raise ProblemFormatError(f"reader {module} belongs to no known problem type", path=path)


def _instance_files(directory: Path) -> tuple[list[Path], int]:
    """Candidate files under ``directory`` (recursively, hidden ones and manifests left out)
    and how many of them no reader claims."""
    from problems.load import reader_for

    found, ignored = [], 0
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).parts
        if not path.is_file() or path.name == MANIFEST or any(p.startswith(".") for p in relative):
            continue
        try:
            reader_for(path)
        except ProblemFormatError:
            ignored += 1
            continue
        except Exception:  # unreadable, or a reader failed on it: an error row in the plan
            pass
        found.append(path)
    return found, ignored


class BestKnown:
    r"""Best-known values from the ``best_known.csv`` manifests in the folders above each file
    (the nearest manifest naming the instance wins); ``nqco info``, ``nqco solve`` and batch
    runs (hence the report) all look values up here, so they agree.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "tsp").mkdir()
    >>> _ = (root / "best_known.csv").write_text("instance,value\ntsp/a.tsp,7542\n")
    >>> BestKnown().lookup(root / "tsp" / "a.tsp", index=0, count=1, instance_name="a")
    7542.0
    """

    def __init__(self):
        self._manifests: dict[Path, dict[str, float]] = {}

    def _values(self, folder: Path) -> dict[str, float]:
        if folder not in self._manifests:
            self._manifests[folder] = read_manifest(folder / MANIFEST)
        return self._manifests[folder]

    def lookup(self, path: str | Path, index: int, count: int,
               instance_name: str | None) -> float | None:
        path = Path(path).resolve()
        for folder in path.parents:  # nearest first
            values = self._values(folder)
            relative = path.relative_to(folder).as_posix()
            names = [instance_name, f"{relative}#{index}"]
            if count == 1:
                names += [relative, path.name, path.stem]
            for name in names:
                if name is not None and name in values:
                    return values[name]
        return None


def read_manifest(path: Path) -> dict[str, float]:
    """``instance -> value`` from a ``best_known.csv`` (empty when there is no such file).

    >>> read_manifest(Path("/no/such/best_known.csv"))
    {}
    """
    if not path.is_file():
        return {}
    values: dict[str, float] = {}
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"instance", "value"} <= set(reader.fieldnames):
            raise ProblemFormatError(f"expected a header with columns instance,value; got "
                                     f"{','.join(reader.fieldnames or [])!r}", path=path, line=1)
        for row in reader:
            text = (row["value"] or "").strip()
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ProblemFormatError(f"value {text!r} of instance {row['instance']!r} is not "
                                         "a finite number", path=path, line=reader.line_num)
            values[row["instance"].strip()] = value
    return values


@dataclass
class Plan:
    """What a batch will run, and what it leaves out and why."""

    tasks: list[Task]
    file_errors: list[tuple[Path, str, str | None]]  # (path, message, problem type if known)
    files: int
    ignored_files: int
    instances: int
    unsupported: int  # (instance, method) pairs whose method does not support the type
    counts: dict[str, int] = field(default_factory=dict)  # instances per file
    types: dict[str, str] = field(default_factory=dict)  # problem type per file


def make_plan(directory: str | Path, methods: Sequence[str], seeds: Sequence[int],
              time_limit: float, options: Mapping[str, Mapping[str, Any]] | None = None,
              plugins: Sequence[str] = ()) -> Plan:
    """Every (instance, method, seed) task under ``directory`` (methods already resolved).

    >>> import tempfile, os
    >>> from problems import MIS
    >>> folder = tempfile.mkdtemp()
    >>> MIS.random(8, seed=0).write_dimacs(os.path.join(folder, "g.col"))
    >>> plan = make_plan(folder, ["exact", "ccg"], seeds=[0, 1], time_limit=5.0)
    >>> len(plan.tasks), plan.unsupported  # ccg solves only RobustKnapsack
    (2, 1)
    """
    from problems.load import count

    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory} is not a folder")
    files, ignored = _instance_files(directory)
    tasks, errors, counts, types, unsupported = [], [], {}, {}, 0
    for path in files:
        kind = None
        try:
            kind = problem_type_of(path)
            total = count(path)
        except Exception as error:  # a file no reader can count: an error row, not a crash
            errors.append((path.resolve(), describe_error(error), kind))
            continue
        counts[str(path.resolve())], types[str(path.resolve())] = total, kind
        able = [m for m in methods if kind in registry.get(m).types]
        unsupported += total * (len(methods) - len(able))
        for index in range(total):
            for method in able:
                method_options = tuple(sorted((options or {}).get(method, {}).items()))
                for seed in seeds:
                    tasks.append(Task(str(path.resolve()), index, method, seed, float(time_limit),
                                      method_options, tuple(plugins)))
    return Plan(tasks=tasks, file_errors=errors, files=len(files), ignored_files=ignored,
                instances=sum(counts.values()), unsupported=unsupported, counts=counts,
                types=types)


def _task_key(task: Task) -> Key:
    return (task.path, task.index, task.method, task.seed, float(task.time_limit),
            options_hash(dict(task.options)))


@dataclass
class BatchSummary:
    """Counts of a batch run (``text()`` is what ``nqco batch`` prints at the end)."""

    plan: Plan
    already_done: int
    ran: int
    statuses: Counter
    db: str

    def text(self) -> str:
        p = self.plan
        lines = [f"{p.instances} instance(s) in {p.files} file(s)"
                 + (f"; {p.ignored_files} other file(s) ignored" if p.ignored_files else ""),
                 f"{len(p.tasks)} task(s): {self.already_done} already in {self.db}, "
                 f"{self.ran} run now"]
        if p.unsupported:
            lines.append(f"{p.unsupported} (instance, method) pair(s) left out: the method "
                         "does not support the problem type")
        if p.file_errors:
            lines.append(f"{len(p.file_errors)} file(s) could not be read (recorded as errors)")
        if self.statuses:
            lines.append("this run: " + ", ".join(f"{n} {s}" for s, n in
                                                   sorted(self.statuses.items())))
        return "\n".join(lines)


def run_batch(directory: str | Path, methods: Sequence[str], *, db: str | Path,
              time_limit: float = 10.0, seeds: Sequence[int] = (0,), workers: int | None = None,
              executor: str = "local", grace: float = 10.0, startup: float = 120.0,
              ray_address: str | None = None,
              gpus_per_task: float = 0.0,
              options: Mapping[str, Mapping[str, Any]] | None = None,
              plugins: Sequence[str] = (), retry_failed: bool = False,
              progress: bool = True, verbose: bool = False) -> BatchSummary:
    """Run every missing (instance, method, seed) task under ``directory`` into ``db``.

    ``methods`` may contain ``all`` and ``demo``. ``options`` maps a method name to
    its keyword options. A task may take ``startup`` seconds to load its instance and
    import its method, then ``time_limit + grace`` seconds once the method is called;
    past either it is killed and recorded as ``timeout``. ``retry_failed`` runs again
    the tasks stored as ``error`` or ``timeout``. ``plugins`` are modules that register
    extra methods. ``progress`` shows a progress bar; ``verbose`` prints one line per
    finished task (``task_line``).

    >>> from problems import MIS
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> MIS.random(8, p=0.3, seed=0).write_dimacs(os.path.join(folder, "g.col"))
    >>> db = os.path.join(folder, "r.sqlite")
    >>> run_batch(folder, ["exact"], db=db, time_limit=5, progress=False).ran
    1
    >>> run_batch(folder, ["exact"], db=db, time_limit=5, progress=False).ran
    0
    """
    if not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit)
            and time_limit > 0):
        raise ValueError(f"time limit must be a positive number of seconds, got {time_limit!r}")
    seeds = list(seeds)
    if not seeds or any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of non-negative integers, got {seeds}")
    if executor not in ("local", "ray"):
        raise ValueError(f"executor must be 'local' or 'ray', got {executor!r}")
    import_plugins(plugins)
    methods = resolve_methods(methods)
    unknown = sorted(set(options or {}) - set(methods))
    if unknown:
        raise ValueError(f"options given for method(s) not in this batch: {', '.join(unknown)}")
    if executor == "ray":
        runner = RayExecutor(address=ray_address, num_cpus=workers, gpus_per_task=gpus_per_task,
                             grace=grace, startup=startup)
    else:
        if ray_address or gpus_per_task:
            raise ValueError("--ray-address and --gpus-per-task need --executor ray")
        runner = LocalExecutor(workers, grace=grace, startup=startup)
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory} is not a folder")
    statuses: Counter = Counter()
    with ResultStore(db) as store:
        best_known = BestKnown()
        plan = make_plan(directory, methods, seeds, time_limit, options, plugins)
        done = store.done_keys()
        if retry_failed:
            done -= store.failed_keys()
        _record_file_errors(store, plan, done, time_limit, statuses)
        todo = [t for t in plan.tasks if _task_key(t) not in done]
        already = len(plan.tasks) - len(todo)
        from tqdm import tqdm

        with tqdm(total=len(todo), unit="task", disable=not progress, file=sys.stderr,
                  dynamic_ncols=True, desc="nqco batch") as bar:
            facts: dict[tuple[str, int], dict] = {}

            def finished(task: Task, outcome: Outcome) -> None:
                record = _record(task, outcome, plan, best_known, facts)
                store.add(record)
                if verbose:
                    bar.write(task_line(record), file=sys.stderr)
                statuses[outcome.status] += 1
                bar.set_postfix(failed=statuses["error"] + statuses["timeout"], refresh=False)
                bar.update()

            runner.run(todo, finished)
    return BatchSummary(plan=plan, already_done=already, ran=len(todo), statuses=statuses,
                        db=str(db))


def task_line(record: Record) -> str:
    """One line about a finished task: instance, method, seed, status, objective, gap, time,
    and the reason when it has no result.

    >>> r = Record(instance_path="/d/g.col", instance_index=0, method="exact", seed=0,
    ...            time_limit=5.0, options={}, status="optimal", objective=24.0, feasible=True,
    ...            time_s=0.5, best_known=24.0, sense="max", instance_name="g")
    >>> task_line(r)
    'g  exact  seed 0  optimal  objective 24  gap 0.000 %  0.50 s'
    """
    name = record.instance_name or Path(record.instance_path).name
    parts = [name, record.method, f"seed {record.seed}", record.status]
    if record.objective is not None:
        parts.append(f"objective {record.objective:.10g}")
        percent = gap(record.objective, record.best_known, record.sense or "min")
        if percent is not None:
            parts.append(f"gap {percent:.3f} %")
    if record.time_s is not None:
        parts.append(f"{record.time_s:.2f} s")
    if record.error:
        parts.append(f"({record.error})")
    return "  ".join(parts)


def _record_file_errors(store: ResultStore, plan: Plan, done: set, time_limit: float,
                        statuses: Counter) -> None:
    for path, message, kind in plan.file_errors:
        record = Record(instance_path=str(path), instance_index=0, method=FILE_ERROR_METHOD,
                        seed=0, time_limit=float(time_limit), options={}, status="error",
                        objective=None, feasible=False, time_s=None, error=message,
                        problem_type=kind, instance_name=path.name)
        if record.key not in done:
            store.add(record)
            statuses["error"] += 1


def _record(task: Task, outcome: Outcome, plan: Plan, best_known: BestKnown,
            facts: dict[tuple[str, int], dict]) -> Record:
    """The store row of a task; instance facts a crashed task could not report are taken
    from another task on the same instance (``facts`` remembers them)."""
    names = ("problem_type", "sense", "size", "instance_name", "best_known")
    instance = (task.path, task.index)
    if outcome.size is not None:
        facts[instance] = {n: getattr(outcome, n) for n in names}
    elif instance in facts:
        outcome = replace(outcome, **facts[instance])
    path = Path(task.path)
    count = plan.counts.get(task.path, 1)
    best = best_known.lookup(path, task.index, count, outcome.instance_name)
    kind = outcome.problem_type or plan.types.get(task.path)
    return Record(instance_path=task.path, instance_index=task.index, method=task.method,
                  seed=task.seed, time_limit=task.time_limit, options=dict(task.options),
                  status=outcome.status, objective=outcome.objective, feasible=outcome.feasible,
                  time_s=outcome.time_s, solution=outcome.solution, trace=outcome.trace,
                  info=outcome.info, error=outcome.error,
                  best_known=best if best is not None else outcome.best_known,
                  problem_type=kind, sense=outcome.sense, size=outcome.size,
                  instance_name=outcome.instance_name, threads=(outcome.info or {}).get("threads"))
