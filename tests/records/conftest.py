"""Real git repositories with a records branch made by real git, and the GitHub fake."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tests.github.conftest import (  # noqa: F401 (fixtures)
    FakeClock,
    client,
    clock,
    fake,
    make_client,
    no_waiting,
)

from mlci.gitutil import init_repository, rev_parse
from mlci.gitutil import run_git as git
from mlci.train.record import RunRecord


def make_record(
    commit: str, *, acc: float = 0.8, status: str = "succeeded", dirty: bool = False, run: str = ""
) -> RunRecord:
    return RunRecord(
        id=run or f"20261128T080000Z-{commit[:6]}",
        created_at="2026-11-28T08:00:00+00:00",
        command="python train.py",
        status=status,
        exit_code=0 if status == "succeeded" else 1,
        duration_s=1.0,
        git={"commit": commit, "branch": "main", "dirty": dirty},
        params={"params.yaml": {"depth": 4}},
        metrics={"metrics.json": {"acc": acc}},
    )


def record_bytes(record: RunRecord) -> bytes:
    return (json.dumps(record.to_dict(), indent=2) + "\n").encode()


def put_on_branch(
    root: Path, branch: str, files: dict[str, bytes], message: str = "records"
) -> str:
    """Commit `files` on `branch` with git plumbing (a private index): the work tree and
    the checked-out branch stay as they are. The first commit has no parent."""
    env = {**os.environ, "GIT_INDEX_FILE": str(root / ".git" / "records-test-index")}

    def run(*args: str, data: bytes | None = None) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, env=env, input=data, capture_output=True, check=True
        )
        return done.stdout.decode().strip()

    parent = rev_parse(root, f"refs/heads/{branch}")
    run("read-tree", parent) if parent else run("read-tree", "--empty")
    for path, content in files.items():
        blob = run("hash-object", "-w", "--stdin", data=content)
        run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
    tree = run("write-tree")
    commit = run("commit-tree", tree, *(["-p", parent] if parent else []), "-m", message)
    run("update-ref", f"refs/heads/{branch}", commit)
    return commit


def commit_file(root: Path, name: str, text: str, message: str) -> str:
    (root / name).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main with four commits (c0..c3, newest last), metrics.json never committed."""
    root = tmp_path / "repo"
    root.mkdir()
    init_repository(root)
    (root / "mlci.yaml").write_text("train:\n  command: python train.py\n  metrics: metrics.json\n")
    (root / ".gitignore").write_text(".mlci/\nmetrics.json\n")
    for n in range(4):
        commit_file(root, "code.py", f"v = {n}\n", f"c{n}")
    return root


def history(root: Path) -> list[str]:
    """main's commits, newest first."""
    return git(root, "rev-list", "--first-parent", "main").split()
