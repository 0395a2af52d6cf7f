"""Release and stage tag names, as GTO (Git Tag Ops) writes and reads them.

A version is the tag `<model>@v<semver>` on the commit that made the model; a stage
assignment is `<model>#<stage>#<n>`, `n` counting the assignments of that model. The
name rules below are GTO's (`gto.constants`), so every tag mlci writes is one `gto show`
reads, and a name GTO would refuse is refused here, when mlci.yaml is loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Letters, digits, '-', '_', '/'; starts and ends with a letter or digit (GTO's `name`).
_NAME = r"[a-zA-Z0-9](?:[a-zA-Z0-9\-/_]*[a-zA-Z0-9])?"
NAME_RE = re.compile(rf"^{_NAME}$")
_SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
VERSION_TAG_RE = re.compile(rf"^(?P<model>{_NAME})@v(?P<version>{_SEMVER})(?:#(?P<counter>\d+))?$")
STAGE_TAG_RE = re.compile(rf"^(?P<model>{_NAME})#(?P<stage>{_NAME})#(?P<counter>\d+)$")

Bump = Literal["patch", "minor", "major"]
FIRST_VERSION = (0, 1, 0)


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a model or stage name in a GTO tag, or None."""
    if NAME_RE.match(name):
        return None
    return (
        f"{name!r} is not a valid name for release tags: use letters, digits, '-', '_' "
        "and '/', starting and ending with a letter or digit"
    )


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}"

    def bump(self, part: Bump) -> Version:
        if part == "major":
            return Version(self.major + 1, 0, 0)
        if part == "minor":
            return Version(self.major, self.minor + 1, 0)
        return Version(self.major, self.minor, self.patch + 1)

    @classmethod
    def parse(cls, text: str) -> Version | None:
        match = re.fullmatch(_SEMVER, text.removeprefix("v"))
        return cls(*(int(g) for g in match.groups())) if match else None


def version_tag(model: str, version: Version) -> str:
    return f"{model}@{version}"


def stage_tag(model: str, stage: str, counter: int) -> str:
    return f"{model}#{stage}#{counter}"


def next_version(existing: list[Version], bump: Bump = "patch") -> Version:
    """v0.1.0 first; after that the highest version bumped by `bump`."""
    if not existing:
        return Version(*FIRST_VERSION)
    return max(existing).bump(bump)


# GTO's unassignment tag: `<model>#<stage>!#<n>` takes the stage away from a version.
UNASSIGN_TAG_RE = re.compile(rf"^(?P<model>{_NAME})#(?P<stage>{_NAME})!#(?P<counter>\d+)$")


def unassign_tag(model: str, stage: str, counter: int) -> str:
    return f"{model}#{stage}!#{counter}"


def parse_version_tag(tag: str) -> tuple[str, Version] | None:
    """(model, version) of a version tag `<model>@v<semver>`, or None for any other name."""
    match = VERSION_TAG_RE.match(tag)
    if not match or match["counter"] is not None:
        return None
    version = Version.parse(match["version"])
    return (match["model"], version) if version else None


def parse_version_spec(spec: str) -> tuple[str, Version] | None:
    """What `mlci promote` / `mlci releases show` accept: exactly `<model>@v<semver>`."""
    return parse_version_tag(spec.strip())
