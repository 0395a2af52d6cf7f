"""Small, explicit calls to the git command line (no GitPython dependency)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from mlci.errors import InputError


def git(args: list[str], cwd: str | Path, *, check: bool = True) -> str:
    """Run `git ARGS` in `cwd` and return its stdout; a failure is an InputError."""
    if shutil.which("git") is None:
        raise InputError("git: command not found", "install git and make sure it is on PATH")
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise InputError(
            f"{cwd}: `git {' '.join(args)}` failed: {detail[-1] if detail else 'no output'}",
            "check that the folder is a git repository and the ref exists",
        )
    return completed.stdout


def init_repository(directory: Path, branch: str = "main") -> None:
    """A new repository with a local identity, so commits work on any machine."""
    git(["init", "-q", "-b", branch], directory)
    git(["config", "user.name", "mlci demo"], directory)
    git(["config", "user.email", "demo@mlci.invalid"], directory)
    git(["config", "commit.gpgsign", "false"], directory)


def commit_all(directory: Path, message: str) -> str:
    """Stage everything and commit; returns the new commit's SHA."""
    git(["add", "-A"], directory)
    git(["commit", "-q", "-m", message], directory)
    return git(["rev-parse", "HEAD"], directory).strip()
