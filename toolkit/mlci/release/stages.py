"""A model's versions and stages, read from its tags the way GTO reads them.

GTO's rules (gto 1.10, `gto/tag.py` and `gto/base.py`), which mlci follows so that
`gto show` and `mlci releases list` agree:

- a stage tag's counter is one more than the highest counter of any tag of the model
  (`<model>#<stage>#<n>` and `<model>#<stage>!#<n>` share one sequence);
- a version is in a stage when the newest of its tags for that stage assigns it (an
  unassignment `<model>#<stage>!#<n>` takes it out again);
- `gto show` names, for each stage, the *highest* version in it (semver order).

So a rollback (promoting v0.1.0 to prod while v0.1.1 is there) needs more than the new
stage tag: under the third rule v0.1.1 would still be shown in prod. `plan_promotion`
therefore also unassigns the stage from every higher version that holds it, which is
what makes the older version the one `gto show` (and a deploy reading it) sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mlci.release.tags import TagRef
from mlci.release.versions import (
    STAGE_TAG_RE,
    UNASSIGN_TAG_RE,
    VERSION_TAG_RE,
    Version,
    parse_version_tag,
    stage_tag,
    unassign_tag,
)


@dataclass(frozen=True)
class VersionEntry:
    version: Version
    tag: str
    commit: str
    created_at: str | None = None


@dataclass(frozen=True)
class StageEvent:
    stage: str
    counter: int
    commit: str
    assigns: bool  # False for an unassignment (`#stage!#n`)
    tag: str


@dataclass(frozen=True)
class TagToWrite:
    name: str
    commit: str
    message: str


@dataclass(frozen=True)
class ModelTags:
    """Every version and stage tag of one model."""

    model: str
    versions: tuple[VersionEntry, ...]  # lowest version first
    events: tuple[StageEvent, ...]  # by counter
    highest_counter: int

    def find(self, version: Version) -> VersionEntry | None:
        return next((v for v in self.versions if v.version == version), None)

    def at_commit(self, commit: str) -> VersionEntry | None:
        """The highest version released on `commit`, or None."""
        found = [v for v in self.versions if v.commit == commit]
        return found[-1] if found else None

    def stages_of(self, entry: VersionEntry) -> tuple[str, ...]:
        """The stages `entry` is in (its newest event per stage assigns it), sorted."""
        latest: dict[str, StageEvent] = {}
        for event in self.events:
            if event.commit == entry.commit:
                latest[event.stage] = event
        return tuple(sorted(stage for stage, event in latest.items() if event.assigns))

    def current(self) -> dict[str, VersionEntry]:
        """stage -> the version `gto show` names for it: the highest version in it."""
        out: dict[str, VersionEntry] = {}
        for entry in reversed(self.versions):  # highest first
            for stage in self.stages_of(entry):
                out.setdefault(stage, entry)
        return dict(sorted(out.items()))


def read_model_tags(model: str, tags: Iterable[TagRef]) -> ModelTags:
    """The versions and stage events of `model` among `tags` (others are ignored)."""
    versions: dict[Version, VersionEntry] = {}
    events: list[StageEvent] = []
    highest = 0
    for tag in tags:
        for pattern in (VERSION_TAG_RE, STAGE_TAG_RE, UNASSIGN_TAG_RE):
            match = pattern.match(tag.name)
            if match and match["model"] == model and match["counter"] is not None:
                highest = max(highest, int(match["counter"]))
        parsed = parse_version_tag(tag.name)
        if parsed and parsed[0] == model:
            versions[parsed[1]] = VersionEntry(parsed[1], tag.name, tag.commit, tag.created_at)
            continue
        for pattern, assigns in ((STAGE_TAG_RE, True), (UNASSIGN_TAG_RE, False)):
            match = pattern.match(tag.name)
            if match and match["model"] == model:
                events.append(
                    StageEvent(match["stage"], int(match["counter"]), tag.commit, assigns, tag.name)
                )
    return ModelTags(
        model,
        tuple(versions[v] for v in sorted(versions)),
        tuple(sorted(events, key=lambda e: e.counter)),
        highest,
    )


def plan_promotion(tags: ModelTags, entry: VersionEntry, stage: str) -> tuple[TagToWrite, ...]:
    """The tags that make `entry` the version of `stage`; empty when it already is.

    One assignment on the version's commit, then one unassignment on each higher
    version that holds the stage (see the module docstring: the rollback rule).
    Counters follow GTO's rule. A version still in the stage by its own tags but
    shadowed by a higher one gets a fresh assignment too (as `gto assign --force`
    would make): the new stage tag is what starts a deploy that listens for them.
    """
    counter = tags.highest_counter
    writes: list[TagToWrite] = []
    holder = tags.current().get(stage)
    if holder is not None and holder.version == entry.version:
        return ()
    counter += 1
    writes.append(
        TagToWrite(
            stage_tag(tags.model, stage, counter),
            entry.commit,
            f"Assigning stage {stage} to artifact {tags.model} version {entry.version}",
        )
    )
    for higher in tags.versions:
        if higher.version > entry.version and stage in tags.stages_of(higher):
            if higher.commit == entry.commit:
                continue  # one commit, two versions: GTO keeps the stage on the commit
            counter += 1
            writes.append(
                TagToWrite(
                    unassign_tag(tags.model, stage, counter),
                    higher.commit,
                    f"Unassigning stage {stage} from artifact {tags.model} version "
                    f"{higher.version} (rolled back to {entry.version})",
                )
            )
    return tuple(writes)
