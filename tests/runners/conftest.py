"""Fixtures: a fake `nvidia-smi` on PATH, and fake framework modules for the probes."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.runners.runner_fakes import BANNER, FAKE_TORCH, ONE_GPU

from mlci.runners.nvidia import QUERY_ARGS

FakeSmi = Callable[..., Path]


@pytest.fixture
def fake_smi(tmp_path: Path) -> FakeSmi:
    """Write an executable `nvidia-smi` into a fresh folder and return that folder.

    It answers the exact query mlci sends with `query`, a plain call with the banner,
    and anything else with exit 2 (so a changed query fails the tests loudly).
    """
    count = 0

    def make(query: str = ONE_GPU, banner: str = BANNER, exit_code: int = 0) -> Path:
        nonlocal count
        count += 1
        folder = tmp_path / f"bin{count}"
        folder.mkdir()
        (folder / "query.txt").write_text(query)
        (folder / "banner.txt").write_text(banner)
        script = folder / "nvidia-smi"
        script.write_text(
            textwrap.dedent(
                f"""\
                #!/bin/sh
                here=$(dirname "$0")
                if [ "$#" -eq 0 ]; then cat "$here/banner.txt"; exit {exit_code}; fi
                if [ "$1 $2" = "{QUERY_ARGS[0]} {QUERY_ARGS[1]}" ]; then
                  cat "$here/query.txt"; exit {exit_code}
                fi
                echo "unexpected arguments: $*" >&2; exit 2
                """
            )
        )
        script.chmod(0o755)
        return folder

    return make


@pytest.fixture
def path_with(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path | None], None]:
    """Put a folder first on PATH, or (None) leave only folders without nvidia-smi."""

    def apply(folder: Path | None) -> None:
        if folder is None:
            monkeypatch.setenv("PATH", "/usr/bin:/bin")
        else:
            monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/usr/bin:/bin")

    return apply


@pytest.fixture
def fake_torch(tmp_path: Path) -> Callable[[str], dict[str, str]]:
    """A stand-in `torch` package; returns the child environment that imports it."""

    def make(kernel_error: str = "") -> dict[str, str]:
        folder = tmp_path / f"fake_torch_{abs(hash(kernel_error))}"
        (folder / "torch").mkdir(parents=True)
        (folder / "torch" / "__init__.py").write_text(
            f"KERNEL_ERROR = {kernel_error!r}\n" + FAKE_TORCH
        )
        return {**os.environ, "PYTHONPATH": str(folder)}

    return make
