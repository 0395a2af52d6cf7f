"""Plots as markdown GitHub renders natively: Mermaid `xychart-beta` plus data tables.

No image hosting is needed. Mermaid's xychart has no legend, so each chart says in
its caption which series is the base and which the head.
"""

from __future__ import annotations

import math

from mlci.markdown import markdown_table
from mlci.report.plots import PlotData, PlotPair, resample

GRID_POINTS = 11
TOP_BARS = 10


def _num(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "0"
    return f"{value:.3g}"


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'").replace("\n", " ") + '"'


def _grid(sides: list[PlotData]) -> list[float]:
    xs = [v for side in sides for v in side.x if math.isfinite(v)]
    lo, hi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if hi == lo:
        return [lo]
    return [lo + (hi - lo) * i / (GRID_POINTS - 1) for i in range(GRID_POINTS)]


def _curve(pair: PlotPair, base_label: str) -> str:
    sides = [s for s in (pair.base, pair.head) if s is not None]
    grid = _grid(sides)
    head = pair.head or pair.base
    assert head is not None
    column = head.columns[0]
    series: list[tuple[str, list[float | None]]] = []
    for name, side in (("base", pair.base), ("head", pair.head)):
        if side is None or column not in side.columns:
            continue
        series.append((name, resample(side.x, side.y[side.columns.index(column)], grid)))
    values = [v for _, ys in series for v in ys if v is not None and math.isfinite(v)]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi == lo:
        hi = lo + 1
    lines = [
        "```mermaid",
        "xychart-beta",
        f"    title {_quote(f'{pair.title}: {column}')}",
        f"    x-axis {_quote(head.x_label)} [{', '.join(_num(g) for g in grid)}]",
        f"    y-axis {_quote(column)} {_num(lo)} --> {_num(hi)}",
    ]
    lines += [f"    line [{', '.join(_num(v) for v in ys)}]" for _, ys in series]
    lines.append("```")
    caption = _caption([name for name, _ in series], base_label)
    table = markdown_table(
        [head.x_label] + [f"{column} ({name})" for name, _ in series],
        [
            [_num(g)] + [_num(ys[i]) if ys[i] is not None else "-" for _, ys in series]
            for i, g in enumerate(grid)
        ],
    )
    return "\n".join(lines) + "\n\n" + caption + "\n\n" + _details("Data", table)


def _caption(names: list[str], base_label: str) -> str:
    if names == ["base", "head"]:
        return f"_First line: base (`{base_label}`); second line: this pull request._"
    if names == ["head"]:
        return "_This pull request only: the base has no such plot._"
    return f"_Base (`{base_label}`) only: this pull request has no such plot._"


def _bars(pair: PlotPair, base_label: str) -> str:
    head = pair.head or pair.base
    assert head is not None
    base_values = dict(zip(pair.base.labels, pair.base.y[0], strict=True)) if pair.base else {}
    head_values = dict(zip(pair.head.labels, pair.head.y[0], strict=True)) if pair.head else {}
    ranked = sorted(head_values or base_values, key=lambda k: -abs((head_values or base_values)[k]))
    top = ranked[:TOP_BARS]
    lines = [
        "```mermaid",
        "xychart-beta",
        f"    title {_quote(pair.title)}",
        f"    x-axis [{', '.join(_quote(label[:24]) for label in top)}]",
        f"    y-axis {_quote(head.columns[0])}",
    ]
    if head_values:
        lines.append(f"    bar [{', '.join(_num(head_values.get(k)) for k in top)}]")
    if base_values:
        lines.append(f"    line [{', '.join(_num(base_values.get(k)) for k in top)}]")
    lines.append("```")
    caption = (
        f"_Bars: this pull request; line: base (`{base_label}`). Top {len(top)} of {len(ranked)}._"
    )
    rows = [
        [
            k,
            _num(base_values.get(k)) if k in base_values else "-",
            _num(head_values.get(k)) if k in head_values else "-",
        ]
        for k in ranked
    ]
    table = markdown_table([head.x_label or "name", "base", "head"], rows)
    return "\n".join(lines) + "\n\n" + caption + "\n\n" + _details("Data", table)


def _matrix(pair: PlotPair, base_label: str) -> str:
    head = pair.head or pair.base
    assert head is not None
    labels = head.labels
    rows = []
    for i, label in enumerate(labels):
        row = [f"**{label}**"]
        for j in range(len(labels)):
            h = pair.head.matrix[i][j] if pair.head and i < len(pair.head.matrix) else None
            b = pair.base.matrix[i][j] if pair.base and i < len(pair.base.matrix) else None
            if h is not None and b is not None and h != b:
                row.append(f"{_num(h)} ({'+' if h > b else ''}{_num(h - b)})")
            else:
                row.append(_num(h if h is not None else b))
        rows.append(row)
    table = markdown_table(["actual / predicted", *labels], rows)
    return table + f"\n\n_Change in brackets vs base (`{base_label}`)._"


def plot_markdown(pair: PlotPair, base_label: str, assets_url: str | None = None) -> str:
    """One plot's section: chart (or table) with base and head overlaid."""
    if pair.error:
        return f"⚠️ `{pair.error}`"
    body = {"curve": _curve, "bar": _bars, "matrix": _matrix}[pair.kind](pair, base_label)
    if assets_url:
        name = pair.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        body += f"\n\n![{pair.title}]({assets_url.rstrip('/')}/{name}.png)"
    return body


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"
