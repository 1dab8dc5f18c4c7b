"""``nqco report``: tables and plots from a results store.

Per problem type: one row per (instance, method) with the mean objective over
seeds, the gap to the baseline method and to the best-known value, and the mean
time; then one summary row per method (mean and geometric-mean gap, wins / ties /
losses against the baseline, mean time). Plots: gap to best-known per method (box
plot), time against gap (scatter), anytime curves from each run's trace, and for TSP
the best tour found on one instance. Writes ``report.md`` with PNGs next to it and a
self-contained ``report.html`` (images embedded).

Gaps are in percent, positive = worse than the reference, as ``Result.gap_to``:
``100 (objective - reference) / |reference|`` for minimisation, the mirror for
maximisation. The geometric-mean gap is ``100 (exp(mean(log(1 + gap/100))) - 1)``
over the instances (instances where ``1 + gap/100 <= 0`` are left out of it).
"""

from __future__ import annotations

import base64
import html
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Sequence

from solvers.store import FILE_ERROR_METHOD, Record, ResultStore

TYPE_ORDER = ("TSP", "MDKP", "MIS", "QAP", "RobustKnapsack")
FAILED = ("error", "timeout", "infeasible", "no_solution")


def gap(objective: float | None, reference: float | None, sense: str) -> float | None:
    """Relative gap in percent of ``objective`` to ``reference`` (positive = worse).

    >>> gap(110.0, 100.0, "min"), gap(90.0, 100.0, "max"), gap(5.0, None, "min")
    (10.0, 10.0, None)
    """
    if objective is None or reference is None:
        return None
    if reference == 0:
        return 0.0 if objective == 0 else math.inf
    diff = objective - reference if sense == "min" else reference - objective
    return 100.0 * diff / abs(reference)


def geometric_mean_gap(gaps: Sequence[float]) -> float | None:
    """``100 (exp(mean(log(1 + g/100))) - 1)`` over the gaps where ``1 + g/100 > 0``.

    >>> round(geometric_mean_gap([0.0, 21.0]), 6)
    10.0
    """
    logs = [math.log1p(g / 100.0) for g in gaps if math.isfinite(g) and g > -100.0]
    return None if not logs else 100.0 * math.expm1(mean(logs))


def _num(value: float | None, digits: int = 6) -> str:
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

    def runs_text(self) -> str:
        failed = defaultdict(int)
        for r in self.runs:
            if not r.feasible:
                failed[r.status] += 1
        extra = ", ".join(f"{n} {s}" for s, n in sorted(failed.items()))
        return f"{len(self.objectives)}/{len(self.runs)}" + (f" ({extra})" if extra else "")


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


def _build_studies(records: Sequence[Record], baseline: str) -> list[Study]:
    """Group runs by problem type, instance and label (failed-file rows excluded)."""
    runs = [r for r in records if r.method != FILE_ERROR_METHOD and r.status != "skipped"]
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
    order = {t: k for k, t in enumerate(TYPE_ORDER)}
    return sorted(by_type.values(), key=lambda s: (order.get(s.problem_type, 99),
                                                   s.problem_type))


# --------------------------------------------------------------------------- tables

def _instance_table(study: Study) -> tuple[list[str], list[list[str]]]:
    """One row per (instance, method)."""
    headers = ["instance", "size", "best-known", f"baseline ({study.baseline or '-'})",
               "method", "objective", "gap to baseline %", "gap to best-known %", "time s",
               "feasible/runs"]
    rows = []
    for inst in study.instances:
        base = study.cell(inst, study.baseline).objective if study.baseline else None
        for label in study.labels:
            cell = study.cell(inst, label)
            if not cell.runs:
                continue
            rows.append([inst.name, _num(inst.size), _num(inst.best_known), _num(base), label,
                         _num(cell.objective), _pct(gap(cell.objective, base, inst.sense)),
                         _pct(gap(cell.objective, inst.best_known, inst.sense)),
                         _pct(cell.time), cell.runs_text()])
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


