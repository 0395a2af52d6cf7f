"""Version and stage tags, GitHub Releases and their assets, through the REST API.

Tags are made as git does it: an annotated tag object (`POST /git/tags`), then its ref
(`POST /git/refs`, `refs/tags/<name>`); they are read back with `GET
/git/matching-refs/tags/<model>` and, for annotated tags, `GET /git/tags/{sha}` for the
commit they point at. Everything is idempotent, so a rerun of the release job finishes
what an interrupted one started: a tag already on the commit is reused, a release is
created only when missing, and only the assets it lacks are uploaded (through the
release's `upload_url`). A 422 on the tag ref means another run made it a moment ago:
the ref is read again and accepted when it points at the same commit.

Every call goes through `GitHubClient.call` (retries); writes that are not safe to
repeat carry a lookup that finds the result of an attempt GitHub may have applied.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlci.github.client import GitHubClient, is_status
from mlci.github.errors import GitHubServiceError
from mlci.release.tags import TagRef, TagWrite, moved_tag_error

if TYPE_CHECKING:
    from github.GitRelease import GitRelease

    from mlci.github.outbox import Outbox
    from mlci.release.plan import Asset, ReleasePlan
    from mlci.release.publish import ReleaseResult


@dataclass(frozen=True)
class ReleaseAsset:
    name: str
    size: int
    url: str  # browser_download_url


@dataclass(frozen=True)
class ReleaseInfo:
    id: int
    tag: str
    url: str  # html_url
    assets: tuple[ReleaseAsset, ...]


class GitHubTags:
    """The repository's tags of one model on GitHub (the `TagBackend` of `mlci.release`)."""

    where = "GitHub"

    def __init__(self, client: GitHubClient, model: str) -> None:
        self.client = client
        self.model = model

    def _peel(self, ref: Any) -> TagRef:
        name = str(ref.ref).removeprefix("refs/tags/")
        if ref.object.type != "tag":  # a lightweight tag points at the commit itself
            return TagRef(name, str(ref.object.sha))
        sha = str(ref.object.sha)

        def read() -> tuple[str, str | None]:
            tag = self.client.repo.get_git_tag(sha)  # a lazy object loads on first access
            date = tag.tagger.date if tag.tagger else None
            return str(tag.object.sha), date.isoformat() if date else None

        commit, created = self.client.call(f"reading tag {name}", read)
        return TagRef(name, commit, created)

    def list_tags(self) -> list[TagRef]:
        # Prefix match: `churn` also finds `churn-v2@...`, which read_model_tags drops.
        refs = self.client.call(
            f"listing the tags of {self.model}",
            lambda: list(self.client.repo.get_git_matching_refs(f"tags/{self.model}")),
        )
        return [self._peel(ref) for ref in refs]

    def find(self, name: str) -> TagRef | None:
        def read() -> Any:
            try:
                ref = self.client.repo.get_git_ref(f"tags/{name}")
                ref.object  # noqa: B018 - a lazy ref loads (or 404s) here, inside the call
                return ref
            except Exception as error:
                if is_status(error, 404):
                    return None
                raise

        ref = self.client.call(f"reading tag {name}", read)
        return self._peel(ref) if ref is not None else None

    def create_tag(self, name: str, commit: str, message: str) -> TagWrite:
        existing = self.find(name)
        if existing is not None:
            if existing.commit != commit:
                raise moved_tag_error(name, existing.commit, commit, self.where)
            return TagWrite(existing, created=False)
        repo = self.client.repo
        # A tag object is only data until a ref names it: making a second one is harmless.
        tag_object = self.client.call(
            f"creating the tag object {name}",
            lambda: repo.create_git_tag(name, message, commit, "commit"),
        )
        try:
            self.client.call(
                f"creating tag {name}",
                lambda: repo.create_git_ref(f"refs/tags/{name}", tag_object.sha),
                safe=False,
                lookup=lambda: self.find(name),
            )
        except GitHubServiceError as error:
            if error.status != 422:
                raise
            raced = self.find(name)  # another run made it first: accept it if it agrees
            if raced is None:
                raise
            if raced.commit != commit:
                raise moved_tag_error(name, raced.commit, commit, self.where) from None
            return TagWrite(raced, created=False)
        made = self.find(name)
        return TagWrite(made or TagRef(name, commit), created=True)


