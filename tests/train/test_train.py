"""`mlci train` on a tiny training script in a real git repository; `runs compare`."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.config import parse_config
from mlci.train import compare_runs, list_runs, run_training

TRAIN = """
import json, sys, yaml
p = yaml.safe_load(open("params.yaml"))
print("training with depth", p["model"]["depth"])
print("python", sys.executable)
json.dump({"acc": 0.7 + p["model"]["depth"] / 100, "loss": 0.5}, open("metrics.json", "w"))
open("model.bin", "wb").write(b"m" * p["model"]["depth"])
import os; os.makedirs("plots", exist_ok=True)
open("plots/loss.csv", "w").write("epoch,loss\\n1,0.9\\n2,0.5\\n")
sys.exit(p.get("exit", 0))
"""

CONFIG = """
train:
  command: python train.py
  metrics: metrics.json
  model: model.bin
  data: [data.csv]
"""


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "t@example.invalid")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "mlci.yaml").write_text(CONFIG)
    (tmp_path / "params.yaml").write_text("model:\n  depth: 4\n")
    (tmp_path / "data.csv").write_text("x,y\n1,2\n")
    (tmp_path / ".gitignore").write_text(".mlci/\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_run_training_writes_a_record(project: Path) -> None:
    lines: list[str] = []
    config = parse_config(CONFIG)
    record = run_training(config, project, on_output=lines.append)
    assert lines[0] == "training with depth 4"
    # `python` is the interpreter running mlci (its folder leads PATH).
    assert lines[1] == f"python {Path(sys.executable).parent}/{Path(lines[1].split()[1]).name}"
    assert record.status == "succeeded" and record.exit_code == 0
    assert record.metrics == {"metrics.json": {"acc": 0.74, "loss": 0.5}}
    assert record.params == {"params.yaml": {"model.depth": 4}}
    assert record.git["branch"] == "main" and record.git["dirty"] is False
    assert record.model is not None and record.model.size == 4
    assert record.model.sha256 == hashlib.sha256(b"mmmm").hexdigest()
    assert [d.path for d in record.data] == ["data.csv"] and record.data[0].size == 8
    assert record.runner["cpu"]["logical_cores"] >= 1
    assert isinstance(record.runner["gpu"]["gpus"], (list, tuple))
    saved = json.loads((project / ".mlci" / "runs" / f"{record.id}.json").read_text())
    assert saved["metrics"] == record.metrics
    assert (project / ".mlci" / "runs" / record.id / "plots" / "loss.csv").is_file()


def test_failed_training_exit_2_and_record_kept(project: Path) -> None:
    (project / "params.yaml").write_text("model:\n  depth: 4\nexit: 3\n")
    result = CliRunner().invoke(cli, ["train"])
    assert result.exit_code == 2
    assert "Error: training failed: `python train.py` exited with code 3." in result.output
    assert [r.status for r in list_runs(project)] == ["failed"]


def test_two_trainings_compare(project: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["train"])
    assert first.exit_code == 0, first.output
    (project / "params.yaml").write_text("model:\n  depth: 9\n")
    git(project, "commit", "-qam", "deeper")
    second = runner.invoke(cli, ["train"])
    assert second.exit_code == 0, second.output
    a, b = list_runs(project)
    assert a.commit != b.commit
    comparison = compare_runs(a, b)
    assert comparison.model_changed and comparison.data_changed == ()
    result = runner.invoke(cli, ["runs", "compare", a.id, b.id])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"base {a.id} ({a.commit[:7]}), head {b.id} ({b.commit[:7]})"
    assert lines[3].split() == ["metrics.json", "acc", "0.74", "0.79", "+0.05", "+6.76%", "better"]
    assert lines[6].split() == ["params.yaml", "model.depth", "4", "9"]
    assert lines[-1] == "model: changed; data: unchanged"
    listed = runner.invoke(cli, ["runs", "list"])
    assert listed.output.splitlines()[1].split()[:4] == [a.id, "succeeded", a.commit[:7], "main"]
