"""Plots as markdown GitHub renders natively: Mermaid `xychart-beta` plus data tables.

No image hosting is needed. Mermaid's xychart has no legend and no line styles, only a
colour per series (`themeVariables.xyChart.plotColorPalette`, set by an init directive
that GitHub's Mermaid honours). So the base and the head get two colours that stay
apart for colour-blind readers (Okabe-Ito blue and orange, which also differ in
lightness), and a legend line under each chart names them with matching squares. A
renderer that ignores the directive still has the legend's order and the data table.
"""

from __future__ import annotations

import math

from mlci.markdown import markdown_table
from mlci.report.plots import PlotData, PlotPair, resample

GRID_POINTS = 11
TOP_BARS = 10
LABEL_WIDTH = 24  # longer bar labels are cut: xychart draws them under narrow bars
# Okabe-Ito colours, told apart with every common colour-vision deficiency; the squares
# are the legend's swatches of the same hues.
BASE_COLOUR, HEAD_COLOUR = "#0072B2", "#E69F00"
BASE_SWATCH, HEAD_SWATCH = "🟦", "🟧"


def _num(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "0"
    return f"{value:.{digits}g}"


def _digits(values: list[float]) -> int:
    """Significant digits that keep the spread of `values` visible: 0.9012 and 0.9034
    must not both print as 0.9 (3 digits suffice for most plots; at most 8)."""
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 2:
        return 3
    spread = max(finite) - min(finite)
    scale = max(abs(v) for v in finite)
    if spread <= 0 or scale <= 0:
        return 3
    return max(3, min(8, math.ceil(math.log10(scale / spread)) + 3))


def _distinct(values: list[float]) -> list[str]:
    """Axis labels of `values`, with as many digits as it takes to tell them apart."""
    for digits in range(3, 13):
        texts = [_num(v, digits) for v in values]
        if len(set(texts)) == len(texts):
            return texts
    return [repr(v) for v in values]


def _end_cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _middle_cut(text: str, width: int) -> str:
    """Both ends of `text`: names that share a prefix (`feature_importance_*`) differ
    at the end, which an end cut would drop."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def unique_labels(labels: list[str], width: int = LABEL_WIDTH) -> list[str]:
    """`labels` cut to `width` characters, each one different from the others.

    A long label is cut at its end ("…"); labels whose cuts would read the same are cut
    in the middle instead, keeping both ends, and any still alike get "~2", "~3"
    (within the width), so each bar keeps a name of its own.
    """
    texts = [" ".join(label.replace('"', "'").split()) for label in labels]
    ends = [_end_cut(t, width) for t in texts]
    cuts = [
        _middle_cut(text, width) if ends.count(end) > 1 else end
        for text, end in zip(texts, ends, strict=True)
    ]
    out: list[str] = []
    for text, short in zip(texts, cuts, strict=True):
        n = 1
        while short in out:
            n += 1
            suffix = f"~{n}"
            short = _end_cut(text, width - len(suffix)) + suffix
        out.append(short)
    return out


def _init(order: list[str]) -> str:
    """The init directive giving each series its colour, in the order they are drawn."""
    palette = ", ".join(BASE_COLOUR if name == "base" else HEAD_COLOUR for name in order)
    return '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + palette + '"}}}}%%'


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
    digits = _digits([lo, hi])
    x_labels = _distinct(grid)
    lines = [
        "```mermaid",
        _init([name for name, _ in series]),
        "xychart-beta",
        f"    title {_quote(f'{pair.title}: {column}')}",
        f"    x-axis {_quote(head.x_label)} [{', '.join(x_labels)}]",
        f"    y-axis {_quote(column)} {_num(lo, digits)} --> {_num(hi, digits)}",
    ]
    lines += [f"    line [{', '.join(_num(v, digits) for v in ys)}]" for _, ys in series]
    lines.append("```")
    caption = legend([name for name, _ in series], base_label)
    table = markdown_table(
        [head.x_label] + [f"{column} ({name})" for name, _ in series],
        [
            [x_labels[i]] + [_num(ys[i], digits) if ys[i] is not None else "-" for _, ys in series]
            for i in range(len(grid))
        ],
    )
    return "\n".join(lines) + "\n\n" + caption + "\n\n" + _details("Data", table)


def legend(names: list[str], base_label: str, shapes: dict[str, str] | None = None) -> str:
    """The line under a chart that names its series, since xychart draws no legend:
    "🟦 base `main (3f2a1b2)` · 🟧 this pull request". `shapes` says how a series is
    drawn ("bars", "line") when a chart mixes them."""
    shapes = shapes or {}
    what = {"base": f"base `{base_label}`", "head": "this pull request"}
    swatch = {"base": BASE_SWATCH, "head": HEAD_SWATCH}
    parts = []
    for name in names:
        shape = f" {shapes[name]}:" if name in shapes else ""
        parts.append(f"{swatch[name]}{shape} {what[name]}")
    line = " · ".join(parts)
    if names == ["head"]:
        line += ": the base has no such plot"
    elif names == ["base"]:
        line += ": this pull request has no such plot"
    return f"_{line}_"


def _bars(pair: PlotPair, base_label: str) -> str:
    head = pair.head or pair.base
    assert head is not None
    base_values = dict(zip(pair.base.labels, pair.base.y[0], strict=True)) if pair.base else {}
    head_values = dict(zip(pair.head.labels, pair.head.y[0], strict=True)) if pair.head else {}
    ranked = sorted(head_values or base_values, key=lambda k: -abs((head_values or base_values)[k]))
    top = ranked[:TOP_BARS]
    order = (["head"] if head_values else []) + (["base"] if base_values else [])
    shown = [v for side in (head_values, base_values) for k, v in side.items() if k in top]
    digits = _digits(shown)
    lines = [
        "```mermaid",
        _init(order),
        "xychart-beta",
        f"    title {_quote(pair.title)}",
        f"    x-axis [{', '.join(_quote(label) for label in unique_labels(top))}]",
        f"    y-axis {_quote(head.columns[0])}",
    ]
    if head_values:
        lines.append(f"    bar [{', '.join(_num(head_values.get(k), digits) for k in top)}]")
    if base_values:
        lines.append(f"    line [{', '.join(_num(base_values.get(k), digits) for k in top)}]")
    lines.append("```")
    caption = legend(order, base_label, {"head": "bars", "base": "line"})
    if len(ranked) > len(top):
        caption += f" _Top {len(top)} of {len(ranked)}._"
    rows = [
        [
            k,
            _num(base_values.get(k), digits) if k in base_values else "-",
            _num(head_values.get(k), digits) if k in head_values else "-",
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
