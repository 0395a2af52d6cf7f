"""Where the report points: the workflow run, its artifacts, the full report, images."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportLinks:
    run_url: str | None = None
    artifacts_url: str | None = None
    full_report_url: str | None = None
    # Only when set are PNG images linked from the comment (no image hosting otherwise).
    assets_url: str | None = None
