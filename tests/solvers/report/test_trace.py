"""The anytime curve: every trace shows, a single point included."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from solvers.report.trace import plot_trace, step_points  # noqa: E402
from solvers.result import Result  # noqa: E402


def _result(trace, time_s=2.0):
    return Result(solution=[0], objective=trace[-1][1], feasible=True, status="feasible",
                  time_s=time_s, method="m", seed=0, problem="p", sense="min", trace=trace)


def test_a_single_point_trace_is_drawn_flat_to_the_end_of_the_run(tmp_path):
    figure, ax = plt.subplots()
    plot_trace(_result(((0.5, 10.0),)), ax=ax, best_known=9.0)
    curve = ax.lines[0]
    assert list(curve.get_xdata()) == [0.5, 2.0] and list(curve.get_ydata()) == [10.0, 10.0]
    figure.savefig(tmp_path / "t.png")
    plt.close(figure)
    assert (tmp_path / "t.png").stat().st_size > 5000


def test_times_before_a_millisecond_are_drawn_at_it_on_the_log_axis():
    seconds, values = step_points([(0.0, 3.0), (0.01, 2.0)], end=0.01)
    assert seconds == [0.001, 0.01] and values == [3.0, 2.0]
