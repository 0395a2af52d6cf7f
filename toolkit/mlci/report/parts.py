"""What the report's sections are built from: `ReportInputs`, loaded and computed once.

`mlci.report.sections` turns these into sections; the markdown and HTML renderers of
each section read only what its build function returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

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
    # `data.current.path`: the drift check's current data, which the scheduled check
    # fetches later. It is not training data, so a PR report never calls it missing.
    current_data: str | None = None

    @property
    def base_label(self) -> str:
        return self.baseline.label

    @property
    def verdict(self) -> ReportVerdict:
        return report_verdict(self)

    @property
    def shown_data(self) -> tuple[FileDigest, ...]:
        """The data files the lineage lists: all that exist, and the missing ones that
        the training was expected to read (never the drift check's current data)."""
        return tuple(d for d in self.data if d.sha256 is not None or d.path != self.current_data)

    @property
    def missing_data(self) -> tuple[str, ...]:
        """Declared training data (train.data, data.reference) that is not there."""
        return tuple(d.path for d in self.shown_data if d.sha256 is None)

    @property
    def model_expected(self) -> bool:
        """Whether a missing model is news: a training run for this commit succeeded,
        so the model it declares (`train.model`) should have been written. A report
        built without a recorded training (another job) has no model to look at."""
        return self.head_record is not None and self.head_record.succeeded

    @property
    def missing_model(self) -> str | None:
        """The declared model's path when the training should have written it and did not."""
        model = self.model
        if model is None or model.sha256 is not None or not self.model_expected:
            return None
        return model.path


GateState = Literal["failed", "passed", "unchecked", "none"]
HEADLINE_ICONS: dict[GateState, str] = {
    "failed": "❌",
    "passed": "✅",
    "unchecked": "⚠️",
    "none": "ℹ️",
}


@dataclass(frozen=True)
class ReportVerdict:
    """The report's one headline, shared by the markdown and HTML renderers so the two
    never disagree, and agreeing with `gate_passed` (what the check run and the exit
    code say): a failed gate is never a green headline, and gates that were all
    skipped do not read as checked."""

    state: GateState
    failed: tuple[str, ...] = ()  # metrics whose gate failed on its value
    invalid: tuple[str, ...] = ()  # metrics whose gate could not be evaluated (exit 2)
    skipped: int = 0
    total: int = 0
    better: int = 0
    worse: int = 0
    base_label: str | None = None  # None: no baseline, so no better/worse counts

    @property
    def icon(self) -> str:
        return HEADLINE_ICONS[self.state]

    def sentence(self, name: Callable[[str], str] = str) -> str:
        """The headline without its icon; `name` formats a metric (markdown: `code`)."""

        def names(metrics: tuple[str, ...]) -> str:
            return ", ".join(name(m) for m in metrics)

        if self.state == "failed":
            parts = []
            if self.failed:
                parts.append(f"Gates failed: {names(self.failed)}")
            if self.invalid:
                lead = "could not be checked" if self.failed else "Gates could not be checked"
                parts.append(f"{lead}: {names(self.invalid)}")
            text = "; ".join(parts)
        elif self.state == "passed":
            text = "All gates passed"
            if self.skipped:
                text = f"Gates passed, {self.skipped} of {self.total} skipped"
        elif self.state == "unchecked":
            text = f"Gates passed but none was checked: all {self.total} skipped"
        else:
            text = "No gates configured"
        return text + self.comparison()

    def comparison(self) -> str:
        if self.base_label is None:
            return ""
        if not (self.better or self.worse):
            return f" · no metric better or worse than {self.base_label}"
        return f" · {self.better} better, {self.worse} worse than {self.base_label}"


def report_verdict(inputs: ReportInputs) -> ReportVerdict:
    gates = inputs.gates
    results = gates.results
    invalid = tuple(dict.fromkeys(r.metric for r in gates.invalid))
    failed = tuple(dict.fromkeys(r.metric for r in gates.failed if not r.invalid))
    skipped = sum(1 for r in results if r.status == "skip")
    state: GateState
    if not results:
        state = "none"
    elif not gates.passed:
        state = "failed"
    elif skipped == len(results):
        state = "unchecked"
    else:
        state = "passed"
    found = inputs.baseline.found
    return ReportVerdict(
        state,
        failed,
        invalid,
        skipped,
        len(results),
        inputs.metrics.count("better") if found else 0,
        inputs.metrics.count("worse") if found else 0,
        inputs.base_label if found else None,
    )
