"""GitHub failures as ServiceError (exit 3), saying what is missing where GitHub tells us.

GitHub names the permission a token lacks in the `X-Accepted-GitHub-Permissions`
header and answers "Resource not accessible by integration" for GITHUB_TOKEN and
App tokens; both become a hint with the `permissions:` block to add to the job.
"""

from __future__ import annotations

from typing import Any

from mlci.errors import ServiceError


class GitHubServiceError(ServiceError):
    """A GitHub call failed; `status` is GitHub's HTTP status when there was one."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        status: int | None = None,
        permission: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.permission = permission


def response_info(error: BaseException) -> tuple[int, dict[str, str], str] | None:
    """(status, lower-cased headers, message) of a PyGithub error, else None."""
    from github import GithubException

    if not isinstance(error, GithubException):
        return None
    headers = {str(k).lower(): str(v) for k, v in (error.headers or {}).items()}
    data: Any = error.data
    message = data.get("message", "") if isinstance(data, dict) else str(data or "")
    return error.status, headers, str(message or "")


def permissions_yaml(accepted: str) -> str:
    """'checks=write; pull_requests=write' -> 'checks: write, pull-requests: write'."""
    parts = []
    for item in accepted.replace(",", ";").split(";"):
        name, _, level = item.strip().partition("=")
        if name:
            parts.append(f"{name.replace('_', '-')}: {level or 'write'}")
    return ", ".join(parts)


def describe_failure(error: BaseException, action: str) -> GitHubServiceError:
    """The one place a non-retryable GitHub failure becomes a message and a hint."""
    info = response_info(error)
    if info is None:
        return GitHubServiceError(
            f"{action} failed: {error}", "check GITHUB_API_URL and the network"
        )
    status, headers, message = info
    accepted = headers.get("x-accepted-github-permissions", "")
    if status == 401:
        return GitHubServiceError(
            f"{action} failed: GitHub rejected the token (401 {message or 'Bad credentials'})",
            "check GITHUB_TOKEN (or --token): it may be expired, revoked, or meant for "
            "another GitHub host than GITHUB_API_URL",
            status=status,
        )
    if status == 403 and (accepted or "not accessible by integration" in message.lower()):
        needed = permissions_yaml(accepted) if accepted else None
        what = f"; it needs {needed}" if needed else ""
        return GitHubServiceError(
            f"{action} failed: the token may not do this (403 {message}){what}",
            (
                f"add `permissions: {{{needed}}}` to the workflow job"
                if needed
                else "grant the workflow job the permission (its `permissions:` block)"
            )
            + "; pull requests from forks get a read-only token, post from workflow_run",
            status=status,
            permission=accepted or None,
        )
    if status == 404:
        return GitHubServiceError(
            f"{action} failed: not found (404)",
            "check GITHUB_REPOSITORY and the number or name given, and that the token "
            "can see the repository",
            status=status,
        )
    if status == 422:
        return GitHubServiceError(
            f"{action} failed: GitHub refused the request (422 {message})",
            "check the values given (branch, reviewers, labels)",
            status=status,
        )
    return GitHubServiceError(
        f"{action} failed: {status} {message}".rstrip(),
        "see the message above; run again if GitHub was having trouble",
        status=status,
    )
