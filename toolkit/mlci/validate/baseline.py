"""Which metrics a pull request is compared against, resolved in a documented order.

1. an explicit file (`--baseline`): a metrics file, or a run record JSON;
2. the run record of the base commit in `.mlci/runs/` (what `mlci train` wrote there);
3. the metric files as committed at the base ref (`git show REF:path`).
The first that yields metrics wins; `Baseline.source` and `.description` say which.

This is the one resolver: `mlci validate`, `mlci report` and the base side of
`mlci metrics diff` / `mlci params diff` all call `resolve_baseline`.

What the user named must exist: an unknown base ref or an explicit file that is
missing or malformed is an InputError. A base ref that resolves but holds no usable
metrics (no record, no committed file, or a malformed one) is a result: the Baseline
carries its `problem`, and each gate that needs a baseline decides (an input error,
or a skip when the gate says `allow_missing_baseline`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mlci.config.schema import MlciConfig
from mlci.documents import parse_json_text
from mlci.errors import InputError
from mlci.gitutil import GitError, rev_parse, run_git
from mlci.metrics.load import (
    MetricFile,
    MetricSet,
    load_metrics,
    load_params,
    read_metric_file,
)
from mlci.output import remember_input
from mlci.train.record import RunRecord, find_run_for_commit, parse_run, record_path

Source = Literal["file", "run-record", "git-ref", "none"]

# Keys that make a JSON baseline file a run record rather than a metrics file.
_RECORD_KEYS = frozenset({"id", "metrics", "git"})


@dataclass(frozen=True)
class Baseline:
    source: Source
    description: str  # where the baseline came from, as the report and validate state it
    metrics: MetricSet | None = None
    params: MetricSet | None = None
    record: RunRecord | None = None
    ref: str | None = None
    commit: str | None = None
    # Why the baseline cannot be used (names the file and what is wrong); None when usable.
    problem: str | None = None
    # Per-file notes of a base ref without metrics ("metrics.json at main: fatal: ...").
    notes: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.metrics is not None


def resolve_commit(root: Path, ref: str) -> str:
    """The commit of `ref`; an unknown ref is an InputError, never "no baseline"."""
    commit = rev_parse(root, ref)
    if commit is None:
        try:
            run_git(root, "rev-parse", "--git-dir")
        except GitError:
            raise InputError(
                f"base ref '{ref}': {root} is not a git repository",
                "run mlci in the repository's checkout, or pass --baseline FILE instead",
            ) from None
        if rev_parse(root, "HEAD") is None:
            raise InputError(
                f"base ref '{ref}': the repository in {root} has no commits yet",
                "commit first, or pass --baseline FILE instead",
            )
        raise InputError(
            f"base ref '{ref}': not a branch, tag or commit in {root}",
            "check the spelling; in a shallow clone fetch the ref first "
            "(actions/checkout with fetch-depth: 0)",
        )
    return commit


def _from_file(root: Path, explicit: str, paths: Sequence[str], kind: str) -> Baseline:
    path = Path(explicit) if Path(explicit).is_absolute() else root / explicit
    remember_input(path)
    if not path.is_file():
        raise InputError(
            f"{explicit}: baseline file not found", "pass an existing metrics file or run record"
        )
    hint = "the baseline must be a metrics file (names and values) or a run record"
    if path.suffix.lower() == ".json":
        try:
            data = parse_json_text(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None  # read_metric_file below says what is wrong
        if isinstance(data, dict) and set(data) >= _RECORD_KEYS:
            record = parse_run(data, explicit)
            return Baseline(
                "file",
                f"run record `{explicit}`",
                record.metric_set(),
                record.param_set(),
                record,
                commit=record.commit,
            )
    # Filed under the head's first metrics path so the two sides line up in the diff.
    label = paths[0] if paths else explicit
    parsed = read_metric_file(path, explicit, kind)
    if parsed.error:
        raise InputError(parsed.error, hint)
    metrics = MetricSet((MetricFile(label, parsed.values),), source=explicit)
    return Baseline("file", f"file `{explicit}`", metrics)


def resolve_baseline(
    config: MlciConfig,
    cwd: str | Path,
    base_ref: str | None = None,
    explicit_file: str | None = None,
    *,
    metrics_paths: Sequence[str] | None = None,
    params_paths: Sequence[str] | None = None,
    records: bool = True,
    kind: Literal["metrics", "params"] = "metrics",
) -> Baseline:
    """The baseline for a comparison; see the module docstring for the order.

    `metrics_paths`/`params_paths` default to train.metrics/train.params; `records=False`
    skips run records (the files as committed, as `mlci metrics diff --base REF` shows);
    `kind="params"` reads `metrics_paths` as params files (`mlci params diff`).
    """
    root = Path(cwd)
    paths = tuple(config.train.metrics if metrics_paths is None else metrics_paths)
    if params_paths is None:
        params_paths = (config.train.params,) if config.train.params else ()
    if explicit_file:
        return _from_file(root, explicit_file, paths, kind)
    if not base_ref:
        return Baseline(
            "none",
            "no baseline: no base ref or baseline file given",
            problem="no base ref or baseline file was given",
        )
    commit = resolve_commit(root, base_ref)
    short = commit[:7]
    record = find_run_for_commit(root, commit) if records else None
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
    loader = load_params if kind == "params" else load_metrics
    metrics = loader(paths, root, ref=base_ref)  # read at the ref: errors name it
    if all(f.missing for f in metrics.files):
        what = "no run record and no metrics file" if records else "no metrics file"
        why = f"{what} committed at `{base_ref}` ({short})"
        notes = tuple(f.error for f in metrics.files if f.error is not None)
        return Baseline(
            "none", f"no baseline: {why}", ref=base_ref, commit=commit, problem=why, notes=notes
        )
    params = load_params(params_paths, root, ref=base_ref)
    files = ", ".join(f"`{p}`" for p in paths)
    broken = [f.error for f in metrics.files if f.error is not None and not f.missing]
    return Baseline(
        "git-ref",
        f"{files} committed at `{base_ref}` ({short})",
        MetricSet(metrics.files, base_ref),
        MetricSet(params.files, base_ref),
        ref=base_ref,
        commit=commit,
        problem="; ".join(broken) if broken else None,
    )
