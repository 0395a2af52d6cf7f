"""actions/setup/ensure-mlci.sh: reuse the installed toolkit or install this checkout."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.workflows.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "actions" / "setup" / "ensure-mlci.sh"
VERSION = next(
    line.split('"')[1]
    for line in (REPO_ROOT / "toolkit" / "mlci" / "__init__.py").read_text().splitlines()
    if line.startswith("__version__")
)


def fake_tools(folder: Path, installed: str | None) -> Path:
    """`python` and `mlci` stand-ins that log their calls to folder/calls."""
    folder.mkdir()
    log = folder / "calls"
    version_line = f'echo "{installed}"' if installed else "exit 1"
    (folder / "python").write_text(
        f'#!/bin/sh\necho "python $*" >> "{log}"\nif [ "$1" = "-c" ]; then {version_line}; fi\n'
    )
    (folder / "mlci").write_text('#!/bin/sh\necho "mlci, version test"\n')
    for tool in ("python", "mlci"):
        (folder / tool).chmod(0o755)
    return log


def run(folder: Path, extras: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{folder}{os.pathsep}/usr/bin:/bin", "MLCI_EXTRAS": extras}
    return subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, check=False
    )


def test_the_same_version_is_reused(tmp_path: Path) -> None:
    log = fake_tools(tmp_path / "bin", installed=VERSION)
    result = run(tmp_path / "bin")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"mlci {VERSION} is installed: reusing it"
    assert "-m pip" not in log.read_text()


def test_another_version_installs_this_checkout_with_extras(tmp_path: Path) -> None:
    log = fake_tools(tmp_path / "bin", installed="0.0.1")
    result = run(tmp_path / "bin", extras="torch")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"installing mlci {VERSION} from {REPO_ROOT}"
    assert log.read_text().splitlines()[-1] == (
        f"python -m pip install --disable-pip-version-check --quiet {REPO_ROOT}[torch]"
    )


def test_nothing_installed_installs_this_checkout(tmp_path: Path) -> None:
    log = fake_tools(tmp_path / "bin", installed=None)
    assert run(tmp_path / "bin").returncode == 0
    assert log.read_text().splitlines()[-1] == (
        f"python -m pip install --disable-pip-version-check --quiet {REPO_ROOT}"
    )
