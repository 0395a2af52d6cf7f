from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from tests.workflows.configs import MATRIX

from mlci.config import parse_config
from mlci.workflows import render_files

REPO_ROOT = Path(__file__).resolve().parents[2]


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: pip install '.[test]'")
    return path


def render_into(root: Path, text: str) -> list[Path]:
    """A git repository holding mlci.yaml and the files rendered from it."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "mlci.yaml").write_text(text)
    written = []
    for file in render_files(parse_config(text)):
        path = root / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file.text)
        written.append(path)
    return written


@pytest.fixture(scope="session")
def rendered_matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One rendered repository per configuration of the matrix."""
    base = tmp_path_factory.mktemp("matrix")
    roots = {}
    for name, text in MATRIX.items():
        render_into(base / name, text)
        roots[name] = base / name
    return roots
