"""What a release will be, decided before anything is written to git or GitHub.

From the config, the run record, the gates' outcome and the tags that exist, `plan_release`
picks the tag (the next version, or the version already on this commit), writes the
release's files into a staging folder (a model folder zipped deterministically, the
model card) and checks GitHub's limits up front, so a release never stops half made
because its fourth asset is too large. The plan is data; `mlci.release.publish` carries it
out on one of the backends.

Refusals: a failed gate or a failed training run is exit 1 (GateFailed); a missing file,
a run trained on uncommitted changes, or an asset over GitHub's limits is exit 2.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci.config.schema import MlciConfig
from mlci.errors import GateFailed, InputError
from mlci.release.card import (
    CARD_NAME,
    CardAsset,
    CardData,
    GateLine,
    PreviousRelease,
    ProfileSummary,
    render_card,
)
from mlci.release.stages import ModelTags, VersionEntry, read_model_tags
from mlci.release.tags import TagRef
from mlci.release.versions import Bump, Version, next_version, version_tag
from mlci.train.record import RunRecord

# GitHub's limits on release assets ("About releases", GitHub Docs:
# https://docs.github.com/en/repositories/releasing-projects-on-github/about-releases):
# each file must be under 2 GiB, and a release holds at most 1000 assets.
MAX_ASSET_BYTES = 2 * 1024**3
MAX_ASSETS = 1000
STAGING_DIR = Path(".mlci") / "release"
# Every entry of a zipped model folder gets this date, so the same files zip to the
# same bytes (and the same sha256) on every runner.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class GateSummary:
    """The gates' outcome: from `mlci validate --json FILE`, or evaluated here."""

    passed: bool
    source: str  # "validation file x.json" / the baseline description
    results: tuple[GateLine, ...] = ()


@dataclass(frozen=True)
class Asset:
    name: str  # the asset's name on the release
    path: Path  # the file uploaded (a zip in the staging folder for a model folder)
    size: int
    sha256: str
    what: str  # model | file | model card | drift profile

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "size": self.size,
            "sha256": self.sha256,
            "what": self.what,
        }


@dataclass(frozen=True)
class ReleasePlan:
    model: str
    version: Version
    tag: str
    commit: str
    title: str
    card: str
    message: str  # the annotated tag's message
    assets: tuple[Asset, ...]
    run_id: str
    previous_tag: str | None = None
    existing: bool = False  # the version tag already points at this commit
    model_asset: str | None = None  # name of the model's asset
    staging: Path | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def model_path(self) -> Path | None:
        found = next((a for a in self.assets if a.name == self.model_asset), None)
        return found.path if found else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": str(self.version),
            "tag": self.tag,
            "commit": self.commit,
            "title": self.title,
            "run": self.run_id,
            "previous": self.previous_tag,
            "existing": self.existing,
            "model_asset": self.model_asset,
            "assets": [a.to_dict() for a in self.assets],
            "notes": list(self.notes),
        }


# -- gates ---------------------------------------------------------------------------------
def gates_from_validation(path: Path, commit: str | None = None) -> GateSummary:
    """The outcome `mlci validate --json FILE` wrote (of `commit`, when it names one)."""
    from mlci.validate.outcome import read_validation

    outcome = read_validation(path, commit=commit)
    return GateSummary(outcome.passed, f"{outcome.baseline} (from {path.name})", outcome.results)


def gates_from_record(config: MlciConfig, root: Path, record: RunRecord) -> GateSummary:
    """validate.gates on the record's metrics, against the baseline of its parent commit
    (through the one resolver); gates that cannot be judged are exit 2, as in validate."""
    from mlci.gitutil import rev_parse
    from mlci.validate.baseline import Baseline, resolve_baseline
    from mlci.validate.run import check_gates

    commit = record.commit or ""
    parent = f"{commit}^" if commit and rev_parse(root, f"{commit}^") else None
    if parent is None:
        baseline = Baseline(
            "none",
            "no baseline: the commit has no parent",
            problem=f"commit {commit[:12] or '?'} has no parent to compare with",
        )
    else:
        baseline = resolve_baseline(config, root, parent)
    report = check_gates(config, record.metric_set(), baseline)
    if report.invalid:
        first = report.invalid[0]
        raise InputError(
            f"the gates of run {record.id} cannot be judged: {first.message}",
            "pass --validation FILE (what `mlci validate --json FILE` wrote), or set "
            f"validate.gates.{first.metric}.allow_missing_baseline: true",
        )
    results = tuple(GateLine(r.metric, r.rule, r.status, r.message) for r in report.results)
    return GateSummary(report.passed, baseline.description, results)


def require_trained(record: RunRecord) -> None:
    """Exit 1 unless the training succeeded; exit 2 when the record names no clean commit."""
    if not record.succeeded:
        raise GateFailed(
            f"run {record.id} did not succeed (status {record.status}): nothing to release",
            "fix the training and run `mlci train` again",
        )
    if not record.commit:
        raise InputError(
            f"run {record.id}: the record has no git commit",
            "train in the repository's checkout so the record names its commit",
        )
    if record.git.get("dirty") is True:
        raise InputError(
            f"run {record.id} trained on uncommitted changes, not on commit "
            f"{record.commit[:12]}: its model cannot be released under that commit",
            "commit the changes and train again",
        )


