"""The report's data and tables: runs grouped by problem type, instance and method.

Per problem type: one row per (instance, method) with the mean objective over
seeds (the best of each instance marked), the gap to the baseline method and to the
best-known value, the mean time, the runs' status and, for runs without a solution,
the reason (skipped runs included); then one summary row per method (mean and
geometric-mean gap, wins / ties / losses against the baseline, mean time, failed and
skipped runs). A method's skipped instances (too large for it) count in none of its
gaps, wins or losses.

Gaps are in percent, positive = worse than the reference (``solvers.result.gap``, the
formula behind ``Result.gap_to``). The geometric-mean gap is
``100 (exp(mean(log(1 + gap/100))) - 1)`` over the instances (instances where
``1 + gap/100 <= 0`` are left out of it).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Sequence

from solvers.registry import PROBLEM_TYPES
from solvers.report.page import Best, cell_markdown
from solvers.result import gap
from solvers.runs.store import FILE_ERROR_METHOD, Record

FAILED = ("error", "timeout", "infeasible", "no_solution")


def geometric_mean_gap(gaps: Sequence[float]) -> float | None:
    """``100 (exp(mean(log(1 + g/100))) - 1)`` over the gaps where ``1 + g/100 > 0``.

    >>> round(geometric_mean_gap([0.0, 21.0]), 6)
    10.0
    """
    logs = [math.log1p(g / 100.0) for g in gaps if math.isfinite(g) and g > -100.0]
    return None if not logs else 100.0 * math.expm1(mean(logs))


def number_text(value: float | None, digits: int = 6) -> str:
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}" if abs(value) < 10 ** digits else f"{value:.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


# --------------------------------------------------------------------------- data

@dataclass
class Instance:
    path: str
    index: int
    name: str
    problem_type: str
    sense: str | None = None
    size: int | None = None
    best_known: float | None = None


@dataclass
class Cell:
    """The runs of one method (label) on one instance."""

    runs: list[Record] = field(default_factory=list)

    @property
    def objectives(self) -> list[float]:
        return [r.objective for r in self.runs if r.feasible]

    @property
    def objective(self) -> float | None:
        values = self.objectives
        return mean(values) if values else None

    @property
    def time(self) -> float | None:
        """Mean time of the feasible runs."""
        times = [r.time_s for r in self.runs if r.feasible and r.time_s is not None]
        return mean(times) if times else None

    @property
    def skipped(self) -> bool:
        """Every run was skipped (the instance is too large for the method)."""
        return bool(self.runs) and all(r.status == "skipped" for r in self.runs)

    def runs_text(self) -> str:
        failed = defaultdict(int)
        for r in self.runs:
            if not r.feasible:
                failed[r.status] += 1
        extra = ", ".join(f"{n} {s}" for s, n in sorted(failed.items()))
        return f"{len(self.objectives)}/{len(self.runs)}" + (f" ({extra})" if extra else "")

    def status(self) -> str:
        """The runs' status, or ``mixed`` when they differ."""
        statuses = {r.status for r in self.runs}
        return statuses.pop() if len(statuses) == 1 else "mixed"

    def note(self) -> str:
        """Why a run has no solution: the first reason recorded, on one line."""
        for r in self.runs:
            if not r.feasible:
                message = (r.error or (r.info or {}).get("violation") or "").strip()
                return message.splitlines()[0][:160] if message else r.status
        return ""


@dataclass
class Study:
    """Results of one problem type: instances × labels."""

    problem_type: str
    instances: list[Instance]
    labels: list[str]
    cells: dict[tuple[tuple[str, int], str], Cell]
    baseline: str | None

    def cell(self, instance: Instance, label: str) -> Cell:
        return self.cells.get(((instance.path, instance.index), label), Cell())

    def reference(self, instance: Instance) -> tuple[float | None, str]:
        """Best-known value, else the best objective any method found here."""
        if instance.best_known is not None:
            return instance.best_known, "best-known"
        found = [v for label in self.labels for v in self.cell(instance, label).objectives]
        if not found:
            return None, "best found"
        return (min(found) if instance.sense == "min" else max(found)), "best found"


def _labels(records: Sequence[Record]) -> dict[int, str]:
    """A label per record: the method name, plus the time limit / options where they vary."""
    configs = defaultdict(set)
    for r in records:
        configs[r.method].add((r.time_limit, _options_text(r.options)))
    labels = {}
    for position, r in enumerate(records):
        seen = configs[r.method]
        parts = []
        if len({t for t, _ in seen}) > 1:
            parts.append(f"t={r.time_limit:g}s")
        if len({o for _, o in seen}) > 1:
            parts.append(_options_text(r.options) or "defaults")
        labels[position] = r.method + (f" [{', '.join(parts)}]" if parts else "")
    return labels


def _options_text(options: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(options.items()))


