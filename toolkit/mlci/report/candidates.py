"""The report of a sweep: every candidate against the base, the best one marked.

`mlci report --candidates DIR` reads the candidates' records (`DIR/<id>/run.json`,
`mlci.train.sweep`), picks the best by `train.select.metric` and builds the usual
report with that candidate as the head: its gates, metrics, params, plots and lineage
against the base. One more section, "Candidates", goes after the gates: a table of
every candidate (the params that differ across them, each metric, its change vs the
base in the metric's direction), the selected one marked, failed and cancelled ones
listed with their status, and a Mermaid chart of the selection metric per candidate.

The section is a `mlci.report.sections.Section` like the others; it is inserted into
the built sections here, since its data (the candidates) is no `ReportInputs` field.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.config.schema import MlciConfig
from mlci.markdown import GITHUB_COMMENT_LIMIT, MARKER_ROOM, cap_markdown, markdown_table
from mlci.metrics.direction import direction_of
from mlci.metrics.flatten import Scalar
from mlci.metrics.render import format_value
from mlci.report import html as h
from mlci.report.build import Report, report_from_parts
from mlci.report.charts import BASE_COLOUR, HEAD_COLOUR, unique_labels
from mlci.report.links import ReportLinks
from mlci.report.plots import PlotPair
from mlci.report.sections import BuiltSection, Section, sections_markdown
from mlci.train.sweep import CandidateRun, Direction, read_candidates, select_best
from mlci.validate.baseline import Baseline

SELECTED_MARK = "⭐"


@dataclass(frozen=True)
class CandidateRow:
    run: CandidateRun
    params: dict[str, Scalar]  # the swept keys' values (only keys that differ are shown)
    metrics: dict[str, Scalar]


@dataclass(frozen=True)
class CandidatesTable:
    """What the Candidates section shows."""

    metric: str
    direction: Direction
    selected: str | None
    base_label: str
    base_metrics: dict[str, Scalar]  # empty when there is no usable baseline
    param_keys: tuple[str, ...]  # the params whose values differ across candidates
    metric_names: tuple[str, ...]
    rows: tuple[CandidateRow, ...]
    precision: int
    directions: dict[str, Direction]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "direction": self.direction,
            "selected": self.selected,
            "candidates": [
                {**row.run.to_dict(), "metrics": dict(row.metrics)} for row in self.rows
            ],
        }


@dataclass(frozen=True)
class CandidatesReport:
    report: Report  # the selected candidate's report, the Candidates section included
    table: CandidatesTable

    @property
    def selected(self) -> str | None:
        return self.table.selected

    def to_dict(self) -> dict[str, Any]:
        return {**self.report.to_dict(), "candidates": self.table.to_dict()}


# --- building -------------------------------------------------------------------------


def candidates_table(
    config: MlciConfig,
    runs: Sequence[CandidateRun],
    baseline: Baseline,
    metric: str,
    direction: Direction,
) -> CandidatesTable:
    selected = select_best(runs, direction)
    rows = []
    for run in runs:
        record = run.record
        metrics = record.metric_set().merged() if record is not None else {}
        rows.append(CandidateRow(run, dict(run.candidate.params), _bare(metrics)))
    keys = list(dict.fromkeys(k for row in rows for k in row.params))
    differing = tuple(k for k in keys if len({repr(r.params.get(k)) for r in rows}) > 1)
    found = list(dict.fromkeys(n for row in rows for n in row.metrics))
    names = [n for n in found if n == metric] + [n for n in found if n != metric]
    base = _bare(baseline.metrics.merged()) if baseline.found and baseline.metrics else {}
    return CandidatesTable(
        metric=metric,
        direction=direction,
        selected=selected,
        base_label=baseline.label,
        base_metrics=base,
        param_keys=differing or tuple(keys),
        metric_names=tuple(names),
        rows=tuple(rows),
        precision=config.metrics.precision,
        directions={
            n: direction if n == metric else direction_of(n, config.metrics) for n in names
        },
    )


def _bare(values: dict[str, Scalar]) -> dict[str, Scalar]:
    """Bare metric names only (`roc_auc`; `file:name` stays where the bare one is ambiguous)."""
    bare = {k: v for k, v in values.items() if ":" not in k}
    for key, value in values.items():
        name = key.split(":", 1)[-1]
        if ":" in key and name not in bare:
            bare[key] = value
    return bare


def build_candidates_report(
    config: MlciConfig,
    root: str | Path,
    folder: str | Path,
    baseline: Baseline,
    *,
    links: ReportLinks | None = None,
    max_chars: int = GITHUB_COMMENT_LIMIT,
) -> CandidatesReport:
    """The report of the candidates in `folder`: the selected one as the head, against
    `baseline` (resolved by the caller with `mlci.validate.resolve_baseline`), with its
    gates, and the Candidates section after them."""
    from mlci.errors import ConfigError
    from mlci.metrics.load import MetricSet
    from mlci.report.plots import load_plots
    from mlci.train.record import run_folder
    from mlci.train.sweep import plan_sweep

    root = Path(root)
    plan = plan_sweep(config, root) if config.train.sweep is not None else None
    metric = plan.metric if plan is not None else config.train.select.metric
    if metric is None:
        raise ConfigError(
            "mlci.yaml: train.select.metric is not set, so no candidate can be picked",
            "e.g. train.select: {metric: roc_auc}",
        )
    direction = (
        plan.direction
        if plan is not None
        else config.train.select.direction or direction_of(metric, config.metrics)
    )
    runs = read_candidates(folder, plan, metric)
    table = candidates_table(config, runs, baseline, metric, direction)
    chosen = next((r for r in runs if r.candidate.id == table.selected), None)
    record = chosen.record if chosen is not None else None
    plots: tuple[PlotPair, ...] = ()
    if record is not None and config.train.plots:
        base = baseline.record
        base_dir = run_folder(root, base.id) if base is not None else None
        plots = load_plots(
            config.train.plots,
            Path(folder) / record.candidate["id"] if record.candidate else folder,
            None,
            base_dir if base_dir is not None and base_dir.is_dir() else None,
        )
    report = report_from_parts(
        config,
        head_metrics=record.metric_set() if record else MetricSet((), "no candidate"),
        head_params=record.param_set() if record else MetricSet((), "no candidate"),
        baseline=baseline,
        plots=plots,
        head_record=record,
        model=record.model if record else None,
        data=record.data if record else (),
        data_manifest=record.data_manifest if record else None,
        links=links,
        max_chars=max_chars,
    )
    return CandidatesReport(_with_section(report, table, links, max_chars), table)


def _with_section(
    report: Report, table: CandidatesTable, links: ReportLinks | None, max_chars: int
) -> Report:
    """`report` with the Candidates section after its gates (else after its summary)."""
    built = list(report.sections)
    names = [b.name for b in built]
    at = names.index("gates") + 1 if "gates" in names else (1 if names else 0)
    built.insert(at, BuiltSection(CANDIDATES_SECTION, table))
    full = sections_markdown(built)
    pointer = (
        f"[Full report]({links.full_report_url})"
        if links is not None and links.full_report_url
        else "The full report is `report.md` in the workflow's artifacts."
    )
    capped, truncated = cap_markdown(full, max_chars - MARKER_ROOM, pointer)
    return dataclasses.replace(
        report, markdown=capped, full_markdown=full, truncated=truncated, sections=tuple(built)
    )


# --- rendering ------------------------------------------------------------------------


def _change(value: Scalar, base: Scalar, direction: Direction, precision: int) -> str:
    """ "+0.012 better": the change vs the base, judged by the metric's direction."""
    if not _number(value) or not _number(base):
        return ""
    change = float(value) - float(base)  # type: ignore[arg-type]
    if change == 0:
        return "±0"
    better = change > 0 if direction == "higher" else change < 0
    sign = "+" if change > 0 else "−"
    return f"{sign}{format_value(abs(change), precision)} {'better' if better else 'worse'}"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _cells(table: CandidatesTable, row: CandidateRow) -> list[str]:
    mark = f" {SELECTED_MARK}" if row.run.candidate.id == table.selected else ""
    cells = [f"{row.run.candidate.id}{mark}", row.run.status]
    cells += [format_value(row.params.get(k), table.precision) for k in table.param_keys]
    for name in table.metric_names:
        if name not in row.metrics:
            cells.append("-")
            continue
        value = format_value(row.metrics[name], table.precision)
        change = _change(
            row.metrics[name],
            table.base_metrics.get(name),
            table.directions[name],
            table.precision,
        )
        cells.append(f"{value} ({change})" if change else value)
    return cells


