"""MLflow runs as a metrics source: the local file store (`mlruns`) and SQLite store.

The file store is laid out by hand as mlflow.store.tracking.file_store.FileStore writes
it (https://mlflow.org/docs/latest/self-hosting/architecture/backend-store/; checked
against MLflow 3.17 with MLFLOW_ALLOW_FILE_STORE=true): `<experiment_id>/meta.yaml`,
`<experiment_id>/<run_id>/meta.yaml` (status 3 = FINISHED, start_time in ms),
`metrics/<key>` lines `timestamp value step`, `params/<key>`, `tags/<key>`. Two tests
let MLflow itself write each store, so the reader follows the real layout.
"""

from __future__ import annotations

import json
import math
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.metrics.load import load_metrics, load_params

STATUS = {"FINISHED": 3, "FAILED": 4, "RUNNING": 1}


def write_run(
    store: Path,
    experiment: str,
    run_id: str,
    *,
    start: int,
    status: str = "FINISHED",
    metrics: dict[str, list[tuple[int, float, int]]] | None = None,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    experiment_name: str = "Default",
    deleted: bool = False,
) -> Path:
    folder = store / experiment
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "meta.yaml").exists():
        (folder / "meta.yaml").write_text(
            f"artifact_location: file://{folder}\nexperiment_id: '{experiment}'\n"
            f"lifecycle_stage: active\nname: {experiment_name}\n"
        )
    run = folder / run_id
    run.mkdir()
    (run / "meta.yaml").write_text(
        f"artifact_uri: file://{run}/artifacts\nend_time: {start + 500}\n"
        f"experiment_id: '{experiment}'\nlifecycle_stage: {'deleted' if deleted else 'active'}\n"
        f"run_id: {run_id}\nrun_uuid: {run_id}\nstart_time: {start}\n"
        f"status: {STATUS[status]}\nuser_id: ci\n"
    )
    for kind, values in (("params", params or {}), ("tags", tags or {})):
        for key, value in values.items():
            (run / kind / key).parent.mkdir(parents=True, exist_ok=True)
            (run / kind / key).write_text(value)
    for key, points in (metrics or {}).items():
        (run / "metrics" / key).parent.mkdir(parents=True, exist_ok=True)
        (run / "metrics" / key).write_text("".join(f"{t} {v} {s}\n" for t, v, s in points))
    return run


def test_the_newest_finished_top_level_run_wins(tmp_path: Path) -> None:
    store = tmp_path / "mlruns"
    write_run(store, "0", "a" * 32, start=1000, metrics={"acc": [(1000, 0.7, 0)]})
    write_run(
        store,
        "0",
        "b" * 32,
        start=2000,
        metrics={
            # by step first: the step-2 value is the metric even though logged earlier
            "loss": [(2001, 0.9, 0), (2005, 0.3, 2), (2003, 0.5, 1)],
            "acc": [(2001, 0.80, 5), (2002, 0.85, 5)],  # same step: the later timestamp
            "train/f1": [(2001, 0.6, 0)],
            "odd": [(2001, math.nan, 0)],
        },
        params={"n_estimators": "100", "criterion": "gini", "lr": "0.1"},
    )
    write_run(store, "0", "c" * 32, start=3000, status="FAILED", metrics={"acc": [(3000, 0.1, 0)]})
    write_run(store, "0", "d" * 32, start=4000, metrics={"acc": [(1, 0.2, 0)]}, deleted=True)
    write_run(
        store,
        "0",
        "e" * 32,
        start=5000,
        metrics={"acc": [(1, 0.3, 0)]},
        tags={"mlflow.parentRunId": "b" * 32},
    )
    loaded = load_metrics(["mlruns"], tmp_path).files[0]
    assert loaded.error is None
    assert loaded.path == "mlruns"
    assert loaded.detail == "MLflow run bbbbbbbb of experiment 'Default'"
    assert list(loaded.values) == ["acc", "loss", "odd", "train/f1"]
    assert loaded.values["loss"] == 0.3
    assert loaded.values["acc"] == 0.85
    assert loaded.values["train/f1"] == 0.6
    assert math.isnan(loaded.values["odd"])  # type: ignore[arg-type]
    params = load_params(["mlruns"], tmp_path).files[0]
    assert params.values == {"criterion": "gini", "lr": 0.1, "n_estimators": 100}


