"""The markdown of each report section (the order lives in `mlci.report.sections`).

Each `*_markdown` function takes what its section's build function returned and gives
the section's markdown, its `###` heading included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlci.data.diff import ManifestDiff
from mlci.data.lineage import FileRecord, Manifest
from mlci.data.quality import QualityReport
from mlci.markdown import markdown_table
from mlci.metrics.diff import MetricsDiff
from mlci.metrics.render import format_value, render_markdown
from mlci.report.charts import plot_markdown
from mlci.report.links import ReportLinks
from mlci.report.parts import ReportInputs, ReportSection, ReportVerdict
from mlci.train.record import FileDigest, RunRecord
from mlci.validate.gates import GateReport


def headline(verdict: ReportVerdict) -> str:
    """`## ❌ Gates failed: `loss` · 0 better, 2 worse than main (3f2a1b2)`."""
    return f"## {verdict.icon} {verdict.sentence(lambda metric: f'`{metric}`')}"


def gates_table(gates: GateReport, precision: int) -> str:
    mark = {"pass": "✅ pass", "fail": "❌ fail", "skip": "⏭️ skip"}
    rows = [
        [
            r.metric,
            r.rule,
            "-" if r.threshold is None else format_value(r.threshold, precision),
            format_value(r.value, precision) if r.rule != "required" or r.status == "pass" else "-",
            mark[r.status],
            r.message,
        ]
        for r in gates.results
    ]
    return markdown_table(["Metric", "Gate", "Threshold", "Value", "Result", "Detail"], rows)


def _head_only_table(metrics: MetricsDiff, precision: int) -> str:
    rows = [
        [c.path, c.name, format_value(c.head, precision)]
        for c in metrics.changes
        if c.status != "removed"
    ]
    return markdown_table(["Path", "Metric", metrics.head_label], rows) if rows else "_No metrics._"


def _short(digest: FileDigest | None) -> str:
    if digest is None or digest.sha256 is None:
        return "missing"
    return f"`{digest.sha256[:12]}`"


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _digest_change(before: FileDigest | None, after: FileDigest) -> str:
    if before is None:
        return "new"
    return "unchanged" if before.sha256 == after.sha256 else "changed"


def _record_hash(record: FileRecord) -> str:
    if record.sha256:
        return f"`{record.sha256[:12]}`"
    return f"`md5:{record.md5[:12]}`" if record.md5 else "-"


def _manifest_table(manifest: Manifest, diff: ManifestDiff | None) -> str:
    """One row per data file: rows, schema, hash, producing command, change vs base."""
    status = {c.path: c.status for c in diff.files} if diff is not None else {}
    label = {"modified": "changed", "added": "new"}
    rows = []
    for r in manifest.files:
        if diff is not None:
            change = label.get(status.get(r.path, ""), status.get(r.path, "-"))
        else:
            change = "-"  # no base run, or one recorded before manifests existed
        rows.append(
            [
                f"`{r.path}`",
                "-" if r.rows is None else str(r.rows),
                str(len(r.columns)) if r.columns else "-",
                f"`{r.schema_fingerprint[:12]}`" if r.schema_fingerprint else "-",
                _record_hash(r),
                _size(r.size),
                f"`{r.command}`" if r.command else "-",
                change,
            ]
        )
    header = ["Data", "Rows", "Columns", "Schema", "SHA-256", "Size", "Produced by"]
    return markdown_table([*header, "vs base run"], rows)


def _changed_line(diff: ManifestDiff | None, base_record: RunRecord | None) -> str:
    if base_record is None:
        return ""
    if diff is None:
        return (
            f"_Base run `{base_record.id}` has no data manifest (recorded by an older mlci): "
            "rows and schema are not compared._"
        )
    if not diff.changed:
        return f"Data unchanged since base run `{base_record.id}`."
    changes = [f"`{c.path}`: {'; '.join(c.details)}" for c in diff.files if c.status != "unchanged"]
    return f"**Changed since base run `{base_record.id}`:** " + " · ".join(changes) + "."


def lineage_section(
    model: FileDigest | None,
    data: Sequence[FileDigest],
    base_record: RunRecord | None,
    head_record: RunRecord | None,
    *,
    manifest: Manifest | None = None,
    diff: ManifestDiff | None = None,
    missing_model: str | None = None,
    missing_data: Sequence[str] = (),
) -> str:
    """Model and data hashes vs the base run; with a manifest, rows, schema and what changed.

    `diff` compares the base run's manifest with `manifest` (None when either is missing).
    `data` holds only the files worth listing (`ReportInputs.shown_data`). A missing
    model is a row and a warning only when the training should have written it
    (`missing_model`); otherwise it is left out, as it tells a reviewer nothing.
    """
    base_data = {d.path: d for d in base_record.data} if base_record else {}
    rows = []
    if model is not None and (model.sha256 is not None or missing_model):
        before = base_record.model if base_record else None
        change = (
            "-" if before is None else ("unchanged" if before.sha256 == model.sha256 else "changed")
        )
        rows.append(["model", model.path, _short(model), _size(model.size), change])
    if manifest is None:  # a record from before manifests: hashes only
        for d in data:
            change = "-" if not base_record else _digest_change(base_data.get(d.path), d)
            rows.append(["data", d.path, _short(d), _size(d.size), change])
    parts = []
    if rows:
        parts.append(markdown_table(["Kind", "Path", "SHA-256", "Size", "vs base run"], rows))
    if missing_model:
        run = f" run `{head_record.id}`" if head_record is not None else ""
        parts.append(
            f"⚠️ The training{run} did not write the model `{missing_model}` "
            "(train.model in mlci.yaml)."
        )
    if manifest is not None and manifest.files:
        parts.append(_manifest_table(manifest, diff))
    if manifest is not None:
        line = _changed_line(diff, base_record)
        if line:
            parts.append(line)
    if manifest is not None and missing_data:
        names = ", ".join(f"`{p}`" for p in missing_data)
        parts.append(f"⚠️ Training data not found: {names} (train.data or data.reference).")
    if head_record is not None:
        runner = head_record.runner
        # The shape of `mlci.runners.RunnerInfo.to_dict()`.
        gpu = runner.get("gpu") or {}
        gpus = ", ".join(g.get("name", "?") for g in gpu.get("gpus") or []) or "no GPU"
        cores = (runner.get("cpu") or {}).get("logical_cores", "?")
        memory = (runner.get("memory") or {}).get("total_gb", "?")
        parts.append(
            f"Run `{head_record.id}`: {head_record.status} in {head_record.duration_s:.1f} s on "
            f"{cores} CPU, {memory} GB, {gpus}.{_preflight_text(runner.get('preflight'))}"
        )
    return "\n\n".join(parts) or "_No model or data files configured._"


def _preflight_text(preflight: Any) -> str:
    """What `mlci runner check` found in the training job (`runner.preflight` of a record)."""
    if not isinstance(preflight, dict):
        return ""
    check = preflight.get("check") or {}
    sentences = []
    if check.get("required_gpu"):
        verdict = "met" if check.get("passed") else "not met"
        sentences.append(f"GPU preflight: requirement {verdict}.")
    for framework in preflight.get("frameworks") or []:
        name = f"{framework.get('name', '?')} {framework.get('version') or ''}".rstrip()
        if framework.get("gpu_available"):
            sentences.append(f"{name} sees {framework.get('device_count', '?')} GPU(s).")
        else:
            sentences.append(f"{name} sees no usable GPU.")
    return "".join(f" {sentence}" for sentence in sentences)


def links_section(links: ReportLinks) -> str:
    items = [f"- [{name}]({url})" for name, url in links.named()]
    return "\n".join(items)


# -- section renderers (registered in mlci.report.sections) ------------------------------
def summary_markdown(inputs: ReportInputs) -> str:
    out = [headline(inputs.verdict), ""]
    out.append(f"**{inputs.title}** · baseline: {inputs.baseline.description}")
    if not inputs.baseline.found:
        out.append("\n⚠️ Metrics are shown without a comparison; see the gates for baseline rules.")
    if inputs.errors:
        out.append("\n" + "\n".join(f"⚠️ `{e}`" for e in inputs.errors))
    return "\n".join(out)


def gates_markdown(inputs: ReportInputs) -> str:
    return "### Gates\n\n" + gates_table(inputs.gates, inputs.precision)


def metrics_markdown(inputs: ReportInputs) -> str:
    if inputs.baseline.found:
        table = render_markdown(inputs.metrics, precision=inputs.precision, show_all=True)
    else:
        table = _head_only_table(inputs.metrics, inputs.precision)
    return "### Metrics\n\n" + table


def params_markdown(inputs: ReportInputs) -> str:
    if not inputs.baseline.found:
        return "### Params\n\n_No baseline to compare params with._"
    return "### Params\n\n" + render_markdown(inputs.params, precision=inputs.precision)


def plots_markdown(inputs: ReportInputs) -> str:
    out = ["### Plots"]
    for pair in inputs.plots:
        chart = plot_markdown(pair, inputs.base_label, inputs.links.assets_url)
        out += ["", f"#### {pair.title}", "", chart]
    return "\n".join(out)


def lineage_markdown(inputs: ReportInputs) -> str:
    text = lineage_section(
        inputs.model,
        inputs.shown_data,
        inputs.base_record,
        inputs.head_record,
        manifest=inputs.data_manifest,
        diff=inputs.data_diff,
        missing_model=inputs.missing_model,
        missing_data=inputs.missing_data,
    )
    return "### Data and lineage\n\n" + text


def data_check_markdown(reports: Sequence[QualityReport]) -> str:
    from mlci.data.render import quality_markdown

    return quality_markdown(reports).rstrip()


def extra_markdown(sections: Sequence[ReportSection]) -> str:
    return "\n\n".join(f"### {s.title}\n\n{s.markdown.strip()}" for s in sections)


def links_markdown(links: ReportLinks) -> str:
    return "### Links\n\n" + links_section(links)
