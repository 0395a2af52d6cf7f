"""A repository's self-hosted runners, and whether one can take the training job.

GitHub sends a job to a runner that has every label of its `runs-on`, compared
case-insensitively. Listing runners needs the repository's Administration (read)
permission, which the workflow's GITHUB_TOKEN never has: a 403 is expected in
Actions and is reported as "unknown", not as a failure.

The listing goes through PyGithub directly (the shared mlci.github client was
not ready when this was written); `fetch_repo_runners` is the one place to switch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlci.errors import ServiceError


@dataclass(frozen=True)
class SelfHostedRunner:
    id: int
    name: str
    os: str
    status: str  # online, offline
    busy: bool
    labels: tuple[str, ...]
    ephemeral: bool | None = None

    @property
    def online(self) -> bool:
        return self.status == "online"


@dataclass(frozen=True)
class RunnerStatus:
    """Which runners match `wanted` labels; `unreadable` says why none could be listed."""

    repository: str
    wanted: tuple[str, ...]
    runners: tuple[SelfHostedRunner, ...] = ()
    unreadable: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def matching(self) -> tuple[SelfHostedRunner, ...]:
        return tuple(r for r in self.runners if matches(r.labels, self.wanted))

    @property
    def matching_online(self) -> tuple[SelfHostedRunner, ...]:
        return tuple(r for r in self.matching if r.online)

    def to_dict(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "wanted": list(self.wanted),
            "unreadable": self.unreadable,
            "runners": [
                {
                    "id": r.id,
                    "name": r.name,
                    "os": r.os,
                    "status": r.status,
                    "busy": r.busy,
                    "ephemeral": r.ephemeral,
                    "labels": list(r.labels),
                    "matches": matches(r.labels, self.wanted),
                }
                for r in self.runners
            ],
            "matching_online": [r.name for r in self.matching_online],
            "warnings": list(self.warnings),
        }


class RunnersUnreadable(ServiceError):
    """The token may not list the repository's runners (401, 403, 404)."""


def matches(runner_labels: Iterable[str], wanted: Iterable[str]) -> bool:
    """True when the runner has every wanted label (case-insensitive, as GitHub does)."""
    have = {label.lower() for label in runner_labels}
    return all(label.lower() in have for label in wanted)


def runner_status(
    repository: str, runners: Sequence[SelfHostedRunner], wanted: Sequence[str]
) -> RunnerStatus:
    """Compare the listed runners with the labels the training job asks for."""
    status = RunnerStatus(repository=repository, wanted=tuple(wanted), runners=tuple(runners))
    warnings = []
    if not status.matching_online:
        labels = ", ".join(wanted)
        if status.matching:
            names = ", ".join(r.name for r in status.matching)
            warnings.append(
                f"no online runner has the labels [{labels}]: the matching runners "
                f"({names}) are offline; training jobs will wait in the queue"
            )
        else:
            warnings.append(
                f"no runner of {repository} has the labels [{labels}]: training jobs will "
                "wait in the queue unless an organisation runner or an ARC scale set "
                "scaled to zero has them (those are not listed here)"
            )
    return RunnerStatus(
        repository=status.repository,
        wanted=status.wanted,
        runners=status.runners,
        warnings=tuple(warnings),
    )


def unreadable_status(repository: str, wanted: Sequence[str], reason: str) -> RunnerStatus:
    return RunnerStatus(repository=repository, wanted=tuple(wanted), unreadable=reason)


def _runner_from_raw(raw: dict[str, Any]) -> SelfHostedRunner:
    return SelfHostedRunner(
        id=int(raw.get("id", 0)),
        name=str(raw.get("name", "")),
        os=str(raw.get("os", "")),
        status=str(raw.get("status", "")),
        busy=bool(raw.get("busy", False)),
        labels=tuple(str(label.get("name", "")) for label in raw.get("labels", ())),
        ephemeral=raw.get("ephemeral"),
    )


def fetch_repo_runners(
    repository: str,
    *,
    token: str | None,
    api_url: str = "https://api.github.com",
    timeout: int = 15,
    throttle_seconds: float | None = 0.25,
    retries: int = 3,
) -> tuple[SelfHostedRunner, ...]:
    """GET /repos/{owner}/{repo}/actions/runners, every page.

    Raises RunnersUnreadable when the token may not read them (or there is none),
    ServiceError when GitHub fails otherwise.
    """
    import requests

    import github

    if not token:
        raise RunnersUnreadable(
            "no GitHub token: cannot list self-hosted runners",
            "set GITHUB_TOKEN (or --token) to a token with Administration: read",
        )
    from mlci.github.client import check_api_url

    client = github.Github(
        auth=github.Auth.Token(token),
        base_url=check_api_url(api_url),
        timeout=timeout,
        retry=github.GithubRetry(total=retries),
        seconds_between_requests=throttle_seconds,
        per_page=100,
        lazy=True,  # no GET of the repository itself: only the runners are read
    )
    try:
        repo = client.get_repo(repository)
        return tuple(_runner_from_raw(runner.raw_data) for runner in repo.get_self_hosted_runners())
    except github.GithubException as error:
        if error.status == 401:
            raise RunnersUnreadable(
                f"GitHub rejected the token (401) listing the runners of {repository}",
                "check GITHUB_TOKEN (or --token): it may be expired, revoked, or meant for "
                "another GitHub host than GITHUB_API_URL",
            ) from None
        if error.status in (403, 404):
            message = error.data.get("message") if isinstance(error.data, dict) else None
            raise RunnersUnreadable(
                f"GitHub answered {error.status} to listing the runners of {repository}"
                + (f" ({message})" if message else ""),
                "listing runners needs Administration: read on the repository; the "
                "workflow's GITHUB_TOKEN never has it: use a fine-grained token or App token",
            ) from None
        raise ServiceError(
            f"GitHub failed to list the runners of {repository}: {error.status}",
            "try again later",
        ) from None
    except (requests.exceptions.RequestException, OSError) as error:
        raise ServiceError(
            f"cannot reach GitHub at {api_url}: {type(error).__name__}",
            "check GITHUB_API_URL and the network",
        ) from None
    finally:
        client.close()
