"""Text, markdown and JSON renderings of a DriftResult (HTML is in `html.py`)."""

from __future__ import annotations

import json

from mlci.drift.result import ColumnResult, DriftResult
from mlci.markdown import table_cell


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


def headline(result: DriftResult) -> str:
    verdict = "drift detected" if result.dataset_drift else "no dataset drift"
    drifted = len(result.drifted_columns)
    total = result.compared
    retrain = "retrain" if result.retrain.retrain else "no retraining"
    return (
        f"{verdict}: {drifted} of {total} columns drifted ({result.drift_share:.0%}, "
        f"threshold {result.share_threshold:.0%}); decision: {retrain}"
    )


def to_json(result: DriftResult) -> str:
    return json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str) + "\n"


def to_text(result: DriftResult, limit: int = 20) -> str:
    lines = [headline(result)]
    for column in result.ranked()[:limit]:
        mark = "DRIFT" if column.drifted else "ok"
        notes = "; ".join(f.message for f in column.findings if f.severity != "info")
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
    icon = "🔴" if result.dataset_drift else "🟢"
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
    lines += [
        "| column | type | drift | test | statistic | threshold | PSI | findings |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for column in result.ranked()[:limit]:
        role = f" ({column.role})" if column.role != "feature" else ""
        stat_text = statistic_value(column)
        findings = "; ".join(f.message for f in column.findings)
        lines.append(
            f"| `{table_cell(column.name)}`{role} | {column.kind} | "
            f"{'**yes**' if column.drifted else 'no'} | {column.test or '-'} | {stat_text} | "
            f"{_number(column.threshold)} | {_number(column.psi)} | {table_cell(findings)} |"
        )
    if len(result.columns) > limit:
        lines.append(f"\n{len(result.columns) - limit} more columns are in the JSON report.")
    for note in result.notes:
        lines.append(f"\n_Note: {note}_")
    for error in result.errors:
        lines.append(f"\n**Error:** {error}")
    return "\n".join(lines) + "\n"
