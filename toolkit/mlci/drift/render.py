"""Text, markdown and JSON renderings of a DriftResult (HTML is in `html.py`)."""

from __future__ import annotations

import json

from mlci.drift.result import ColumnResult, DriftResult
from mlci.markdown import markdown_table


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.3e}"
    return f"{value:.4f}"


def _statistic(column: ColumnResult) -> str:
    if column.test is None:
        return "-"
    text = f"{column.test} {_number(column.statistic)}"
    if column.measure == "p_value":
        text += f" (p={_number(column.adjusted_p_value)})"
    if column.error_bound:
        text += f" ±{_number(column.error_bound)}"
    return text


def statistic_value(column: ColumnResult) -> str:
    """The figure a column's verdict rests on: the corrected p-value or the distance."""
    stat = column.adjusted_p_value if column.measure == "p_value" else column.statistic
    text = _number(stat) + (" (p)" if column.measure == "p_value" else "")
    if column.error_bound:
        text += f" ±{_number(column.error_bound)}"
    return text


# How each column verdict is marked in the text output (5 wide).
MARKS = {
    "drift": "DRIFT",
    "ok": "ok",
    "insufficient data": "few",
    "not compared": "n/a",
    "skipped": "skip",
}
VERDICTS = {"drift": "drift detected", "no drift": "no dataset drift"}


def headline(result: DriftResult) -> str:
    retrain = "retrain" if result.retrain.retrain else "no retraining"
    few = len(result.insufficient)
    if few and not result.compared:
        return (
            f"insufficient data: {few} of {few} columns have fewer than {result.min_count} "
            f"values, none could be tested for drift; decision: {retrain}"
        )
    verdict = VERDICTS.get(result.verdict, result.verdict)
    drifted = len(result.drifted_columns)
    total = result.compared
    extra = ""
    if few:
        extra = f", {few} more with insufficient data (fewer than {result.min_count} values)"
    return (
        f"{verdict}: {drifted} of {total} columns drifted ({result.drift_share:.0%}, "
        f"threshold {result.share_threshold:.0%}){extra}; decision: {retrain}"
    )


def to_json(result: DriftResult) -> str:
    return json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str) + "\n"


def to_text(result: DriftResult, limit: int = 20) -> str:
    lines = [headline(result)]
    for column in result.ranked()[:limit]:
        mark = MARKS[column.verdict]
        shown = [f for f in column.findings if f.severity != "info" or mark == "skip"]
        notes = "; ".join(f.message for f in shown)
        lines.append(f"  {mark:5} {column.name:24} {_statistic(column)}  {notes}".rstrip())
    if len(result.columns) > limit:
        lines.append(f"  ... and {len(result.columns) - limit} more columns (see --json/--md)")
    for reason in result.retrain.reasons:
        lines.append(f"  retrain: {reason}")
    lines.extend(f"  note: {n}" for n in result.notes)
    lines.extend(f"  error: {e}" for e in result.errors)
    return "\n".join(lines)


def to_markdown(result: DriftResult, limit: int = 50) -> str:
    """A summary for PR bodies and the step summary: verdict, decision, column table."""
    icon = {"drift": "🔴", "no drift": "🟢"}.get(result.verdict, "🟡")
    lines = [
        "## Data drift",
        "",
        f"{icon} **{headline(result)}**",
        "",
        f"Reference `{result.reference}` ({result.reference_rows:,} rows"
        f"{', profile' if not result.exact else ''}) vs current `{result.current}` "
        f"({result.current_rows:,} rows). Correction: {result.correction}, "
        f"alpha {result.alpha}.",
        "",
    ]
    if result.retrain.reasons:
        lines.append("**Retraining:** " + "; ".join(result.retrain.reasons))
        lines.append("")
    if result.performance:
        perf = result.performance
        lines.append(
            f"**Performance** ({perf['metric']}): reference {_number(perf['reference'])}, "
            f"current {_number(perf['current'])}"
        )
        lines.append("")
    rows = []
    for column in result.ranked()[:limit]:
        role = f" ({column.role})" if column.role != "feature" else ""
        rows.append(
            [
                f"`{column.name}`{role}",
                column.kind,
                "**yes**" if column.drifted else "no" if column.verdict == "ok" else column.verdict,
                column.test or "-",
                statistic_value(column),
                _number(column.threshold),
                _number(column.psi),
                "; ".join(f.message for f in column.findings),
            ]
        )
    header = ["column", "type", "drift", "test", "statistic", "threshold", "PSI", "findings"]
    lines.append(markdown_table(header, rows))
    if len(result.columns) > limit:
        lines.append(f"\n{len(result.columns) - limit} more columns are in the JSON report.")
    for note in result.notes:
        lines.append(f"\n_Note: {note}_")
    for error in result.errors:
        lines.append(f"\n**Error:** {error}")
    return "\n".join(lines) + "\n"