def test_an_experiment_by_folder_by_name_or_a_run(tmp_path: Path) -> None:
    store = tmp_path / "mlruns"
    write_run(store, "0", "a" * 32, start=1000, metrics={"acc": [(1, 0.5, 0)]})
    write_run(
        store,
        "17",
        "f" * 32,
        start=900,
        metrics={"acc": [(1, 0.6, 0)]},
        experiment_name="churn",
    )
    (store / ".trash").mkdir()
    entries = ["mlruns", "mlruns/17", "mlruns#churn", "mlruns#17", f"mlruns/0/{'a' * 32}"]
    loaded = load_metrics(entries, tmp_path)
    assert [f.values.get("acc") for f in loaded.files] == [0.5, 0.6, 0.6, 0.6, 0.5]
    assert [f.path for f in loaded.files] == entries


@pytest.mark.parametrize(
    ("layout", "entry", "error", "missing"),
    [
        (
            None,
            "mlruns",
            "mlruns: not found (no MLflow store there yet: did the training log to it?)",
            True,
        ),
        (
            "failed",
            "mlruns",
            "mlruns: no FINISHED run in the store (the newest, cccccccc, is FAILED)",
            False,
        ),
        ("failed", "mlruns#nope", "mlruns#nope: no experiment named 'nope' in the store", False),
        (
            "empty",
            "mlruns",
            "mlruns: MLflow run aaaaaaaa of experiment 'Default' logged no metrics",
            False,
        ),
        (
            "artifacts-only",
            "mlruns",
            "mlruns: no MLflow experiments in this file store; "
            "MLflow 3 logs to mlflow.db by default: name it in train.metrics",
            False,
        ),
    ],
)
def test_what_a_store_without_a_usable_run_says(
    tmp_path: Path, layout: str | None, entry: str, error: str, missing: bool
) -> None:
    store = tmp_path / "mlruns"
    if layout == "failed":
        write_run(store, "0", "c" * 32, start=3, status="FAILED")
    elif layout == "empty":
        write_run(store, "0", "a" * 32, start=3)
    elif layout == "artifacts-only":  # MLflow 3: runs in mlflow.db, artifacts in mlruns/
        (store / "0" / ("a" * 32) / "artifacts").mkdir(parents=True)
        (tmp_path / "mlflow.db").write_bytes(b"SQLite format 3\x00")
    loaded = load_metrics([entry], tmp_path).files[0]
    assert (loaded.error, loaded.missing) == (error, missing)


def _client(uri: str):  # type: ignore[no-untyped-def]
    # MlflowClient, not the fluent API: no active run or experiment is left behind.
    tracking = pytest.importorskip("mlflow.tracking")
    return tracking.MlflowClient(tracking_uri=uri)


def _log(client, experiment_id: str, metrics, params=None, status="FINISHED", parent=None):  # type: ignore[no-untyped-def]
    tags = {"mlflow.parentRunId": parent} if parent else None
    run_id = client.create_run(experiment_id, tags=tags).info.run_id
    for key, value in (params or {}).items():
        client.log_param(run_id, key, value)
    for key, values in metrics.items():
        for step, value in enumerate(values):
            client.log_metric(run_id, key, value, step=step)
    client.set_terminated(run_id, status)
    return run_id


def test_mlflow_writes_a_file_store_mlci_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = _client(f"file:{tmp_path / 'mlruns'}")
    demo = client.create_experiment("demo")
    _log(client, demo, {"loss": [0.9, 0.5, 0.2], "val/acc": [0.88]}, {"depth": 4})
    loaded = load_metrics(["mlruns#demo"], tmp_path).files[0]
    assert loaded.values == {"loss": 0.2, "val/acc": 0.88}
    assert load_params(["mlruns"], tmp_path).files[0].values == {"depth": 4}


def test_mlflow_writes_a_sqlite_store_mlci_reads(tmp_path: Path) -> None:
    client = _client(f"sqlite:///{tmp_path / 'mlflow.db'}")  # MLflow 3's default store
    _log(client, "0", {"acc": [0.5]})
    parent = _log(client, "0", {"loss": [0.9, 0.4], "acc": [0.91]}, {"depth": 6})
    _log(client, "0", {"acc": [0.1]}, parent=parent)  # a child run of a sweep
    _log(client, "0", {"acc": [0.2]}, status="FAILED")
    loaded = load_metrics(["mlflow.db", "mlflow.db#Default", "mlflow.db#nope"], tmp_path)
    newest, by_name, unknown = loaded.files
    assert newest.values == {"acc": 0.91, "loss": 0.4}
    assert newest.detail == f"MLflow run {parent[:8]} of experiment 'Default'"
    assert by_name.values == newest.values
    assert unknown.error == "mlflow.db#nope: no experiment named 'nope' in the store"
    assert load_params(["mlflow.db"], tmp_path).files[0].values == {"depth": 6}


