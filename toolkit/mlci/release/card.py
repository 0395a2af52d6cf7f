"""The model card of a release: data in, markdown out (no files, no git, no network).

The layout is the Hugging Face model card's: YAML front matter whose `model-index`
holds the evaluation results in the shape the Hub reads (`- name`, `results`, `task`,
`metrics: [{type, value, name}]`, plus `license`, `tags`, `library_name` when known),
then prose sections. Every value that comes from a user's file (a description, a
metric or column name, a command) is escaped for where it lands: the front matter is
written by a YAML dumper, table cells through `mlci.markdown.markdown_table`, prose
through `escape_text` (so a description holding `---` or `<script>` stays text), code
spans through `code`.

Sections, in order: model details, metrics (with the change since the previous
release, in words that follow each metric's direction), validation gates, parameters,
training data (hashes and lineage), data checks, fairness, drift profile, training
environment, files (sha256 and size), verifying the files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlci.config.schema import MetricsConfig
from mlci.markdown import markdown_table
from mlci.metrics.diff import is_number
from mlci.metrics.direction import direction_of
from mlci.metrics.render import format_change, format_value
from mlci.train.record import RunRecord
from mlci.validate.outcome import GateOutcome as GateLine  # one gate, as validate judged it

CARD_NAME = "model-card.md"


@dataclass(frozen=True)
class CardAsset:
    name: str
    size: int
    sha256: str
    what: str = ""  # "model", "file", "drift profile"


@dataclass(frozen=True)
class PreviousRelease:
    """The release before this one; `record` None says why in `note`."""

    tag: str
    commit: str
    record: RunRecord | None = None
    note: str | None = None


@dataclass(frozen=True)
class ProfileSummary:
    path: str
    rows: int | None
    columns: tuple[str, ...]
    sha256: str


@dataclass(frozen=True)
class CardData:
    model: str
    version: str  # "v0.1.0"
    tag: str
    project: str
    commit: str
    date: str  # ISO date of the release
    record: RunRecord
    description: str | None = None
    license: str | None = None
    library_name: str | None = None
    task: str = "other"
    repository: str | None = None  # owner/name, for links
    server_url: str = "https://github.com"
    previous: PreviousRelease | None = None
    gates: tuple[GateLine, ...] = ()
    gates_source: str = ""
    metrics_config: MetricsConfig = field(default_factory=MetricsConfig)
    data_check: Mapping[str, Any] | None = None
    fairness: Mapping[str, Any] | None = None
    profile: ProfileSummary | None = None
    assets: tuple[CardAsset, ...] = ()


# -- escaping ------------------------------------------------------------------------------
# `|` is left alone: table cells escape it themselves (mlci.markdown.table_cell).
_INLINE = re.compile(r"([\\`*_\[\]{}~#!])")
_LINE_START = re.compile(r"^(\s*)(?:([-+=>])|(\d+)([.)]))", re.MULTILINE)


def _escape_line_start(match: re.Match[str]) -> str:
    # Backslashes escape punctuation only: `\-`, but `1\.` (not `\1.`).
    if match[2]:
        return f"{match[1]}\\{match[2]}"
    return f"{match[1]}{match[3]}\\{match[4]}"


def escape_text(text: object, *, block: bool = False) -> str:
    """`text` as literal markdown: no HTML, emphasis, links, headings or rules.

    Inline text (a list item's value, a table cell) is kept on one line; `block` text
    (a paragraph of its own, the description) keeps its lines, each escaped where a
    leading -, +, =, > or "1." would make it a list, a rule, a heading or a quote.
    """
    value = str(text) if block else " ".join(str(text).split())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _INLINE.sub(r"\\\1", value)
    return _LINE_START.sub(_escape_line_start, value) if block else value


def _mlci_markdown(text: str) -> str:
    """Markdown mlci wrote itself (names inside code spans): one line, no raw HTML."""
    return " ".join(text.split()).replace("<", "&lt;").replace(">", "&gt;")


def code(text: object) -> str:
    """`text` as one inline code span, whatever backticks it holds."""
    value = " ".join(str(text).split())
    runs = [len(r) for r in re.findall(r"`+", value)]
    fence = "`" * (max(runs) + 1 if runs else 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _mapping(value: Any) -> Mapping[str, Any]:
    """`value` when it is a mapping, else an empty one (files from older mlci versions)."""
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> float | None:
    if is_number(value) and math.isfinite(float(value)):
        return float(value)
    return None


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"


def metric_names(merged: Mapping[str, Any]) -> list[str]:
    """Each metric once: its bare name where unique, else `file:name` (see MetricSet.merged)."""
    return [n for n in merged if ":" not in n or n.split(":", 1)[1] not in merged]


# -- front matter --------------------------------------------------------------------------
def front_matter(data: CardData) -> dict[str, Any]:
    """The card's YAML metadata as a mapping (the Hub's model-index shape)."""
    merged = data.record.metric_set().merged()
    metrics = [
        {"type": name, "value": value, "name": name}
        for name in metric_names(merged)
        if (value := _number(merged[name])) is not None
    ]
    meta: dict[str, Any] = {}
    if data.license:
        meta["license"] = data.license
    if data.library_name:
        meta["library_name"] = data.library_name
    meta["tags"] = ["mlci", data.project] if data.project != data.model else ["mlci"]
    meta["model-index"] = [
        {
            "name": data.model,
            "results": [{"task": {"type": data.task}, "metrics": metrics}],
        }
    ]
    return meta


def _yaml(meta: dict[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000))


# -- sections ------------------------------------------------------------------------------
def _details(data: CardData) -> list[str]:
    lines = ["## Model details", ""]
    if data.description:
        lines += [escape_text(data.description.strip(), block=True), ""]
    commit = code(data.commit[:12])
    if data.repository:
        url = f"{data.server_url}/{data.repository}/commit/{data.commit}"
        commit = f"[{commit}]({url})"
    rows = [
        ("Model", code(data.model)),
        ("Version", code(data.version)),
        ("Tag", code(data.tag)),
        ("Project", escape_text(data.project)),
        ("Commit", commit),
        ("Released", data.date),
        ("Run record", code(data.record.id)),
    ]
    if data.license:
        rows.append(("Licence", escape_text(data.license)))
    lines += [f"- **{label}:** {value}" for label, value in rows]
    return lines


def describe_change(name: str, new: float, old: float, config: MetricsConfig) -> str:
    """ "rose by 0.016 (better)", "fell by 0.2 (worse)", "unchanged": direction-aware."""
    delta = new - old
    if delta == 0:
        return "unchanged"
    better = (delta > 0) == (direction_of(name, config) == "higher")
    verb = "rose" if delta > 0 else "fell"
    amount = format_change(abs(delta), config.precision).lstrip("+")
    return f"{verb} by {amount} ({'better' if better else 'worse'})"


def _metrics(data: CardData) -> list[str]:
    lines = ["## Metrics", ""]
    head = data.record.metric_set()
    merged = head.merged()
    names = metric_names(merged)
    if not names:
        return [*lines, "The run record holds no metrics."]
    previous = data.previous
    base = previous.record.metric_set().merged() if previous and previous.record else None
    precision = data.metrics_config.precision
    if previous is None:
        lines += ["The first release of this model: nothing to compare with.", ""]
    elif base is None:
        lines += [
            f"Compared with {code(previous.tag)}: "
            f"{escape_text(previous.note or 'no run record of it was found')}.",
            "",
        ]
    else:
        lines += [f"Compared with the previous release {code(previous.tag)}.", ""]
    header = ["Metric", "Value"]
    if base is not None and previous is not None:
        header += [previous.tag, "Change"]
    rows = []
    for name in names:
        row = [code(name), format_value(merged[name], precision)]
        if base is not None and previous is not None:
            new, old = _number(merged[name]), _number(base.get(name))
            if name not in base:
                row += ["-", "new metric"]
            elif new is None or old is None:
                row += [format_value(base[name], precision), "-"]
            else:
                row += [
                    format_value(base[name], precision),
                    describe_change(name, new, old, data.metrics_config),
                ]
        rows.append(row)
    return [*lines, markdown_table(header, rows)]


def _gates(data: CardData) -> list[str]:
    lines = ["## Validation gates", ""]
    if data.gates_source:
        # mlci's own markdown (the baseline's description, as the PR report shows it):
        # only HTML is neutralised, its code spans stay.
        lines += [f"Checked against {_mlci_markdown(data.gates_source)}.", ""]
    if not data.gates:
        return [*lines, "No gates are configured (validate.gates in mlci.yaml)."]
    marks = {"pass": "✅ pass", "fail": "❌ fail", "skip": "⏭️ skip"}
    rows = [
        [marks.get(g.status, g.status), code(g.metric), g.rule, escape_text(g.message)]
        for g in data.gates
    ]
    return [*lines, markdown_table(["Status", "Metric", "Rule", "Result"], rows)]


def _params(data: CardData) -> list[str]:
    lines = ["## Parameters", ""]
    rows = [
        [code(file), code(name), code(format_value(value))]
        for file, values in data.record.params.items()
        for name, value in values.items()
    ]
    if not rows:
        return [*lines, "The run record holds no parameters."]
    return [*lines, markdown_table(["File", "Name", "Value"], rows)]


def _lineage(data: CardData) -> list[str]:
    record = data.record
    lines = ["## Training data", ""]
    if not record.data and record.data_manifest is None:
        return [*lines, "No data files were recorded (train.data in mlci.yaml)."]
    if record.data:
        rows = [
            [code(d.path), code(d.sha256 or "-"), _size(d.size), str(d.files)] for d in record.data
        ]
        lines += [markdown_table(["File", "sha256", "Size", "Files"], rows)]
    manifest = record.data_manifest
    if manifest is not None:
        lines += ["", "Lineage manifest:", ""] if record.data else ["Lineage manifest:", ""]
        rows = [
            [
                code(f.path),
                "-" if f.rows is None else str(f.rows),
                str(len(f.columns)),
                code(f.schema_fingerprint) if f.schema_fingerprint else "-",
                code(f.command) if f.command else "-",
            ]
            for f in manifest.files
        ]
        lines += [markdown_table(["File", "Rows", "Columns", "Schema", "Made by"], rows)]
    return lines


def _data_checks(check: Mapping[str, Any]) -> list[str]:
    verdict = "passed" if check.get("passed") else "failed"
    lines = ["## Data checks", "", f"The data checks {verdict}.", ""]
    rows = []
    for item in check.get("files") or []:
        if isinstance(item, Mapping):
            failures = item.get("failures") or []
            rows.append(
                [
                    code(item.get("path", "?")),
                    str(item.get("rows", "-")),
                    str(item.get("checks", "-")),
                    "passed" if item.get("passed", not failures) else f"{len(failures)} failed",
                ]
            )
    if rows:
        lines.append(markdown_table(["File", "Rows", "Checks", "Outcome"], rows))
    return lines


def _fairness(report: Mapping[str, Any]) -> list[str]:
    verdict = "passed" if report.get("passed") else "failed"
    result = _mapping(report.get("result"))
    lines = ["## Fairness", "", f"The fairness gates {verdict}.", ""]
    rows = []
    for feature in result.get("features") or []:
        if not isinstance(feature, Mapping):
            continue
        disparities = feature.get("disparities") or {}
        for name, value in disparities.items() if isinstance(disparities, Mapping) else ():
            rows.append([code(feature.get("feature", "?")), code(name), format_value(value)])
    if rows:
        lines.append(markdown_table(["Sensitive feature", "Metric", "Value"], rows))
    failed = [g for g in report.get("gates") or [] if isinstance(g, Mapping) and not g["passed"]]
    if failed:
        lines += ["", f"Failed: {', '.join(code(g.get('metric', '?')) for g in failed)}."]
    return lines


def _profile(profile: ProfileSummary) -> list[str]:
    shown = ", ".join(code(c) for c in profile.columns[:50])
    more = f" and {len(profile.columns) - 50} more" if len(profile.columns) > 50 else ""
    rows = "unknown" if profile.rows is None else f"{profile.rows:,}"
    return [
        "## Drift profile",
        "",
        "The reference profile that scheduled drift checks compare production data with.",
        "",
        f"- **File:** {code(profile.path)}",
        f"- **sha256:** {code(profile.sha256)}",
        f"- **Rows:** {rows}",
        f"- **Columns ({len(profile.columns)}):** {shown}{more}",
    ]


def _environment(record: RunRecord) -> list[str]:
    runner = record.runner
    lines = ["## Training environment", ""]
    items = [("Command", code(record.command)), ("Duration", f"{record.duration_s:.1f} s")]
    system = _mapping(runner.get("os"))
    if system:
        name = (
            system.get("distribution") or f"{system.get('system', '')} {system.get('release', '')}"
        )
        items.append(("OS", f"{escape_text(str(name).strip())} ({system.get('machine', '?')})"))
    if runner.get("python"):
        items.append(("Python", escape_text(runner["python"])))
    cpu = _mapping(runner.get("cpu"))
    if cpu.get("model") or cpu.get("logical_cores"):
        cores = f", {cpu['logical_cores']} cores" if cpu.get("logical_cores") else ""
        items.append(("CPU", f"{escape_text(cpu.get('model') or 'unknown')}{cores}"))
    memory = _mapping(runner.get("memory"))
    if memory.get("total_gb") is not None:
        items.append(("Memory", f"{memory['total_gb']} GB"))
    gpu = _mapping(runner.get("gpu"))
    gpus = [g for g in gpu.get("gpus") or [] if isinstance(g, Mapping)]
    if gpus:
        for g in gpus:
            size = g.get("memory_total_gb")
            label = escape_text(g.get("name", "GPU")) + (f", {size} GB" if size else "")
            items.append((f"GPU {g.get('index', '')}".strip(), label))
        driver = [f"driver {gpu['driver_version']}"] if gpu.get("driver_version") else []
        cuda = [f"CUDA {gpu['cuda_version']}"] if gpu.get("cuda_version") else []
        if driver or cuda:
            items.append(("NVIDIA", escape_text(", ".join(driver + cuda))))
    elif runner:
        items.append(("GPU", "none found"))
    for framework in runner.get("frameworks") or []:
        if isinstance(framework, Mapping) and framework.get("name"):
            version = framework.get("version") or "?"
            on = "GPU" if framework.get("gpu_available") else "CPU"
            items.append((escape_text(framework["name"]), f"{escape_text(version)} ({on})"))
    return lines + [f"- **{label}:** {value}" for label, value in items]


def _files(assets: Sequence[CardAsset]) -> list[str]:
    lines = ["## Files", ""]
    if not assets:
        return [*lines, "No files besides this card."]
    rows = [[code(a.name), a.what, _size(a.size), code(a.sha256)] for a in assets]
    return [*lines, markdown_table(["File", "What", "Size", "sha256"], rows)]


def _verify(data: CardData) -> list[str]:
    lines = [
        "## Verifying the files",
        "",
        "Each file's sha256 is listed above; after downloading the release assets:",
        "",
        "```sh",
        *[
            f"echo '{a.sha256}  {a.name}' | sha256sum -c -"
            for a in data.assets
            if "'" not in a.name
        ],
        "```",
    ]
    if data.repository:
        lines += [
            "",
            "Where the release workflow attested the model's build provenance:",
            "",
            "```sh",
            f"gh attestation verify MODEL_FILE --repo {data.repository}",
            "```",
        ]
    return lines


def render_card(data: CardData) -> str:
    """The model card as markdown with YAML front matter."""
    parts: list[list[str]] = [
        [f"# {escape_text(data.model)} {escape_text(data.version)}"],
        _details(data),
        _metrics(data),
        _gates(data),
        _params(data),
        _lineage(data),
    ]
    if data.data_check is not None:
        parts.append(_data_checks(data.data_check))
    if data.fairness is not None:
        parts.append(_fairness(data.fairness))
    if data.profile is not None:
        parts.append(_profile(data.profile))
    parts += [_environment(data.record), _files(data.assets), _verify(data)]
    body = "\n\n".join("\n".join(part) for part in parts)
    return f"---\n{_yaml(front_matter(data))}---\n\n{body}\n"