def _get_release(client: GitHubClient, tag: str) -> GitRelease | None:
    def read() -> GitRelease | None:
        try:
            release = client.repo.get_release(tag)  # GET /releases/tags/{tag}
            release.id  # noqa: B018 - a lazy release loads (or 404s) here, inside the call
        except Exception as error:
            if is_status(error, 404):
                return None
            raise
        return release

    return client.call(f"reading the release {tag}", read)


def _assets(client: GitHubClient, release: GitRelease) -> tuple[ReleaseAsset, ...]:
    items = client.call(
        f"listing the assets of release {release.tag_name}", lambda: list(release.get_assets())
    )
    return tuple(
        ReleaseAsset(str(a.name), int(a.size), str(a.browser_download_url))
        for a in items
        if getattr(a, "state", "uploaded") == "uploaded"
    )


def release_info(client: GitHubClient, tag: str) -> ReleaseInfo | None:
    """The release of `tag` with its assets, or None when there is none."""
    release = _get_release(client, tag)
    if release is None:
        return None
    return ReleaseInfo(int(release.id), tag, str(release.html_url), _assets(client, release))


def ensure_release(
    client: GitHubClient, tag: str, title: str, body: str, commit: str
) -> tuple[GitRelease, bool]:
    """The release of `tag`, created when missing; (release, whether it was created)."""
    found = _get_release(client, tag)
    if found is not None:
        return found, False
    try:
        made = client.call(
            f"creating the release {tag}",
            lambda: client.repo.create_git_release(
                tag, title, body, draft=False, prerelease=False, target_commitish=commit
            ),
            safe=False,
            lookup=lambda: _get_release(client, tag),
        )
    except GitHubServiceError as error:
        raced = _get_release(client, tag) if error.status == 422 else None
        if raced is None:
            raise
        return raced, False
    return made, True


def upload_missing(
    client: GitHubClient, release: GitRelease, assets: Sequence[Asset]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Upload the assets the release lacks; (uploaded names, names already there)."""
    present = {a.name for a in _assets(client, release)}
    uploaded, kept = [], []
    for asset in assets:
        if asset.name in present:
            kept.append(asset.name)
            continue

        def find(name: str = asset.name) -> ReleaseAsset | None:
            return next((a for a in _assets(client, release) if a.name == name), None)

        def upload(a: Asset = asset) -> Any:
            return release.upload_asset(
                str(a.path), name=a.name, content_type="application/octet-stream"
            )

        client.call(
            f"uploading {asset.name} to release {release.tag_name}",
            upload,
            safe=False,
            lookup=find,
        )
        uploaded.append(asset.name)
    return tuple(uploaded), tuple(kept)


def publish_github(client: GitHubClient, plan: ReleasePlan) -> ReleaseResult:
    """Tag, release and assets on GitHub; a rerun finishes what is missing, no more."""
    from mlci.release.publish import publish_tag

    tagged = publish_tag(plan, GitHubTags(client, plan.model))
    release, release_created = ensure_release(client, plan.tag, plan.title, plan.card, plan.commit)
    uploaded, kept = upload_missing(client, release, plan.assets)
    return dataclasses.replace(
        tagged,
        release_url=str(release.html_url),
        release_created=release_created,
        uploaded=uploaded,
        already_uploaded=kept,
    )


def publish_dry_run(plan: ReleasePlan, outbox: Outbox) -> ReleaseResult:
    """The card and the plan (tag, assets with sizes and sha256) in the outbox."""
    from mlci.release.publish import base_result

    card = outbox.write_text("release", plan.tag, plan.card)
    data = outbox.write_json("release", plan.tag, plan.to_dict())
    return base_result(plan, "dry run", not plan.existing, outbox=(str(card.path), str(data.path)))
