"""Where the report points: the workflow run, its artifacts, the full report, images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlci.report.images import ImageGallery


@dataclass(frozen=True)
class ReportLinks:
    run_url: str | None = None
    artifacts_url: str | None = None
    full_report_url: str | None = None
    # Only when set are PNG images linked from the comment (no image hosting otherwise).
    assets_url: str | None = None
    # The images the project wrote, by their URL on the assets branch (mlci.report.images):
    # the comment points at them; the HTML report embeds their bytes.
    images: ImageGallery | None = None

    def named(self) -> list[tuple[str, str]]:
        """(title, url) of the links the report's Links section lists, in order."""
        entries = (
            ("Workflow run", self.run_url),
            ("Artifacts (models, plots, full report)", self.artifacts_url),
            ("Full report", self.full_report_url),
        )
        return [(name, url) for name, url in entries if url]
