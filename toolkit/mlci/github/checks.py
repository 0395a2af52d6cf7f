"""Check runs, with a commit status as the fallback when the token may not write checks.

One check run per name and commit: before creating, mlci looks for a run of that name
on the commit and updates it, so a re-run job does not stack identical checks.
Tokens without `checks: write` (for instance a workflow that grants only
`statuses: write`) get a commit status under the same name instead.

An outcome reported by fork-controlled code (`CheckRequest.untrusted_outcome`: the
artifact of a fork's `pull_request` run, whose workflow files the fork wrote) is a
claim, not a result: a claimed "success" is posted as "neutral" under the title
`UNTRUSTED_TITLE`, so it never shows as a green check; other conclusions stay, and the
summary says where the outcome came from. The commit-status fallback, which has no
neutral, shows such a claim as "pending".
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.github.client import GitHubClient
from mlci.github.comments import fit_body
from mlci.github.errors import GitHubServiceError

if TYPE_CHECKING:
    from github.CheckRun import CheckRun

    from mlci.github.outbox import Outbox

SUMMARY_LIMIT = 65535
CONCLUSIONS = (
    "success",
    "failure",
    "neutral",
    "cancelled",
    "skipped",
    "timed_out",
    "action_required",
)
STATUSES = ("queued", "in_progress", "completed")
UNTRUSTED_TITLE = "mlci: outcome reported by fork-controlled code (claimed: {claimed})"
UNTRUSTED_NOTE = (
    "> **Not verified.** This outcome ({claimed}) was reported by code from the fork "
    "(its own `pull_request` run), not by the trusted training workflow on the default "
    "branch, so it is shown as {shown}."
)
# Commit statuses know only four states.
STATUS_STATE = {
    "success": "success",
    "neutral": "success",
    "skipped": "success",
    "failure": "failure",
    "timed_out": "failure",
    "action_required": "failure",
    "cancelled": "error",
}


@dataclass(frozen=True)
class CheckRequest:
    name: str
    head_sha: str
    title: str = ""
    summary: str = ""
    text: str | None = None
    status: str = "completed"
    conclusion: str | None = None
    details_url: str | None = None
    check_run_id: int | None = None  # update this run instead of finding one by name
    untrusted_outcome: bool = False  # the conclusion is the claim of fork-controlled code


def trusted_view(request: CheckRequest) -> CheckRequest:
    """`request` as posted: an untrusted claimed success becomes neutral, and says so."""
    if not request.untrusted_outcome or request.conclusion is None:
        return request
    claimed = request.conclusion
    shown = "neutral" if claimed == "success" else claimed
    note = UNTRUSTED_NOTE.format(claimed=claimed, shown=shown)
    return dataclasses.replace(
        request,
        conclusion=shown,
        title=UNTRUSTED_TITLE.format(claimed=claimed),
        summary=f"{note}\n\n{request.summary}" if request.summary else note,
    )


@dataclass(frozen=True)
class CheckResult:
    kind: str  # "check_run", "status" or "dry-run"
    action: str  # "created", "updated" or "dry-run"
    name: str
    head_sha: str
    check_run_id: int | None = None
    url: str | None = None
    state: str | None = None  # the conclusion, or the commit status state
    fallback_reason: str | None = None
    outbox_path: Path | None = None


def _validate(request: CheckRequest) -> None:
    from mlci.errors import InputError

    if request.status not in STATUSES:
        raise InputError(
            f"--status: {request.status!r} is not one of {', '.join(STATUSES)}",
            "pass one of those values",
        )
    if request.conclusion is not None and request.conclusion not in CONCLUSIONS:
        raise InputError(
            f"--conclusion: {request.conclusion!r} is not one of {', '.join(CONCLUSIONS)}",
            "pass one of those values",
        )
    if request.status == "completed" and request.conclusion is None:
        raise InputError(
            "--conclusion is required when --status is completed",
            "add --conclusion success (or failure, neutral, ...)",
        )
    if request.conclusion is not None and request.status != "completed":
        # GitHub would complete the run anyway; dropping the conclusion would hide it.
        raise InputError(
            f"--conclusion {request.conclusion} needs --status completed, not {request.status}",
            "leave out --status (it defaults to completed) or leave out --conclusion",
        )
    if not request.name.strip():
        raise InputError("--name is empty", "name the check, e.g. --name mlci")
    if not re.fullmatch(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}", request.head_sha):
        raise InputError(
            f"--sha: {request.head_sha!r} is not a full commit SHA (40 hex digits)",
            "pass the full SHA, e.g. $(git rev-parse HEAD)",
        )


def _output(request: CheckRequest) -> dict[str, Any]:
    output: dict[str, Any] = {
        "title": request.title or request.name,
        "summary": fit_body(request.summary or request.title or request.name, SUMMARY_LIMIT),
    }
    if request.text:
        output["text"] = fit_body(request.text, SUMMARY_LIMIT)
    return output


def publish_check(
    client: GitHubClient | None, request: CheckRequest, *, outbox: Outbox | None = None
) -> CheckResult:
    """Create or update the check run `request.name` on `request.head_sha`."""
    _validate(request)
    request = trusted_view(request)
    if client is None:
        from mlci.github.outbox import Outbox

        data = {
            "name": request.name,
            "head_sha": request.head_sha,
            "status": request.status,
            "conclusion": request.conclusion,
            "details_url": request.details_url,
            "output": _output(request),
        }
        entry = (outbox or Outbox()).write_json("check-run", request.name, data)
        return CheckResult(
            "dry-run",
            "dry-run",
            request.name,
            request.head_sha,
            state=request.conclusion or request.status,
            outbox_path=entry.path,
        )
    try:
        return _check_run(client, request)
    except GitHubServiceError as error:
        if error.status != 403 and error.status != 404:
            raise
        if error.status == 404 and request.check_run_id is not None:
            raise  # a wrong --id, not a token that may not write checks
        reason = error.message
    return _status(client, request, reason)


def _fields(request: CheckRequest) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": request.status, "output": _output(request)}
    if request.conclusion and request.status == "completed":
        fields["conclusion"] = request.conclusion
    if request.details_url:
        fields["details_url"] = request.details_url
    return fields


def _check_run(client: GitHubClient, request: CheckRequest) -> CheckResult:
    repo = client.repo
    fields = _fields(request)

    def find() -> CheckRun | None:
        runs = repo.get_commit(request.head_sha).get_check_runs(check_name=request.name)
        return next(iter(runs), None)

    run: CheckRun | None
    if request.check_run_id is not None:
        run = repo.get_check_run(request.check_run_id)
    else:
        run = client.call(f"looking up check run '{request.name}'", find)
    if run is not None:
        target = run
        client.call(f"updating check run '{request.name}'", lambda: target.edit(**fields))
        action = "updated"
    else:
        run = client.call(
            f"creating check run '{request.name}'",
            lambda: repo.create_check_run(name=request.name, head_sha=request.head_sha, **fields),
            safe=False,
            lookup=find,
        )
        action = "created"
    return CheckResult(
        "check_run",
        action,
        request.name,
        request.head_sha,
        run.id,
        run.html_url,
        state=request.conclusion or request.status,
    )


def _status(client: GitHubClient, request: CheckRequest, reason: str) -> CheckResult:
    state = STATUS_STATE.get(request.conclusion or "", "pending")
    if request.status != "completed" or (request.untrusted_outcome and state == "success"):
        # A status has no neutral: a fork's claimed success must not show green.
        state = "pending"
    params: dict[str, Any] = {
        "state": state,
        "context": request.name,
        "description": (request.title or request.name)[:140],
    }
    if request.details_url:
        params["target_url"] = request.details_url
    commit = client.repo.get_commit(request.head_sha)
    # A status is keyed by its context: posting it twice changes nothing visible.
    status = client.call(
        f"setting commit status '{request.name}'", lambda: commit.create_status(**params)
    )
    return CheckResult(
        "status",
        "created",
        request.name,
        request.head_sha,
        None,
        status.url,
        state=state,
        fallback_reason=reason,
    )
