"""`mlci init` and `mlci init --dry-run` on fixture repositories, through the CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from tests.detect.conftest import copy_fixture

from mlci.cli import cli


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root (outside .git) with the hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts[:1]
    }


@pytest.fixture
def cml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = copy_fixture("cml-example", tmp_path)
    monkeypatch.chdir(root)
    return root


def test_dry_run_writes_nothing_and_shows_the_config_and_files(cml: Path) -> None:
    before = snapshot(cml)
    result = CliRunner().invoke(cli, ["init", "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert snapshot(cml) == before
    lines = result.output.splitlines()
    assert lines[0] == "mlci init --dry-run: nothing is written"
    assert "guessed build.install: pip install -r requirements.txt, found requirements.txt" in lines
    assert "guessed build.test: none, no tests in the repository" in lines
    start = lines.index("mlci.yaml that init would write:")
    end = lines.index("", start)
    config = yaml.safe_load("\n".join(lines[start + 1 : end]))
    assert config["build"] == {"install": "pip install -r requirements.txt", "test": None}
    assert config["train"]["runner"] == ["ubuntu-latest"]
    assert "  # guessed: found requirements.txt" in lines[start:end]
    assert "would create     mlci.yaml (new)" in lines
    assert "would create     .github/workflows/mlci-ci.yml (new)" in lines
    # The project's own CML workflow is no file of mlci's: never listed, never touched.
    assert not any("cml.yaml" in line for line in lines)


def test_dry_run_after_init_lists_kept_and_unchanged_files(cml: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], catch_exceptions=False).exit_code == 0
    ci = cml / ".github/workflows/mlci-ci.yml"
    ci.write_text(ci.read_text() + "# my edit\n")
    before = snapshot(cml)
    result = runner.invoke(cli, ["init", "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert snapshot(cml) == before
    lines = result.output.splitlines()
    assert "mlci.yaml that init would write:" not in lines  # it exists: never replaced
    assert "would keep       .github/workflows/mlci-ci.yml (edited by hand: left alone)" in lines
    assert "would be unchanged  .github/workflows/mlci-train.yml (already up to date)" in lines
    assert lines[-1] == (
        "1 file(s) would be kept: merge your edits into mlci.yaml, or rerun with --force "
        "to overwrite them"
    )


def test_init_prints_each_guess_then_each_note_and_changes_no_project_file(cml: Path) -> None:
    before = snapshot(cml)
    result = CliRunner().invoke(cli, ["init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    after = snapshot(cml)
    changed = sorted(p for p in after if before.get(p) != after[p])
    assert all(p == "mlci.yaml" or p.startswith(".github/") for p in changed), changed
    assert all(after[p] == before[p] for p in before)  # nothing of the project changed
    lines = result.output.splitlines()
    guessed = [i for i, line in enumerate(lines) if line.startswith("guessed ")]
    noted = [i for i, line in enumerate(lines) if line.startswith("note: ")]
    assert guessed and noted and max(guessed) < min(noted)
    assert "note: data.reference: data/test.csv is a test split, not used as the reference" in lines
    # GitHub-hosted training: no self-hosted runner group note.
    assert not any("runner group" in line for line in lines)


def test_init_gpu_flag_puts_training_on_self_hosted_gpu_runners(cml: Path) -> None:
    result = CliRunner().invoke(cli, ["init", "--gpu"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((cml / "mlci.yaml").read_text())
    assert config["train"]["runner"] == ["self-hosted", "linux", "x64", "gpu"]
    assert "guessed train.runner: self-hosted, linux, x64, gpu, asked for with --gpu" in (
        result.output.splitlines()
    )
    assert any(
        line.startswith("note: the GPU jobs run on self-hosted runners")
        for line in result.output.splitlines()
    )
