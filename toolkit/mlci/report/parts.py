"""What the report's sections are built from: `ReportInputs`, loaded and computed once.

`mlci.report.sections` turns these into sections; the markdown and HTML renderers of
each section read only what its build function returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlci.data.diff import ManifestDiff
from mlci.data.lineage import Manifest
from mlci.data.quality import QualityReport
from mlci.metrics.diff import MetricsDiff
from mlci.report.links import ReportLinks
from mlci.report.plots import PlotPair
from mlci.train.record import FileDigest, RunRecord
from mlci.validate.baseline import Baseline
from mlci.validate.gates import GateReport


@dataclass(frozen=True)
class ReportSection:
    """A section another part of mlci adds as finished markdown (drift, fairness)."""

    title: str
    markdown: str


@dataclass(frozen=True)
class ReportInputs:
    """Everything a section may read; the diffs and gates are already computed."""

    title: str
    precision: int
    baseline: Baseline
    gates: GateReport
    metrics: MetricsDiff
    params: MetricsDiff
    plots: tuple[PlotPair, ...] = ()
    model: FileDigest | None = None
    data: tuple[FileDigest, ...] = ()
    head_record: RunRecord | None = None
    base_record: RunRecord | None = None
    data_manifest: Manifest | None = None
    data_diff: ManifestDiff | None = None
    links: ReportLinks = field(default_factory=ReportLinks)
    errors: tuple[str, ...] = ()
    # The reports of `mlci data check --json`, when the CI job passed them on.
    data_check: tuple[QualityReport, ...] | None = None
    extra: tuple[ReportSection, ...] = ()

    @property
    def base_label(self) -> str:
        return self.baseline.label
