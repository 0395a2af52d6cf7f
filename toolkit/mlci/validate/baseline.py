"""Which metrics a pull request is compared against, resolved in a documented order.

1. an explicit file (`--baseline`): a metrics file, or a run record JSON;
2. the run record of the base commit in `.mlci/runs/` (what `mlci train` wrote there);
3. the metric files as committed at the base ref (`git show REF:path`).
The first that yields metrics wins; `Baseline.source` and `.description` say which.
Nothing found is a result (`source == "none"`), not an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mlci.config.schema import MlciConfig
from mlci.errors import InputError
from mlci.gitutil import rev_parse
from mlci.metrics.load import MetricFile, MetricSet, load_metrics, parse_metric_text
from mlci.train.record import RunRecord, find_run_for_commit, record_path

Source = Literal["file", "run-record", "git-ref", "none"]


@dataclass(frozen=True)
class Baseline:
    source: Source
    description: str
    metrics: MetricSet | None = None
    params: MetricSet | None = None
    record: RunRecord | None = None
    ref: str | None = None
    commit: str | None = None

    @property
    def found(self) -> bool:
        return self.metrics is not None


def _from_file(config: MlciConfig, cwd: Path, explicit: str) -> Baseline:
    path = Path(explicit) if Path(explicit).is_absolute() else cwd / explicit
    if not path.is_file():
        raise InputError(
            f"{explicit}: baseline file not found", "pass an existing metrics file or run record"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{explicit}: cannot be read ({error})", "check the file") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and {"id", "metrics", "git"} <= set(data):
            record = RunRecord.from_dict(data)
            return Baseline(
                "file",
                f"run record `{explicit}`",
                record.metric_set(),
                record.param_set(),
                record,
                commit=record.commit,
            )
    parsed = parse_metric_text(explicit, text)
    if parsed.error:
        raise InputError(parsed.error, "fix the baseline file's syntax")
    # Filed under the head's first metrics path so the two sides line up in the diff.
    label = config.train.metrics[0] if config.train.metrics else explicit
    metrics = MetricSet((MetricFile(label, parsed.values),), source=explicit)
    return Baseline("file", f"file `{explicit}`", metrics)


def resolve_baseline(
    config: MlciConfig,
    cwd: str | Path,
    base_ref: str | None = None,
    explicit_file: str | None = None,
) -> Baseline:
    """The baseline for a comparison; see the module docstring for the order."""
    root = Path(cwd)
    if explicit_file:
        return _from_file(config, root, explicit_file)
    if not base_ref:
        return Baseline("none", "no baseline: no base ref or baseline file given")
    commit = rev_parse(root, base_ref)
    if commit is None:
        return Baseline("none", f"no baseline: `{base_ref}` is not a known git ref", ref=base_ref)
    short = commit[:7]
    record = find_run_for_commit(root, commit)
    if record is not None:
        where = record_path(root, record.id).relative_to(root).as_posix()
        return Baseline(
            "run-record",
            f"run record `{where}` of `{base_ref}` ({short})",
            record.metric_set(),
            record.param_set(),
            record,
            base_ref,
            commit,
        )
    metrics = load_metrics(config.train.metrics, root, ref=commit)
    if all(f.missing for f in metrics.files):
        return Baseline(
            "none",
            f"no baseline: no run record and no metrics file committed at `{base_ref}` ({short})",
            ref=base_ref,
            commit=commit,
        )
    params = load_metrics([config.train.params] if config.train.params else [], root, commit)
    files = ", ".join(f"`{p}`" for p in config.train.metrics)
    return Baseline(
        "git-ref",
        f"{files} committed at `{base_ref}` ({short})",
        MetricSet(metrics.files, base_ref),
        MetricSet(params.files, base_ref),
        ref=base_ref,
        commit=commit,
    )