TRAIN = textwrap.dedent(
    """
    # Logs one MLflow run the way the file store lays it out (no mlflow needed).
    import json, pathlib, time, uuid, yaml
    depth = yaml.safe_load(open("params.yaml"))["depth"]
    exp = pathlib.Path("mlruns/0")
    exp.mkdir(parents=True, exist_ok=True)
    (exp / "meta.yaml").write_text(
        "experiment_id: '0'\\nlifecycle_stage: active\\nname: Default\\n")
    starts = [yaml.safe_load((p / "meta.yaml").read_text())["start_time"]
              for p in exp.iterdir() if p.is_dir()]
    start = max([int(time.time() * 1000), *[s + 1 for s in starts]])
    run_id = uuid.uuid4().hex
    run = exp / run_id
    (run / "metrics").mkdir(parents=True)
    (run / "params").mkdir()
    (run / "meta.yaml").write_text(
        f"run_id: {run_id}\\nstart_time: {start}\\nstatus: 3\\nlifecycle_stage: active\\n")
    acc = 0.70 + depth / 100
    (run / "metrics" / "accuracy").write_text(f"{start} {acc - 0.1} 0\\n{start} {acc} 1\\n")
    (run / "metrics" / "rmse").write_text(f"{start} {1 / depth} 0\\n")
    (run / "params" / "depth").write_text(str(depth))
    """
)

CONFIG = """\
project: mlruns-demo
train:
  command: {python} train.py
  params: params.yaml
  metrics: [mlruns]
  model: null
  plots: null
validate:
  gates:
    accuracy: {{min: 0.7}}
"""


def test_train_on_main_branch_train_report_against_the_base_run_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_repository(tmp_path)
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "params.yaml").write_text("depth: 4\n")
    (tmp_path / "mlci.yaml").write_text(CONFIG.format(python=sys.executable))
    (tmp_path / ".gitignore").write_text("mlruns/\n.mlci/\nout/\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(cli, ["train"])
    assert first.exit_code == 0, first.output
    git(tmp_path, "checkout", "-qb", "deeper")
    (tmp_path / "params.yaml").write_text("depth: 8\n")
    git(tmp_path, "commit", "-qam", "deeper trees")
    second = runner.invoke(cli, ["train"])
    assert second.exit_code == 0, second.output
    records = [json.loads(r.read_text()) for r in (tmp_path / ".mlci" / "runs").glob("*.json")]
    records.sort(key=lambda record: record["created_at"])  # ids of one second sort by SHA
    assert [record["metrics"]["mlruns"]["rmse"] for record in records] == [
        0.25,
        0.125,
    ]
    report = runner.invoke(cli, ["report", "--base", "main", "--out", "out", "--no-html"])
    assert report.exit_code == 0, report.output
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["baseline"]["description"].startswith("run record `.mlci/runs/")
    diff = data["metrics"]["diff"]["mlruns"]
    assert (diff["accuracy"]["old"], diff["accuracy"]["verdict"]) == (0.74, "better")
    assert diff["accuracy"]["new"] == pytest.approx(0.78)
    assert (diff["rmse"]["old"], diff["rmse"]["new"], diff["rmse"]["verdict"]) == (
        0.25,
        0.125,
        "better",
    )
    assert data["metrics"]["errors"] == [] and data["metrics"]["missing"] == []
    comment = (tmp_path / "out" / "comment.md").read_text()
    assert "accuracy" in comment and "rmse" in comment


def test_when_the_chosen_run_started(tmp_path: Path) -> None:
    from mlci.metrics.mlruns import run_started_s

    write_run(tmp_path / "mlruns", "0", "a" * 32, start=1_700_000_000_500)
    assert run_started_s(tmp_path, "mlruns") == 1_700_000_000.5
    assert run_started_s(tmp_path, "mlruns#nope") is None


def test_a_sqlite_file_that_is_not_an_mlflow_store(tmp_path: Path) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.close()
    loaded = load_metrics(["other.db"], tmp_path).files[0]
    assert loaded.error == "other.db: not an MLflow tracking database (no such table: experiments)"
