"""Text, markdown and JSON forms of data check reports, manifests and their diffs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mlci.data.diff import DataDiff, ManifestDiff
from mlci.data.lineage import Manifest
from mlci.data.quality import CheckFailure, QualityReport
from mlci.markdown import markdown_table


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
            lines.append(failures_table(report))
            lines.append("")
    return "\n".join(lines)


def failures_table(report: QualityReport) -> str:
    """One row per failing check of `report`."""
    rows = [
        (_where(f), f.check, str(f.count), f.message, _sample(f), _rows(f)) for f in report.failures
    ]
    return markdown_table(
        ("column", "check", "failing", "problem", "sample values", "rows"),
        rows,
        align=("", "", "right", "", "", ""),
    )


def quality_json(reports: Sequence[QualityReport]) -> dict[str, Any]:
    from mlci.resultschema import schema_name

    return {
        "schema": schema_name("data-check"),
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


def quality_from_json(data: Any, source: str = "data check JSON") -> tuple[QualityReport, ...]:
    """The reports `quality_json` wrote, read back (what `mlci report --data-check` shows).

    Raises `InputError` naming `source` and the first key that is wrong.
    """
    from mlci.errors import InputError
    from mlci.resultschema import validate_document

    def fail(where: str, expected: str) -> InputError:
        return InputError(
            f"{source}: {where}: expected {expected}",
            "pass the file `mlci data check --json FILE` wrote",
        )

    validate_document(data, "data-check", source)

    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise fail("files", "a list of checked files")
    reports = []
    for i, item in enumerate(data["files"]):
        where = f"files[{i}]"
        if not isinstance(item, dict):
            raise fail(where, "an object")
        try:
            failures = tuple(
                CheckFailure(
                    check=str(f["check"]),
                    column=None if f.get("column") is None else str(f["column"]),
                    count=int(f["count"]),
                    message=str(f["message"]),
                    sample=tuple(str(s) for s in f.get("sample") or ()),
                    rows=tuple(int(r) for r in f.get("rows") or ()),
                )
                for f in item.get("failures") or ()
            )
            reports.append(
                QualityReport(
                    path=str(item["path"]),
                    rows=int(item["rows"]),
                    columns=tuple(str(c) for c in item.get("columns") or ()),
                    checks=int(item["checks"]),
                    failures=failures,
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise fail(where, f"path, rows, checks and failures ({error!r} is wrong)") from None
    return tuple(reports)


def read_data_check(path: str | Path) -> tuple[QualityReport, ...]:
    """The reports in the JSON file `mlci data check --json PATH` wrote."""
    from mlci.documents import read_document

    hint = "pass the file `mlci data check --json FILE` wrote"
    data = read_document(path, unreadable="not a data check JSON file", hint=hint, json_only=True)
    return quality_from_json(data, str(path))


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
    rows = [
        (f"`{change.path}`", change.status, "; ".join(change.details) or "-")
        for change in diff.files
        if change.status != "unchanged"
    ]
    return markdown_table(("file", "change", "details"), rows)


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
