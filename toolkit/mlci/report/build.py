"""Build the pull-request report: gates, metric and param diffs, plots, lineage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlci.config.schema import MlciConfig
from mlci.data.diff import ManifestDiff, diff_manifests
from mlci.data.lineage import Manifest, manifest_to_dict
from mlci.data.quality import QualityReport
from mlci.data.render import quality_json, read_data_check
from mlci.gitutil import git_state
from mlci.markdown import GITHUB_COMMENT_LIMIT, MARKER_ROOM, cap_markdown
from mlci.metrics.diff import MetricsDiff, diff_metrics, diff_params
from mlci.metrics.load import MetricSet, load_metrics, load_params
from mlci.metrics.render import diff_to_dict, json_value
from mlci.report.base_run import base_run
from mlci.report.links import ReportLinks
from mlci.report.parts import ReportInputs, ReportSection
from mlci.report.plots import PlotPair, load_plots
from mlci.report.sections import BuiltSection, build_sections, sections_markdown
from mlci.train.hashing import digest_path
from mlci.train.record import FileDigest, RunRecord, find_run_for_commit, run_folder
from mlci.train.run import lineage_of
from mlci.validate.baseline import Baseline, resolve_baseline
from mlci.validate.gates import GateReport
from mlci.validate.run import check_gates

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
    data_check: tuple[QualityReport, ...] | None = None  # from `mlci data check --json`
    sections: tuple[BuiltSection, ...] = ()  # what render_html renders, as the markdown

    def to_dict(self) -> dict[str, Any]:
        from mlci.resultschema import schema_name

        return {
            "schema": schema_name("report"),
            "gate_passed": self.gate_passed,
            "failed_gates": list(self.gates.failed_metrics),
            "baseline": {
                "source": self.baseline.source,
                "description": self.baseline.description,
                "ref": self.baseline.ref,
                "commit": self.baseline.commit,
                "label": self.baseline.label,  # "main (3f2a1b2)": the base as the report names it
                "branch": self.baseline.branch,  # the records branch, when the record came from it
                "distance": self.baseline.distance,  # commits between the base and its record
                "problem": self.baseline.problem,  # why it is unusable; None when usable
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
            "data_check": (quality_json(self.data_check) if self.data_check is not None else None),
            "sections": [s.name for s in self.sections],
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
    data_check: Sequence[QualityReport] | None = None,
    max_chars: int = GITHUB_COMMENT_LIMIT,
) -> Report:
    """Render from values already loaded (what build_report and the benchmark use).

    `base_record` is the run the lineage is compared with (default: the baseline's
    record); the data's diff is against its manifest, when it has one.
    """
    base_record = base_record or baseline.record
    links = links or ReportLinks()
    base_label = baseline.label
    metrics = diff_metrics(
        _relabel(baseline.metrics, base_label), _relabel(head_metrics, HEAD_LABEL), config.metrics
    )
    params = diff_params(_relabel(baseline.params, base_label), _relabel(head_params, HEAD_LABEL))
    gates = check_gates(config, head_metrics, baseline)
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
    inputs = ReportInputs(
        title=f"mlci report for {config.project}",
        precision=config.metrics.precision,
        baseline=baseline,
        gates=gates,
        metrics=metrics,
        params=params,
        plots=tuple(plots),
        model=model,
        data=tuple(data),
        head_record=head_record,
        base_record=base_record,
        data_manifest=data_manifest,
        data_diff=data_diff,
        links=links,
        errors=errors,
        data_check=tuple(data_check) if data_check is not None else None,
        extra=tuple(sections),
        # The drift check's current data is fetched later: never "missing" from a PR's run.
        current_data=config.data.current.path,
    )
    built = build_sections(inputs)
    full = sections_markdown(built)
    pointer = (
        f"[Full report]({links.full_report_url})"
        if links.full_report_url
        else "The full report is `report.md` in the workflow's artifacts."
    )
    # The sticky comment adds its marker line: leave room so it is not cut a second time.
    capped, truncated = cap_markdown(full, max_chars - MARKER_ROOM, pointer)
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
        inputs.data_check,
        built,
    )


def _plots(config: MlciConfig, root: Path, baseline: Baseline) -> tuple[PlotPair, ...]:
    """The plots with their base side: from the base record's local copy of its plot data,
    else from the records branch's copy of it, else from the files committed at the base."""
    import tempfile

    from mlci.records.branch import extract_record_folder

    record = baseline.record
    plot_dir = run_folder(root, record.id) if record is not None else None
    if plot_dir is not None and plot_dir.is_dir():
        return load_plots(config.train.plots, root, baseline.commit, plot_dir)
    if baseline.source == "records-branch" and baseline.branch and record and record.commit:
        with tempfile.TemporaryDirectory(prefix="mlci-base-plots-") as folder:
            if extract_record_folder(root, baseline.branch, record.commit, Path(folder)):
                return load_plots(config.train.plots, root, None, folder)
    return load_plots(config.train.plots, root, baseline.commit, None)


def build_report(
    config: MlciConfig,
    cwd: str | Path,
    base_ref: str | None = None,
    *,
    baseline_file: str | None = None,
    links: ReportLinks | None = None,
    sections: Sequence[ReportSection] = (),
    data_check: str | Path | None = None,
    max_chars: int = GITHUB_COMMENT_LIMIT,
    base_name: str | None = None,
    baseline: Baseline | None = None,
) -> Report:
    """The report for the work tree in `cwd` against `base_ref` (or `baseline_file`).

    The baseline is resolved by `mlci.validate.resolve_baseline` (the one resolver):
    an unknown base ref or a malformed baseline file is an InputError; a base with no
    usable metrics gives a report without comparison that says why, and gates that
    need a baseline fail as invalid unless they set `allow_missing_baseline`. `data_check`
    is the JSON file `mlci data check --json` wrote (relative to `cwd`); its results
    become the "Data checks" section. `base_name` names a base given as a SHA ("main").
    `baseline`: the one the caller resolved already (the CLI needs it for the images too).
    """
    root = Path(cwd)
    head_metrics = load_metrics(config.train.metrics, root)
    head_params = load_params([config.train.params] if config.train.params else [], root)
    if baseline is None:
        baseline = resolve_baseline(config, root, base_ref, baseline_file, base_name=base_name)
    plots = _plots(config, root, baseline)
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
        data_check=read_data_check(root / data_check) if data_check is not None else None,
        max_chars=max_chars,
    )
