"""Read-only git access: file contents at a ref (`git show REF:path`), no checkout."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


class GitError(Exception):
    """A git command failed; the message is git's own first line."""


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} timed out") from None
    if done.returncode != 0:
        message = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise GitError(message[0] if message else f"git {args[0]} failed")
    return done.stdout


def show_file(cwd: Path, ref: str, path: str) -> bytes:
    """The bytes of `path` (relative to cwd) as committed at `ref`."""
    # `./path` makes git resolve the path relative to cwd, not the repository root.
    spec = f"{ref}:./{Path(path).as_posix()}" if not Path(path).is_absolute() else f"{ref}:{path}"
    try:
        done = subprocess.run(
            ["git", "show", spec], cwd=cwd, capture_output=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(lines[0] if lines else "git show failed")
    return done.stdout


def rev_parse(cwd: Path, ref: str) -> str | None:
    """The full commit SHA of `ref`, or None when it does not resolve."""
    try:
        return _git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip() or None
    except GitError:
        return None


def list_dir(cwd: Path, ref: str, path: str) -> list[str]:
    """Files under `path` at `ref`, relative to cwd."""
    try:
        out = _git(cwd, "ls-tree", "-r", "--name-only", "--full-name", ref, "--", path)
    except GitError:
        return []
    root = _git(cwd, "rev-parse", "--show-prefix").strip()
    return [line[len(root) :] if line.startswith(root) else line for line in out.splitlines()]


@dataclass(frozen=True)
class GitState:
    commit: str | None
    branch: str | None
    dirty: bool | None


def git_state(cwd: Path) -> GitState:
    """Commit, branch and dirty flag of the work tree; all None outside a repository."""
    try:
        commit = _git(cwd, "rev-parse", "HEAD").strip()
    except GitError:
        return GitState(None, None, None)
    try:
        branch: str | None = _git(cwd, "rev-parse", "--abbrev-ref", "HEAD").strip()
    except GitError:
        branch = None
    if branch == "HEAD":  # detached, as in most CI checkouts
        branch = None
    try:
        dirty = bool(_git(cwd, "status", "--porcelain", "--untracked-files=no").strip())
    except GitError:
        dirty = None
    return GitState(commit, branch, dirty)
