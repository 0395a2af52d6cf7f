"""A real MLflow tracking server for the session: SQLite backend, local proxied artifacts.

Started once (`mlflow server`, one worker, a free port on 127.0.0.1) and stopped at the
end. The only wait is the readiness poll of `/health`, bounded; the tests themselves
never sleep. MLflow's telemetry is off in the server and in the test process.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlci.examples import example_path
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git

READY_WITHIN_S = 120.0
QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def mlflow_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URI of a running MLflow server, for the whole session."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "server.log").open("wb")
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination",
        str(folder / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=folder,
        env={**os.environ, **QUIET},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its uvicorn child is stopped with it
    )
    try:
        while not _healthy(url):
            if process.poll() is not None:
                pytest.fail(f"mlflow server exited with {process.returncode}: see {log.name}")
            if time.monotonic() - started > READY_WITHIN_S:
                pytest.fail(f"mlflow server not ready within {READY_WITHIN_S} s: see {log.name}")
            time.sleep(0.2)  # readiness poll only
        print(f"\nmlflow server ready in {time.monotonic() - started:.1f} s at {url}")
        with pytest.MonkeyPatch.context() as patch:
            for name, value in QUIET.items():
                patch.setenv(name, value)
            yield url
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        log.close()


def example_project(target: Path, tracking: str) -> Path:
    """The embedded example in a fresh git repository, with `tracking` added to mlci.yaml."""
    shutil.copytree(
        example_path("sklearn"),
        target,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"),
    )
    config = target / "mlci.yaml"
    config.write_text(config.read_text() + tracking)
    init_repository(target)
    git(target, "add", "-A")
    git(target, "commit", "-qm", "example")
    return target