def require_gates_passed(gates: GateSummary) -> None:
    """Exit 1 when a gate failed."""
    failed = [g for g in gates.results if g.status == "fail"]
    if not gates.passed or failed:
        names = ", ".join(dict.fromkeys(g.metric for g in failed)) or "see the validation file"
        raise GateFailed(
            f"{len(failed) or 'some'} gate(s) failed ({names}): the model is not released",
            "improve the model, or change validate.gates in mlci.yaml if the bound is wrong",
        )


# -- version -------------------------------------------------------------------------------
def choose_version(
    tags: ModelTags, commit: str, bump: Bump
) -> tuple[Version, VersionEntry | None, VersionEntry | None]:
    """(version, the entry when this commit is released already, the previous release)."""
    existing = tags.at_commit(commit)
    if existing is not None:
        earlier = [v for v in tags.versions if v.version < existing.version]
        return existing.version, existing, earlier[-1] if earlier else None
    version = next_version([v.version for v in tags.versions], bump)
    return version, None, tags.versions[-1] if tags.versions else None


def previous_release(
    config: MlciConfig, root: Path, entry: VersionEntry | None
) -> PreviousRelease | None:
    """The previous release with its run record: from the records branch, else `.mlci/runs`."""
    if entry is None:
        return None
    record: RunRecord | None = None
    note = None
    try:
        from mlci.records.branch import find_record
    except ImportError:  # the records branch is optional to this command
        find_record = None  # type: ignore[assignment]
    if find_record is not None:
        found = find_record(root, config.baseline.branch, entry.commit, 0)
        record = found.record if found is not None else None
    if record is None:
        from mlci.train.record import find_run_for_commit

        record = find_run_for_commit(root, entry.commit)
    if record is None:
        note = f"no run record of commit {entry.commit[:12]} on {config.baseline.branch}"
    return PreviousRelease(entry.tag, entry.commit, record, note)


# -- assets --------------------------------------------------------------------------------
def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def zip_folder(folder: Path, target: Path) -> Path:
    """`folder` as a zip whose bytes depend only on the files' names and contents."""
    import zipfile

    from mlci.output import write_file

    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.part")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), _ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    write_file(target, temporary.read_bytes())
    temporary.unlink()
    return target


def asset_name(name: str) -> str:
    """The name GitHub gives an uploaded asset: characters other than letters, digits and
    `._+-` become ".", leading and trailing dots go. Planned with it, so the card and
    the check for assets already uploaded use the names the release will show."""
    import re

    return re.sub(r"[^A-Za-z0-9._+\-]", ".", name).strip(".") or "asset"


def _asset(name: str, path: Path, what: str) -> Asset:
    return Asset(asset_name(name), path, path.stat().st_size, sha256_of(path), what)


def _source_file(root: Path, relative: str, key: str) -> Path:
    from mlci.output import remember_input

    path = root / relative
    remember_input(path)
    if not path.exists():
        raise InputError(
            f"{relative}: file not found ({key} in mlci.yaml)",
            f"train first so it exists, or fix {key}",
        )
    return path


def collect_files(
    config: MlciConfig, root: Path, staging: Path, profile: Path | None
) -> tuple[tuple[Asset, ...], str | None]:
    """The release's files besides the card, and the model's asset name."""
    assets: list[Asset] = []
    model_asset = None
    if config.train.model:
        path = _source_file(root, config.train.model, "train.model")
        if path.is_dir():
            zipped = zip_folder(path, staging / f"{path.name}.zip")
            assets.append(_asset(zipped.name, zipped, "model"))
        else:
            assets.append(_asset(path.name, path, "model"))
        model_asset = assets[-1].name
    for index, relative in enumerate(config.release.files):
        key = f"release.files[{index}]"
        path = _source_file(root, relative, key)
        if path.is_dir():
            zipped = zip_folder(path, staging / f"{path.name}.zip")
            assets.append(_asset(zipped.name, zipped, "file"))
        else:
            assets.append(_asset(path.name, path, "file"))
    if profile is not None:
        assets.append(_asset(profile.name, profile, "drift profile"))
    return tuple(assets), model_asset


def check_limits(assets: Sequence[Asset], limit: int | None = None) -> None:
    """GitHub's limits (see MAX_ASSET_BYTES): refused before anything is published."""
    limit = MAX_ASSET_BYTES if limit is None else limit
    seen: dict[str, Asset] = {}
    for asset in assets:
        if asset.name in seen:
            raise InputError(
                f"{asset.path}: two release files are named {asset.name} "
                f"(the other is {seen[asset.name].path})",
                "rename one of them; release asset names must be unique",
            )
        seen[asset.name] = asset
        if asset.size >= limit:
            raise InputError(
                f"{asset.path}: {asset.size:,} bytes, over GitHub's limit for a release "
                f"asset ({limit:,} bytes)",
                "keep the model in a model registry (tracking.mlflow) or split it, "
                "and leave it out of train.model / release.files",
            )
    if len(assets) > MAX_ASSETS:
        raise InputError(
            f"release.files: {len(assets)} release files, over GitHub's limit of {MAX_ASSETS}",
            "zip them into fewer files (a folder in release.files is zipped as one)",
        )


