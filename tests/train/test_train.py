"""`mlci train` on a tiny training script in a real git repository; `runs compare`."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.config import parse_config
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
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


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    init_repository(tmp_path)
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "mlci.yaml").write_text(CONFIG)
    (tmp_path / "params.yaml").write_text("model:\n  depth: 4\n")
    (tmp_path / "data.csv").write_text("x,y\n1,2\n")
    (tmp_path / ".gitignore").write_text(".mlci/\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
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


def test_record_carries_the_data_manifest_from_one_hashing_pass(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlci.data import lineage

    def no_second_pass(path: object) -> str:
        raise AssertionError(f"{path} hashed twice")

    # The manifest must reuse the digest's hash, not read the file again.
    monkeypatch.setattr(lineage, "sha256_file", no_second_pass)
    config = parse_config(CONFIG + "data:\n  current: {path: data.csv, command: python fetch.py}\n")
    record = run_training(config, project)
    expected = hashlib.sha256(b"x,y\n1,2\n").hexdigest()
    assert record.data[0].sha256 == expected
    manifest = record.data_manifest
    assert manifest is not None
    (file,) = manifest.files
    assert (file.path, file.size, file.sha256, file.hash_source) == (
        "data.csv",
        8,
        expected,
        "computed",
    )
    assert (file.rows, [c.name for c in file.columns]) == (1, ["x", "y"])
    assert file.schema_fingerprint == lineage.schema_fingerprint(file.columns)
    assert file.command == "python fetch.py"  # data.current.command produced data.current.path
    saved = json.loads((project / ".mlci" / "runs" / f"{record.id}.json").read_text())
    assert saved["schema"] == "mlci.run-record/v2"
    assert saved["data_manifest"]["schema"] == "mlci.manifest/v1"
    assert saved["data_manifest"]["files"][0]["sha256"] == expected
    assert list_runs(project)[0].data_manifest == manifest


def test_folder_data_with_dvc_lock_and_an_unreadable_table(project: Path) -> None:
    from mlci.train.lineage import data_lineage

    folder = project / "data"
    folder.mkdir()
    (folder / "a.csv").write_text("id,v\n1,x\n2,y\n")
    (folder / "bad.parquet").write_bytes(b"not parquet at all")
    (folder / ".cache").write_text("hidden")
    (project / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  prep:\n    cmd: python prep.py\n    outs:\n"
        "    - path: data/a.csv\n      md5: 0123456789abcdef0123456789abcdef\n      size: 13\n"
    )
    result = data_lineage(project, ["data", "missing.csv"])
    folder_digest, missing = result.digests
    assert folder_digest.files == 3 and missing.sha256 is None
    a, bad = result.manifest.files  # the hidden file is left out, as `mlci data manifest` does
    assert (a.path, a.rows, a.command) == ("data/a.csv", 2, "python prep.py")
    assert a.sha256 == hashlib.sha256(b"id,v\n1,x\n2,y\n").hexdigest()
    assert a.md5 == "0123456789abcdef0123456789abcdef"
    assert bad.sha256 == hashlib.sha256(b"not parquet at all").hexdigest()
    assert bad.rows is None and bad.schema_fingerprint is None
    (error,) = result.errors
    assert error.startswith("lineage of data/bad.parquet: ") and "not a readable Parquet" in error


def test_records_without_a_manifest_still_read(project: Path) -> None:
    from mlci.train.record import RunRecord

    old = {
        "id": "20240101T000000Z-abc1234",
        "command": "python train.py",
        "status": "succeeded",
        "exit_code": 0,
        "duration_s": 1.0,
        "data": [{"path": "data.csv", "sha256": "ab", "size": 8, "files": 1}],
        "schema": 1,
    }
    record = RunRecord.from_dict(old)
    assert record.data_manifest is None and record.schema == 1
    assert RunRecord.from_dict({k: v for k, v in old.items() if k != "schema"}).schema == 1
    assert record.to_dict()["data_manifest"] is None


def test_killed_training_names_the_signal(project: Path) -> None:
    result = CliRunner().invoke(cli, ["train", "--command", "kill -9 $$"])
    assert result.exit_code == 2
    assert (
        "Error: training failed: `kill -9 $$` was killed by signal 9 (SIGKILL). "
        "Fix: see the training output above" in result.output
    )


def test_metrics_left_from_an_earlier_run_are_flagged(project: Path) -> None:
    import os

    # A command that exits 0 without writing metrics.json: the old file must not pass
    # silently as this run's figures.
    (project / "metrics.json").write_text('{"acc": 0.99}')
    os.utime(project / "metrics.json", (1_000_000_000, 1_000_000_000))
    result = CliRunner().invoke(cli, ["train", "--command", "python -c 'print(1)'"])
    assert result.exit_code == 0, result.output
    assert (
        "warning: mlci train: metrics.json: not written by this run (last changed before it "
        "started); the record keeps its old values\n" in result.output
    )
    fresh = CliRunner().invoke(cli, ["train"])
    assert fresh.exit_code == 0, fresh.output
    assert "not written by this run" not in fresh.output


def test_the_plot_copy_kept_with_a_record_holds_images_too(tmp_path) -> None:
    """The base side of an image in a later report comes from this copy."""
    from mlci.train.run import snapshot_plots

    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "roc.csv").write_text("fpr,tpr\n0,0\n1,1\n")
    (plots / "confusion.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    (plots / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * (2**20 + 1))
    (plots / "notes.txt").write_text("not plot data")
    target = tmp_path / "copy"
    snapshot_plots(tmp_path, "plots", target)
    kept = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert kept == ["plots/confusion.png", "plots/roc.csv"]  # too big and not plots: left out
