"""The `run:` scripts of the composite actions, run with a stand-in `mlci` that logs its words."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from tests.workflows.conftest import REPO_ROOT


def action_script(action: str) -> str:
    meta = yaml.safe_load((REPO_ROOT / "actions" / action / "action.yml").read_text())
    return next(step["run"] for step in meta["runs"]["steps"] if step.get("id") == "mlci")


def run_action(
    tmp_path: Path, action: str, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the action's mlci step; returns the result and the words `mlci` got."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "words"
    (bin_dir / "mlci").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\n')
    (bin_dir / "mlci").chmod(0o755)
    full_env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        **env,
    }
    result = subprocess.run(
        ["bash", "-e", "-c", action_script(action)],
        env=full_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    words = log.read_text().splitlines() if log.exists() else []
    return result, words


DRIFT_ENV = {"MLCI_CURRENT": "cur.csv", "MLCI_OUT": "out", "MLCI_REFERENCE": ""}


@pytest.mark.parametrize("value", ["true", "True", "TRUE"])
def test_drift_fail_on_bias_passes_the_flag(tmp_path: Path, value: str) -> None:
    result, words = run_action(
        tmp_path, "drift", {**DRIFT_ENV, "MLCI_FAIL_ON_DRIFT": "false", "MLCI_FAIL_ON_BIAS": value}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--fail-on-bias" in words
    assert "--fail-on-drift" not in words


def test_drift_yaml_true_spelling_fails_on_drift(tmp_path: Path) -> None:
    result, words = run_action(
        tmp_path, "drift", {**DRIFT_ENV, "MLCI_FAIL_ON_DRIFT": "True", "MLCI_FAIL_ON_BIAS": ""}
    )
    assert result.returncode == 0, result.stderr
    assert "--fail-on-drift" in words
    assert "--fail-on-bias" not in words


def test_drift_bias_output_and_input_are_declared() -> None:
    meta = yaml.safe_load((REPO_ROOT / "actions" / "drift" / "action.yml").read_text())
    assert meta["inputs"]["fail-on-bias"]["default"] == "false"
    assert meta["outputs"]["bias"]["value"] == "${{ steps.mlci.outputs.bias }}"


@pytest.mark.parametrize(
    ("action", "env", "name"),
    [
        (
            "drift",
            {**DRIFT_ENV, "MLCI_FAIL_ON_DRIFT": "yes", "MLCI_FAIL_ON_BIAS": ""},
            "fail-on-drift",
        ),
        (
            "drift",
            {**DRIFT_ENV, "MLCI_FAIL_ON_DRIFT": "", "MLCI_FAIL_ON_BIAS": "1"},
            "fail-on-bias",
        ),
        ("report", {"MLCI_OUT": "r", "MLCI_BASE": "", "MLCI_POST": "on"}, "post"),
    ],
)
def test_a_boolean_input_that_is_not_a_boolean_stops_the_step(
    tmp_path: Path, action: str, env: dict[str, str], name: str
) -> None:
    # Reading "yes" as false would silently skip the gate or the post.
    result, words = run_action(tmp_path, action, env)
    assert result.returncode == 2
    assert result.stdout.strip() == (
        f"::error::input {name}: expected true or false (true|True|TRUE|false|False|FALSE)"
    )
    assert words == []


def test_report_post_true_spelling_posts(tmp_path: Path) -> None:
    result, words = run_action(
        tmp_path, "report", {"MLCI_OUT": "r", "MLCI_BASE": "", "MLCI_POST": "TRUE"}
    )
    assert result.returncode == 0, result.stderr
    assert words == ["report", "--out", "r", "--post"]


RELEASE_ENV = {"MLCI_RUN": "", "MLCI_VALIDATION": "", "MLCI_JSON": "", "MLCI_BUMP": "patch"}


def test_release_passes_only_the_inputs_given(tmp_path: Path) -> None:
    result, words = run_action(tmp_path, "release", RELEASE_ENV)
    assert result.returncode == 0, result.stderr
    assert words == ["release", "--bump", "patch"]
    given = {
        **RELEASE_ENV,
        "MLCI_RUN": "20261201T000000Z-abc",
        "MLCI_VALIDATION": "validation.json",
        "MLCI_JSON": "release.json",
        "MLCI_BUMP": "minor",
    }
    result, words = run_action(tmp_path, "release", given)
    assert result.returncode == 0, result.stderr
    assert words == [
        *("release", "--bump", "minor", "--run", "20261201T000000Z-abc"),
        *("--validation", "validation.json", "--json", "release.json"),
    ]


@pytest.mark.parametrize("bump", ["", "Patch", "minor; rm -rf ."])
def test_release_refuses_a_bump_that_is_not_a_part_of_the_version(
    tmp_path: Path, bump: str
) -> None:
    result, words = run_action(tmp_path, "release", {**RELEASE_ENV, "MLCI_BUMP": bump})
    assert result.returncode == 2
    assert result.stdout.strip() == (
        f"::error::input bump: expected patch, minor or major, got '{bump}'"
    )
    assert words == []


def test_release_outputs_are_the_commands_outputs() -> None:
    meta = yaml.safe_load((REPO_ROOT / "actions" / "release" / "action.yml").read_text())
    assert meta["inputs"]["token"]["required"] is True
    for name in ("tag", "version", "model-path", "created"):
        assert meta["outputs"][name]["value"] == f"${{{{ steps.mlci.outputs.{name} }}}}"