def _header(table: CandidatesTable) -> list[str]:
    return ["candidate", "status", *table.param_keys, *table.metric_names]


def _base_cells(table: CandidatesTable) -> list[str]:
    cells = [f"base `{table.base_label}`", ""] + ["" for _ in table.param_keys]
    cells += [
        format_value(table.base_metrics[n], table.precision) if n in table.base_metrics else "-"
        for n in table.metric_names
    ]
    return cells


def _verdict(table: CandidatesTable) -> str:
    word = "higher" if table.direction == "higher" else "lower"
    if table.selected is None:
        return f"No candidate succeeded with a value of `{table.metric}`: none is selected."
    return (
        f"{SELECTED_MARK} **{table.selected}** is the best by `{table.metric}` "
        f"({word} is better); the gates above are its gates."
    )


def _not_run(table: CandidatesTable) -> list[str]:
    return [
        f"{row.run.candidate.id}: {row.run.status}" + (f" ({row.run.note})" if row.run.note else "")
        for row in table.rows
        if row.run.status != "succeeded"
    ]


def candidates_chart(table: CandidatesTable) -> str:
    """A Mermaid bar chart of the selection metric per succeeded candidate; the base is a
    line. Colours and label cuts as `mlci.report.charts` draws the plots."""
    measured = [
        r
        for r in table.rows
        if r.run.status == "succeeded" and _number(r.metrics.get(table.metric))
    ]
    if not measured:
        return ""
    values = [float(r.metrics[table.metric]) for r in measured]  # type: ignore[arg-type]
    base = table.base_metrics.get(table.metric)
    shown = values + ([float(base)] if _number(base) else [])  # type: ignore[arg-type]
    low, high = min(shown), max(shown)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 1.0
    palette = HEAD_COLOUR + (", " + BASE_COLOUR if _number(base) else "")
    labels = unique_labels(
        [
            r.run.candidate.id
            + (f" {SELECTED_MARK}" if r.run.candidate.id == table.selected else "")
            for r in measured
        ]
    )
    lines = [
        "```mermaid",
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + palette + '"}}}}%%',
        "xychart-beta",
        f'    title "{table.metric} per candidate"',
        "    x-axis [" + ", ".join(f'"{label}"' for label in labels) + "]",
        f'    y-axis "{table.metric}" {low - pad:.6g} --> {high + pad:.6g}',
        "    bar [" + ", ".join(f"{v:.6g}" for v in values) + "]",
    ]
    if _number(base):
        lines.append("    line [" + ", ".join(f"{float(base):.6g}" for _ in values) + "]")  # type: ignore[arg-type]
    lines.append("```")
    legend = "_🟧 bars: candidates"
    legend += f" · 🟦 line: base `{table.base_label}`_" if _number(base) else "_"
    return "\n".join(lines) + "\n\n" + legend


