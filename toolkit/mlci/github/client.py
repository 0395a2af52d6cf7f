"""A PyGithub client for one repository, with mlci's retry policy and timeouts.

Plain values in (the CLI reads the environment): token, API URL, repository.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from mlci.errors import InputError
from mlci.github.errors import GitHubServiceError, response_info
from mlci.github.retry import Clock, Retrier, RetryPolicy

if TYPE_CHECKING:
    from github.Repository import Repository

T = TypeVar("T")

DEFAULT_API_URL = "https://api.github.com"
# GITHUB_TOKEN and App installation tokens may not read /user; their comments are
# written by this account.
ACTIONS_BOT = "github-actions[bot]"


@dataclass(frozen=True)
class ClientSettings:
    token: str
    repository: str
    api_url: str = DEFAULT_API_URL
    timeout: int = 20  # seconds per request (connect and read); PyGithub wants an int
    per_page: int = 100  # fewest pages for comment scans
    # PyGithub's throttle (real sleeps): GitHub asks for pauses between writes to avoid
    # secondary rate limits; tests set both to 0.
    seconds_between_requests: float = 0.0
    seconds_between_writes: float = 0.5


# GitHub's own rules: owners are letters, digits and hyphens; names add `.` and `_`.
# Checking here turns a stray space or quote into exit 2 instead of a 404 (exit 3).
_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+")


def split_repository(repository: str) -> tuple[str, str]:
    owner, _, name = repository.partition("/")
    if not _REPOSITORY.fullmatch(repository) or name in (".", ".."):
        raise InputError(
            f"GITHUB_REPOSITORY: {repository!r} is not of the form owner/name",
            "set GITHUB_REPOSITORY=owner/name (Actions sets it for you)",
        )
    return owner, name


def check_api_url(api_url: str) -> str:
    """The API base URL without its trailing slash; exit 2 when it is no http(s) URL."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(api_url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad port or IPv6 literal
        valid = False
    if not valid:
        raise InputError(
            f"GITHUB_API_URL: {api_url!r} is not an http(s) URL",
            f"unset it for github.com ({DEFAULT_API_URL}), or set the API of your "
            "GitHub Enterprise server, e.g. https://HOST/api/v3",
        )
    return api_url.rstrip("/")


class GitHubClient:
    """One repository on one GitHub; every call goes through `call` (retries)."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        policy: RetryPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        from github import Auth, Github

        self.settings = settings
        self.owner, self.name = split_repository(settings.repository)
        base_url = check_api_url(settings.api_url)
        self.retrier = Retrier(policy, clock)
        self.gh = Github(
            auth=Auth.Token(settings.token),
            base_url=base_url,
            timeout=settings.timeout,
            per_page=settings.per_page,
            retry=None,  # mlci.github.retry decides (see its docstring)
            seconds_between_requests=settings.seconds_between_requests,
            seconds_between_writes=settings.seconds_between_writes,
            lazy=True,  # no GET before every object: we ask for what we need
        )
        self._login: str | None = None

    @property
    def repository(self) -> str:
        return self.settings.repository

    @property
    def repo(self) -> Repository:
        return self.gh.get_repo(self.settings.repository)

    def call(
        self,
        action: str,
        fn: Callable[[], T],
        *,
        safe: bool = True,
        lookup: Callable[[], Any] | None = None,
    ) -> T:
        return self.retrier.call(action, fn, safe=safe, lookup=lookup)

    def login(self) -> str:
        """Who this token writes as: GET /user, or the Actions bot for installation tokens."""
        if self._login is None:
            from github import GithubException

            def ask() -> str:
                try:
                    return str(self.gh.get_user().login)
                except GithubException as error:
                    info = response_info(error)
                    if info and info[0] == 403:
                        return ACTIONS_BOT
                    raise

            self._login = self.call("finding who the token belongs to", ask)
        return self._login

    def default_branch(self) -> str:
        # A lazy object fetches itself on first attribute access.
        return str(self.call("reading the repository", lambda: self.repo.default_branch))


def is_status(error: BaseException, *statuses: int) -> bool:
    if isinstance(error, GitHubServiceError):
        return error.status in statuses
    info = response_info(error)
    return bool(info and info[0] in statuses)
