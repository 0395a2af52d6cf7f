"""Publishing a report's images to the assets branch through the Git Data API (no clone).

The branch (`mlci/assets` by default) is an orphan: it shares no history with the code,
holds only images, one folder per reported commit (`mlci.report.images` describes the
layout and why), and is only ever fast-forwarded. One publish is one commit on top of
its tip, made by `mlci.github.records.publish_record` (the same commit-on-a-branch steps
the records branch uses: orphan on first use, retries when another publish moves the
tip, never a force push). Blobs and trees are content-addressed, so publishing the same
images again makes no commit (`unchanged`): a re-run of a workflow costs nothing.

Every path is checked here, whoever calls: only `<sha>/...` and `<sha>-base/...` of the
one commit being reported, only image files whose content matches their name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlci.errors import InputError
from mlci.gitutil import branch_problem
from mlci.report.images import DEFAULT_ASSETS_BRANCH, asset_path_problem, is_commit_sha, media_type

if TYPE_CHECKING:
    from mlci.github.client import GitHubClient
    from mlci.github.outbox import Outbox

__all__ = ["DEFAULT_ASSETS_BRANCH", "AssetsResult", "check_assets", "publish_assets"]


@dataclass(frozen=True)
class AssetsResult:
    branch: str
    commit: str | None  # the new commit on the branch; None when unchanged or a dry run
    created_branch: bool
    unchanged: bool
    paths: tuple[str, ...]
    dry_run: bool = False
    outbox_path: Path | None = None
    left_out: tuple[str, ...] = ()  # files the caller was given but may not publish, with why


def check_assets(branch: str, report_commit: str, files: Mapping[str, bytes]) -> None:
    """Raise InputError unless `files` may go onto `branch` for a report of `report_commit`."""
    problem = branch_problem(branch)
    if problem:
        raise InputError(
            f"assets branch {branch!r} is not a valid branch name: it {problem}",
            f"use a name such as {DEFAULT_ASSETS_BRANCH}",
        )
    if not is_commit_sha(report_commit):
        raise InputError(
            f"{report_commit!r} is not a full commit SHA (40 hex digits)",
            'pass the reported commit\'s SHA, e.g. --sha "$HEAD_SHA"',
        )
    for path, content in files.items():
        problem = asset_path_problem(path, report_commit)
        if problem is None and media_type(path, content) is None:
            problem = "holds no image of the kind its name says"
        if problem:
            raise InputError(f"image {path!r} {problem}", "publish only the report's images")


def publish_assets(
    client: GitHubClient | None,
    branch: str,
    report_commit: str,
    files: Mapping[str, bytes],
    *,
    outbox: Outbox | None = None,
) -> AssetsResult:
    """Commit the images `files` (path on the branch -> bytes) onto `branch`; see the module.

    Without a client (no token, --dry-run) the files go to the outbox under
    `assets-<branch>/`, laid out as they would be committed.
    """
    check_assets(branch, report_commit, files)
    paths = tuple(sorted(files))
    if not files:
        return AssetsResult(branch, None, False, True, paths, dry_run=client is None)
    if client is None:
        from mlci.github.outbox import Outbox

        box = outbox or Outbox()
        folder = box.write_files("assets", branch, dict(files))
        return AssetsResult(branch, None, False, False, paths, dry_run=True, outbox_path=folder)
    from mlci.github.records import publish_record

    message = f"mlci: images of the report of {report_commit[:7]}"
    result = publish_record(client, branch, files, message, trailer="Mlci-Generated: assets")
    return AssetsResult(
        branch, result.commit, result.created_branch, result.unchanged, paths, dry_run=False
    )
