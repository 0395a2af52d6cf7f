"""The retraining pull request: one fixed branch, one open PR, updated in place.

The branch is written through the Git Data API (blobs, trees, commits, refs), so no
clone is needed. Its life cycle:

- mlci's commits carry the trailer `Mlci-Generated: retrain` and are not rewritten by
  anyone else (`is_ours`). When the branch tip is not such a commit (a person pushed),
  mlci leaves the branch alone and says so in a sticky comment on the open PR.
- While the PR is open and its base has not moved, a run fast-forwards the branch
  (`force=false`: a push between our read and our write makes GitHub refuse ours).
- When the base moved, or no PR is open (the last one was merged, squash-merged or
  closed), a branch holding only mlci's commits is rebuilt: one new commit with the
  files on the current base head, and a forced ref update, so a squash-merged commit
  is never carried into the next PR.
- The PR body carries a hidden fingerprint of the data (`data_fingerprint`). A PR a
  person closed without merging is not reopened for the same fingerprint; a new
  fingerprint opens a new PR that links the closed one.
- Another mlci run racing this one (its commit appears under us) is not a person:
  the run starts over on the new state, a bounded number of times.
- The body is capped to GitHub's limit before anything is written.

PRs created with the default GITHUB_TOKEN start no workflows, so a training workflow
can be dispatched on the branch (`workflow`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.github.client import GitHubClient, is_status
from mlci.github.comments import upsert_comment
from mlci.github.errors import GitHubServiceError
from mlci.github.gitdata import create_branch, move_branch, ref_sha, write_tree
from mlci.gitutil import branch_problem
from mlci.markdown import GITHUB_COMMENT_LIMIT, cap_markdown

if TYPE_CHECKING:
    from github.GitCommit import GitCommit
    from github.PullRequest import PullRequest
    from github.Repository import Repository

    from mlci.github.outbox import Outbox

TRAILER = "Mlci-Generated: retrain"
BLOCKED_KEY = "retrain-blocked"
LABEL_COLOR = "0e8a16"
FINGERPRINT_KEY = "mlci:retrain-data"
_FINGERPRINT = re.compile(r"<!-- mlci:retrain-data (sha256:[0-9a-f]{64}) -->")
_PREVIOUS = re.compile(r"Previous retraining PR #(\d+) was closed without merging\.")
# Room left under GitHub's body limit for the fingerprint marker and the previous-PR note.
BODY_ROOM = 256
# GitHub signs the commits it makes for API calls and web edits as this committer.
WEB_FLOW_EMAIL = "noreply@github.com"
ATTEMPTS = 3  # runs of the whole read-decide-write step when another mlci run races us
MAX_WALK = 100  # mlci commits read down from the tip to find the base they sit on


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
    # "created", "updated", "unchanged", "declined" (a person closed a PR with the same
    # data), "none" (the base already has the files), "dry-run"
    pr_action: str = "none"
    labels_created: tuple[str, ...] = ()
    reviewers_requested: tuple[str, ...] = ()
    blocked: bool = False  # someone else's commits are on the branch: not touched
    blocked_by: tuple[str, ...] = ()
    comment_url: str | None = None
    dispatched: bool = False
    outbox_path: Path | None = None
    rebuilt: bool = False  # the branch was rebuilt on the current base head (forced)
    fingerprint: str = ""  # of the files: see data_fingerprint
    previous_pr: int | None = None  # the last retraining PR, closed without merging

    @property
    def dry_run(self) -> bool:
        return self.pr_action == "dry-run"


def is_ours(commit: GitCommit) -> bool:
    """A commit mlci made and nobody rewrote: the trailer, and no other committer.

    A person who amends, rebases or cherry-picks mlci's commit keeps the trailer but
    becomes its committer; that commit is theirs, and mlci must not overwrite it.
    GitHub itself commits as `GitHub <noreply@github.com>` when it signs API commits.
    """
    lines = (commit.message or "").splitlines()
    if not any(line.strip() == TRAILER for line in lines):
        return False
    author, committer = commit.author, commit.committer
    if author is None or committer is None:
        return True
    if committer.email == WEB_FLOW_EMAIL:
        return True
    return (author.name, author.email) == (committer.name, committer.email)


def data_fingerprint(files: Mapping[str, bytes | str]) -> str:
    """`sha256:HEX` of the paths and contents of the files: the same data, the same print."""
    digest = hashlib.sha256()
    for path, content in sorted(files.items()):
        data = content.encode() if isinstance(content, str) else content
        digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    return f"sha256:{digest.hexdigest()}"


def fingerprint_in(body: str | None) -> str | None:
    """The data fingerprint a retraining PR's body carries (None: not one of ours).

    The last marker counts: mlci writes its own after the report, which may quote one.
    """
    found = _FINGERPRINT.findall(body or "")
    return str(found[-1]) if found else None


def pr_body(report: str, fingerprint: str, previous: int | None = None) -> str:
    """The PR body: the (already capped) report, the previous-PR note, the hidden print."""
    note = (
        f"\n\n---\nPrevious retraining PR #{previous} was closed without merging."
        if previous
        else ""
    )
    return f"{report.rstrip()}{note}\n\n<!-- {FINGERPRINT_KEY} {fingerprint} -->\n"


def _capped_report(body: str) -> str:
    return cap_markdown(body, GITHUB_COMMENT_LIMIT - BODY_ROOM)[0]


def open_retrain_pr(
    client: GitHubClient | None, request: RetrainRequest, *, outbox: Outbox | None = None
) -> RetrainResult:
    """Write `request.files` onto `request.branch` and open or update its PR (see module)."""
    _validate(request)
    fingerprint = data_fingerprint(request.files)
    # Capped before any write: a long report can no longer fail after the push.
    report = _capped_report(request.body)
    if client is None:
        return _dry_run(request, outbox, pr_body(report, fingerprint), fingerprint)
    repo = client.repo
    base = request.base or client.default_branch()
    if base == request.branch:
        from mlci.errors import InputError

        # Committing to the base itself would push the files straight onto it, unreviewed.
        raise InputError(
            f"--branch {request.branch} is the base branch of the pull request",
            "use a branch of its own, e.g. the default mlci/retrain",
        )
    for _ in range(ATTEMPTS):
        result = _attempt(client, repo, request, base, report, fingerprint)
        if result is not None:
            return result
    raise GitHubServiceError(
        f"branch {request.branch} kept changing while mlci wrote to it "
        f"({ATTEMPTS} tries): other retraining runs are writing at the same time",
        "let one retraining workflow run at a time (a `concurrency:` group), then run it again",
    )


def _attempt(
    client: GitHubClient,
    repo: Repository,
    request: RetrainRequest,
    base: str,
    report: str,
    fingerprint: str,
) -> RetrainResult | None:
    """One read-decide-write pass; None when another mlci run moved the branch under us."""
    base_sha = ref_sha(client, repo, base)
    if base_sha is None:
        from mlci.errors import InputError

        raise InputError(
            f"--base: branch '{base}' does not exist in {client.repository}",
            "pass --base with an existing branch (usually the default branch)",
        )
    tip_sha = ref_sha(client, repo, request.branch)
    pr = _find_pr(client, repo, request.branch, base)
    previous: int | None = None
    if pr is None:
        closed = _closed_prs(client, repo, request.branch, base)
        for old in closed:
            if old.merged_at is None and fingerprint_in(old.body) == fingerprint:
                # A person closed a PR with exactly this data: that was their answer.
                return RetrainResult(
                    request.branch,
                    base,
                    tip_sha,
                    pr_number=old.number,
                    pr_url=old.html_url,
                    pr_action="declined",
                    fingerprint=fingerprint,
                )
        if closed and closed[0].merged_at is None:
            previous = closed[0].number
    else:
        kept = _PREVIOUS.search(pr.body or "")
        previous = int(kept.group(1)) if kept else None
    body = pr_body(report, fingerprint, previous)

    base_commit = client.call("reading the base commit", lambda: repo.get_git_commit(base_sha))
    parent = base_commit
    if tip_sha is not None and tip_sha != base_sha:
        tip = client.call("reading the branch tip", lambda: repo.get_git_commit(tip_sha))
        if not is_ours(tip):
            return _blocked(client, request, base, tip, pr)
        # An open PR on the current base grows by fast-forward; otherwise start afresh.
        if pr is not None and _sits_on(client, repo, tip, base_sha):
            parent = tip
    rebuild = tip_sha is not None and parent is base_commit and tip_sha != base_sha

    new_sha = _commit_files(client, repo, request, parent)
    if new_sha == base_sha:
        # The base already holds exactly these files: there is nothing to propose.
        return RetrainResult(
            request.branch,
            base,
            tip_sha,
            pr_number=pr.number if pr else None,
            pr_url=pr.html_url if pr else None,
            pr_action="unchanged" if pr else "none",
            fingerprint=fingerprint,
        )
    pushed = new_sha != tip_sha
    created = False
    if tip_sha is None:
        if not create_branch(client, repo, request.branch, new_sha):
            return None  # another run created it first: look again
        created = True
    elif rebuild:
        # GitHub's forced ref update takes no expected old value: look right before it,
        # so that only a branch still holding the mlci commits we checked is replaced.
        if ref_sha(client, repo, request.branch) != tip_sha:
            return None
        move_branch(
            client,
            repo,
            request.branch,
            new_sha,
            force=True,
            action=f"rebuilding branch {request.branch} on {base}",
        )
    elif pushed and not move_branch(client, repo, request.branch, new_sha):
        # Not a fast-forward any more: someone pushed since we looked.
        moved = ref_sha(client, repo, request.branch) or new_sha
        tip = client.call("reading the branch tip", lambda: repo.get_git_commit(moved))
        if is_ours(tip):
            return None  # another mlci run, not a person: start over on its commit
        return _blocked(client, request, base, tip, pr)

    pr, pr_action = _open_or_update_pr(client, repo, request, base, pr, body)
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
        rebuilt=rebuild and pushed,
        fingerprint=fingerprint,
        previous_pr=previous,
    )


def _sits_on(client: GitHubClient, repo: Repository, tip: GitCommit, base_sha: str) -> bool:
    """Whether mlci's commits under `tip` start right at `base_sha` (the base did not move).

    mlci only ever commits on the base head or on its own commit, so the first commit
    under its own ones is the base head of the day the branch was made.
    """
    commit = tip
    for _ in range(MAX_WALK):
        parents = [p.sha for p in commit.parents]
        if len(parents) != 1:
            return False
        if parents[0] == base_sha:
            return True
        read = functools.partial(repo.get_git_commit, parents[0])
        commit = client.call("reading the branch history", read)
        if not is_ours(commit):
            return False
    return False


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


def _dry_run(
    request: RetrainRequest, outbox: Outbox | None, body: str, fingerprint: str
) -> RetrainResult:
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
            "body": body,
            "labels": list(request.labels),
            "reviewers": list(request.reviewers),
            "files": sorted(files),
            "workflow": request.workflow,
            "workflow_inputs": dict(request.workflow_inputs),
        },
    )
    return RetrainResult(
        request.branch,
        request.base or "",
        pr_action="dry-run",
        outbox_path=entry.path,
        fingerprint=fingerprint,
    )


def _find_pr(client: GitHubClient, repo: Repository, branch: str, base: str) -> PullRequest | None:
    head = f"{client.owner}:{branch}"
    return client.call(
        f"looking for the open PR of {branch}",
        lambda: next(iter(repo.get_pulls(state="open", head=head, base=base)), None),
    )


def _closed_prs(
    client: GitHubClient, repo: Repository, branch: str, base: str
) -> list[PullRequest]:
    """The branch's closed PRs into `base`, newest first (merged ones have `merged_at`)."""
    head = f"{client.owner}:{branch}"
    return client.call(
        f"looking for closed PRs of {branch}",
        lambda: list(
            repo.get_pulls(state="closed", head=head, base=base, sort="created", direction="desc")
        ),
    )


def _commit_files(
    client: GitHubClient, repo: Repository, request: RetrainRequest, parent: GitCommit
) -> str:
    """A commit on `parent` with the files; `parent.sha` itself when nothing changes."""
    files = {
        path: content.encode("utf-8") if isinstance(content, str) else content
        for path, content in request.files.items()
    }
    tree = write_tree(client, repo, files, parent.tree)
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
    body: str,
) -> tuple[PullRequest, str]:
    if pr is None:
        try:
            found = client.call(
                f"opening the PR for {request.branch}",
                lambda: repo.create_pull(
                    base=base, head=request.branch, title=request.title, body=body
                ),
                safe=False,
                lookup=lambda: _find_pr(client, repo, request.branch, base),
            )
            return found, "created"
        except GitHubServiceError as error:
            # 422: another mlci run opened it a moment ago; update that one instead.
            raced = _find_pr(client, repo, request.branch, base) if error.status == 422 else None
            if raced is None:
                raise
            pr = raced
    if pr.title == request.title and (pr.body or "") == body:
        return pr, "unchanged"
    target = pr
    client.call(f"updating PR #{pr.number}", lambda: target.edit(title=request.title, body=body))
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
