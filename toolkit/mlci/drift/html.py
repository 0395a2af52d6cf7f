"""A standalone HTML drift report with inline SVG plots of the most drifted columns.

SVG is written directly (no plotting library): the report opens anywhere, has no
external resources and costs milliseconds to build.
"""

from __future__ import annotations

from html import escape
from typing import Any

from mlci.drift.render import _number, _statistic, headline, icon, statistic_value
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
    status = {"drift": "drifted", "ok": "not drifted"}.get(column.verdict, column.verdict)
    return (
        f"<figure><figcaption><b>{escape(column.name)}</b> ({column.kind}, {status}; "
        f"{escape(_statistic(column))})"
        f"</figcaption>{svg}</figure>"
    )


def _rows(result: DriftResult) -> list[dict[str, Any]]:
    """Every column, as the markdown summary lists them; the template escapes the text."""
    return [
        {
            "name": column.name,
            "role": f" ({column.role})" if column.role != "feature" else "",
            "kind": column.kind,
            "drifted": column.drifted,
            "verdict": column.verdict,
            "test": column.test or "-",
            "statistic": statistic_value(column),
            "threshold": _number(column.threshold),
            "psi": _number(column.psi),
            "findings": "; ".join(f.message for f in column.findings),
        }
        for column in result.ranked()
    ]


def to_html(result: DriftResult, plots: int = 8) -> str:
    """The whole report: headline, plots of the `plots` most drifted columns, the table.

    The page is `mlci/report/templates/drift.html.j2` (autoescaped); only the inline
    SVG figures are passed as HTML, and they escape every name they draw.
    """
    from mlci.report.pages import render_page

    ranked = [c for c in result.ranked() if c.plot][:plots]
    return render_page(
        "drift.html.j2",
        # The icon as in the markdown, so the page and the PR body agree with the decision.
        headline=f"{icon(result)} {headline(result)}",
        reference=str(result.reference),
        current=str(result.current),
        reference_rows=result.reference_rows,
        current_rows=result.current_rows,
        correction=result.correction,
        alpha=result.alpha,
        retrain_reasons="",  # the headline names the retraining rules that fired
        colours=COLOURS,
        figures=[_figure(c) for c in ranked],
        rows=_rows(result),
        notes=list(result.notes),
        errors=list(result.errors),
    )
