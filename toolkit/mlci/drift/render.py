"""Text, markdown and JSON renderings of a DriftResult (HTML is in `html.py`)."""

from __future__ import annotations

import json
from typing import Literal

from mlci.drift.result import ColumnResult, DriftResult, RuleCheck
from mlci.drift.retrain import DEFAULT_SHARE_NOTE
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
Tone = Literal["retrain", "drift", "unsure", "ok"]
# One colour per tone, so the icon always agrees with the decision: red only when the
# retraining rule fired, never green unless columns were compared and none moved enough.
ICONS: dict[Tone, str] = {"retrain": "🔴", "drift": "🟠", "unsure": "🟡", "ok": "🟢"}


def tone(result: DriftResult) -> Tone:
    """The headline's tone: the retraining decision first, then the dataset verdict."""
    if result.retrain.retrain:
        return "retrain"
    if result.verdict == "drift":
        return "drift"
    if result.verdict != "no drift" or not result.compared:
        return "unsure"  # too few values, or nothing could be compared at all
    return "ok"


def icon(result: DriftResult) -> str:
    return ICONS[tone(result)]


def _percents(value: float, limit: float) -> tuple[str, str]:
    """`value` and `limit` as percentages with the decimals it takes to show that they
    differ: 30.4% against a 30.5% rule must not read "30% ... below 30%"."""
    for decimals in range(4):
        a, b = f"{value:.{decimals}%}", f"{limit:.{decimals}%}"
        if a != b or value == limit:
            return a, b
    return a, b


def _fired(check: RuleCheck, result: DriftResult) -> str:
    """A retraining rule that fired, named by its mlci.yaml key."""
    key = f"retrain.when.{check.rule}"
    if check.rule == "drift_share":
        share, limit = _percents(result.drift_share, check.limit)
        return f"{share} of columns drifted, at or above {key} {limit}"
    if check.rule == "columns":
        return f"watched column(s) drifted: {', '.join(check.value)} ({key})"
    if check.rule == "psi":
        where = f" ({check.note})" if check.note else ""
        return f"PSI {check.value:g}{where}, at or above {key} {check.limit:g}"
    if check.rule == "performance_drop":
        return f"performance fell by {check.value:.4g}, at or above {key} {check.limit:g}"
    return f"the model is {check.value:g} days old, at or above {key} {check.limit:g}"


def _follows_dataset(check: RuleCheck) -> bool:
    """A drift_share check on drift.drift_share (retrain.when.drift_share unset)."""
    return check.rule == "drift_share" and check.note == DEFAULT_SHARE_NOTE


def _not_fired(check: RuleCheck) -> str:
    """A retraining rule that did not fire, in a few words."""
    key = "drift.drift_share" if _follows_dataset(check) else f"retrain.when.{check.rule}"
    if check.rule == "drift_share":
        return f"{key} {check.limit:.0%} not reached"
    if check.rule == "columns":
        return f"no column of {key} drifted"
    if check.value is None:
        return f"{key} {check.note or 'not evaluated'}"
    return f"{key} {check.limit:g} not reached"


def _insufficient(result: DriftResult) -> str:
    """The feature columns left out of the share: too few values, or undecidable."""
    few, unsure = len(result.insufficient), len(result.undecidable)
    text = ""
    if few:
        text += f", {few} more with insufficient data (fewer than {result.min_count} values)"
    if unsure:
        text += f", {unsure} more undecidable from the profile"
    return text


def _dataset(result: DriftResult) -> str:
    """The dataset's share against drift.drift_share, for a headline that leads with
    the retraining decision (the two thresholds differ, so both are named)."""
    if not result.compared:
        return "dataset: no column could be tested for drift" + _insufficient(result)
    lead, side = ("dataset drift", "at or above") if result.dataset_drift else ("dataset", "below")
    share, threshold = _percents(result.drift_share, result.share_threshold)
    return (
        f"{lead}: {len(result.drifted_columns)} of {result.compared} columns drifted "
        f"({share}), {side} drift.drift_share {threshold}"
        f"{_insufficient(result)}"
    )


def headline(result: DriftResult) -> str:
    """One line that agrees with the decision: it leads with "retrain:" and the rules
    that fired when the retraining rule fired, else with the dataset verdict."""
    if result.retrain.retrain:
        fired_checks = [c for c in result.retrain.checks if c.fired]
        fired = [_fired(c, result) for c in fired_checks if not _follows_dataset(c)]
        # With retrain.when.drift_share unset the dataset verdict is the rule that fired:
        # the line names it once.
        return "retrain: " + "; ".join([*fired, _dataset(result)])
    few = len(result.insufficient)
    if few and not result.compared:
        return (
            f"insufficient data: {few} of {few} columns have fewer than {result.min_count} "
            f"values, none could be tested for drift; decision: no retraining"
        )
    if not result.compared:
        return "nothing compared: no column could be tested for drift; decision: no retraining"
    verdict = VERDICTS.get(result.verdict, result.verdict)
    decision = "no retraining"
    if result.verdict == "drift":  # drift without retraining: say which rule held back
        checks = result.retrain.checks
        why = "; ".join(_not_fired(c) for c in checks) or "no retrain.when rule is set"
        decision += f" ({why})"
    share, threshold = _percents(result.drift_share, result.share_threshold)
    return (
        f"{verdict}: {len(result.drifted_columns)} of {result.compared} columns drifted "
        f"({share}, threshold {threshold})"
        f"{_insufficient(result)}; decision: {decision}"
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
    lines.extend(f"  note: {n}" for n in result.notes)
    lines.extend(f"  error: {e}" for e in result.errors)
    return "\n".join(lines)


def to_markdown(result: DriftResult, limit: int = 50) -> str:
    """A summary for PR bodies and the step summary: verdict, decision, column table."""
    lines = [
        "## Data drift",
        "",
        f"{icon(result)} **{headline(result)}**",
        "",
        f"Reference `{result.reference}` ({result.reference_rows:,} rows"
        f"{', profile' if not result.exact else ''}) vs current `{result.current}` "
        f"({result.current_rows:,} rows). Correction: {result.correction}, "
        f"alpha {result.alpha}.",
        "",
    ]
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
