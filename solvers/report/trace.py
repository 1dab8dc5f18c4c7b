"""The anytime curve of a run: the best objective found so far against time.

Time axes in nqco's pictures are logarithmic seconds (runs span milliseconds to minutes);
points earlier than ``EARLIEST_SECONDS`` are drawn at it.
"""

from __future__ import annotations

EARLIEST_SECONDS = 1e-3


def step_points(trace, end: float | None = None) -> tuple[list[float], list[float]]:
    """(seconds, values) of a trace, extended flat to ``end`` so that a single point shows.

    >>> step_points([(0.0, 5.0), (0.5, 4.0)], end=2.0)
    ([0.001, 0.5, 2.0], [5.0, 4.0, 4.0])
    """
    seconds = [max(float(t), EARLIEST_SECONDS) for t, _ in trace]
    values = [float(v) for _, v in trace]
    if seconds and end is not None and end > seconds[-1]:
        seconds.append(float(end))
        values.append(values[-1])
    return seconds, values


def plot_trace(result, ax=None, best_known: float | None = None, label: str | None = None):
    """Draw the improvements of ``result`` (a ``Result``) as a step curve; returns the axes.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from problems import MIS
    >>> from solvers import solve
    >>> ax = plot_trace(solve(MIS.random(10, p=0.3, seed=0), "exact"), best_known=5)
    >>> ax.get_xscale()
    'log'
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.5))
    seconds, values = step_points(result.trace, end=result.time_s)
    if seconds:
        ax.step(seconds, values, where="post", label=label or result.method)
        ax.plot(seconds[:len(result.trace)], values[:len(result.trace)], "o", markersize=3,
                color=ax.lines[-1].get_color())
    if best_known is not None:
        ax.axhline(best_known, color="black", linestyle="--", linewidth=0.8, label="best known")
    ax.set_xscale("log")
    ax.set_xlabel("seconds (log scale)")
    ax.set_ylabel(f"objective ({'lower' if result.sense == 'min' else 'higher'} is better)")
    ax.set_title(f"{result.problem}: {result.method} over time", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return ax
