from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli

WORKFLOWS = [
    ".github/workflows/mlci-ci.yml",
    ".github/workflows/mlci-train.yml",
    ".github/workflows/mlci-report.yml",
    ".github/workflows/mlci-release.yml",
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_init_in_an_empty_repository_guesses_and_says_so(repo: Path) -> None:
    result = invoke("init")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "guessed build.install: python -m pip install --upgrade pip, no requirements file, "
        "pyproject.toml, setup.py, Pipfile, environment file or MLproject found: set it to what "
        "installs your dependencies"
    ) in lines
    assert "guessed build.test: none, no tests in the repository" in lines
    assert any(
        line.startswith("note: train.command: ") and line.endswith("set train.command by hand")
        for line in lines
    )
    assert not any(line.startswith("guessed train.command") for line in lines)
    assert "created     mlci.yaml" in lines
    for path in WORKFLOWS:
        assert f"created     {path}" in lines
        assert (repo / path).is_file()
    assert not (repo / ".github/workflows/mlci-drift.yml").exists()


def test_init_guesses_from_project_files(repo: Path) -> None:
    (repo / "requirements.txt").write_text("scikit-learn\n")
    (repo / "src").mkdir()
    (repo / "src" / "train.py").write_text("print('hi')\n")
    (repo / "params.yaml").write_text("seed: 1\n")
    (repo / "data").mkdir()
    (repo / "data" / "train.csv").write_text("a\n1\n")
    (repo / "data" / "current.csv").write_text("a\n2\n")
    (repo / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python src/train.py --fast\n"
        "    params: [params.yaml]\n    metrics: [{scores.json: {cache: false}}]\n"
    )
    assert invoke("init").exit_code == 0
    import yaml

    config = yaml.safe_load((repo / "mlci.yaml").read_text())
    assert config["build"]["install"].startswith("pip install -r requirements.txt")
    assert config["build"]["test"] is None
    # No .dvc folder: DVC cannot run the pipeline, so its stages' commands run in order.
    assert config["train"]["command"] == "python src/train.py --fast"
    assert config["train"]["params"] == "params.yaml"
    assert config["train"]["metrics"] == ["scores.json"]
    assert config["train"]["runner"] == ["ubuntu-latest"]
    assert config["data"] == {
        "reference": "data/train.csv",
        "current": {"path": "data/current.csv"},
    }
    assert (repo / ".github/workflows/mlci-drift.yml").is_file()


def test_init_example_then_again_changes_nothing(repo: Path) -> None:
    first = invoke("init", "--example")
    assert first.exit_code == 0, first.output
    assert "created     train.py" in first.output
    assert "created     .github/workflows/mlci-drift.yml" in first.output
    # The example's .gitignore keeps the model and mlci's local files out of commits.
    assert "created     .gitignore" in first.output
    assert "model.joblib" in (repo / ".gitignore").read_text()
    again = invoke("init", "--example")
    assert again.exit_code == 0
    assert re.fullmatch(r"\d+ file\(s\) already up to date", again.output.splitlines()[0])
    assert "created" not in again.output


def test_init_keeps_the_repositorys_own_workflows_and_edited_files(repo: Path) -> None:
    own = repo / ".github" / "workflows" / "release.yml"
    own.parent.mkdir(parents=True)
    own.write_text("name: release\n")
    lint = repo / ".github" / "actionlint.yaml"
    lint.write_text("self-hosted-runner:\n  labels: [big]\n")
    result = invoke("init")
    assert result.exit_code == 2
    assert "kept        .github/actionlint.yaml (not written by mlci)" in result.output
    assert result.output.splitlines()[-1] == (
        "Error: 1 file(s) kept because they were edited or not made by mlci: "
        ".github/actionlint.yaml. Fix: merge your edits into mlci.yaml, or rerun with --force "
        "to overwrite them"
    )
    assert own.read_text() == "name: release\n"
    assert lint.read_text() == "self-hosted-runner:\n  labels: [big]\n"
    forced = invoke("init", "--force")
    assert forced.exit_code == 0
    assert "overwritten .github/actionlint.yaml (not written by mlci)" in forced.output
    assert own.read_text() == "name: release\n"


def test_generate_updates_unedited_files_after_a_config_change(repo: Path) -> None:
    assert invoke("init").exit_code == 0
    config = repo / "mlci.yaml"
    config.write_text(config.read_text() + "drift: {schedule: '5 4 * * *'}\n")
    config.write_text(config.read_text() + "data: {reference: d.csv, current: {path: c.csv}}\n")
    result = invoke("generate")
    assert result.exit_code == 0, result.output
    assert "created     .github/workflows/mlci-drift.yml" in result.output
    assert "'5 4 * * *'" not in result.output
    assert '- cron: "5 4 * * *"' in (repo / ".github/workflows/mlci-drift.yml").read_text()


def test_generate_check_prints_a_diff_and_exits_1(repo: Path) -> None:
    assert invoke("init").exit_code == 0
    clean = invoke("generate", "--check")
    assert clean.exit_code == 0
    assert clean.output == "6 generated file(s) match mlci.yaml\n"
    ci = repo / ".github/workflows/mlci-ci.yml"
    ci.write_text(ci.read_text().replace("pip install --upgrade pip", "pip install -U pip"))
    stale = invoke("generate", "--check")
    assert stale.exit_code == 1
    assert (
        "-          python -m pip install -U pip\n+          python -m pip install --upgrade pip\n"
    ) in stale.output
    assert stale.output.splitlines()[-1] == (
        "Error: 1 generated file(s) differ from mlci.yaml: .github/workflows/mlci-ci.yml. "
        "Fix: run `mlci generate` and commit the result"
    )
    assert "pip install -U pip" in ci.read_text()  # --check wrote nothing
    kept = invoke("generate")
    assert kept.exit_code == 2
    assert "kept        .github/workflows/mlci-ci.yml (edited by hand)" in kept.output


def test_generate_without_config_names_the_fix(repo: Path) -> None:
    result = invoke("generate")
    assert result.exit_code == 2
    assert result.output == (
        "Error: mlci.yaml: file not found. Fix: run `mlci init` to create one, "
        "or pass --config with the right path\n"
    )


def test_init_torch_example_into_another_folder(repo: Path) -> None:
    target = repo / "project"
    target.mkdir()
    result = invoke("init", "--example", "torch", "--dir", "project")
    assert result.exit_code == 0, result.output
    assert "created     train.py" in result.output
    assert "torch" in (target / "train.py").read_text()
    assert (target / ".github/workflows/mlci-train.yml").is_file()
    assert not (repo / "mlci.yaml").exists()


def test_init_into_a_missing_folder_names_it(repo: Path) -> None:
    result = invoke("init", "--dir", "nowhere")
    assert result.exit_code == 2
    assert (
        result.output
        == "Error: nowhere: no such folder. Fix: create it or run mlci init inside it\n"
    )


def test_init_outside_a_git_repository_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = invoke("init")
    assert result.exit_code == 0
    assert (
        "note: . is not a git repository yet; run `git init` there, then commit and push "
        "to GitHub for the workflows to run"
    ) in result.output


def test_init_inside_a_repository_has_no_such_note(repo: Path) -> None:
    result = invoke("init")
    assert "not a git repository" not in result.output