def profile_summary(path: Path, root: Path) -> ProfileSummary:
    from mlci.documents import read_document
    from mlci.resultschema import validate_document

    data = read_document(
        path, unreadable="not a readable profile", hint="pass a file `mlci drift profile` wrote"
    )
    validate_document(data, "profile", str(path))
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    return ProfileSummary(shown, data.get("rows"), tuple(data["columns"]), sha256_of(path))


def library_of(config: MlciConfig, record: RunRecord) -> str | None:
    """The Hub's library_name when the model file or the runner tells it."""
    names = {
        str(f.get("name")) for f in record.runner.get("frameworks") or [] if isinstance(f, dict)
    }
    if "torch" in names:
        return "pytorch"
    suffix = Path(config.train.model or "").suffix.lower()
    by_suffix = {
        ".joblib": "sklearn",
        ".pkl": "sklearn",
        ".skops": "sklearn",
        ".pt": "pytorch",
        ".pth": "pytorch",
        ".onnx": "onnx",
        ".keras": "keras",
    }
    return by_suffix.get(suffix)


def task_of(config: MlciConfig, record: RunRecord) -> str:
    """The Hub's task type, guessed from the metrics' names and the data's format."""
    names = {n.rsplit(":", 1)[-1].lower() for n in record.metric_set().merged()}
    words = {w for n in names for w in n.replace(".", "_").split("_")}
    data = [*config.train.data, config.data.reference or ""]
    tabular = any(Path(p).suffix.lower() in (".csv", ".parquet", ".tsv") for p in data if p)
    if words & {"accuracy", "auc", "f1", "precision", "recall", "logloss"}:
        kind = "classification"
    elif words & {"rmse", "mae", "mse", "r2", "mape"}:
        kind = "regression"
    else:
        return "other"
    return f"tabular-{kind}" if tabular else "other"


# -- the plan ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanInputs:
    """What the CLI gathered; `now` is the release date (ISO), passed in for tests."""

    record: RunRecord
    gates: GateSummary
    tags: Iterable[TagRef]
    now: str
    bump: Bump = "patch"
    data_check: Mapping[str, Any] | None = None
    fairness: Mapping[str, Any] | None = None
    profile: Path | None = None
    repository: str | None = None
    server_url: str = "https://github.com"


def plan_release(config: MlciConfig, root: Path, inputs: PlanInputs) -> ReleasePlan:
    """Check, stage and describe the release of `inputs.record` (see the module docstring)."""
    from mlci.output import write_file

    record = inputs.record
    require_trained(record)
    require_gates_passed(inputs.gates)
    commit = str(record.commit)
    model = config.model_name
    tags = read_model_tags(model, inputs.tags)
    version, existing, previous_entry = choose_version(tags, commit, inputs.bump)
    tag = version_tag(model, version)
    staging = root / STAGING_DIR / tag.replace("/", "-")
    # Like .pytest_cache: the folder ignores itself, so a release leaves `git status` clean.
    write_file(root / STAGING_DIR / ".gitignore", "# made by mlci release\n*\n")
    profile = inputs.profile
    if profile is None and config.data.profile:
        candidate = root / config.data.profile
        profile = candidate if candidate.is_file() else None
    files, model_asset = collect_files(config, root, staging, profile)
    check_limits(files)
    previous = previous_release(config, root, previous_entry)
    card_data = CardData(
        model=model,
        version=str(version),
        tag=tag,
        project=config.project,
        commit=commit,
        date=inputs.now,
        record=record,
        description=config.release.description,
        license=config.release.license,
        library_name=library_of(config, record),
        task=task_of(config, record),
        repository=inputs.repository,
        server_url=inputs.server_url,
        previous=previous,
        gates=inputs.gates.results,
        gates_source=inputs.gates.source,
        metrics_config=config.metrics,
        data_check=inputs.data_check,
        fairness=inputs.fairness,
        profile=profile_summary(profile, root) if profile is not None else None,
        assets=tuple(CardAsset(a.name, a.size, a.sha256, a.what) for a in files),
    )
    card = render_card(card_data)
    card_path = write_file(staging / CARD_NAME, card)
    assets = (*files, _asset(CARD_NAME, card_path, "model card"))
    check_limits(assets)
    notes = []
    if previous is not None and previous.record is None:
        notes.append(f"no run record of {previous.tag}: the card shows no change")
    plan = ReleasePlan(
        model=model,
        version=version,
        tag=tag,
        commit=commit,
        title=f"{model} {version}",
        card=card,
        message=f"Registering artifact {model} version {version} (mlci run {record.id})",
        assets=assets,
        run_id=record.id,
        previous_tag=previous.tag if previous else None,
        existing=existing is not None,
        model_asset=model_asset,
        staging=staging,
        notes=tuple(notes),
    )
    write_file(staging / "plan.json", json.dumps(plan.to_dict(), indent=2) + "\n")
    return plan
