"""Build the pull-request report: gates, metric and param diffs, plots, lineage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlci.config.schema import MlciConfig
from mlci.data.diff import ManifestDiff, diff_manifests
from mlci.data.lineage import Manifest, manifest_to_dict
from mlci.gitutil import git_state
from mlci.metrics.diff import MetricsDiff, diff_metrics, diff_params
from mlci.metrics.load import MetricSet, load_metrics
from mlci.metrics.render import diff_to_dict, json_value
from mlci.report.base_run import base_run
from mlci.report.cap import GITHUB_COMMENT_LIMIT, cap_markdown
from mlci.report.links import ReportLinks
from mlci.report.markdown import ReportSection, compose, lineage_section
from mlci.report.plots import PlotPair, load_plots
from mlci.train.hashing import digest_path
from mlci.train.record import FileDigest, RunRecord, find_run_for_commit, run_folder
from mlci.train.run import lineage_of
from mlci.validate.baseline import Baseline, resolve_baseline
from mlci.validate.gates import GateReport, evaluate_gates

HEAD_LABEL = "HEAD"


@dataclass(frozen=True)
class Report:
    markdown: str  # capped to the comment limit, ready to post
    full_markdown: str
    truncated: bool
    gate_passed: bool
    baseline: Baseline
    gates: GateReport
    metrics: MetricsDiff
    params: MetricsDiff
    plots: tuple[PlotPair, ...]
    head_record: RunRecord | None
    model: FileDigest | None
    data: tuple[FileDigest, ...]
    errors: tuple[str, ...]
    data_manifest: Manifest | None = None
    data_diff: ManifestDiff | None = None  # base run's manifest -> data_manifest

    def to_dict(self) -> dict[str, Any]:
        return {
            "gate_passed": self.gate_passed,
            "failed_gates": list(self.gates.failed_metrics),
            "baseline": {
                "source": self.baseline.source,
                "description": self.baseline.description,
                "ref": self.baseline.ref,
                "commit": self.baseline.commit,
            },
            "gates": [
                {**asdict(r), "value": json_value(r.value), "baseline": json_value(r.baseline)}
                for r in self.gates.results
            ],
            "metrics": diff_to_dict(self.metrics, show_all=True),
            "params": diff_to_dict(self.params),
            "plots": [p.path for p in self.plots],
            "head_run": self.head_record.id if self.head_record else None,
            "data_manifest": (
                manifest_to_dict(self.data_manifest) if self.data_manifest is not None else None
            ),
            "data_changes": (
                [asdict(c) for c in self.data_diff.files if c.status != "unchanged"]
                if self.data_diff is not None
                else None
            ),
            "errors": list(self.errors),
            "truncated": self.truncated,
        }


def _relabel(values: MetricSet | None, label: str) -> MetricSet:
    return MetricSet(values.files if values is not None else (), label)


def report_from_parts(
    config: MlciConfig,
    *,
    head_metrics: MetricSet,
    head_params: MetricSet,
    baseline: Baseline,
    plots: Sequence[PlotPair] = (),
    head_record: RunRecord | None = None,
    model: FileDigest | None = None,
    data: Sequence[FileDigest] = (),
    data_manifest: Manifest | None = None,
    base_record: RunRecord | None = None,
    links: ReportLinks | None = None,
    sections: Sequence[ReportSection] = (),
    max_chars: int = GITHUB_COMMENT_LIMIT,
) -> Report:
    """Render from values already loaded (what build_report and the benchmark use).

    `base_record` is the run the lineage is compared with (default: the baseline's
    record); the data's diff is against its manifest, when it has one.
    """
    base_record = base_record or baseline.record
    links = links or ReportLinks()
    base_label = baseline.ref or ("baseline" if baseline.found else "base")
    metrics = diff_metrics(
        _relabel(baseline.metrics, base_label), _relabel(head_metrics, HEAD_LABEL), config.metrics
    )
    params = diff_params(_relabel(baseline.params, base_label), _relabel(head_params, HEAD_LABEL))
    gates = evaluate_gates(
        config.validate.gates,
        head_metrics.merged(),
        baseline.metrics.merged() if baseline.metrics is not None else None,
        config.metrics,
    )
    base_manifest = base_record.data_manifest if base_record is not None else None
    data_diff = (
        diff_manifests(base_manifest, data_manifest)
        if base_manifest is not None and data_manifest is not None
        else None
    )
    errors = tuple(
        [f.error for f in (*head_metrics.files, *head_params.files) if f.error]
        + [e for e in (*metrics.errors, *params.errors) if not e.startswith("head: ")]
        + [p.error for p in plots if p.error]
    )
    full = compose(
        gates=gates,
        metrics=metrics,
        params=params,
        baseline=baseline,
        plots=plots,
        lineage=lineage_section(
            model, data, base_record, head_record, manifest=data_manifest, diff=data_diff
        ),
        links=links,
        precision=config.metrics.precision,
        errors=errors,
        sections=sections,
        title=f"mlci report for {config.project}",
    )
    pointer = (
        f"[Full report]({links.full_report_url})"
        if links.full_report_url
        else "The full report is `report.md` in the workflow's artifacts."
    )
    capped, truncated = cap_markdown(full, max_chars, pointer)
    return Report(
        capped,
        full,
        truncated,
        gates.passed,
        baseline,
        gates,
        metrics,
        params,
        tuple(plots),
        head_record,
        model,
        tuple(data),
        errors,
        data_manifest,
        data_diff,
    )


def build_report(
    config: MlciConfig,
    cwd: str | Path,
    base_ref: str | None = None,
    *,
    baseline_file: str | None = None,
    links: ReportLinks | None = None,
    sections: Sequence[ReportSection] = (),
    max_chars: int = GITHUB_COMMENT_LIMIT,
) -> Report:
    """The report for the work tree in `cwd` against `base_ref` (or `baseline_file`).

    The baseline is resolved as `mlci.validate.resolve_baseline` documents; a
    missing baseline gives a report without comparison, not an error.
    """
    root = Path(cwd)
    head_metrics = load_metrics(config.train.metrics, root)
    head_params = load_metrics([config.train.params] if config.train.params else [], root)
    baseline = resolve_baseline(config, root, base_ref, baseline_file)
    plot_dir = run_folder(root, baseline.record.id) if baseline.record is not None else None
    if plot_dir is not None and not plot_dir.is_dir():
        plot_dir = None
    plot_ref = baseline.commit or (base_ref if base_ref and baseline.source != "none" else None)
    plots = load_plots(config.train.plots, root, plot_ref, plot_dir)
    commit = git_state(root).commit
    head_record = find_run_for_commit(root, commit) if commit else None
    manifest: Manifest | None
    if head_record is not None:
        model, data = head_record.model, head_record.data
        manifest = head_record.data_manifest
    else:  # no training recorded for this commit: describe the work tree's data now
        model = digest_path(root, config.train.model) if config.train.model else None
        lineage = lineage_of(config, root)
        data, manifest = lineage.digests, lineage.manifest
    return report_from_parts(
        config,
        head_metrics=head_metrics,
        head_params=head_params,
        baseline=baseline,
        plots=plots,
        head_record=head_record,
        model=model,
        data=data,
        data_manifest=manifest,
        base_record=base_run(root, baseline),
        links=links,
        sections=sections,
        max_chars=max_chars,
    )
