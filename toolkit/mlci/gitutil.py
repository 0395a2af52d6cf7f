"""Small, explicit calls to the git command line (no GitPython dependency).

Read-only helpers (`show_file`, `rev_parse`, `list_dir`, `git_state`) read files at a
ref without a checkout and raise GitError, which callers turn into per-file errors.
`git()` is for commands whose failure should stop the command with exit 2.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mlci.errors import InputError


class GitError(Exception):
    """A git command failed; the message is git's own first line."""


def run_git(cwd: Path, *args: str) -> str:
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
    if done.stdout.startswith(f"tree {spec}\n".encode()):
        # `git show REF:folder` lists the folder; that listing is not the file's content.
        raise GitError(f"path '{path}' is a folder in '{ref}', not a file")
    return done.stdout


def rev_parse(cwd: Path, ref: str) -> str | None:
    """The full commit SHA of `ref`, or None when it does not resolve."""
    try:
        return run_git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip() or None
    except GitError:
        return None


def list_dir(cwd: Path, ref: str, path: str) -> list[str]:
    """Files under `path` at `ref`, relative to cwd."""
    try:
        out = run_git(cwd, "ls-tree", "-r", "--name-only", "--full-name", ref, "--", path)
    except GitError:
        return []
    root = run_git(cwd, "rev-parse", "--show-prefix").strip()
    return [line[len(root) :] if line.startswith(root) else line for line in out.splitlines()]


@dataclass(frozen=True)
class GitState:
    commit: str | None
    branch: str | None
    dirty: bool | None


def git_state(cwd: Path) -> GitState:
    """Commit, branch and dirty flag of the work tree; all None outside a repository."""
    try:
        commit = run_git(cwd, "rev-parse", "HEAD").strip()
    except GitError:
        return GitState(None, None, None)
    try:
        branch: str | None = run_git(cwd, "rev-parse", "--abbrev-ref", "HEAD").strip()
    except GitError:
        branch = None
    if branch == "HEAD":  # detached, as in most CI checkouts
        branch = None
    try:
        dirty = bool(run_git(cwd, "status", "--porcelain", "--untracked-files=no").strip())
    except GitError:
        dirty = None
    return GitState(commit, branch, dirty)


def last_commit_time(cwd: Path) -> datetime | None:
    """When HEAD was committed (UTC), or None outside a repository or without commits."""
    try:
        stamp = run_git(cwd, "log", "-1", "--format=%ct").strip()
    except GitError:
        return None
    return datetime.fromtimestamp(int(stamp), tz=timezone.utc) if stamp.isdigit() else None


def git(args: list[str], cwd: str | Path) -> str:
    """Run `git ARGS` in `cwd` and return its stdout; a failure is an InputError (exit 2)."""
    try:
        return run_git(Path(cwd), *args)
    except GitError as error:
        raise InputError(
            f"{cwd}: `git {' '.join(args)}` failed: {error}",
            "check that git is installed and the folder is a git repository",
        ) from None


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


def branch_problem(branch: str) -> str | None:
    """Why `branch` is no valid branch name (git check-ref-format, in short)."""
    bad = set(" ~^:?*[\\\x7f") | {chr(c) for c in range(32)}
    if not branch or branch == "@" or any(c in bad for c in branch):
        return "has a space, a control character or one of ~^:?*[\\"
    if ".." in branch or "@{" in branch or "//" in branch:
        return "has .., @{ or //"
    if branch.startswith(("/", "-")) or branch.endswith(("/", ".")):
        return "starts with / or -, or ends with / or ."
    if any(part.startswith(".") or part.endswith(".lock") for part in branch.split("/")):
        return "has a part that starts with . or ends with .lock"
    return None
