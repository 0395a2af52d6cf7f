"""The retry policy of every GitHub call: bounded, rate-limit aware, never blind on POST.

PyGithub's own urllib3 retry is switched off (it retries POSTs, so a comment could
be posted twice, and it sleeps on the real clock). Instead each call goes through
`Retrier.call`, which sees GitHub's answer and decides:

- 5xx, dropped connections and timeouts are retried with exponential backoff; they are
  *ambiguous* for writes (GitHub may have done the work before failing), so a call that
  is not safe to repeat first runs its `lookup` and returns what it finds instead of
  writing again; with no lookup it is not repeated at all;
- 429 and secondary rate limits wait for `Retry-After` (or `secondary_wait`), primary
  rate limits wait until `X-RateLimit-Reset`; those requests were refused, not done, so
  they are repeated even when not safe;
- every wait counts against `max_total_wait`: a wait that would pass it fails now,
  rather than sleeping for an hour in a CI job;
- a time limit bounds each call: with `attempt_timeout` (the per-try connect and read
  timeout the client was built with), a retry starts only when its backoff plus one
  full attempt still ends within `deadline` seconds of the call's start, so an API
  that accepts connections and never answers costs at most `deadline` seconds, not
  5 x (timeout + backoff). Waits GitHub asked for (Retry-After, rate-limit reset) are
  governed by `max_total_wait` and move the deadline by as much.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from mlci.github.errors import GitHubServiceError, describe_failure, response_info

T = TypeVar("T")


class Clock(Protocol):
    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    max_total_wait: float = 120.0
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    secondary_wait: float = 60.0
    # Seconds one call may take, retries and backoff included (rate-limit waits aside).
    deadline: float = 20.0
    # The per-try timeout the requests run under; GitHubClient sets it from its settings.
    attempt_timeout: float = 5.0


@dataclass(frozen=True)
class Verdict:
    """What one failure means: retry after `wait`? was the request maybe applied?"""

    retry: bool
    wait: float
    ambiguous: bool
    reason: str


def classify(error: BaseException, attempt: int, policy: RetryPolicy, now: float) -> Verdict:
    import requests

    backoff = min(policy.backoff_max, policy.backoff_base * 2 ** (attempt - 1))
    if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return Verdict(True, backoff, True, f"connection failed ({type(error).__name__})")
    info = response_info(error)
    if info is None:
        return Verdict(False, 0.0, False, str(error))
    status, headers, message = info
    retry_after = _seconds(headers.get("retry-after"))
    lowered = message.lower()
    if headers.get("x-ratelimit-remaining") == "0" or lowered.startswith("api rate limit"):
        reset = _seconds(headers.get("x-ratelimit-reset"))
        wait = retry_after if retry_after is not None else max(0.0, (reset or now) - now) + 1
        return Verdict(True, wait, False, f"{status} primary rate limit")
    if status == 429 or "secondary rate limit" in lowered or (status == 403 and retry_after):
        wait = retry_after if retry_after is not None else policy.secondary_wait
        return Verdict(True, wait, False, f"{status} secondary rate limit")
    if 500 <= status < 600:
        wait = retry_after if retry_after is not None else backoff
        return Verdict(True, wait, True, f"{status} {message or 'server error'}".strip())
    return Verdict(False, 0.0, False, f"{status} {message}".strip())


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class Retrier:
    """Runs calls under a `RetryPolicy` on an injectable clock; counts what it did."""

    def __init__(self, policy: RetryPolicy | None = None, clock: Clock | None = None) -> None:
        self.policy = policy or RetryPolicy()
        self.clock: Clock = clock or SystemClock()
        self.waited = 0.0  # seconds slept in total (on this clock), across calls
        self.retries = 0

    def call(
        self,
        action: str,
        fn: Callable[[], T],
        *,
        safe: bool = True,
        lookup: Callable[[], Any] | None = None,
    ) -> T:
        """Run `fn`; `action` names it in errors ("posting the comment on PR #3").

        `safe`: repeating `fn` cannot duplicate anything (reads, PATCH to a fixed value,
        content-addressed git objects). `lookup`: for unsafe calls, finds the result of
        an earlier attempt that may have been applied; a non-None result is returned.
        """
        budget = 0.0
        attempt = 0
        start = self.clock.time()
        rate_waited = 0.0  # waits GitHub asked for: they move the deadline
        while True:
            attempt += 1
            try:
                return fn()
            except Exception as error:
                verdict = classify(error, attempt, self.policy, self.clock.time())
                if not verdict.retry:
                    raise describe_failure(error, action) from None
                if verdict.ambiguous and not safe:
                    info = response_info(error)
                    if lookup is None:
                        raise GitHubServiceError(
                            f"{action} failed ({verdict.reason}) and was not repeated, "
                            "because GitHub may have applied it",
                            "check the result on GitHub, then run the command again",
                            status=info[0] if info else None,
                        ) from None
                    found = lookup()
                    if found is not None:
                        return found
                if attempt >= self.policy.max_attempts:
                    raise GitHubServiceError(
                        f"{action} failed after {attempt} attempts (last: {verdict.reason})",
                        # No answer at all is more often a wrong GITHUB_API_URL or network
                        # than an outage.
                        "check GITHUB_API_URL and the network, or run the command again later"
                        if verdict.reason.startswith("connection failed")
                        else "GitHub is failing or rate limiting; run the command again later "
                        "(https://www.githubstatus.com)",
                    ) from None
                if budget + verdict.wait > self.policy.max_total_wait:
                    raise GitHubServiceError(
                        f"{action} failed ({verdict.reason}); GitHub asked to wait "
                        f"{verdict.wait:.0f}s, beyond the {self.policy.max_total_wait:.0f}s "
                        "ceiling on waiting",
                        "run the command again later, or raise the retry ceiling",
                    ) from None
                spent = self.clock.time() - start - rate_waited
                if not verdict.ambiguous and verdict.reason.endswith("rate limit"):
                    rate_waited += verdict.wait
                elif spent + verdict.wait + self.policy.attempt_timeout > self.policy.deadline:
                    raise GitHubServiceError(
                        f"{action} failed (last: {verdict.reason}); gave up after "
                        f"{attempt} attempt{'s' if attempt > 1 else ''} at the "
                        f"{self.policy.deadline:g}s time limit",
                        "check GITHUB_API_URL and the network, or run the command again later; "
                        "MLCI_GITHUB_TIMEOUT sets the limit in seconds (default 20)",
                    ) from None
                budget += verdict.wait
                self.waited += verdict.wait
                self.retries += 1
                self.clock.sleep(verdict.wait)
