"""The files of a repository that detection looks at, and small readers for them.

In a git repository that is what git tracks plus what it would track (untracked but
not ignored): a `.gitignore` already says which files are outputs, caches or secrets.
Elsewhere the folder is walked. Either way hidden folders, virtual environments,
dependency and build folders are skipped, so that a `.venv` with thousands of files
or a `node_modules` never make a guess.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Folders whose files are never the project's own: environments, caches, build outputs,
# tracking stores (mlruns holds runs, not inputs).
SKIPPED_FOLDERS = frozenset(
    {
        "__pycache__",
        "node_modules",
        "venv",
        "env",
        "virtualenv",
        "site-packages",
        "build",
        "dist",
        "htmlcov",
        "mlruns",
        "mlartifacts",
        "wandb",
        "lightning_logs",
        "outputs",
        "multirun",
    }
)
# More files than this and the rest is not looked at (a data lake checked into git).
MAX_FILES = 20_000
# Bytes of a file that the cheap readers look at.
HEAD_BYTES = 64 * 1024


def skipped(relative: str) -> bool:
    """True for paths inside hidden, environment, cache or build folders."""
    parts = relative.split("/")
    for part in parts[:-1]:
        if part.startswith(".") or part in SKIPPED_FOLDERS or part.endswith(".egg-info"):
            return True
    return False


def _git_files(root: Path) -> list[str] | None:
    from mlci.gitutil import GitError, run_git

    try:
        inside = run_git(root, "rev-parse", "--is-inside-work-tree").strip()
    except GitError:
        return None
    if inside != "true":
        return None
    try:
        listing = run_git(
            root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."
        )
    except GitError:
        return None
    return [name for name in listing.split("\0") if name]


def _walked_files(root: Path) -> list[str]:
    found: list[str] = []
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(
            f
            for f in folders
            if not f.startswith(".") and f not in SKIPPED_FOLDERS and not f.endswith(".egg-info")
        )
        base = Path(folder).relative_to(root)
        for name in sorted(files):
            found.append((base / name).as_posix())
            if len(found) >= MAX_FILES:
                return found
    return found


def project_files(root: Path) -> tuple[str, ...]:
    """Relative POSIX paths of the project's own files, sorted, existing ones only."""
    listed = _git_files(root)
    if listed is None:
        listed = _walked_files(root)
    kept = sorted(
        {name for name in listed if not skipped(name) and not Path(name).name.startswith(".")}
    )
    return tuple(name for name in kept[:MAX_FILES] if (root / name).is_file())


def read_head(path: Path, limit: int = HEAD_BYTES) -> str | None:
    """The first `limit` bytes of a text file, or None for binary or unreadable files."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(limit)
    except OSError:
        return None
    if b"\x00" in data:
        return None
    return data.decode("utf-8", "replace")


def read_text(path: Path) -> str | None:
    """A whole small text file, or None."""
    try:
        if path.stat().st_size > 4 * 1024 * 1024:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def read_mapping(path: Path) -> dict[str, Any] | None:
    """A YAML (or JSON) file whose top level is a mapping, or None when it is not one."""
    from mlci.documents import parse_yaml_text

    text = read_text(path)
    if text is None:
        return None
    try:
        data = parse_yaml_text(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def read_toml(path: Path) -> dict[str, Any] | None:
    import tomllib

    text = read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


@dataclass(frozen=True)
class Mention:
    """A line of a Python file that names something (a path, a library)."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path} line {self.line}"


def python_files(files: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f for f in files if f.endswith(".py"))


def find_mention(root: Path, files: tuple[str, ...], pattern: re.Pattern[str]) -> Mention | None:
    """The first line of the project's Python files that matches `pattern`."""
    for name in python_files(files):
        text = read_head(root / name, 512 * 1024)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            if pattern.search(line):
                return Mention(name, number)
    return None


def read_yaml_mapping(path: Path) -> dict[str, Any] | None:
    """The mapping a project's YAML file holds (dvc.yaml, dvc.lock, MLproject, a .dvc
    pointer); an empty file is an empty mapping. None when it is missing, unreadable or
    no mapping: init only guesses from it, so a broken file is simply not used (its own
    tool reports it)."""
    from mlci.documents import parse_yaml_text

    try:
        data = parse_yaml_text(path.read_text(encoding="utf-8"))
    except (ValueError, OSError, UnicodeDecodeError):
        return None
    if data is None:
        return {}
    return data if isinstance(data, dict) else None
