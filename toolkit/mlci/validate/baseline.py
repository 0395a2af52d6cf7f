"""Which metrics a pull request is compared against, resolved in a documented order.

1. an explicit file (`--baseline`): a metrics file or a run record JSON; a value that
   starts with `mlflow:` names an MLflow model or run (`mlci.tracking.mlflow`);
2. the run record of the base commit on the records branch (`baseline.branch`), or of
   its nearest first-parent ancestor within `baseline.max_distance` (what a push to
   the default branch published, see `mlci.records`);
3. the run record of the base commit in `.mlci/runs/` (what `mlci train` wrote there);
4. the metric files as committed at the base ref (`git show REF:path`).
The first that yields metrics wins; `Baseline.source` and `.description` say which,
naming the base by its branch and short SHA (`Baseline.label`), never a full SHA.

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

Source = Literal["file", "mlflow", "records-branch", "run-record", "git-ref", "none"]

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
    # Notes of the search: per-file notes of a base ref without metrics ("metrics.json
    # at main: fatal: ..."), records skipped on the records branch, a failed fetch.
    notes: tuple[str, ...] = ()
    # How the report names the base: `--base-branch NAME`, else the ref when it is a
    # name; None when the ref is a bare SHA (then `label` shows it short).
    name: str | None = None
    branch: str | None = None  # the records branch searched (source records-branch: read)
    distance: int | None = None  # records-branch: commits between the base and the record

    @property
    def found(self) -> bool:
        return self.metrics is not None

    @property
    def label(self) -> str:
        """The base in one short phrase: "main (3f2a1b2)", "3f2a1b2", "baseline"."""
        short = self.commit[:7] if self.commit else None
        if self.name and short:
            return f"{self.name} ({short})"
        return self.name or short or ("baseline" if self.found else "base")


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


def is_commit_id(ref: str, commit: str) -> bool:
    """Whether `ref` is (a prefix of) the SHA `commit`, not a name (branch, tag, HEAD~2)."""
    return (
        len(ref) >= 4
        and commit.startswith(ref.lower())
        and all(c in "0123456789abcdef" for c in ref.lower())
    )


def name_of_base(ref: str, commit: str, name: str | None = None) -> str | None:
    """How a report names the base: `name` when given, the ref unless it is a bare SHA."""
    if name:
        return name
    return None if is_commit_id(ref, commit) else ref


def _named(name: str | None, commit: str) -> str:
    """ "`main` (3f2a1b2)" or, for a base known only by its SHA, "3f2a1b2"."""
    return f"`{name}` ({commit[:7]})" if name else commit[:7]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _from_records_branch(
    config: MlciConfig, root: Path, ref: str, commit: str, name: str | None
) -> tuple[Baseline | None, tuple[str, ...]]:
    """The published record of the base commit or its nearest ancestor; the search's notes."""
    from mlci.records.branch import search_records

    branch = config.baseline.branch
    search = search_records(root, branch, commit, config.baseline.max_distance)
    found = search.found
    if found is None:
        return None, search.notes
    where = f"from branch {branch}"
    if found.distance == 0:
        at = f"`{name}` at {commit[:7]}" if name else commit[:7]
        description = f"run record of {at} {where}"
    else:
        before = _plural(found.distance, "commit")
        base = f"`{name}` ({commit[:7]})" if name else commit[:7]
        description = f"run record of {found.commit[:7]}, {before} before the base {base}, {where}"
    record = found.record
    return (
        Baseline(
            "records-branch",
            description,
            record.metric_set(),
            record.param_set(),
            record,
            ref,
            commit,
            notes=search.notes,
            name=name,
            branch=branch,
            distance=found.distance,
        ),
        search.notes,
    )


def _from_mlflow(config: MlciConfig, spec: str, paths: Sequence[str]) -> Baseline:
    from mlci.tracking.mlflow import baseline_from_uri  # optional backend: imported late

    return baseline_from_uri(config, spec, paths[0] if paths else "metrics")


def resolve_baseline(
    config: MlciConfig,
    cwd: str | Path,
    base_ref: str | None = None,
    explicit_file: str | None = None,
    *,
    metrics_paths: Sequence[str] | None = None,
    params_paths: Sequence[str] | None = None,
    records: bool = True,
    records_branch: bool = True,
    kind: Literal["metrics", "params"] = "metrics",
    base_name: str | None = None,
) -> Baseline:
    """The baseline for a comparison; see the module docstring for the order.

    `metrics_paths`/`params_paths` default to train.metrics/train.params; `records=False`
    skips the local run records (`.mlci/runs/`), `records_branch=False` the records
    branch; with both off it reads the files as committed. `kind="params"` reads
    `metrics_paths` as params files (`mlci params diff`). `base_name` is how to name
    the base (`--base-branch main` for a `--base` given as a SHA).
    """
    root = Path(cwd)
    paths = tuple(config.train.metrics if metrics_paths is None else metrics_paths)
    if params_paths is None:
        params_paths = (config.train.params,) if config.train.params else ()
    if explicit_file and explicit_file.startswith("mlflow:"):
        return _from_mlflow(config, explicit_file, paths)
    if explicit_file:
        return _from_file(root, explicit_file, paths, kind)
    if not base_ref:
        return Baseline(
            "none",
            "no baseline: no base ref or baseline file given",
            problem="no base ref or baseline file was given",
        )
    commit = resolve_commit(root, base_ref)
    name = name_of_base(base_ref, commit, base_name)
    named = _named(name, commit)
    searched: tuple[str, ...] = ()
    if records_branch:
        published, searched = _from_records_branch(config, root, base_ref, commit, name)
        if published is not None:
            return published
    branch = config.baseline.branch if records_branch else None
    record = find_run_for_commit(root, commit) if records else None
    if record is not None:
        where = record_path(root, record.id).relative_to(root).as_posix()
        return Baseline(
            "run-record",
            f"run record `{where}` of {named}",
            record.metric_set(),
            record.param_set(),
            record,
            base_ref,
            commit,
            notes=searched,
            name=name,
            branch=branch,
        )
    loader = load_params if kind == "params" else load_metrics
    metrics = loader(paths, root, ref=base_ref)  # read at the ref: errors name it
    if all(f.missing for f in metrics.files):
        any_records = records or records_branch
        what = "no run record and no metrics file" if any_records else "no metrics file"
        why = f"{what} committed at {named}"
        notes = tuple(f.error for f in metrics.files if f.error is not None)
        return Baseline(
            "none",
            f"no baseline: {why}",
            ref=base_ref,
            commit=commit,
            problem=why,
            notes=notes + searched,
            name=name,
            branch=branch,
        )
    params = load_params(params_paths, root, ref=base_ref)
    files = ", ".join(f"`{p}`" for p in paths)
    broken = [f.error for f in metrics.files if f.error is not None and not f.missing]
    return Baseline(
        "git-ref",
        f"{files} committed at {named}",
        MetricSet(metrics.files, base_ref),
        MetricSet(params.files, base_ref),
        ref=base_ref,
        commit=commit,
        problem="; ".join(broken) if broken else None,
        notes=searched,
        name=name,
        branch=branch,
    )
