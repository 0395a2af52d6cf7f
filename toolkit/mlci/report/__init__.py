"""The pull-request report: markdown comment (size-capped), HTML, JSON.

Core API:
    build_report(config, cwd, base_ref=None, *, baseline_file=None, links=None,
                 sections=(), data_check=None, max_chars=65536) -> Report
    render_html(report, title="mlci report") -> str        (PNG plots when matplotlib is there)

Both the comment and the HTML page are rendered from one ordered list of sections,
`mlci.report.sections.SECTIONS`; its docstring says how to add one.
"""

from mlci.report.build import Report, build_report, report_from_parts
from mlci.report.html import render_html
from mlci.report.links import ReportLinks
from mlci.report.parts import ReportInputs, ReportSection
from mlci.report.sections import SECTIONS, BuiltSection, Section

__all__ = [
    "SECTIONS",
    "BuiltSection",
    "Report",
    "ReportInputs",
    "ReportLinks",
    "ReportSection",
    "Section",
    "build_report",
    "render_html",
    "report_from_parts",
]
