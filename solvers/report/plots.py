"""The report's plots (matplotlib, imported only when a plot is drawn): gap to best-known per
method (box and points on an axis clipped so that one outlier cannot flatten the rest; the
outliers marked with their value), performance profiles, time against gap, anytime curves of
every method from each run's trace, and for TSP the best tour found on one instance. Where an
instance has no best-known value they use the best objective any method found on it.

One convention for time: logarithmic seconds on every time axis, times under
``EARLIEST_SECONDS`` drawn at it; gap axes of time plots are symmetric-logarithmic (linear
within 0.1 %), so that large and small gaps both show.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from solvers.report.figures import plot_gap_strips, plot_performance_profile
from solvers.report.tables import Instance, Study, number_text
from solvers.report.trace import EARLIEST_SECONDS
from solvers.result import gap
from solvers.runs.store import Record, ResultStore


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


def plot_gap_boxes(studies: Sequence[Study], path: Path) -> Path:
    fig, axes = _figure(len(studies))
    colors = _colors(studies)
    for ax, study in zip(axes, studies):
        points, kinds = _run_gaps(study)
        gaps = {lb: [g for _, g in points[lb]] for lb in study.labels if points.get(lb)}
        plot_gap_strips(ax, gaps, colors, _reference_name(kinds))
        ax.set_title(f"{study.problem_type}: gap to {_reference_name(kinds)}", fontsize=9)
    return _save(fig, path)


def _instance_gaps(study: Study) -> tuple[dict[str, list[float | None]], set[str]]:
    """Per label, the gap of its mean objective on each instance it ran on (None: no feasible
    run); instances it skipped are left out."""
    gaps, kinds = defaultdict(list), set()
    for inst in study.instances:
        ref, kind = study.reference(inst)
        if ref is None:
            continue
        kinds.add(kind)
        for label in study.labels:
            cell = study.cell(inst, label)
            if cell.runs and not cell.skipped:
                gaps[label].append(gap(cell.objective, ref, inst.sense))
    return gaps, kinds


def plot_profiles(studies: Sequence[Study], path: Path) -> Path:
    """Performance profile per problem type; the legend gives each method's instance count."""
    fig, axes = _figure(len(studies))
    colors = _colors(studies)
    for ax, study in zip(axes, studies):
        gaps, kinds = _instance_gaps(study)
        named = {f"{label} ({len(values)})": values for label, values in gaps.items()}
        plot_performance_profile(ax, named, {f"{label} ({len(values)})": colors[label]
                                             for label, values in gaps.items()},
                                 _reference_name(kinds))
        ax.set_title(f"{study.problem_type}: share of instances within x % "
                     f"of {_reference_name(kinds)}", fontsize=9)
    return _save(fig, path)


def _colors(studies: Sequence[Study]) -> dict[str, str]:
    """One colour per method label, the same in every plot."""
    labels = list(dict.fromkeys(label for study in studies for label in study.labels))
    return {label: f"C{k % 10}" for k, label in enumerate(labels)}


def plot_time_vs_gap(studies: Sequence[Study], path: Path) -> Path:
    fig, axes = _figure(len(studies))
    colors = _colors(studies)
    for ax, study in zip(axes, studies):
        points, kinds = _run_gaps(study)
        for label in study.labels:
            if points.get(label):
                times, gaps = zip(*points[label])
                ax.scatter([max(t, EARLIEST_SECONDS) for t in times], gaps, s=14, alpha=0.7,
                           label=label, color=colors[label])
        _time_axis(ax)
        _gap_axis(ax, f"gap to {_reference_name(kinds)} %")
        ax.set_title(study.problem_type, fontsize=9)
        ax.grid(alpha=0.3)
        if points:
            ax.legend(fontsize=7)
    return _save(fig, path)


def _time_axis(ax) -> None:
    """The one time convention: logarithmic seconds."""
    ax.set_xscale("log")
    ax.set_xlabel("seconds (log scale)")


def _gap_axis(ax, label: str) -> None:
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_ylabel(label + " (symlog)")
    if ax.dataLim.y0 >= 0:  # no negative gaps: no empty negative half
        ax.set_ylim(bottom=0)


def _anytime_instance(study: Study) -> Instance | None:
    """The instance where the most methods recorded traces (the largest of those)."""
    def traced(inst: Instance) -> int:
        return sum(any(r.trace for r in study.cell(inst, lb).runs) for lb in study.labels)

    candidates = [i for i in study.instances if traced(i)]
    return max(candidates, key=lambda i: (traced(i), i.size or 0, i.name)) if candidates else None


def plot_anytime(studies: Sequence[Study], path: Path) -> Path:
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
                times = [max(t, EARLIEST_SECONDS) for t, _ in r.trace]
                gaps = [gap(v, ref, inst.sense) for _, v in r.trace]
                ax.step(times + [max(times[-1], r.time_s or times[-1])], gaps + [gaps[-1]],
                        where="post", color=colors[label], alpha=0.8,
                        label=label if n == 0 else None)
                ax.plot(times, gaps, "o", markersize=3, color=colors[label], alpha=0.8)
        _time_axis(ax)
        _gap_axis(ax, f"gap to {kind} %")
        ax.set_title(f"{study.problem_type}: {inst.name} (size {number_text(inst.size)})",
                     fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, path)


def _best_run(study: Study, inst: Instance) -> Record | None:
    runs = [r for lb in study.labels for r in study.cell(inst, lb).runs if r.feasible]
    if not runs:
        return None
    sign = 1.0 if inst.sense == "min" else -1.0
    return min(runs, key=lambda r: sign * r.objective)


def plot_tour(study: Study, store: ResultStore, name: str | None, path: Path) -> Path | None:
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
    ax.set_title(f"{inst.name}: {run.method} seed {run.seed}, length {number_text(run.objective)}",
                 fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return _save(fig, path)
