"""Carrying out a release plan, and promoting a version to a stage, on a tag backend.

`publish_tag` writes the version tag (local git or GitHub, the same call); the GitHub
Release and its assets are `mlci.github.releases.publish_github`, which starts here.
`promote` writes the stage tags `mlci.release.stages.plan_promotion` asks for.
Both return frozen results; what already existed is reused and reported, never redone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mlci.errors import InputError
from mlci.release.card import CARD_NAME
from mlci.release.plan import ReleasePlan
from mlci.release.stages import read_model_tags
from mlci.release.tags import TagBackend
from mlci.release.versions import Version, name_problem, parse_version_spec


@dataclass(frozen=True)
class ReleaseResult:
    tag: str
    version: str
    commit: str
    created: bool  # False: this commit was released already (the tag existed)
    backend: str  # "local git", "GitHub", "dry run"
    model_path: str | None = None
    release_url: str | None = None
    release_created: bool = False
    uploaded: tuple[str, ...] = ()
    already_uploaded: tuple[str, ...] = ()
    assets: tuple[dict[str, Any], ...] = ()
    card_path: str | None = None
    outbox: tuple[str, ...] = ()
    mlflow: dict[str, Any] | None = None
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def dry_run(self) -> bool:
        return self.backend == "dry run"


def base_result(plan: ReleasePlan, backend: str, created: bool, **extra: Any) -> ReleaseResult:
    staging_card = plan.staging / CARD_NAME if plan.staging else None
    return ReleaseResult(
        tag=plan.tag,
        version=str(plan.version),
        commit=plan.commit,
        created=created,
        backend=backend,
        model_path=str(plan.model_path) if plan.model_path else None,
        assets=tuple(a.to_dict() for a in plan.assets),
        card_path=str(staging_card) if staging_card else None,
        notes=plan.notes,
        **extra,
    )


def publish_tag(plan: ReleasePlan, backend: TagBackend) -> ReleaseResult:
    """The annotated version tag on the plan's commit; created=False when it was there."""
    write = backend.create_tag(plan.tag, plan.commit, plan.message)
    return base_result(plan, backend.where, write.created)


# -- promotion ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PromoteResult:
    model: str
    version: str
    stage: str
    commit: str
    created: tuple[str, ...]  # tags written (the assignment, then any unassignments)
    backend: str
    previous: str | None = None  # the version the stage held before
    stages: dict[str, str] = field(default_factory=dict)  # stage -> version, afterwards

    @property
    def changed(self) -> bool:
        return bool(self.created)


def parse_spec(spec: str, model: str) -> Version:
    """The version of `<model>@v<semver>`; another model's name or a bad form is exit 2."""
    parsed = parse_version_spec(spec)
    if parsed is None:
        raise InputError(
            f"{spec!r} is not a version tag of the form <model>@v<semver>",
            f"name a released version, e.g. {model}@v0.1.0 (see `mlci releases list`)",
        )
    if parsed[0] != model:
        raise InputError(
            f"{spec}: model {parsed[0]!r} is not this repository's model {model!r} "
            "(release.model in mlci.yaml)",
            f"name a version of {model}, or set release.model",
        )
    return parsed[1]


def promote(
    backend: TagBackend, model: str, spec: str, stage: str, stages: Sequence[str]
) -> PromoteResult:
    """Make `spec` the version of `stage` with GTO stage tags (see mlci.release.stages)."""
    from mlci.release.stages import plan_promotion

    version = parse_spec(spec, model)
    problem = name_problem(stage)
    if problem:
        raise InputError(f"--stage: {problem}", "pass a stage such as prod")
    if stages and stage not in stages:
        raise InputError(
            f"--stage {stage}: not one of release.stages ({', '.join(stages)})",
            "pass one of those stages, or add it to release.stages in mlci.yaml",
        )
    tags = read_model_tags(model, backend.list_tags())
    entry = tags.find(version)
    if entry is None:
        known = ", ".join(str(v.version) for v in tags.versions) or "none yet"
        raise InputError(
            f"{spec}: no such version in {backend.where} (released: {known})",
            "release it first with `mlci release`, or pick one from `mlci releases list`",
        )
    before = tags.current().get(stage)
    created = []
    for write in plan_promotion(tags, entry, stage):
        backend.create_tag(write.name, write.commit, write.message)
        created.append(write.name)
    after = read_model_tags(model, backend.list_tags()) if created else tags
    return PromoteResult(
        model=model,
        version=str(version),
        stage=stage,
        commit=entry.commit,
        created=tuple(created),
        backend=backend.where,
        previous=str(before.version) if before else None,
        stages={s: str(v.version) for s, v in after.current().items()},
    )