def build_studies(records: Sequence[Record], baseline: str) -> list[Study]:
    """Group runs by problem type, instance and label (failed-file rows excluded)."""
    runs = [r for r in records if r.method != FILE_ERROR_METHOD]
    labels = _labels(runs)
    instances: dict[tuple[str, int], Instance] = {}
    for r in runs:
        key = (r.instance_path, r.instance_index)
        default_name = Path(r.instance_path).name + (f"#{r.instance_index}"
                                                     if r.instance_index else "")
        inst = instances.setdefault(key, Instance(r.instance_path, r.instance_index,
                                                  default_name, r.problem_type or "unknown"))
        if r.instance_name:
            inst.name = r.instance_name
        inst.sense = inst.sense or r.sense
        inst.size = inst.size if inst.size is not None else r.size
        inst.best_known = inst.best_known if inst.best_known is not None else r.best_known
        if r.problem_type:
            inst.problem_type = r.problem_type
    by_type: dict[str, Study] = {}
    for position, r in enumerate(runs):
        inst = instances[(r.instance_path, r.instance_index)]
        if inst.size is None:  # never loaded: listed among the failures only
            continue
        study = by_type.setdefault(inst.problem_type, Study(inst.problem_type, [], [], {}, None))
        if inst not in study.instances:
            study.instances.append(inst)
        label = labels[position]
        if label not in study.labels:
            study.labels.append(label)
        study.cells.setdefault(((inst.path, inst.index), label), Cell()).runs.append(r)
    for study in by_type.values():
        study.instances.sort(key=lambda i: (i.size or 0, i.name, i.index))
        base = sorted(lb for lb in study.labels if lb.split(" [")[0] == baseline)
        study.baseline = base[0] if base else None
        study.labels.sort(key=lambda lb: (lb != study.baseline, lb))
    order = {t: k for k, t in enumerate(PROBLEM_TYPES)}
    return sorted(by_type.values(), key=lambda s: (order.get(s.problem_type, 99),
                                                   s.problem_type))


# --------------------------------------------------------------------------- tables

def _best_objective(study: Study, inst: Instance) -> float | None:
    values = [study.cell(inst, label).objective for label in study.labels]
    values = [v for v in values if v is not None]
    if not values:
        return None
    return min(values) if inst.sense == "min" else max(values)


def instance_table(study: Study) -> tuple[list[str], list[list]]:
    """One row per (instance, method); the best objective of each instance is a ``Best``."""
    headers = ["instance", "size", "best-known", f"baseline ({study.baseline or '-'})",
               "method", "objective", "gap to baseline %", "gap to best-known %", "time s",
               "feasible/runs", "status", "note"]
    rows = []
    for inst in study.instances:
        base = study.cell(inst, study.baseline).objective if study.baseline else None
        best = _best_objective(study, inst)
        for label in study.labels:
            cell = study.cell(inst, label)
            if not cell.runs:
                continue
            objective = number_text(cell.objective)
            if cell.objective is not None and math.isclose(cell.objective, best, rel_tol=1e-9,
                                                           abs_tol=1e-9):
                objective = Best(objective)
            rows.append([inst.name, number_text(inst.size), number_text(inst.best_known),
                         number_text(base), label, objective,
                         _pct(gap(cell.objective, base, inst.sense)),
                         _pct(gap(cell.objective, inst.best_known, inst.sense)),
                         _pct(cell.time), cell.runs_text(), cell.status(), cell.note()])
    return headers, rows


def _compare(value: float | None, base: float | None, sense: str) -> str | None:
    if value is None and base is None:
        return None
    if value is None:
        return "loss"
    if base is None:
        return "win"
    if math.isclose(value, base, rel_tol=1e-9, abs_tol=1e-9):
        return "tie"
    better = value < base if sense == "min" else value > base
    return "win" if better else "loss"


def summary_table(study: Study) -> tuple[list[str], list[list[str]]]:
    """One row per method: gaps over instances, wins/ties/losses against the baseline."""
    headers = ["method", "instances", "mean gap to baseline %", "geo-mean gap to baseline %",
               "mean gap to best-known %", "geo-mean gap to best-known %",
               "wins/ties/losses vs baseline", "mean time s", "failed runs", "skipped runs"]
    rows = []
    for label in study.labels:
        to_base, to_best, times, outcomes = [], [], [], defaultdict(int)
        failed = skipped = seen = 0
        for inst in study.instances:
            cell = study.cell(inst, label)
            if cell.skipped:
                skipped += len(cell.runs)
            if not cell.runs or cell.skipped:
                continue
            seen += 1
            failed += sum(r.status in FAILED for r in cell.runs)
            if cell.time is not None:
                times.append(cell.time)
            base = study.cell(inst, study.baseline).objective if study.baseline else None
            for values, ref in ((to_base, base), (to_best, inst.best_known)):
                g = gap(cell.objective, ref, inst.sense)
                if g is not None:
                    values.append(g)
            if study.baseline and label != study.baseline:
                verdict = _compare(cell.objective, base, inst.sense)
                if verdict:
                    outcomes[verdict] += 1
        wtl = ("-" if label == study.baseline or not study.baseline else
               f"{outcomes['win']}/{outcomes['tie']}/{outcomes['loss']}")
        rows.append([label, str(seen), _pct(mean(to_base) if to_base else None),
                     _pct(geometric_mean_gap(to_base)),
                     _pct(mean(to_best) if to_best else None), _pct(geometric_mean_gap(to_best)),
                     wtl, _pct(mean(times) if times else None), str(failed), str(skipped)])
    return headers, rows


def failure_table(records: Sequence[Record], limit: int = 50) -> tuple[list[str], list[list[str]]]:
    """Runs and files that produced no feasible solution, with the reason."""
    headers = ["file", "index", "method", "seed", "status", "message"]
    rows = []
    for r in records:
        if r.status not in FAILED:
            continue
        message = r.error or (r.info or {}).get("violation") or ""
        message = message.strip().splitlines()[0] if message.strip() else ""
        rows.append([Path(r.instance_path).name, str(r.instance_index), r.method, str(r.seed),
                     r.status, message[:200]])
    if len(rows) > limit:
        rows = rows[:limit] + [["...", "", "", "", "", f"{len(rows) - limit} more"]]
    return headers, rows


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table.

    >>> print(markdown_table(["a", "b"], [["1", "x|y"]]))
    | a | b |
    |---|---|
    | 1 | x\\|y |
    """
    def row(cells):
        return "| " + " | ".join(cell_markdown(c) for c in cells) + " |"

    return "\n".join([row(headers), "|" + "---|" * len(headers)] + [row(r) for r in rows])
