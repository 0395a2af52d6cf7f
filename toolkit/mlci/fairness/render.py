"""Text, markdown and JSON forms of a fairness report (the per-group table included)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from mlci.fairness.gates import FairnessReport
from mlci.fairness.metrics import FairnessResult, FeatureFairness
from mlci.markdown import markdown_table


def _fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.4f}"


def _group_metrics(feature: FeatureFairness) -> list[str]:
    return list(feature.overall)


def group_table_markdown(feature: FeatureFairness) -> str:
    """One row per group, plus overall, min-max difference and ratio rows."""
    names = _group_metrics(feature)
    rows = [
        [row.group, str(row.count), *(_fmt(row.values[n]) for n in names)] for row in feature.groups
    ]
    total = sum(row.count for row in feature.groups)
    rows.append(["**overall**", str(total), *(_fmt(feature.overall[n]) for n in names)])
    for kind in ("difference", "ratio"):
        rows.append([f"_{kind}_", "", *(_fmt(feature.spread[n][kind]) for n in names)])
    return markdown_table(
        [feature.feature, "count", *names], rows, align=["", *["right"] * (len(names) + 1)]
    )


def result_markdown(result: FairnessResult) -> str:
    parts = []
    for feature in result.features:
        if feature.disparities:
            shown = ", ".join(f"{k} {_fmt(v)}" for k, v in feature.disparities.items())
            parts.append(f"**{feature.feature}**: {shown}")
            parts.append("")
        if feature.overall:
            parts.append(group_table_markdown(feature))
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def report_markdown(report: FairnessReport) -> str:
    result = report.result
    verdict = "passed" if report.passed else "failed"
    lines = [
        f"### Fairness {verdict}",
        "",
        f"{result.rows} rows (label `{result.label}`, prediction `{result.prediction}`)"
        + (
            f", {result.dropped_rows} without label or prediction left out"
            if result.dropped_rows
            else ""
        )
        + ".",
        "",
    ]
    if report.gates:
        rows = []
        for gate in report.gates:
            where = f"{gate.feature}={gate.group}" if gate.group is not None else gate.feature
            sign = ">=" if gate.bound in ("min", "min_ratio") else "<="
            rows.append(
                [
                    f"{gate.metric} {gate.bound} ({where})",
                    _fmt(gate.value),
                    f"{sign} {gate.threshold:g}",
                    "pass" if gate.passed else "**fail**",
                ]
            )
        header = ["gate", "value", "bound", "result"]
        lines += [markdown_table(header, rows, align=["", "right", "", ""]), ""]
    return "\n".join(lines) + "\n" + result_markdown(result)


def report_text(report: FairnessReport) -> str:
    result = report.result
    lines = [f"fairness on {result.rows} rows: {'passed' if report.passed else 'FAILED'}"]
    for feature in result.features:
        lines.append(f"{feature.feature}:")
        for name, value in feature.disparities.items():
            lines.append(f"  {name}: {_fmt(value)}")
        names = _group_metrics(feature)
        if names:
            width = max(len(r.group) for r in feature.groups) if feature.groups else 5
            width = max(width, len("group"))
            lines.append("  " + "group".ljust(width) + "  count  " + "  ".join(names))
            for row in feature.groups:
                cells = [f"{_fmt(row.values[n]):>{len(n)}}" for n in names]
                lines.append(f"  {row.group.ljust(width)}  {row.count:>5}  " + "  ".join(cells))
    for gate in report.gates:
        lines.append(("  " if gate.passed else "  FAIL ") + gate.describe())
    return "\n".join(lines)


def report_json(report: FairnessReport) -> dict[str, Any]:
    def clean(value: Any) -> Any:  # NaN is not JSON
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    from mlci.resultschema import schema_name

    return clean({"schema": schema_name("fairness"), "passed": report.passed, **asdict(report)})