def _summary_table(study: Study) -> tuple[list[str], list[list[str]]]:
    """One row per method: gaps over instances, wins/ties/losses against the baseline."""
    headers = ["method", "instances", "mean gap to baseline %", "geo-mean gap to baseline %",
               "mean gap to best-known %", "geo-mean gap to best-known %",
               "wins/ties/losses vs baseline", "mean time s", "failed runs"]
    rows = []
    for label in study.labels:
        to_base, to_best, times, outcomes, failed, seen = [], [], [], defaultdict(int), 0, 0
        for inst in study.instances:
            cell = study.cell(inst, label)
            if not cell.runs:
                continue
            seen += 1
            failed += sum(not r.feasible for r in cell.runs)
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
                     wtl, _pct(mean(times) if times else None), str(failed)])
    return headers, rows


def _failure_table(records: Sequence[Record], limit: int = 50) -> tuple[list[str], list[list[str]]]:
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
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([row(headers), "|" + "---|" * len(headers)] + [row(r) for r in rows])


# --------------------------------------------------------------------------- plots

def _figure(count: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(3, count)
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.4 * rows), squeeze=False)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:count])


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _run_gaps(study: Study) -> tuple[dict[str, list[tuple[float, float]]], set[str]]:
    """Per label, (time, gap to reference) of every feasible run; and the references used."""
    points, kinds = defaultdict(list), set()
    for inst in study.instances:
        ref, kind = study.reference(inst)
        if ref is None:
            continue
        kinds.add(kind)
        for label in study.labels:
            for r in study.cell(inst, label).runs:
                g = gap(r.objective, ref, inst.sense) if r.feasible else None
                if g is not None and math.isfinite(g):
                    points[label].append((r.time_s or 0.0, g))
    return points, kinds


def _reference_name(kinds: set[str]) -> str:
    if len(kinds) == 1:
        return next(iter(kinds))
    return "best-known (else best found)"


def _plot_gap_boxes(studies: Sequence[Study], path: Path) -> Path:
    fig, axes = _figure(len(studies))
    for ax, study in zip(axes, studies):
        points, kinds = _run_gaps(study)
        labels = [lb for lb in study.labels if points.get(lb)]
        if labels:
            ax.boxplot([[g for _, g in points[lb]] for lb in labels])
            ax.set_xticks(range(1, len(labels) + 1), labels, rotation=30, ha="right",
                          fontsize=8)
        ax.set_title(f"{study.problem_type}: gap to {_reference_name(kinds)}", fontsize=9)
        ax.set_ylabel("gap %")
        ax.grid(alpha=0.3)
    return _save(fig, path)


def _colors(studies: Sequence[Study]) -> dict[str, str]:
    """One colour per method label, the same in every plot."""
    labels = list(dict.fromkeys(label for study in studies for label in study.labels))
    return {label: f"C{k % 10}" for k, label in enumerate(labels)}


def _plot_time_vs_gap(studies: Sequence[Study], path: Path) -> Path:
    fig, axes = _figure(len(studies))
    colors = _colors(studies)
    for ax, study in zip(axes, studies):
        points, kinds = _run_gaps(study)
        for label in study.labels:
            if points.get(label):
                times, gaps = zip(*points[label])
                ax.scatter([max(t, 1e-3) for t in times], gaps, s=14, alpha=0.7, label=label,
                           color=colors[label])
        _time_axis(ax)
        ax.set_ylabel(f"gap to {_reference_name(kinds)} %")
        ax.set_title(study.problem_type, fontsize=9)
        ax.grid(alpha=0.3)
        if points:
            ax.legend(fontsize=7)
    return _save(fig, path)


def _time_axis(ax) -> None:
    """Logarithmic time when the plotted times span more than a decade, else linear."""
    from matplotlib.ticker import NullFormatter

    low, high = ax.dataLim.intervalx
    if low > 0 and high / low > 10:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("time s")


def _anytime_instance(study: Study) -> Instance | None:
    traced = [i for i in study.instances
              if any(r.trace for lb in study.labels for r in study.cell(i, lb).runs)]
    return max(traced, key=lambda i: (i.size or 0, i.name)) if traced else None


