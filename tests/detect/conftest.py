"""Fixture repositories for init's detectors: copied to a temp dir, made a git repository."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mlci.gitutil import commit_all, init_repository

REPOS = Path(__file__).resolve().parents[1] / "data" / "repos"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """A git repository holding the given files, committed."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        write(root, files)
        init_repository(root)
        commit_all(root, "base")
        return root

    return make


def copy_fixture(name: str, target: Path) -> Path:
    """The fixture repository `name` as a fresh git repository with one commit."""
    root = target / name
    shutil.copytree(REPOS / name, root)
    init_repository(root)
    commit_all(root, "base")
    return root
