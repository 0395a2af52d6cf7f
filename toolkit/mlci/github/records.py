"""Publishing run records to the records branch through the Git Data API (no clone).

One publish is one commit on `baseline.branch` (default `mlci/records`) that adds or
replaces the files of one record (`mlci.records.layout`) on top of the branch tip:

- the branch does not exist yet: an orphan commit (no parent, only the records) and
  a new ref `refs/heads/<branch>`; the default branch is never an ancestor or touched;
- the tip's tree already holds exactly these files: no commit (`unchanged`), so a
  re-run of the same push publishes nothing twice;
- another publish moved the branch between our read and our write: GitHub refuses
  the non-fast-forward update (422) and the whole step runs again on the new tip, a
  bounded number of times. Records of different commits are different files, so
  nothing anyone else published is lost.

Only `refs/heads/<branch>` is ever created or updated, and never by force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlci.errors import InputError
from mlci.github.client import GitHubClient
from mlci.github.errors import GitHubServiceError
from mlci.github.gitdata import create_branch, move_branch, ref_sha, write_tree
from mlci.github.retrain import repo_path_problem
from mlci.gitutil import branch_problem

if TYPE_CHECKING:
    from github.Repository import Repository

    from mlci.github.outbox import Outbox

TRAILER = "Mlci-Generated: records"
ATTEMPTS = 4  # read-write passes when other publishes keep moving the branch


@dataclass(frozen=True)
class PublishResult:
    branch: str
    commit: str | None  # the new commit; None when nothing changed (or a dry run)
    created_branch: bool
    unchanged: bool
    paths: tuple[str, ...]
    dry_run: bool = False
    outbox_path: Path | None = None
    attempts: int = 1  # passes needed (more than 1: another publish raced this one)


def _check(branch: str, files: Mapping[str, bytes]) -> None:
    problem = branch_problem(branch)
    if problem:
        raise InputError(
            f"baseline.branch {branch!r} is not a valid branch name: it {problem}",
            "use a name such as mlci/records",
        )
    if not files:
        raise InputError("no record files to publish", "publish a run record (mlci train first)")
    for path in files:
        problem = repo_path_problem(path)
        if problem:
            raise InputError(f"record file {path!r} {problem}", "this is a bug in mlci")


def publish_record(
    client: GitHubClient | None,
    branch: str,
    files: Mapping[str, bytes],
    message: str,
    *,
    outbox: Outbox | None = None,
    outbox_key: str | None = None,
    trailer: str = TRAILER,
) -> PublishResult:
    """Commit `files` onto `branch` (created as an orphan when missing); see the module.

    `trailer` ends the commit message and says what mlci published (records, assets).

    Without a client (no token, --dry-run) the files go to the outbox under
    `records-<outbox_key>/`, as they would be committed.
    """
    _check(branch, files)
    paths = tuple(sorted(files))
    if client is None:
        from mlci.github.outbox import Outbox

        box = outbox or Outbox()
        folder = box.write_files("records", outbox_key or branch, dict(files))
        return PublishResult(branch, None, False, False, paths, dry_run=True, outbox_path=folder)
    repo = client.repo
    for attempt in range(1, ATTEMPTS + 1):
        result = _attempt(client, repo, branch, files, f"{message.rstrip()}\n\n{trailer}\n", paths)
        if result is not None:
            return PublishResult(
                result.branch,
                result.commit,
                result.created_branch,
                result.unchanged,
                paths,
                attempts=attempt,
            )
    raise GitHubServiceError(
        f"branch {branch} kept moving while mlci published to it ({ATTEMPTS} tries)",
        "let one release workflow run at a time (a `concurrency:` group), then run it again",
    )


def _attempt(
    client: GitHubClient,
    repo: Repository,
    branch: str,
    files: Mapping[str, bytes],
    message: str,
    paths: tuple[str, ...],
) -> PublishResult | None:
    """One read-write pass; None when the branch moved under us (start over)."""
    tip_sha = ref_sha(client, repo, branch)
    tip = None
    if tip_sha is not None:
        tip = client.call("reading the branch tip", lambda: repo.get_git_commit(tip_sha))
    tree = write_tree(client, repo, files, tip.tree if tip is not None else None)
    if tip is not None and tree.sha == tip.tree.sha:
        return PublishResult(branch, None, False, True, paths)
    parents = [tip] if tip is not None else []
    # An unreferenced duplicate commit is harmless, so this may be repeated.
    commit = client.call(
        "writing the commit", lambda: repo.create_git_commit(message, tree, parents)
    )
    new_sha = str(commit.sha)
    if tip_sha is None:
        if not create_branch(client, repo, branch, new_sha):
            return None  # another publish created the branch first: add ours on top
        return PublishResult(branch, new_sha, True, False, paths)
    if not move_branch(client, repo, branch, new_sha):
        return None  # not a fast-forward: someone published meanwhile
    return PublishResult(branch, new_sha, False, False, paths)
