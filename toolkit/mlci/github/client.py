"""A PyGithub client for one repository, with mlci's retry policy and timeouts.

Plain values in (the CLI reads the environment): token, API URL, repository.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from mlci.errors import InputError, MlciError
from mlci.github.errors import GitHubServiceError, response_info
from mlci.github.retry import Clock, Retrier, RetryPolicy

if TYPE_CHECKING:
    from github.Repository import Repository

T = TypeVar("T")

DEFAULT_API_URL = "https://api.github.com"
# The default GITHUB_TOKEN writes as this account (kept for callers that want a name).
ACTIONS_BOT = "github-actions[bot]"
# One GitHub call, retries included, takes at most this long (MLCI_GITHUB_TIMEOUT).
DEFAULT_DEADLINE = 20.0


def attempt_timeout(deadline: float) -> int:
    """The per-try connect and read timeout for a call limit: a quarter of it, 1 to 30 s.

    A quarter leaves room for a few retries within the limit (20 s: 5 s per try).
    Whole seconds: PyGithub takes an int.
    """
    return max(1, min(30, int(deadline / 4)))


@dataclass(frozen=True)
class ClientSettings:
    token: str
    repository: str
    api_url: str = DEFAULT_API_URL
    timeout: int = attempt_timeout(DEFAULT_DEADLINE)  # seconds per try (connect and read)
    deadline: float = DEFAULT_DEADLINE  # seconds per call, retries included
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

        token = check_token(settings.token)
        if token != settings.token:
            settings = dataclasses.replace(settings, token=token)
        self.settings = settings
        self.owner, self.name = split_repository(settings.repository)
        base_url = check_api_url(settings.api_url)
        base_policy = policy or RetryPolicy(deadline=settings.deadline)
        self.retrier = Retrier(
            dataclasses.replace(base_policy, attempt_timeout=settings.timeout), clock
        )
        self.gh = Github(
            auth=Auth.Token(token),
            base_url=base_url,
            timeout=settings.timeout,
            per_page=settings.per_page,
            retry=None,  # mlci.github.retry decides (see its docstring)
            seconds_between_requests=settings.seconds_between_requests,
            seconds_between_writes=settings.seconds_between_writes,
            lazy=True,  # no GET before every object: we ask for what we need
        )
        self._identity: str | None = None
        self._identity_known = False

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
        try:
            return self.retrier.call(action, fn, safe=safe, lookup=lookup)
        except MlciError as error:
            raise redact(error, self.settings.token) from None

    def identity(self) -> str | None:
        """The login this token writes as (GET /user), or None when it may not say.

        Personal access tokens and user tokens read /user. Installation tokens (the
        workflow's GITHUB_TOKEN, a GitHub App's token) get 403 "Resource not accessible
        by integration" there, and no endpoint tells an installation token its own app
        slug (GET /app needs the app's JWT): the caller then knows only that it writes
        as a bot (see `mlci.github.comments` for the rule that follows).
        """
        if not self._identity_known:
            from github import GithubException

            def ask() -> str | None:
                try:
                    return str(self.gh.get_user().login)
                except GithubException as error:
                    info = response_info(error)
                    if info and info[0] == 403:
                        return None
                    raise

            self._identity = self.call("finding who the token belongs to", ask)
            self._identity_known = True
        return self._identity

    def learn_identity(self, login: str) -> None:
        """What a write answered with (the author of a comment just created)."""
        self._identity, self._identity_known = login, True

    def login(self) -> str:
        """`identity()`, or the Actions bot's login when the token may not say."""
        return self.identity() or ACTIONS_BOT

    def default_branch(self) -> str:
        # A lazy object fetches itself on first attribute access.
        return str(self.call("reading the repository", lambda: self.repo.default_branch))


def check_token(token: str) -> str:
    """The token without surrounding whitespace (a secret file's trailing newline).

    Whitespace inside cannot be part of a token; the message never shows the token.
    """
    stripped = token.strip()
    if not stripped or any(c.isspace() for c in stripped):
        raise InputError(
            "GITHUB_TOKEN (or --token) is empty or has spaces or line breaks inside",
            "give the token alone, e.g. env: GITHUB_TOKEN: ${{ github.token }}",
        )
    return stripped


def redact(error: MlciError, *secrets: str) -> MlciError:
    """`error` with every secret in its message and hint replaced by `***`."""
    message, hint = error.message, error.hint
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
            hint = hint.replace(secret, "***") if hint else hint
    if (message, hint) != (error.message, error.hint):
        error.message, error.hint = message, hint
        error.args = (message,)
    return error


def is_status(error: BaseException, *statuses: int) -> bool:
    if isinstance(error, GitHubServiceError):
        return error.status in statuses
    info = response_info(error)
    return bool(info and info[0] in statuses)