def candidates_markdown(table: CandidatesTable) -> str:
    rows = [_cells(table, row) for row in table.rows]
    if table.base_metrics:
        rows.insert(0, _base_cells(table))
    parts = [
        "### Candidates",
        "",
        _verdict(table),
        "",
        markdown_table(_header(table), rows),
    ]
    not_run = _not_run(table)
    if not_run:
        parts += ["", "Not in the selection: " + "; ".join(not_run) + "."]
    chart = candidates_chart(table)
    if chart:
        parts += ["", chart]
    return "\n".join(parts)


def candidates_html(table: CandidatesTable) -> str:
    rows = [_cells(table, row) for row in table.rows]
    classes = ["selected" if r.run.candidate.id == table.selected else "" for r in table.rows]
    if table.base_metrics:
        rows.insert(0, _base_cells(table))
        classes.insert(0, "base")
    parts = [h.heading("Candidates"), h.para(_verdict(table).replace("**", ""))]
    parts.append(h.table(_header(table), rows, classes))
    not_run = _not_run(table)
    if not_run:
        parts.append(h.para("Not in the selection: " + "; ".join(not_run) + "."))
    return "\n".join(parts)


def _no_inputs(inputs: object) -> None:
    """The section's data comes from the candidates' folder, not from `ReportInputs`."""
    return None


CANDIDATES_SECTION = Section("candidates", _no_inputs, candidates_markdown, candidates_html)
