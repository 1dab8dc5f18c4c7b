"""``nqco report``: tables (``tables``), plots (``plots``) and the written document
(``document.write_report``) from a results store."""

from solvers.report.document import Report, write_report

__all__ = ["Report", "write_report"]
