"""Scheduled runs warn before GitHub turns a quiet repository's schedule off."""

import os
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.gha.schedule import schedule_inactivity_warning

NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("event", "idle_days", "expected"),
    [
        ("schedule", 10, None),
        ("schedule", 44, None),
        ("push", 50, None),
        (
            "schedule",
            50,
            "the last commit is 50 days old: in a public repository GitHub turns "
            "this schedule off after 60 days without activity (10 days left); push a commit, or "
            "re-enable the workflow in the Actions tab",
        ),
        ("schedule", 70, "(0 days left)"),
    ],
)
def test_warning_only_for_quiet_scheduled_runs(event, idle_days, expected):
    warning = schedule_inactivity_warning(event, NOW - timedelta(days=idle_days), NOW)
    if expected is None:
        assert warning is None
    else:
        assert warning is not None and expected in warning


def test_no_commit_no_warning():
    assert schedule_inactivity_warning("schedule", None, NOW) is None


def test_scheduled_drift_check_in_a_quiet_repository_warns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = "x,c\n" + "".join(f"{i % 7},{'ab'[i % 2]}\n" for i in range(200))
    (tmp_path / "ref.csv").write_text(rows)
    (tmp_path / "cur.csv").write_text(rows)
    old = (datetime.now(timezone.utc) - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    git_env = {**os.environ, "GIT_AUTHOR_DATE": old, "GIT_COMMITTER_DATE": old}
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "data"],
    ):
        subprocess.run(["git", *args], cwd=tmp_path, env=git_env, check=True)
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "schedule",
        "GITHUB_EVENT_PATH": "",
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    args = ["drift", "check", "--reference", "ref.csv", "--current", "cur.csv"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert "::warning title=scheduled drift check::the last commit is 50 days old" in result.output
    env["GITHUB_EVENT_NAME"] = "workflow_dispatch"
    result = CliRunner().invoke(cli, args, env=env)
    assert "::warning" not in result.output
