"""Fixtures: the fake GitHub on a free port, and clients on an injected clock."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.github_fake` is imported as a package
    sys.path.insert(0, str(ROOT))

from tests.github_fake import DEFAULT_REPO as REPO  # noqa: E402
from tests.github_fake import DEFAULT_TOKEN, FakeGitHub  # noqa: E402


class FakeClock:
    """Time that moves only when slept on: tests never wait."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    """The fake; a test fails if any response or request broke GitHub's schema."""
    with FakeGitHub() as server:
        yield server
    assert server.violations == [], "\n".join(server.violations[:20])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(fake: FakeGitHub, clock: FakeClock):  # type: ignore[no-untyped-def]
    from mlci.github import ClientSettings, GitHubClient, RetryPolicy

    def make(token: str = DEFAULT_TOKEN, policy: RetryPolicy | None = None) -> GitHubClient:
        settings = ClientSettings(
            token=token,
            repository=REPO,
            api_url=fake.url,
            timeout=5,
            seconds_between_requests=0,
            seconds_between_writes=0,
        )
        return GitHubClient(settings, policy=policy, clock=clock)

    return make


@pytest.fixture
def client(make_client):  # type: ignore[no-untyped-def]
    return make_client()


@pytest.fixture
def pr(fake: FakeGitHub) -> int:
    """An open PR from branch `feature` (one commit ahead of main)."""
    fake.state.push_files(REPO, "main", {"x.txt": "x\n"}, "add x", "octocat")
    repo = fake.state.data["repos"][REPO]
    repo["refs"]["refs/heads/feature"] = repo["refs"]["refs/heads/main"]
    fake.state.push_files(REPO, "feature", {"y.txt": "y\n"}, "add y", "octocat")
    return int(fake.state.add_pull(REPO, head="feature", title="Feature")["number"])


@pytest.fixture
def no_waiting(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Commands that build their own client (the CLI) never wait: no pause between writes,
    and the retry policy sleeps on the injected clock."""
    import dataclasses

    from mlci.github import client as client_module
    from mlci.github import retry as retry_module

    @dataclasses.dataclass(frozen=True)
    class QuickSettings(client_module.ClientSettings):
        seconds_between_writes: float = 0.0

    monkeypatch.setattr(client_module, "ClientSettings", QuickSettings)
    monkeypatch.setattr(retry_module.SystemClock, "sleep", lambda self, s: clock.sleep(s))
    monkeypatch.setattr(retry_module.SystemClock, "time", lambda self: clock.time())
    return clock
