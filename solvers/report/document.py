"""``nqco report``: ``report.md`` with PNGs next to it and a self-contained ``report.html``
(images embedded), written from a results store by ``write_report``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from solvers.report.page import render_html
from solvers.report.plots import (plot_anytime, plot_gap_boxes, plot_profiles, plot_time_vs_gap,
                                  plot_tour)
from solvers.report.tables import (build_studies, failure_table, instance_table, markdown_table,
                                   summary_table)
from solvers.runs.store import FILE_ERROR_METHOD, ResultStore


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


def write_report(db: str | Path, *, baseline: str = "ortools", output: str | Path = "report",
                 tour_instance: str | None = None) -> Report:
    """Write ``report.md``, ``report.html`` and PNGs for the results store ``db`` into ``output``.

    >>> import tempfile, os
    >>> from solvers.runs.batch import run_batch
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
        studies = build_studies(records, baseline)
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
                            "losses for the rest). The best objective of each instance is in "
                            "bold. Runs a method skipped (the instance is larger than it "
                            "takes) are listed with the reason and count in none of its gaps."))
        tables = []
        for study in studies:
            blocks.append(("h", 2, study.problem_type))
            if study.baseline is None:
                blocks.append(("p", f"No `{baseline}` runs for {study.problem_type}: "
                                    "gaps to baseline and wins/ties/losses are left blank."))
            for title, (headers, rows) in (("Per instance", instance_table(study)),
                                           ("Per method", summary_table(study))):
                blocks.append(("h", 3, f"{study.problem_type}: {title.lower()}"))
                blocks.append(("table", headers, rows))
                tables.append(f"## {study.problem_type}: {title.lower()}\n\n"
                              + markdown_table(headers, rows))
        files = []
        if studies:
            blocks.append(("h", 2, "Plots"))
            for name, plot, alt in (
                    ("gap_to_best_known.png", plot_gap_boxes,
                     "gap to best-known per method (axis clipped at Q3 + 3 IQR; ▲ marks runs "
                     "beyond, with their gap)"),
                    ("performance_profile.png", plot_profiles,
                     "performance profile: share of the instances each method ran on that it "
                     "solved within x % of the reference (failed runs never count)"),
                    ("time_vs_gap.png", plot_time_vs_gap, "time against gap, every run"),
                    ("anytime.png", plot_anytime,
                     "anytime curves: every method's improvements over time on the instance "
                     "most methods traced")):
                files.append(plot(studies, output / name))
                blocks.append(("img", files[-1], alt))
            blocks.append(("p", "Where an instance has no best-known value the plots use the "
                                "best objective any method found on it. Time axes are "
                                "logarithmic seconds everywhere."))
        tsp = [s for s in studies if s.problem_type == "TSP"]
        if tsp or tour_instance is not None:
            if not tsp:
                raise ValueError("--tour-instance given but the store holds no TSP results")
            tour = plot_tour(tsp[0], store, tour_instance, output / "tour.png")
            if tour is not None:
                files.append(tour)
                blocks.append(("img", tour, "best tour"))
        skipped = Counter(r.method for r in records if r.status == "skipped")
        if skipped:
            counts = ", ".join(f"{m} {n}" for m, n in sorted(skipped.items()))
            blocks.append(("p", f"Runs skipped because the instance is larger than the method's "
                                f"declared maximum size: {counts}."))
        headers, rows = failure_table(records)
        if rows:
            blocks.append(("h", 2, "Failures"))
            blocks.append(("table", headers, rows))
    markdown = _render_markdown(blocks)
    (output / "report.md").write_text(markdown)
    (output / "report.html").write_text(render_html(blocks, "nqco report"))
    files = [output / "report.md", output / "report.html"] + files
    return Report(markdown=markdown, tables_markdown="\n\n".join(tables), files=files)
