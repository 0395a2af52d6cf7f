"""Text, markdown and JSON forms of data check reports, manifests and their diffs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from mlci.data.diff import DataDiff, ManifestDiff
from mlci.data.lineage import Manifest
from mlci.data.quality import CheckFailure, QualityReport
from mlci.markdown import table_cell


def _where(failure: CheckFailure) -> str:
    return failure.column if failure.column is not None else "(file)"


def _rows(failure: CheckFailure) -> str:
    if not failure.rows:
        return ""
    more = "..." if failure.count > len(failure.rows) else ""
    return ", ".join(map(str, failure.rows)) + more


def _sample(failure: CheckFailure) -> str:
    return ", ".join(failure.sample)


# -- data check ---------------------------------------------------------------------------
def quality_text(reports: Sequence[QualityReport]) -> str:
    lines: list[str] = []
    for report in reports:
        verdict = "passed" if report.passed else f"{report.failed_checks} failed"
        lines.append(
            f"{report.path}: {report.rows} rows, {len(report.columns)} columns, "
            f"{report.checks} checks, {verdict}"
        )
        for failure in report.failures:
            line = (
                f"  FAIL {_where(failure)}: {failure.check}: {failure.message} ({failure.count}x)"
            )
            if failure.sample:
                line += f"; values: {_sample(failure)}"
            if failure.rows:
                line += f"; rows: {_rows(failure)}"
            lines.append(line)
    return "\n".join(lines)


def quality_markdown(reports: Sequence[QualityReport]) -> str:
    ok = all(r.passed for r in reports)
    lines = [f"### Data checks {'passed' if ok else 'failed'}", ""]
    for report in reports:
        verdict = "passed" if report.passed else f"**{report.failed_checks} failed**"
        lines.append(
            f"`{report.path}`: {report.rows} rows, {len(report.columns)} columns, "
            f"{report.checks} checks, {verdict}"
        )
        lines.append("")
        if report.failures:
            lines.append("| column | check | failing | problem | sample values | rows |")
            lines.append("|---|---|---:|---|---|---|")
            for f in report.failures:
                cells = (_where(f), f.check, str(f.count), f.message, _sample(f), _rows(f))
                lines.append("| " + " | ".join(table_cell(c) for c in cells) + " |")
            lines.append("")
    return "\n".join(lines)


def quality_json(reports: Sequence[QualityReport]) -> dict[str, Any]:
    return {
        "passed": all(r.passed for r in reports),
        "files": [
            {
                "path": r.path,
                "rows": r.rows,
                "columns": list(r.columns),
                "checks": r.checks,
                "passed": r.passed,
                "failures": [asdict(f) for f in r.failures],
            }
            for r in reports
        ],
    }


def failure_annotation(report: QualityReport, failure: CheckFailure) -> str:
    text = f"{_where(failure)}: {failure.check}: {failure.message} ({failure.count}x)"
    if failure.sample:
        text += f"; values: {_sample(failure)}"
    return text


# -- manifests ----------------------------------------------------------------------------
def _short(digest: str | None) -> str:
    return digest[:12] if digest else "-"


def manifest_text(manifest: Manifest) -> str:
    lines = []
    for record in manifest.files:
        digest = f"sha256 {_short(record.sha256)}" if record.sha256 else f"md5 {_short(record.md5)}"
        rows = "-" if record.rows is None else str(record.rows)
        lines.append(
            f"{record.path}: {record.size} bytes, {rows} rows, {len(record.columns)} columns, "
            f"{digest} ({record.hash_source})"
        )
    return "\n".join(lines)


def diff_text(diff: ManifestDiff) -> str:
    if not diff.changed:
        return "no changes"
    lines = []
    for change in diff.files:
        if change.status == "unchanged":
            continue
        lines.append(f"{change.path}: {change.status}")
        lines.extend(f"  {detail}" for detail in change.details)
    return "\n".join(lines)


def diff_markdown(diff: ManifestDiff) -> str:
    if not diff.changed:
        return "Data unchanged."
    lines = ["| file | change | details |", "|---|---|---|"]
    for change in diff.files:
        if change.status == "unchanged":
            continue
        lines.append(
            f"| `{table_cell(change.path)}` | {change.status} | "
            f"{table_cell('; '.join(change.details)) or '-'} |"
        )
    return "\n".join(lines)


def data_diff_text(diff: DataDiff) -> str:
    lines = [diff_text(diff.files)]
    rows = diff.rows
    if rows is not None:
        lines.append(
            f"rows: {rows.removed} removed, {rows.added} added"
            + (f", {rows.changed} changed (by {', '.join(rows.key)})" if rows.key else "")
            + (
                f"; changed columns: {', '.join(rows.changed_columns)}"
                if rows.changed_columns
                else ""
            )
        )
    return "\n".join(lines)


def data_diff_markdown(diff: DataDiff) -> str:
    text = diff_markdown(diff.files)
    rows = diff.rows
    if rows is None:
        return text
    extra = f"\n\nRows: {rows.removed} removed, {rows.added} added"
    if rows.key:
        extra += f", {rows.changed} changed (matched by `{', '.join(rows.key)}`)"
    if rows.changed_columns:
        extra += f"; changed columns: {', '.join(f'`{c}`' for c in rows.changed_columns)}"
    return text + extra + "."
