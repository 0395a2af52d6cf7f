"""A standalone HTML report: one file, images embedded as base64 PNG.

The page is the jinja2 template `templates/report.html.j2` (autoescaped); its body is
the HTML fragment of each section of `mlci.report.sections`, in order. Fragments are
built here with `html.escape` on every value (`table`, `para`), so a metric or column
named `<script>` shows as text.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from mlci.data.quality import QualityReport
from mlci.metrics.render import VERDICT_TEXT, format_value, table_rows
from mlci.report.links import ReportLinks
from mlci.report.parts import ReportInputs, ReportSection

if TYPE_CHECKING:
    from mlci.report.build import Report


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[str] | None = None
) -> str:
    """An HTML table of plain-text cells (escaped); `classes` gives each body row a class."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        css = f' class="{escape(classes[i])}"' if classes and classes[i] else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def para(text: str, css: str = "") -> str:
    """A paragraph of plain text (escaped)."""
    return f'<p class="{escape(css)}">{escape(text)}</p>' if css else f"<p>{escape(text)}</p>"


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{escape(text)}</h{level}>"


# -- section renderers (registered in mlci.report.sections) ------------------------------
def summary_html(inputs: ReportInputs) -> str:
    # The same verdict the markdown headline states (`ReportInputs.verdict`).
    verdict = inputs.verdict
    css = {"failed": "fail", "passed": "pass"}.get(verdict.state, "")
    parts = [
        f'<p class="{css}"><strong>{escape(f"{verdict.icon} {verdict.sentence()}")}</strong></p>',
        para(f"Baseline: {inputs.baseline.description}"),
    ]
    if not inputs.baseline.found:
        parts.append(para("Metrics are shown without a comparison; see the gates for baselines."))
    parts += [para(error, "fail") for error in inputs.errors]
    return "\n".join(parts)


def gates_html(inputs: ReportInputs) -> str:
    precision = inputs.precision
    rows = [
        [
            r.metric,
            r.rule,
            "-" if r.threshold is None else format_value(r.threshold, precision),
            format_value(r.value, precision),
            r.status,
            r.message,
        ]
        for r in inputs.gates.results
    ]
    header = ["Metric", "Gate", "Threshold", "Value", "Result", "Detail"]
    return heading("Gates") + table(header, rows, [r.status for r in inputs.gates.results])


def metrics_html(inputs: ReportInputs) -> str:
    header, rows = table_rows(
        inputs.metrics, precision=inputs.precision, show_all=True, marks=VERDICT_TEXT
    )
    return heading("Metrics") + table(header, rows, [r[-1] for r in rows])


def params_html(inputs: ReportInputs) -> str:
    header, rows = table_rows(inputs.params, precision=inputs.precision, marks=VERDICT_TEXT)
    return heading("Params") + (table(header, rows) if rows else para("No params changed."))


def plots_html(inputs: ReportInputs) -> str:
    from mlci.report.png import plot_pngs

    parts = [heading("Plots")]
    images = plot_pngs(inputs.plots, inputs.base_label)
    if not images:
        parts.append("<p>Install <code>mlci[report]</code> (matplotlib) for images.</p>")
    for pair in inputs.plots:
        parts.append(heading(pair.title, 3))
        if pair.error:
            parts.append(para(pair.error, "fail"))
        elif pair.path in images:
            data = base64.b64encode(images[pair.path]).decode("ascii")
            parts.append(f'<img alt="{escape(pair.title)}" src="data:image/png;base64,{data}">')
    return "\n".join(parts)


def lineage_html(inputs: ReportInputs) -> str:
    rows = []
    model = inputs.model
    # A model file that is not there is shown only when the training should have written it.
    if model is not None and (model.sha256 is not None or inputs.missing_model):
        rows.append(["model", model.path, model.sha256 or "missing", str(model.size)])
    rows += [["data", d.path, d.sha256 or "missing", str(d.size)] for d in inputs.shown_data]
    body = table(["Kind", "Path", "SHA-256", "Bytes"], rows) if rows else para("None.")
    if inputs.missing_model:
        body += para(
            f"The training did not write the model {inputs.missing_model} "
            "(train.model in mlci.yaml).",
            "fail",
        )
    return heading("Data and lineage") + body


def data_check_html(reports: Sequence[QualityReport]) -> str:
    passed = all(r.passed for r in reports)
    parts = [heading(f"Data checks {'passed' if passed else 'failed'}")]
    for report in reports:
        verdict = "passed" if report.passed else f"{report.failed_checks} failed"
        parts.append(
            para(
                f"{report.path}: {report.rows} rows, {len(report.columns)} columns, "
                f"{report.checks} checks, {verdict}",
                "pass" if report.passed else "fail",
            )
        )
        if report.failures:
            rows = [
                [
                    f.column if f.column is not None else "(file)",
                    f.check,
                    str(f.count),
                    f.message,
                    ", ".join(f.sample),
                    ", ".join(map(str, f.rows)),
                ]
                for f in report.failures
            ]
            header = ["Column", "Check", "Failing", "Problem", "Sample values", "Rows"]
            parts.append(table(header, rows))
    return "\n".join(parts)


def extra_html(sections: Sequence[ReportSection]) -> str:
    """Sections given as finished markdown: shown as their text."""
    return "\n".join(
        heading(s.title) + f"<pre>{escape(s.markdown.strip())}</pre>" for s in sections
    )


def links_html(links: ReportLinks) -> str:
    items = [f'<li><a href="{escape(url)}">{escape(name)}</a></li>' for name, url in links.named()]
    return heading("Links") + "<ul>" + "".join(items) + "</ul>"


def render_html(report: Report, title: str = "mlci report") -> str:
    """The whole report as one HTML page; plots as PNG when matplotlib is installed."""
    from mlci.report.pages import render_page

    sections = [{"name": s.name, "html": s.to_html()} for s in report.sections]
    return render_page("report.html.j2", title=title, sections=sections)
