"""The retraining pull request: one fixed branch, one open PR, updated in place.

The branch is written through the Git Data API (blobs, trees, commits, refs), so no
clone is needed. mlci's commits carry the trailer `Mlci-Generated: retrain`; when the
branch tip is a commit without it (a person pushed), mlci leaves the branch alone and
says so in a sticky comment on the PR. Updates are fast-forwards only (`force=false`):
if someone pushes between our read and our write, GitHub refuses ours, and we report
it the same way instead of overwriting.

PRs created with the default GITHUB_TOKEN start no workflows, so a training workflow
can be dispatched on the branch (`workflow`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.github.client import GitHubClient, is_status
from mlci.github.comments import upsert_comment
from mlci.github.errors import GitHubServiceError
from mlci.gitutil import branch_problem

if TYPE_CHECKING:
    from github.GitCommit import GitCommit
    from github.PullRequest import PullRequest
    from github.Repository import Repository

    from mlci.github.outbox import Outbox

TRAILER = "Mlci-Generated: retrain"
BLOCKED_KEY = "retrain-blocked"
LABEL_COLOR = "0e8a16"


@dataclass(frozen=True)
class RetrainRequest:
    files: Mapping[str, bytes | str]  # path in the repository -> new content
    title: str
    body: str = ""
    branch: str = "mlci/retrain"
    base: str | None = None  # default: the repository's default branch
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    commit_message: str = "mlci: retrain on new data"
    workflow: str | None = None  # workflow file name or id to dispatch on the branch
    workflow_inputs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RetrainResult:
    branch: str
    base: str
    head_sha: str | None = None
    pushed: bool = False  # a new commit went onto the branch
    branch_created: bool = False
    pr_number: int | None = None
    pr_url: str | None = None
    pr_action: str = "none"  # "created", "updated", "unchanged", "none", "dry-run"
    labels_created: tuple[str, ...] = ()
    reviewers_requested: tuple[str, ...] = ()
    blocked: bool = False  # someone else's commits are on the branch: not touched
    blocked_by: tuple[str, ...] = ()
    comment_url: str | None = None
    dispatched: bool = False
    outbox_path: Path | None = None

    @property
    def dry_run(self) -> bool:
        return self.pr_action == "dry-run"


def is_ours(commit: GitCommit) -> bool:
    return TRAILER in (commit.message or "")


def open_retrain_pr(
    client: GitHubClient | None, request: RetrainRequest, *, outbox: Outbox | None = None
) -> RetrainResult:
    """Create or fast-forward `request.branch` with `request.files`; open or update its PR."""
    _validate(request)
    if client is None:
        return _dry_run(request, outbox)
    repo = client.repo
    base = request.base or client.default_branch()
    if base == request.branch:
        from mlci.errors import InputError

        # Committing to the base itself would push the files straight onto it, unreviewed.
        raise InputError(
            f"--branch {request.branch} is the base branch of the pull request",
            "use a branch of its own, e.g. the default mlci/retrain",
        )
    base_sha = _ref_sha(client, repo, base)
    if base_sha is None:
        from mlci.errors import InputError

        raise InputError(
            f"--base: branch '{base}' does not exist in {client.repository}",
            "pass --base with an existing branch (usually the default branch)",
        )
    tip_sha = _ref_sha(client, repo, request.branch)
    pr = _find_pr(client, repo, request.branch, base)

    if tip_sha is not None and tip_sha != base_sha:
        tip = client.call("reading the branch tip", lambda: repo.get_git_commit(tip_sha))
        if not is_ours(tip):
            return _blocked(client, request, base, tip, pr)
        parent = tip
    else:
        parent = client.call("reading the base commit", lambda: repo.get_git_commit(base_sha))

    new_sha = _commit_files(client, repo, request, parent)
    pushed = new_sha != parent.sha
    created = False
    if tip_sha is None:
        ref_name = f"refs/heads/{request.branch}"
        client.call(
            f"creating branch {request.branch}",
            lambda: repo.create_git_ref(ref_name, new_sha),
            safe=False,
            lookup=lambda: _ref_sha(client, repo, request.branch),
        )
        created = pushed = True
    elif pushed:

        def fast_forward() -> None:
            ref = repo.get_git_ref(f"heads/{request.branch}")
            ref.object  # noqa: B018 - loads the ref, whose `url` is the one to PATCH
            ref.edit(new_sha, force=False)

        try:
            client.call(f"updating branch {request.branch}", fast_forward)
        except GitHubServiceError as error:
            if error.status != 422:
                raise
            # Not a fast-forward any more: someone pushed since we looked.
            moved = _ref_sha(client, repo, request.branch) or new_sha
            tip = client.call("reading the branch tip", lambda: repo.get_git_commit(moved))
            return _blocked(client, request, base, tip, pr)

    pr, pr_action = _open_or_update_pr(client, repo, request, base, pr)
    labels_created = _ensure_labels(client, repo, pr, request.labels)
    reviewers = _request_reviewers(client, pr, request.reviewers)
    dispatched = False
    if request.workflow and pushed:
        workflow = repo.get_workflow(request.workflow)
        # Not repeated after an ambiguous failure: two training runs would be worse.
        client.call(
            f"dispatching workflow {request.workflow} on {request.branch}",
            lambda: workflow.create_dispatch(
                request.branch, dict(request.workflow_inputs), throw=True
            ),
            safe=False,
        )
        dispatched = True
    return RetrainResult(
        request.branch,
        base,
        new_sha,
        pushed,
        created,
        pr.number,
        pr.html_url,
        pr_action,
        labels_created,
        reviewers,
        dispatched=dispatched,
    )


def repo_path_problem(path: str) -> str | None:
    """Why `path` cannot be a file path in a git tree (None when it can)."""
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path:
        return "is not a relative path with / separators"
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, . or .. component"
    if any(part.lower() == ".git" for part in parts):
        return "is inside .git"
    return None


def _validate(request: RetrainRequest) -> None:
    from mlci.errors import InputError

    if not request.files:
        raise InputError("no files to commit", "pass at least one --file")
    for path in request.files:
        problem = repo_path_problem(path)
        if problem:
            raise InputError(
                f"--file: the path in the repository {path!r} {problem}",
                "give LOCAL:PATH_IN_REPO with a path relative to the repository root, "
                "e.g. data/reference.csv",
            )
    if not request.title.strip():
        raise InputError("--title is empty", "give the pull request a title")
    for option, name in (("--branch", request.branch), ("--base", request.base)):
        problem = branch_problem(name) if name is not None else None
        if problem:
            raise InputError(
                f"{option} {name!r} is not a valid branch name: it {problem}",
                "use a name such as mlci/retrain",
            )


def _dry_run(request: RetrainRequest, outbox: Outbox | None) -> RetrainResult:
    from mlci.github.outbox import Outbox

    box = outbox or Outbox()
    files = {path: (c if isinstance(c, bytes) else c.encode()) for path, c in request.files.items()}
    box.write_files("retrain", request.branch, files)
    entry = box.write_json(
        "retrain-pr",
        request.branch,
        {
            "branch": request.branch,
            "base": request.base,
            "title": request.title,
            "body": request.body,
            "labels": list(request.labels),
            "reviewers": list(request.reviewers),
            "files": sorted(files),
            "workflow": request.workflow,
            "workflow_inputs": dict(request.workflow_inputs),
        },
    )
    return RetrainResult(
        request.branch, request.base or "", pr_action="dry-run", outbox_path=entry.path
    )


def _ref_sha(client: GitHubClient, repo: Repository, branch: str) -> str | None:
    def read() -> str | None:
        try:
            return str(repo.get_git_ref(f"heads/{branch}").object.sha)
        except Exception as error:
            if is_status(error, 404):
                return None
            raise

    return client.call(f"reading branch {branch}", read)


def _find_pr(client: GitHubClient, repo: Repository, branch: str, base: str) -> PullRequest | None:
    head = f"{client.owner}:{branch}"
    return client.call(
        f"looking for the open PR of {branch}",
        lambda: next(iter(repo.get_pulls(state="open", head=head, base=base)), None),
    )


def _commit_files(
    client: GitHubClient, repo: Repository, request: RetrainRequest, parent: GitCommit
) -> str:
    """A commit on `parent` with the files; `parent.sha` itself when nothing changes."""
    import base64

    from github import InputGitTreeElement

    elements = []
    for path, content in sorted(request.files.items()):
        if isinstance(content, str):
            text: str | None = content
        else:
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is not None:  # text goes inline in the tree: one request fewer per file
            elements.append(InputGitTreeElement(path, "100644", "blob", content=text))
            continue
        data = content if isinstance(content, bytes) else b""
        # Blobs are content-addressed: sending one twice creates nothing new.
        encoded = base64.b64encode(data).decode()
        blob = client.call(
            f"uploading {path}",
            functools.partial(repo.create_git_blob, encoded, "base64"),
        )
        elements.append(InputGitTreeElement(path, "100644", "blob", sha=blob.sha))
    tree = client.call("writing the tree", lambda: repo.create_git_tree(elements, parent.tree))
    if tree.sha == parent.tree.sha:
        return str(parent.sha)
    message = f"{request.commit_message.rstrip()}\n\n{TRAILER}\n"
    # An unreferenced duplicate commit is harmless, so this may be repeated.
    commit = client.call(
        "writing the commit", lambda: repo.create_git_commit(message, tree, [parent])
    )
    return str(commit.sha)


def _open_or_update_pr(
    client: GitHubClient,
    repo: Repository,
    request: RetrainRequest,
    base: str,
    pr: PullRequest | None,
) -> tuple[PullRequest, str]:
    if pr is None:
        found = client.call(
            f"opening the PR for {request.branch}",
            lambda: repo.create_pull(
                base=base, head=request.branch, title=request.title, body=request.body
            ),
            safe=False,
            lookup=lambda: _find_pr(client, repo, request.branch, base),
        )
        return found, "created"
    if pr.title == request.title and (pr.body or "") == request.body:
        return pr, "unchanged"
    target = pr
    client.call(
        f"updating PR #{pr.number}", lambda: target.edit(title=request.title, body=request.body)
    )
    return pr, "updated"


def _ensure_labels(
    client: GitHubClient, repo: Repository, pr: PullRequest, labels: tuple[str, ...]
) -> tuple[str, ...]:
    have = {label.name for label in pr.labels}
    missing = [name for name in labels if name not in have]
    created: list[str] = []
    for name in missing:

        def exists(n: str = name) -> Any:
            try:
                return repo.get_label(n).color  # a lazy label fetches itself here
            except Exception as error:
                if is_status(error, 404):
                    return None
                raise

        if client.call(f"reading label {name}", exists) is None:
            try:
                client.call(
                    f"creating label {name}",
                    functools.partial(repo.create_label, name, LABEL_COLOR),
                    safe=False,
                    lookup=exists,
                )
                created.append(name)
            except GitHubServiceError as error:
                if error.status != 422:  # 422: it exists after all (a parallel run)
                    raise
    if missing:
        # PyGithub's add_to_labels posts a bare list; GitHub's schema documents (and
        # recommends) {"labels": [...]}, so that is what we send.
        url = f"{pr.issue_url}/labels"
        client.call(
            f"labelling PR #{pr.number}",
            lambda: pr.requester.requestJsonAndCheck("POST", url, input={"labels": missing}),
        )
    return tuple(created)


def _request_reviewers(
    client: GitHubClient, pr: PullRequest, reviewers: tuple[str, ...]
) -> tuple[str, ...]:
    asked = {user.login for user in pr.requested_reviewers}
    todo = [login for login in reviewers if login not in asked and login != pr.user.login]
    if todo:
        client.call(
            f"requesting reviews on PR #{pr.number}",
            lambda: pr.create_review_request(reviewers=todo),
        )
    return tuple(todo)


def _blocked(
    client: GitHubClient,
    request: RetrainRequest,
    base: str,
    tip: GitCommit,
    pr: PullRequest | None,
) -> RetrainResult:
    who = tip.author.name if tip.author else "someone"
    listed = ", ".join(f"`{p}`" for p in sorted(request.files))
    comment_url = None
    if pr is not None:
        body = (
            f"mlci did not update `{request.branch}`: its latest commit "
            f"({tip.sha[:7]} by {who}) was not made by mlci, and mlci never overwrites "
            "other people's commits.\n\n"
            f"New retraining files were ready: {listed}."
            "\n\nTo let mlci update the branch again, merge or close this PR "
            "(and delete the branch), then run the retraining workflow again."
        )
        comment_url = upsert_comment(client, pr_number=pr.number, key=BLOCKED_KEY, body=body).url
    return RetrainResult(
        request.branch,
        base,
        tip.sha,
        pr_number=pr.number if pr else None,
        pr_url=pr.html_url if pr else None,
        blocked=True,
        blocked_by=(who,),
        comment_url=comment_url,
    )
