"""Render a MetricsDiff as a terminal table, GitHub markdown or JSON.

The markdown columns start like `dvc metrics diff --md` (Path, Metric, <base>,
<head>, Change) so people and scripts used to DVC read it the same way; mlci adds
the relative change and a verdict after them.
"""

from __future__ import annotations

import math
from typing import Any

from mlci.markdown import markdown_table
from mlci.metrics.diff import MetricChange, MetricsDiff, is_number
from mlci.metrics.flatten import Scalar

ABSENT = "-"
VERDICT_MARK = {"better": "🟢 better", "worse": "🔴 worse", "same": "", "": ""}
VERDICT_TEXT = {"better": "better", "worse": "worse", "same": "", "": ""}


def format_number(value: float, precision: int) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{precision}g}"


def format_value(value: Scalar, precision: int = 4) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(value, precision)  # type: ignore[arg-type]
    return str(value)


def format_change(change: float | None, precision: int) -> str:
    if change is None:
        return ABSENT
    if change == 0:
        return "0"
    text = format_number(change, precision)
    return text if text.startswith("-") or text == "NaN" else f"+{text}"


def format_relative(rel: float | None) -> str:
    if rel is None:
        return ABSENT
    return "0%" if rel == 0 else f"{rel * 100:+.2f}%"


def _verdict(change: MetricChange, marks: dict[str, str]) -> str:
    if change.status == "added":
        return "new"
    if change.status == "removed":
        return "removed"
    return marks[change.verdict]


def table_rows(
    diff: MetricsDiff, *, precision: int = 4, show_all: bool = False, marks: dict[str, str]
) -> tuple[list[str], list[list[str]]]:
    """Header and rows; params get no change columns (DVC's params diff has none)."""
    label = "Metric" if diff.kind == "metrics" else "Param"
    header = ["Path", label, diff.base_label, diff.head_label]
    if diff.kind == "metrics":
        header += ["Change", "Change %", ""]
    rows = []
    for c in diff.changes if show_all else diff.changed:
        row = [
            c.path,
            c.name,
            ABSENT if c.status == "added" else format_value(c.base, precision),
            ABSENT if c.status == "removed" else format_value(c.head, precision),
        ]
        if diff.kind == "metrics":
            row += [
                format_change(c.change, precision),
                format_relative(c.change_rel),
                _verdict(c, marks),
            ]
        rows.append(row)
    return header, rows


def render_markdown(diff: MetricsDiff, *, precision: int = 4, show_all: bool = False) -> str:
    header, rows = table_rows(diff, precision=precision, show_all=show_all, marks=VERDICT_MARK)
    if not rows:
        return f"No {diff.kind} changed between {diff.base_label} and {diff.head_label}."
    return markdown_table(header, rows)


def render_text(diff: MetricsDiff, *, precision: int = 4, show_all: bool = False) -> str:
    header, rows = table_rows(diff, precision=precision, show_all=show_all, marks=VERDICT_TEXT)
    if not rows:
        return f"No {diff.kind} changed between {diff.base_label} and {diff.head_label}."
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    return "\n".join(lines)


def json_value(value: Any) -> Any:
    """Strict JSON has no NaN or infinity: write them as the strings JavaScript prints."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def diff_to_dict(diff: MetricsDiff, *, show_all: bool = False) -> dict[str, Any]:
    """DVC's JSON shape ({path: {name: {old, new, diff}}}) plus mlci's extra fields."""
    out: dict[str, dict[str, Any]] = {}
    for c in diff.changes if show_all else diff.changed:
        entry: dict[str, Any] = {
            "old": None if c.status == "added" else json_value(c.base),
            "new": None if c.status == "removed" else json_value(c.head),
            "status": c.status,
        }
        if diff.kind == "metrics":
            entry.update(
                diff=json_value(c.change),
                diff_rel=json_value(c.change_rel),
                direction=c.direction,
                verdict=c.verdict or None,
            )
        out.setdefault(c.path, {})[c.name] = entry
    return {
        "kind": diff.kind,
        "base": diff.base_label,
        "head": diff.head_label,
        "diff": out,
        "errors": list(diff.errors),
        "missing": list(diff.missing),
    }


def render_json(diff: MetricsDiff, *, show_all: bool = False) -> str:
    import json

    return json.dumps(diff_to_dict(diff, show_all=show_all), indent=2, allow_nan=False)
