"""Where release and stage tags live: the local git repository or GitHub, one interface.

Both backends write annotated tags (a tag object with a message, as `gto register` and
`gto assign` write them), so `gto show` reads what mlci wrote, and both are idempotent:
a tag that already exists on the same commit is reused, one on another commit is an
error that names both commits (a version is never moved).

The GitHub backend is `mlci.github.releases.GitHubTags`; this module holds the local one
and the shape both share.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from mlci.errors import InputError
from mlci.gitutil import GitError, run_git


@dataclass(frozen=True)
class TagRef:
    """One tag: its name, the commit it points at (peeled) and when it was made."""

    name: str
    commit: str
    created_at: str | None = None  # the tagger date of an annotated tag (ISO 8601)


@dataclass(frozen=True)
class TagWrite:
    """What `create_tag` did: the tag, and False when it already existed on that commit."""

    tag: TagRef
    created: bool


class TagBackend(Protocol):
    """Reads and writes tags; `where` names it in messages ("local git", "GitHub")."""

    where: str

    def list_tags(self) -> list[TagRef]: ...

    def create_tag(self, name: str, commit: str, message: str) -> TagWrite: ...


def moved_tag_error(name: str, existing: str, wanted: str, where: str) -> InputError:
    return InputError(
        f"tag {name} already exists in {where} on commit {existing[:12]}, not on {wanted[:12]}",
        "a released version is never moved: release the new commit as the next version "
        "(run `mlci release` again), or delete the stray tag if it was made by mistake",
    )


class LocalTags:
    """Tags of the git repository at `root` (`git tag -a`, `git for-each-ref refs/tags`)."""

    where = "local git"

    def __init__(self, root: Path) -> None:
        self.root = root

    def list_tags(self) -> list[TagRef]:
        # `*objectname` is the commit an annotated tag points at; empty for a light tag.
        fields = "%(refname:strip=2)%09%(objectname)%09%(*objectname)%09%(creatordate:iso-strict)"
        try:
            out = run_git(self.root, "for-each-ref", f"--format={fields}", "refs/tags")
        except GitError as error:
            raise InputError(
                f"{self.root}: cannot list the git tags ({error})",
                "run mlci in the repository's checkout",
            ) from None
        tags = []
        for line in out.splitlines():
            name, target, peeled, created = ([*line.split("\t"), "", "", ""])[:4]
            tags.append(TagRef(name, peeled or target, created or None))
        return tags

    def create_tag(self, name: str, commit: str, message: str) -> TagWrite:
        existing = next((t for t in self.list_tags() if t.name == name), None)
        if existing is not None:
            if existing.commit != commit:
                raise moved_tag_error(name, existing.commit, commit, self.where)
            return TagWrite(existing, created=False)
        try:
            run_git(self.root, "tag", "-a", name, "-m", message, commit)
        except GitError as error:
            raise InputError(
                f"{self.root}: `git tag -a {name}` failed ({error})",
                "check that the commit exists in this clone (actions/checkout with "
                "fetch-depth: 0) and that git has a user.name and user.email",
            ) from None
        made = next(t for t in self.list_tags() if t.name == name)
        return TagWrite(made, created=True)
