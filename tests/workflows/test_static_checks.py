"""Every generated workflow and every action.yml passes actionlint (with shellcheck),
zizmor and GitHub's JSON schemas, for each configuration of the matrix."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from tests.workflows.configs import MATRIX
from tests.workflows.conftest import REPO_ROOT, require_tool

ACTION_FILES = [REPO_ROOT / "action.yml", *sorted((REPO_ROOT / "actions").glob("*/action.yml"))]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_actionlint_with_shellcheck(rendered_matrix: dict[str, Path], name: str) -> None:
    require_tool("shellcheck")
    actionlint = require_tool("actionlint")
    result = run([actionlint, "-shellcheck", require_tool("shellcheck")], rendered_matrix[name])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_zizmor_has_no_findings(rendered_matrix: dict[str, Path], name: str) -> None:
    result = run([require_tool("zizmor"), "--offline", "--no-progress", "."], rendered_matrix[name])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_zizmor_auditor_has_no_findings(rendered_matrix: dict[str, Path], name: str) -> None:
    """Every finding of the auditor persona is silenced in the template with its reason,
    and listed in README.md ("Pull requests from forks"): see test_trust_model.py."""
    result = run(
        [require_tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor", "."],
        rendered_matrix[name],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_workflow_schema(rendered_matrix: dict[str, Path]) -> None:
    files = sorted(
        str(path) for root in rendered_matrix.values() for path in root.glob(".github/workflows/*")
    )
    assert len(files) >= len(MATRIX) * 3
    result = run(
        [require_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        REPO_ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_schema_and_zizmor() -> None:
    files = [str(p) for p in ACTION_FILES]
    assert len(files) == 9
    schema = run(
        [require_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", *files],
        REPO_ROOT,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    zizmor = run([require_tool("zizmor"), "--offline", "--no-progress", *files], REPO_ROOT)
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr


def test_actions_pass_actionlint_through_a_workflow_that_uses_them(tmp_path: Path) -> None:
    """actionlint checks an action's inputs where a workflow uses it locally."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    steps = []
    for path in ACTION_FILES:
        meta = yaml.safe_load(path.read_text())
        folder = path.parent.relative_to(REPO_ROOT).as_posix()
        target = tmp_path / folder
        target.mkdir(parents=True, exist_ok=True)
        (target / "action.yml").write_text(path.read_text())
        required = {k: "x" for k, v in (meta.get("inputs") or {}).items() if v.get("required")}
        steps.append({"uses": "./" if folder == "." else f"./{folder}", "with": required or None})
    workflow = {
        "name": "uses every action",
        "on": "push",
        "permissions": {},
        "jobs": {
            "all": {
                "runs-on": "ubuntu-latest",
                "steps": [{k: v for k, v in s.items() if v is not None} for s in steps],
            }
        },
    }
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "uses.yml").write_text(yaml.safe_dump(workflow))
    result = run([require_tool("actionlint")], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _run_scripts() -> list[tuple[str, str]]:
    scripts = []
    for path in ACTION_FILES:
        meta = yaml.safe_load(path.read_text())
        for index, step in enumerate(meta["runs"]["steps"]):
            if "run" in step:
                scripts.append((f"{path.parent.name}[{index}]", step["run"]))
    return scripts


@pytest.mark.parametrize(("where", "script"), _run_scripts(), ids=lambda v: str(v)[:30])
def test_action_scripts_pass_shellcheck_and_take_inputs_through_env(
    where: str, script: str
) -> None:
    # Interpolating ${{ }} into a script lets an input inject shell code.
    assert "${{" not in script, where
    result = subprocess.run(
        [require_tool("shellcheck"), "--shell=bash", "-"],
        input=script,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_ensure_script_passes_shellcheck() -> None:
    script = REPO_ROOT / "actions" / "setup" / "ensure-mlci.sh"
    result = run([require_tool("shellcheck"), str(script)], REPO_ROOT)
    assert result.returncode == 0, result.stdout


def test_every_input_and_output_is_described() -> None:
    for path in ACTION_FILES:
        meta = yaml.safe_load(path.read_text())
        assert meta.get("description"), path
        for kind in ("inputs", "outputs"):
            for name, spec in (meta.get(kind) or {}).items():
                assert re.search(r"\w", str(spec.get("description", ""))), f"{path}: {kind}.{name}"
