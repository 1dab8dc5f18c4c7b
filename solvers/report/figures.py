"""Report figures that stay readable when one method is far off: clipped gap strips with the
outliers marked, and performance profiles.

A performance profile (Dolan and Moré, 2002, here over gaps instead of time ratios) plots, for
each method, the share of instances it solved within ``x`` % of the reference value, for every
``x``: the higher and further left a curve, the better; a run that failed or was skipped never
counts as within any ``x``.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

FENCE = 3.0  # the gap axis ends at Q3 + FENCE·IQR of the plotted gaps (Tukey's far-out fence)
SMALLEST_GAP = 1e-3  # percent; gaps at or below it are drawn at it on the profile's log axis


def clip_limit(gaps: Sequence[float]) -> float:
    """Upper end of a gap axis: Tukey's far-out fence ``Q3 + 3 IQR`` (at least 1 %), or the
    largest gap when that is smaller.

    >>> clip_limit([0.0, 0.5, 1.0, 2.0, 255.0])
    6.5
    >>> clip_limit([0.0, 0.2])
    0.2
    """
    finite = np.array([g for g in gaps if math.isfinite(g)], dtype=float)
    if finite.size == 0:
        return 1.0
    top = float(finite.max())
    q1, q3 = np.quantile(finite, [0.25, 0.75])
    limit = max(float(q3 + FENCE * (q3 - q1)), 1.0)
    return top if top <= limit else limit


def plot_gap_strips(ax, gaps: Mapping[str, Sequence[float]], colors: Mapping[str, str],
                    reference: str) -> list[tuple[str, float]]:
    """One box and strip of points per method on a clipped axis; points past the clip are drawn
    as triangles on the top edge with their value written beside. Returns those outliers.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> plot_gap_strips(ax, {"a": [0.1, 0.2, 0.3], "b": [0.4, 0.5, 255.0]}, {"a": "C0", "b": "C1"},
    ...                 "best-known")
    [('b', 255.0)]
    """
    labels = [label for label in gaps if len(gaps[label])]
    every = [g for label in labels for g in gaps[label]]
    limit = clip_limit(every)
    low = min([0.0] + [g for g in every if math.isfinite(g)])
    outliers = []
    rng = np.random.default_rng(0)
    for position, label in enumerate(labels, start=1):
        values = np.array(gaps[label], dtype=float)
        inside = values[values <= limit]
        if inside.size:
            ax.boxplot([inside], positions=[position], widths=0.5, showfliers=False)
            jitter = position + rng.uniform(-0.15, 0.15, inside.size)
            ax.scatter(jitter, inside, s=10, alpha=0.7, color=colors[label], zorder=3)
        for value in values[values > limit]:
            outliers.append((label, float(value)))
            ax.scatter([position], [limit], marker="^", s=40, color=colors[label], zorder=4,
                       clip_on=False)
            ax.annotate(f"{value:.3g} %", (position, limit), xytext=(4, -10),
                        textcoords="offset points", fontsize=7, color=colors[label])
    ax.set_xticks(range(1, len(labels) + 1), labels, rotation=30, ha="right", fontsize=8)
    span = (limit - low) or 1.0
    ax.set_ylim(low - 0.05 * span, limit + 0.02 * span if outliers else limit + 0.08 * span)
    ax.set_ylabel(f"gap to {reference} %" + (" (axis clipped, ▲ = beyond)" if outliers else ""),
                  fontsize=8)
    ax.grid(alpha=0.3)
    return outliers


def performance_profile(gaps: Mapping[str, Sequence[float | None]],
                        thresholds: Sequence[float]) -> dict[str, list[float]]:
    """Per method, the share of instances whose gap is at most each threshold (``None``: the
    method has no feasible solution on that instance and counts as never within).

    >>> performance_profile({"a": [0.0, 2.0, None, 10.0]}, [0.0, 5.0, 50.0])
    {'a': [0.25, 0.5, 0.75]}
    """
    profile = {}
    for label, values in gaps.items():
        count = len(values)
        profile[label] = [sum(1 for g in values if g is not None and g <= x + 1e-12) / count
                          if count else 0.0 for x in thresholds]
    return profile


def plot_performance_profile(ax, gaps: Mapping[str, Sequence[float | None]],
                             colors: Mapping[str, str], reference: str) -> None:
    """Draw ``performance_profile`` as step curves over a logarithmic gap axis.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> plot_performance_profile(ax, {"a": [0.0, 3.0], "b": [1.0, None]}, {"a": "C0", "b": "C1"},
    ...                          "best-known")
    >>> len(ax.lines)
    2
    """
    finite = [g for values in gaps.values() for g in values if g is not None and math.isfinite(g)]
    top = max([SMALLEST_GAP * 10] + [max(g, SMALLEST_GAP) for g in finite]) * 1.5
    thresholds = np.concatenate([[SMALLEST_GAP], np.geomspace(SMALLEST_GAP, top, 200)])
    clipped = {label: [None if g is None else max(g, SMALLEST_GAP) for g in values]
               for label, values in gaps.items()}
    for label, shares in performance_profile(clipped, thresholds).items():
        ax.step(thresholds, shares, where="post", color=colors[label], label=label)
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"gap to {reference} % (log; ≤ {SMALLEST_GAP:g} % drawn at {SMALLEST_GAP:g})",
                  fontsize=8)
    ax.set_ylabel("share of instances within the gap", fontsize=8)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower right")
