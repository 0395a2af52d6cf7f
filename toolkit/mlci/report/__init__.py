"""The pull-request report: markdown comment (size-capped), HTML, JSON.

Core API:
    build_report(config, cwd, base_ref=None, *, baseline_file=None, links=None,
                 sections=(), max_chars=65536) -> Report   (.markdown, .gate_passed, ...)
    render_html(report, title="mlci report") -> str        (PNG plots when matplotlib is there)
"""

from mlci.report.build import Report, build_report, report_from_parts
from mlci.report.html import render_html
from mlci.report.links import ReportLinks
from mlci.report.markdown import ReportSection

__all__ = [
    "Report",
    "ReportLinks",
    "ReportSection",
    "build_report",
    "render_html",
    "report_from_parts",
]
