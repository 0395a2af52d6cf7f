"""A standalone HTML report: one file, images embedded as base64 PNG."""

from __future__ import annotations

import base64
from html import escape

from mlci.metrics.render import VERDICT_TEXT, table_rows
from mlci.report.build import Report
from mlci.report.png import plot_pngs

_STYLE = """
body{font:14px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d0d7de;padding:4px 8px}
th{background:#f6f8fa}.better{color:#1a7f37}.worse{color:#cf222e}.fail{color:#cf222e}
.pass{color:#1a7f37}.skip{color:#656d76}img{max-width:100%}code{background:#f6f8fa}
"""


def _table(header: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        css = f' class="{classes[i]}"' if classes and classes[i] else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(report: Report, title: str = "mlci report") -> str:
    """The whole report as one HTML page; plots as PNG when matplotlib is installed."""
    precision = 4
    parts = [f"<h1>{escape(title)}</h1>"]
    verdict = "passed" if report.gate_passed else "failed"
    failed = ", ".join(report.gates.failed_metrics)
    parts.append(
        f'<p class="{"pass" if report.gate_passed else "fail"}"><strong>Gates {verdict}'
        f"{': ' + escape(failed) if failed else ''}</strong></p>"
    )
    parts.append(f"<p>Baseline: {escape(report.baseline.description)}</p>")
    for error in report.errors:
        parts.append(f'<p class="fail">{escape(error)}</p>')
    if report.gates.results:
        parts.append("<h2>Gates</h2>")
        rows = [
            [r.metric, r.rule, str(r.threshold), str(r.value), r.status, r.message]
            for r in report.gates.results
        ]
        parts.append(
            _table(
                ["Metric", "Gate", "Threshold", "Value", "Result", "Detail"],
                rows,
                [r.status for r in report.gates.results],
            )
        )
    parts.append("<h2>Metrics</h2>")
    header, rows = table_rows(
        report.metrics, precision=precision, show_all=True, marks=VERDICT_TEXT
    )
    parts.append(_table(header, rows, [r[-1] for r in rows]))
    parts.append("<h2>Params</h2>")
    header, rows = table_rows(report.params, precision=precision, marks=VERDICT_TEXT)
    parts.append(_table(header, rows) if rows else "<p>No params changed.</p>")
    if report.plots:
        parts.append("<h2>Plots</h2>")
        images = plot_pngs(report.plots, report.baseline.ref or "base")
        if not images:
            parts.append("<p>Install <code>mlci[report]</code> (matplotlib) for images.</p>")
        for pair in report.plots:
            parts.append(f"<h3>{escape(pair.title)}</h3>")
            if pair.error:
                parts.append(f'<p class="fail">{escape(pair.error)}</p>')
            elif pair.path in images:
                data = base64.b64encode(images[pair.path]).decode("ascii")
                parts.append(f'<img alt="{escape(pair.title)}" src="data:image/png;base64,{data}">')
    parts.append("<h2>Data and lineage</h2>")
    rows = []
    if report.model is not None:
        rows.append(
            ["model", report.model.path, report.model.sha256 or "missing", str(report.model.size)]
        )
    rows += [["data", d.path, d.sha256 or "missing", str(d.size)] for d in report.data]
    parts.append(_table(["Kind", "Path", "SHA-256", "Bytes"], rows) if rows else "<p>None.</p>")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