def _plot_anytime(studies: Sequence[Study], path: Path) -> Path:
    fig, axes = _figure(len(studies))
    colors = _colors(studies)
    for ax, study in zip(axes, studies):
        inst = _anytime_instance(study)
        if inst is None:
            ax.set_title(f"{study.problem_type}: no traces", fontsize=9)
            continue
        ref, kind = study.reference(inst)
        for label in study.labels:
            traced = [r for r in study.cell(inst, label).runs if r.trace]
            for n, r in enumerate(traced):
                times = [max(t, 1e-3) for t, _ in r.trace]
                gaps = [gap(v, ref, inst.sense) for _, v in r.trace]
                ax.step(times + [max(times[-1], r.time_s or times[-1])], gaps + [gaps[-1]],
                        where="post", color=colors[label], alpha=0.8,
                        label=label if n == 0 else None)
        _time_axis(ax)
        ax.set_ylabel(f"gap to {kind} %")
        ax.set_title(f"{study.problem_type}: {inst.name} (size {_num(inst.size)})", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, path)


def _best_run(study: Study, inst: Instance) -> Record | None:
    runs = [r for lb in study.labels for r in study.cell(inst, lb).runs if r.feasible]
    if not runs:
        return None
    sign = 1.0 if inst.sense == "min" else -1.0
    return min(runs, key=lambda r: sign * r.objective)


