"""A local GitHub REST API fake for tests and the act end-to-end runs.

In a test::

    with FakeGitHub() as fake:            # one repo octo-org/demo, token ghs_fake_token
        fake.url                          # http://127.0.0.1:PORT  (GITHUB_API_URL)
        fake.state.add_pull("octo-org/demo", head="feature")
        fake.add_fault(Fault("POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
                             status=502, times=2))

As a process (see `__main__.py`)::

    python -m tests.github_fake --port 8765 --state /tmp/fake-state.json
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType

from tests.github_fake.server import FakeGitHubServer, Fault
from tests.github_fake.state import (
    DEFAULT_LOGIN,
    DEFAULT_REPO,
    DEFAULT_TOKEN,
    FakeState,
    default_state,
)

__all__ = [
    "DEFAULT_LOGIN",
    "DEFAULT_REPO",
    "DEFAULT_TOKEN",
    "FakeGitHub",
    "FakeGitHubServer",
    "FakeState",
    "Fault",
    "default_state",
]


class FakeGitHub:
    """The fake server on a free port of 127.0.0.1, served from a background thread."""

    def __init__(
        self,
        state: FakeState | None = None,
        *,
        port: int = 0,
        prefix: str = "",
        state_file: Path | None = None,
    ) -> None:
        self.state = state or default_state()
        self.server = FakeGitHubServer(
            ("127.0.0.1", port), self.state, prefix=prefix, state_file=state_file
        )
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.server.prefix}"

    def add_fault(self, fault: Fault) -> None:
        self.server.add_fault(fault)

    @property
    def requests(self) -> list[str]:
        return list(self.state.data["requests"])

    @property
    def violations(self) -> list[str]:
        return list(self.state.data["violations"])

    def start(self) -> FakeGitHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
