"""Small Git Data API steps (refs, blobs, trees) shared by writers that commit without a clone.

Used by `mlci.github.records` (the records branch) and `mlci.github.retrain` (the
retraining branch).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

from mlci.github.client import GitHubClient, is_status
from mlci.github.errors import GitHubServiceError

if TYPE_CHECKING:
    from github.GitTree import GitTree
    from github.Repository import Repository


def ref_sha(client: GitHubClient, repo: Repository, branch: str) -> str | None:
    """The commit SHA branch `branch` points at, or None when it does not exist."""

    def read() -> str | None:
        try:
            return str(repo.get_git_ref(f"heads/{branch}").object.sha)
        except Exception as error:
            if is_status(error, 404):
                return None
            raise

    return client.call(f"reading branch {branch}", read)


def write_tree(
    client: GitHubClient,
    repo: Repository,
    files: Mapping[str, bytes],
    base_tree: GitTree | None,
) -> GitTree:
    """A tree: `base_tree` (None: empty) with `files` put in or replaced.

    UTF-8 text goes inline in the tree request (one request fewer per file); other
    bytes become blobs first. Blobs and trees are content-addressed, so writing the
    same ones again creates nothing new and a repeated call is harmless.
    """
    from github import InputGitTreeElement

    elements = []
    for path, content in sorted(files.items()):
        try:
            text: str | None = content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            elements.append(InputGitTreeElement(path, "100644", "blob", content=text))
            continue
        encoded = base64.b64encode(content).decode()
        blob = client.call(
            f"uploading {path}", functools.partial(repo.create_git_blob, encoded, "base64")
        )
        elements.append(InputGitTreeElement(path, "100644", "blob", sha=blob.sha))
    if base_tree is None:
        return client.call("writing the tree", lambda: repo.create_git_tree(elements))
    return client.call("writing the tree", lambda: repo.create_git_tree(elements, base_tree))


def create_branch(client: GitHubClient, repo: Repository, branch: str, sha: str) -> bool:
    """Create `refs/heads/<branch>` at `sha`; False when it exists already (422).

    A POST is not retried blindly: after an ambiguous failure the ref is looked up.
    """
    try:
        client.call(
            f"creating branch {branch}",
            lambda: repo.create_git_ref(f"refs/heads/{branch}", sha),
            safe=False,
            lookup=lambda: ref_sha(client, repo, branch) == sha or None,
        )
    except GitHubServiceError as error:
        if error.status != 422:
            raise
        return False
    return True


def move_branch(
    client: GitHubClient,
    repo: Repository,
    branch: str,
    sha: str,
    *,
    force: bool = False,
    action: str | None = None,
) -> bool:
    """Point `branch` at `sha`; False when GitHub refuses a fast-forward (422: it moved).

    `force` replaces the branch whatever it holds (the caller checks it first).
    """

    def update() -> None:
        ref = repo.get_git_ref(f"heads/{branch}")
        ref.object  # noqa: B018 - loads the ref, whose `url` is the one to PATCH
        ref.edit(sha, force=force)

    try:
        client.call(action or f"updating branch {branch}", update)
    except GitHubServiceError as error:
        if force or error.status != 422:
            raise
        return False
    return True
