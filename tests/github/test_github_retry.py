"""The time limit of one GitHub call, on an injected clock (nothing sleeps)."""

from __future__ import annotations

import pytest
import requests

from mlci.errors import ServiceError
from mlci.github.retry import Retrier, RetryPolicy


def test_an_api_that_never_answers_costs_at_most_the_deadline(clock):  # type: ignore[no-untyped-def]
    policy = RetryPolicy()  # defaults: 20 s per call, 5 s per try
    attempts = []

    def hang() -> None:
        attempts.append(clock.now)
        clock.now += policy.attempt_timeout  # the read timeout runs out
        raise requests.exceptions.ReadTimeout("read timed out")

    start = clock.now
    with pytest.raises(ServiceError) as caught:
        Retrier(policy, clock).call("reading the repository", hang)
    assert clock.now - start <= policy.deadline
    assert len(attempts) == 3 and clock.sleeps == [1.0, 2.0]
    assert caught.value.message == (
        "reading the repository failed (last: connection failed (ReadTimeout)); "
        "gave up after 3 attempts at the 20s time limit"
    )


def test_waits_github_asks_for_do_not_use_up_the_deadline(clock):  # type: ignore[no-untyped-def]
    from github import GithubException

    calls = []

    def limited() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise GithubException(429, {"message": "slow down"}, {"Retry-After": "42"})
        return "ok"

    assert Retrier(RetryPolicy(), clock).call("posting", limited, safe=False) == "ok"
    assert clock.sleeps == [42.0]
