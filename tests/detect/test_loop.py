"""The whole loop on each fixture shape, with no hand edit: init, train on main, a branch
with a changed parameter, train, report against main.

The run records stay in .mlci/runs (nothing is published), as in the other loop tests.
DVC is not installed here: a stand-in `dvc` (fake_dvc.py) runs dvc.yaml's stages in
order, which is what `dvc repro` does on a fresh checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from tests.detect.conftest import REPOS, copy_fixture

from mlci.cli import cli
from mlci.gitutil import git


@dataclass(frozen=True)
class Shape:
    fixture: str
    file: str  # the file holding the parameter
    before: str
    after: str
    metric: str  # `path | name` as the report's metrics table shows it


SHAPES = [
    Shape("plain-sklearn", "train.py", "MAX_DEPTH = 3", "MAX_DEPTH = 1", "metrics.json | accuracy"),
    Shape("cml-example", "train.py", "depth = 2", "depth = 6", "metrics.txt | Accuracy"),
    Shape(
        "dvc-pipeline", "params.yaml", "n_estimators: 20", "n_estimators: 2", "eval/metrics.json |"
    ),
    Shape("mlflow-project", "mlci.yaml", "--alpha 0.5", "--alpha 0.05", "mlflow.db | rmse"),
]


@pytest.fixture
def fake_dvc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("dvc"):
        return  # the real one
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "dvc"
    script.write_text(
        f'#!/bin/sh\nexec {sys.executable} {Path(__file__).with_name("fake_dvc.py")} "$@"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, f"mlci {' '.join(args)}:\n{result.output}"
    return result.output


@pytest.mark.usefixtures("fake_dvc")
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.fixture)
def test_the_loop_runs_without_hand_edits(
    shape: Shape, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (REPOS / shape.fixture).is_dir():
        pytest.skip(f"tests/data/repos/{shape.fixture} is not written yet")
    if not shape.before:
        pytest.skip(f"{shape.fixture}: the parameter to change is not set in SHAPES yet")
    root = copy_fixture(shape.fixture, tmp_path)
    monkeypatch.chdir(root)
    invoke("init")
    git(["add", "-A"], root)
    git(["commit", "-qm", "mlci init"], root)
    invoke("train")
    git(["checkout", "-qb", "change"], root)
    parameter = root / shape.file
    text = parameter.read_text()
    assert shape.before in text
    parameter.write_text(text.replace(shape.before, shape.after))
    git(["commit", "-qam", "change a parameter"], root)
    invoke("train")
    invoke("report", "--base", "main", "--no-html")
    report = (root / ".mlci/report/report.md").read_text()
    config = yaml.safe_load((root / "mlci.yaml").read_text())
    rows = [line for line in report.splitlines() if line.startswith(f"| {shape.metric}")]
    assert rows, f"no row for {shape.metric} in the report:\n{report}"
    base, head = rows[0].split(" | ")[2:4]
    assert base != head, rows[0]  # the changed parameter moved the metric
    assert re.search(r"(better|worse)", rows[0]), rows[0]
    assert config["train"]["runner"] == ["ubuntu-latest"]
    if shape.fixture == "cml-example":  # the picture CML users post, beside the base's
        comment = (root / ".mlci/report/comment.md").read_text()
        assert "### Images" in comment and "plot.png" in comment.split("### Images")[1]
