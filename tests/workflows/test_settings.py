"""`mlci generate` refuses mlci.yaml values that would give a broken workflow."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli

DRIFT = "data:\n  current: {path: c.csv}\n  reference: r.csv\n"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            DRIFT + "drift:\n  schedule: every day\n",
            "Error: mlci.yaml line 5: drift.schedule: 'every day' is not a cron line of five "
            "fields. "
            'Fix: write minute hour day month weekday, e.g. "0 6 * * 1" (Mondays 06:00 UTC)\n',
        ),
        (
            "build:\n  python: []\n",
            "Error: mlci.yaml line 2: build.python: needs at least one Python version. "
            'Fix: list the versions, e.g. ["3.11"]\n',
        ),
        (
            "train:\n  runner: []\n",
            "Error: mlci.yaml line 2: train.runner: needs at least one non-empty runner label. "
            "Fix: list the labels, e.g. [ubuntu-latest]\n",
        ),
        (
            "train:\n  timeout_minutes: 0\n",
            "Error: mlci.yaml line 2: train.timeout_minutes: 0 is out of range. "
            "Fix: set it to a number at least 1\n",
        ),
        (
            "github:\n  actions_ref: v0 x\n",
            "Error: mlci.yaml line 2: github.actions_ref: 'v0 x' is not a tag, branch or commit. "
            "Fix: use a release tag of mlci, e.g. v0\n",
        ),
        (
            'github:\n  default_branch: ""\n',
            "Error: mlci.yaml line 2: github.default_branch: '' is not a branch name: it has a "
            "space, a control character or one of ~^:?*[\\. Fix: set the repository's default "
            "branch, e.g. main\n",
        ),
        (
            "github:\n  comment_key: a-->b\n",
            "Error: mlci.yaml line 2: github.comment_key: 'a-->b' cannot be a comment key. "
            "Fix: use a non-empty word without <, > or line breaks, e.g. report\n",
        ),
        (
            DRIFT + "retrain:\n  branch: main\n",
            "Error: mlci.yaml line 5: retrain.branch: 'main' is the base branch of the retraining "
            "pull request. Fix: use a branch of its own, e.g. mlci/retrain\n",
        ),
    ],
)
def test_generate_refuses_values_a_workflow_cannot_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, yaml_text: str, message: str
) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlci.yaml").write_text(yaml_text)
    result = CliRunner().invoke(cli, ["generate"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.output == message
    assert not (tmp_path / ".github").exists()


def test_a_cron_with_names_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlci.yaml").write_text(DRIFT + "drift:\n  schedule: 30 5 * JAN-JUN MON,FRI\n")
    result = CliRunner().invoke(cli, ["generate"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "30 5 * JAN-JUN MON,FRI" in (tmp_path / ".github/workflows/mlci-drift.yml").read_text()