def _plot_tour(study: Study, store: ResultStore, name: str | None, path: Path) -> Path | None:
    """Draw the best tour found on TSP instance ``name`` (default: the largest one solved)."""
    import numpy as np

    from problems import load

    candidates = [i for i in study.instances if _best_run(study, i) is not None]
    if name is not None:
        chosen = [i for i in study.instances if name in (i.name, Path(i.path).name,
                                                         Path(i.path).stem)]
        if not chosen:
            names = ", ".join(sorted(i.name for i in study.instances))
            raise ValueError(f"no TSP instance named {name!r} in the store; instances: {names}")
        candidates = [i for i in chosen if _best_run(study, i) is not None]
        if not candidates:
            raise ValueError(f"no feasible tour of {name!r} in the store")
    if not candidates:
        return None
    inst = max(candidates, key=lambda i: (i.size or 0, i.name))
    run = _best_run(study, inst)
    tour = store.solution(run.key)
    problem = load(inst.path, index=inst.index)
    if getattr(problem, "coords", None) is None:
        return None  # an explicit distance matrix: nothing to draw
    xy = np.asarray(problem.coords)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    closed = list(tour) + [tour[0]]
    ax.plot(xy[closed, 0], xy[closed, 1], "-", color="C0", linewidth=0.8)
    ax.plot(xy[:, 0], xy[:, 1], "o", color="C3", markersize=2.5)
    ax.set_aspect("equal")
    ax.set_title(f"{inst.name}: {run.method} seed {run.seed}, length {_num(run.objective)}",
                 fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return _save(fig, path)


# --------------------------------------------------------------------------- documents

@dataclass
class Report:
    """What ``write_report`` produced."""

    markdown: str
    tables_markdown: str
    files: list[Path]


def _render_markdown(blocks: list[tuple]) -> str:
    out = []
    for block in blocks:
        if block[0] == "h":
            out.append("#" * block[1] + " " + block[2])
        elif block[0] == "p":
            out.append(block[1])
        elif block[0] == "table":
            out.append(markdown_table(block[1], block[2]))
        elif block[0] == "img":
            out.append(f"![{block[2]}]({block[1].name})")
    return "\n\n".join(out) + "\n"


def _render_html(blocks: list[tuple], title: str) -> str:
    out = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
           "</title><style>body{font-family:sans-serif;max-width:80em;margin:auto}"
           "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;"
           "padding:2px 6px;text-align:right}td:first-child,th{text-align:left}"
           "img{max-width:100%}</style></head><body>"]
    for block in blocks:
        if block[0] == "h":
            out.append(f"<h{block[1]}>{html.escape(block[2])}</h{block[1]}>")
        elif block[0] == "p":
            out.append(f"<p>{html.escape(block[1]).replace('`', '')}</p>")
        elif block[0] == "table":
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block[1])
            body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row)
                           + "</tr>" for row in block[2])
            out.append(f"<table><tr>{head}</tr>{body}</table>")
        elif block[0] == "img":
            data = base64.b64encode(block[1].read_bytes()).decode()
            out.append(f"<p><img alt='{html.escape(block[2])}' "
                       f"src='data:image/png;base64,{data}'></p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(db: str | Path, *, baseline: str = "ortools", output: str | Path = "report",
                 tour_instance: str | None = None) -> Report:
    """Write ``report.md``, ``report.html`` and PNGs for the results store ``db`` into ``output``.

    >>> import tempfile, os
    >>> from solvers.batch import run_batch
    >>> from problems import MIS
    >>> folder = tempfile.mkdtemp()
    >>> MIS.random(8, p=0.3, seed=0).write_dimacs(os.path.join(folder, "g.col"))
    >>> db = os.path.join(folder, "r.sqlite")
    >>> _ = run_batch(folder, ["exact"], db=db, time_limit=5, progress=False)
    >>> report = write_report(db, baseline="exact", output=os.path.join(folder, "report"))
    >>> sorted(p.name for p in report.files)[:2]
    ['anytime.png', 'gap_to_best_known.png']
    """
    output = Path(output)
    with ResultStore(db, create=False) as store:
        records = store.records()
        if not records:
            raise ValueError(f"{db} holds no results")
        methods = sorted({r.method for r in records if r.method != FILE_ERROR_METHOD})
        if baseline not in methods:
            raise ValueError(f"baseline method {baseline!r} has no results in {db}; methods "
                             f"present: {', '.join(methods) or 'none'}")
        studies = _build_studies(records, baseline)
        output.mkdir(parents=True, exist_ok=True)
        blocks: list[tuple] = [("h", 1, "nqco report")]
        versions = sorted({r.nqco_version for r in records})
        hosts = sorted({r.host for r in records})
        blocks.append(("p", f"{len(records)} rows from `{Path(db).name}` (nqco "
                            f"{', '.join(versions)}; host {', '.join(hosts)}). Baseline: "
                            f"`{baseline}`. Objectives are means over seeds of the feasible runs; "
                            "gaps are percent, positive = worse than the reference. Every "
                            "objective was recomputed by the problem's own code. Times are means "
                            "over the feasible runs; per-method gaps average over the instances "
                            "where the method found a feasible solution (see failed runs and "
                            "losses for the rest)."))
        tables = []
        for study in studies:
            blocks.append(("h", 2, study.problem_type))
            if study.baseline is None:
                blocks.append(("p", f"No `{baseline}` runs for {study.problem_type}: "
                                    "gaps to baseline and wins/ties/losses are left blank."))
            for title, (headers, rows) in (("Per instance", _instance_table(study)),
                                           ("Per method", _summary_table(study))):
                blocks.append(("h", 3, f"{study.problem_type}: {title.lower()}"))
                blocks.append(("table", headers, rows))
                tables.append(f"## {study.problem_type}: {title.lower()}\n\n"
                              + markdown_table(headers, rows))
        files = []
        if studies:
            blocks.append(("h", 2, "Plots"))
            for name, plot, alt in (
                    ("gap_to_best_known.png", _plot_gap_boxes, "gap to best-known per method"),
                    ("time_vs_gap.png", _plot_time_vs_gap, "time against gap"),
                    ("anytime.png", _plot_anytime, "anytime curves")):
                files.append(plot(studies, output / name))
                blocks.append(("img", files[-1], alt))
            blocks.append(("p", "Where an instance has no best-known value the plots use the "
                                "best objective any method found on it."))
        tsp = [s for s in studies if s.problem_type == "TSP"]
        if tsp or tour_instance is not None:
            if not tsp:
                raise ValueError("--tour-instance given but the store holds no TSP results")
            tour = _plot_tour(tsp[0], store, tour_instance, output / "tour.png")
            if tour is not None:
                files.append(tour)
                blocks.append(("img", tour, "best tour"))
        skipped = Counter(r.method for r in records if r.status == "skipped")
        if skipped:
            counts = ", ".join(f"{m} {n}" for m, n in sorted(skipped.items()))
            blocks.append(("p", f"Runs skipped because the instance is larger than the method's "
                                f"declared maximum size: {counts}."))
        headers, rows = _failure_table(records)
        if rows:
            blocks.append(("h", 2, "Failures"))
            blocks.append(("table", headers, rows))
    markdown = _render_markdown(blocks)
    (output / "report.md").write_text(markdown)
    (output / "report.html").write_text(_render_html(blocks, "nqco report"))
    files = [output / "report.md", output / "report.html"] + files
    return Report(markdown=markdown, tables_markdown="\n\n".join(tables), files=files)
