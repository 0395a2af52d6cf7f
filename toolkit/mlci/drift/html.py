"""A standalone HTML drift report with inline SVG plots of the most drifted columns.

SVG is written directly (no plotting library): the report opens anywhere, has no
external resources and costs milliseconds to build.
"""

from __future__ import annotations

from html import escape
from typing import Any

from mlci.drift.render import _number, _statistic, headline, statistic_value
from mlci.drift.result import ColumnResult, DriftResult

WIDTH, HEIGHT, PAD = 460, 180, 30
COLOURS = {"reference": "#4C72B0", "current": "#DD8452"}


def _shares(counts: list[float]) -> list[float]:
    total = sum(counts) or 1
    return [c / total for c in counts]


def _axis_label(value: float, kind: str) -> str:
    """Datetime columns are profiled as epoch seconds; show them as dates."""
    if kind == "datetime":
        from datetime import datetime, timezone

        try:
            return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d")
        except (OverflowError, OSError, ValueError):
            pass
    return f"{value:.4g}"


def _numeric_svg(plot: dict[str, Any], kind: str = "numeric") -> str:
    """Density per reference-quantile bin (steps), reference and current overlaid."""
    edges = plot["edges"]
    low, high = plot["low"], plot["high"]
    bounds = [low, *edges, high]
    pieces = []
    densities: dict[str, list[tuple[float, float, float]]] = {}
    for side in ("reference", "current"):
        shares = _shares(plot[side])
        rows = []
        # bins: (-inf, e0], (e0, e1], ..., (e_last, inf) drawn on [low, high]
        for i, share in enumerate(shares):
            left, right = bounds[i], bounds[i + 1]
            width = right - left
            if width <= 0:
                continue
            rows.append((left, right, share / width))
        densities[side] = rows
    peak = max((d for rows in densities.values() for _, _, d in rows), default=1.0) or 1.0
    span = (high - low) or 1.0

    def x(value: float) -> float:
        return PAD + (value - low) / span * (WIDTH - 2 * PAD)

    def y(density: float) -> float:
        return HEIGHT - PAD - min(density / peak, 1.0) * (HEIGHT - 2 * PAD)

    for side, rows in densities.items():
        points = []
        for left, right, density in rows:
            points += [f"{x(left):.1f},{y(density):.1f}", f"{x(right):.1f},{y(density):.1f}"]
        pieces.append(
            f'<polyline fill="none" stroke="{COLOURS[side]}" stroke-width="1.5" '
            f'points="{" ".join(points)}"/>'
        )
    pieces.append(
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="10">{_axis_label(low, kind)}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="10" text-anchor="end">'
        f"{_axis_label(high, kind)}</text>"
    )
    return _frame("".join(pieces))


def _category_svg(plot: dict[str, Any], limit: int = 12) -> str:
    ref, cur = _shares(plot["reference"]), _shares(plot["current"])
    order = sorted(range(len(ref)), key=lambda i: -max(ref[i], cur[i]))[:limit]
    peak = max([max(ref[i], cur[i]) for i in order] or [1.0]) or 1.0
    slot = (WIDTH - 2 * PAD) / max(len(order), 1)
    pieces = []
    for k, i in enumerate(order):
        for j, (side, shares) in enumerate((("reference", ref), ("current", cur))):
            height = shares[i] / peak * (HEIGHT - 2 * PAD)
            left = PAD + k * slot + j * slot * 0.4 + slot * 0.1
            pieces.append(
                f'<rect x="{left:.1f}" y="{HEIGHT - PAD - height:.1f}" width="{slot * 0.4:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[side]}"/>'
            )
        name = escape(str(plot["labels"][i])[:12])
        pieces.append(
            f'<text x="{PAD + (k + 0.5) * slot:.1f}" y="{HEIGHT - 12}" font-size="9" '
            f'text-anchor="middle">{name}</text>'
        )
    return _frame("".join(pieces))


def _frame(body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        f'stroke="#888"/>{body}</svg>'
    )


def _figure(column: ColumnResult) -> str:
    if not column.plot:
        return ""
    if "edges" in column.plot:
        svg = _numeric_svg(column.plot, column.kind)
    else:
        svg = _category_svg(column.plot)
    status = "drifted" if column.drifted else "not drifted"
    return (
        f"<figure><figcaption><b>{escape(column.name)}</b> ({column.kind}, {status}; "
        f"{escape(_statistic(column))})"
        f"</figcaption>{svg}</figure>"
    )


def _table(result: DriftResult) -> str:
    """Every column, as the markdown summary lists them, as an HTML table."""
    head = "".join(
        f"<th>{name}</th>"
        for name in ("column", "type", "drift", "test", "statistic", "threshold", "PSI", "findings")
    )
    rows = []
    for column in result.ranked():
        role = f" ({column.role})" if column.role != "feature" else ""
        findings = "; ".join(f.message for f in column.findings)
        cells = (
            f"<code>{escape(column.name)}</code>{role}",
            column.kind,
            "<b>yes</b>" if column.drifted else "no",
            escape(column.test or "-"),
            escape(statistic_value(column)),
            _number(column.threshold),
            _number(column.psi),
            escape(findings),
        )
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    notes = "".join(f"<p><i>Note: {escape(note)}</i></p>" for note in result.notes)
    errors = "".join(f"<p><b>Error:</b> {escape(error)}</p>" for error in result.errors)
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>{notes}{errors}"


def to_html(result: DriftResult, plots: int = 8) -> str:
    """The whole report: headline, plots of the `plots` most drifted columns, the table."""
    ranked = [c for c in result.ranked() if c.plot][:plots]
    figures = "\n".join(_figure(c) for c in ranked)
    reasons = "; ".join(result.retrain.reasons)
    source = (
        f"<p>Reference <code>{escape(str(result.reference))}</code> "
        f"({result.reference_rows:,} rows) vs current <code>{escape(str(result.current))}</code> "
        f"({result.current_rows:,} rows); correction {escape(result.correction)}, "
        f"alpha {result.alpha}.</p>"
        + (f"<p><b>Retraining:</b> {escape(reasons)}</p>" if reasons else "")
    )
    legend = (
        f'<p><span style="color:{COLOURS["reference"]}">■ reference</span> '
        f'<span style="color:{COLOURS["current"]}">■ current</span></p>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>mlci drift report</title><style>body{{font-family:sans-serif;margin:2em}}"
        "figure{display:inline-block;margin:0.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style></head>"
        f"<body><h1>Data drift report</h1><p><b>{escape(headline(result))}</b></p>{source}"
        f"{legend}<h2>Most drifted columns</h2>{figures}<h2>All columns</h2>{_table(result)}"
        "</body></html>\n"
    )
