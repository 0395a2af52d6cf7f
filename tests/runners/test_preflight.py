"""The preflight's result reaches the run record and the report, for the same job only."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.runners.runner_fakes import ONE_GPU
from tests.runners.test_probe import runner

from mlci.cli import cli
from mlci.config import parse_config
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.report import build_report
from mlci.runners import check_requirements
from mlci.runners.model import FrameworkInfo
from mlci.runners.preflight import PREFLIGHT_FILE, load_preflight, save_preflight
from mlci.train import list_runs

NOON = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
JOB = {"GITHUB_RUN_ID": "4242", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "train"}

CONFIG = """
train:
  command: python train.py
  metrics: metrics.json
  params: null
  model: null
  plots: null
  require_gpu: true
"""


def saved(tmp_path: Path, env: dict[str, str], now: datetime = NOON) -> None:
    torch = FrameworkInfo("torch", "2.14.1", "13.0", True, 1, ("NVIDIA H200",))
    info = runner(ONE_GPU, frameworks=[torch])
    save_preflight(tmp_path, info, check_requirements(info, require_gpu=True), env=env, now=now)


def test_same_job_on_the_same_host_gets_the_result(tmp_path: Path) -> None:
    saved(tmp_path, JOB)
    found = load_preflight(tmp_path, "gpu-box-1", env=JOB, now=NOON + timedelta(hours=5))
    assert found is not None
    assert found["check"] == {
        "required_gpu": True,
        "min_gpu_memory_gb": None,
        "problems": [],
        "warnings": [],
        "passed": True,
    }
    assert found["frameworks"][0]["devices"] == ["NVIDIA H200"]
    assert found["checked_at"] == "2026-11-28T12:00:00+00:00"


@pytest.mark.parametrize(
    ("hostname", "env"),
    [
        ("gpu-box-2", JOB),  # another machine
        ("gpu-box-1", {**JOB, "GITHUB_RUN_ID": "4243"}),  # a later run on the same machine
        ("gpu-box-1", {**JOB, "GITHUB_RUN_ATTEMPT": "2"}),  # a re-run
        ("gpu-box-1", {**JOB, "GITHUB_JOB": "evaluate"}),  # another job of the run
        ("gpu-box-1", {}),  # a local run after a CI job left the file in the workspace
    ],
)
def test_another_job_or_host_never_gets_it(tmp_path: Path, hostname: str, env: dict) -> None:
    saved(tmp_path, JOB)
    assert load_preflight(tmp_path, hostname, env=env, now=NOON) is None


def test_outside_actions_it_is_taken_for_an_hour(tmp_path: Path) -> None:
    saved(tmp_path, {})
    assert load_preflight(tmp_path, "gpu-box-1", env={}, now=NOON + timedelta(minutes=59))
    assert load_preflight(tmp_path, "gpu-box-1", env={}, now=NOON + timedelta(minutes=61)) is None
    assert load_preflight(tmp_path, "gpu-box-1", env={}, now=NOON - timedelta(minutes=1)) is None


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", '{"checked_at": "yesterday", "job": {}, "check": {}}', '{"job": {}}'],
)
def test_a_damaged_file_is_ignored(tmp_path: Path, text: str) -> None:
    (tmp_path / PREFLIGHT_FILE).parent.mkdir()
    (tmp_path / PREFLIGHT_FILE).write_text(text)
    assert load_preflight(tmp_path, "gpu-box-1", env={}, now=NOON) is None


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed project that requires a GPU, run as one job of a workflow run."""
    root = tmp_path / "project"
    root.mkdir()
    init_repository(root)
    (root / "mlci.yaml").write_text(CONFIG)
    (root / "train.py").write_text(
        "import json\njson.dump({'acc': 0.9}, open('metrics.json', 'w'))\n"
    )
    (root / ".gitignore").write_text(".mlci/\nmetrics.json\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    monkeypatch.chdir(root)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    for name, value in JOB.items():
        monkeypatch.setenv(name, value)
    return root


def test_train_after_the_check_records_it_and_the_report_says_so(
    project: Path, fake_smi, path_with
) -> None:
    path_with(fake_smi(ONE_GPU))
    check = CliRunner().invoke(cli, ["runner", "check", "--no-frameworks"])
    assert check.exit_code == 0, check.output
    assert check.output.rstrip().endswith("GPU requirement: met")  # from train.require_gpu
    assert (project / PREFLIGHT_FILE).is_file()

    trained = CliRunner().invoke(cli, ["train"])
    assert trained.exit_code == 0, trained.output
    (record,) = list_runs(project)
    assert record.runner["gpu"]["gpus"][0]["name"] == "NVIDIA H200"
    assert record.runner["preflight"]["check"]["passed"] is True
    assert record.runner["preflight"]["check"]["required_gpu"] is True
    report = build_report(parse_config(CONFIG), project, "main").markdown
    assert "NVIDIA H200. GPU preflight: requirement met." in report


def test_a_check_from_an_earlier_run_is_not_recorded(project: Path, fake_smi, path_with) -> None:
    path_with(fake_smi(ONE_GPU))
    assert CliRunner().invoke(cli, ["runner", "check", "--no-frameworks"]).exit_code == 0
    with pytest.MonkeyPatch.context() as later:
        later.setenv("GITHUB_RUN_ID", "9999")
        assert CliRunner().invoke(cli, ["train"]).exit_code == 0
    (record,) = list_runs(project)
    assert "preflight" not in record.runner
    assert "GPU preflight" not in build_report(parse_config(CONFIG), project, "main").markdown


def test_check_outside_a_project_saves_nothing(tmp_path: Path, monkeypatch, path_with) -> None:
    monkeypatch.chdir(tmp_path)
    path_with(None)
    assert CliRunner().invoke(cli, ["runner", "check", "--no-frameworks"]).exit_code == 0
    assert not (tmp_path / PREFLIGHT_FILE).exists()


def test_min_gpu_memory_comes_from_mlci_yaml(project: Path, fake_smi, path_with) -> None:
    path_with(fake_smi(ONE_GPU))  # one H200: 150.8 GB
    (project / "mlci.yaml").write_text(CONFIG + "  min_gpu_memory_gb: 200\n")
    result = CliRunner().invoke(cli, ["runner", "check", "--no-frameworks"])
    assert result.exit_code == 1
    assert "a GPU with at least 200 GB is required" in result.output
    saved_check = json.loads((project / PREFLIGHT_FILE).read_text())["check"]
    assert saved_check["passed"] is False and saved_check["min_gpu_memory_gb"] == 200
    override = CliRunner().invoke(
        cli, ["runner", "check", "--no-frameworks", "--min-gpu-memory", "80"]
    )
    assert override.exit_code == 0, override.output


def test_no_framework_installed_is_said(tmp_path: Path, monkeypatch, path_with) -> None:
    monkeypatch.chdir(tmp_path)
    path_with(None)
    monkeypatch.setattr("mlci.runners.frameworks.is_installed", lambda name: False)
    result = CliRunner().invoke(cli, ["runner", "check"])
    assert result.exit_code == 0
    assert "Frameworks  none of torch, jax, cupy is installed" in result.output
    skipped = CliRunner().invoke(cli, ["runner", "check", "--no-frameworks"])
    assert "Frameworks" not in skipped.output  # not checked: nothing said
