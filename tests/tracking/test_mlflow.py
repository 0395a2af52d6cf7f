"""`mlci train` logging to a real MLflow server; registry versions; MLflow baselines."""

from __future__ import annotations

import json
import math
import os
import sys
import time
import typing
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.tracking.conftest import example_project, free_port

from mlci.cli import cli
from mlci.config import load_config, parse_config
from mlci.errors import EXIT_BAD_INPUT, EXIT_SERVICE_FAILED, InputError, ServiceError
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.tracking.connection import HttpLimits
from mlci.tracking.mlflow import (
    RegisteredVersion,
    baseline_from_uri,
    log_run,
    parse_spec,
    register_version,
)
from mlci.train.record import RunRecord, list_runs, read_run, save_run

# The server and client come with the test extra (`mlflow`); without it these tests skip.
MlflowClient = pytest.importorskip("mlflow.tracking").MlflowClient


def tracking_yaml(uri: str, experiment: str, model: str) -> str:
    return (
        "tracking:\n  mlflow:\n"
        f"    uri: {uri}\n    experiment: {experiment}\n    registered_model: {model}\n"
    )


@pytest.fixture(scope="module")
def trained(
    mlflow_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, RunRecord, str]:
    """The example trained once with `mlci train`, logged to the session's server."""
    project = example_project(
        tmp_path_factory.mktemp("example") / "churn",
        tracking_yaml(mlflow_uri, "churn-ci", "churn-model"),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        result = CliRunner().invoke(cli, ["train"])
    assert result.exit_code == 0, result.output
    (record,) = list_runs(project)
    return project, record, result.output


@pytest.fixture(scope="module")
def registered(trained: tuple[Path, RunRecord, str]) -> RegisteredVersion:
    """The trained example registered once as release churn-example@v0.1.0."""
    project, record, _ = trained
    config = load_config(project / "mlci.yaml")
    return register_version(config, record, "churn-example@v0.1.0", project / "model.joblib")


def test_train_logs_an_mlflow_run(trained: tuple[Path, RunRecord, str], mlflow_uri: str) -> None:
    project, record, output = trained
    entry = record.tracking["mlflow"]
    assert entry["uri"] == mlflow_uri
    assert f"logged to MLflow run {entry['run_id']} at {mlflow_uri}" in output
    client = MlflowClient(tracking_uri=mlflow_uri)
    experiment = client.get_experiment_by_name("churn-ci")  # created by mlci train
    assert experiment is not None and experiment.experiment_id == entry["experiment_id"]
    run = client.get_run(entry["run_id"])
    assert run.info.status == "FINISHED"
    assert run.info.run_name == record.id
    assert run.data.metrics == record.metrics["metrics.json"]
    assert run.data.params["model.n_estimators"] == "120"
    assert run.data.params["model.type"] == "random_forest"
    assert run.data.params["data.test_size"] == "0.25"
    head = git(project, "rev-parse", "HEAD").strip()
    tags = run.data.tags
    assert tags["mlci.commit"] == head == tags["mlflow.source.git.commit"]
    assert tags["mlci.branch"] == "main"
    assert tags["mlci.run_id"] == record.id
    assert tags["mlci.record"] == f".mlci/runs/{record.id}.json"
    artifacts = {f.path for f in client.list_artifacts(run.info.run_id, "model")}
    assert artifacts == {"model/model.joblib"}
    logged = {f.path for f in client.list_artifacts(run.info.run_id, "mlci")}
    assert logged == {f"mlci/{record.id}.json", "mlci/metrics"}
    # The model artifact is the trained file, byte for byte.
    copy = Path(client.download_artifacts(run.info.run_id, "model/model.joblib", str(project)))
    assert copy.read_bytes() == (project / "model.joblib").read_bytes()
    # The saved record carries the run and still reads back (schema included).
    saved = json.loads((project / ".mlci" / "runs" / f"{record.id}.json").read_text())
    assert saved["tracking"] == {"mlflow": entry}
    assert read_run(project / ".mlci" / "runs" / f"{record.id}.json") == record


def test_register_version_sets_the_alias_and_is_idempotent(
    trained: tuple[Path, RunRecord, str], registered: RegisteredVersion, mlflow_uri: str
) -> None:
    project, record, _ = trained
    config = load_config(project / "mlci.yaml")
    first = registered
    assert (first.name, first.version, first.alias, first.reused) == (
        "churn-model",
        "1",
        "champion",
        False,
    )
    assert first.run_id == record.tracking["mlflow"]["run_id"]
    client = MlflowClient(tracking_uri=mlflow_uri)
    version = client.get_model_version_by_alias("churn-model", "champion")
    assert version.version == "1" and version.run_id == first.run_id
    assert version.source == f"runs:/{first.run_id}/model"
    assert version.tags == {"mlci.tag": "churn-example@v0.1.0", "mlci.commit": record.commit}
    again = register_version(config, record, "churn-example@v0.1.0", project / "model.joblib")
    assert again == RegisteredVersion("churn-model", "1", "champion", first.run_id, reused=True)
    assert len(client.search_model_versions("name = 'churn-model'")) == 1


def test_baseline_from_the_registry_and_from_a_run(
    trained: tuple[Path, RunRecord, str], registered: RegisteredVersion
) -> None:
    project, record, _ = trained
    config = load_config(project / "mlci.yaml")
    run_id = record.tracking["mlflow"]["run_id"]
    baseline = baseline_from_uri(config, "mlflow:models:/churn-model@champion", "metrics.json")
    assert baseline.source == "mlflow" and baseline.found and baseline.problem is None
    assert baseline.description == (
        f"MLflow model churn-model@champion (version 1, run {run_id[:7]})"
    )
    assert baseline.metrics is not None and baseline.params is not None
    assert [f.path for f in baseline.metrics.files] == ["metrics.json"]
    assert baseline.metrics.files[0].values == record.metrics["metrics.json"]
    # Params come back as the numbers, text and null the record had.
    assert baseline.params.files[0].path == "params.yaml"
    assert baseline.params.files[0].values == record.params["params.yaml"]
    assert baseline.commit == record.commit
    by_number = baseline_from_uri(config, "mlflow:models:/churn-model/1", "metrics.json")
    assert by_number.metrics is not None and by_number.metrics.files == baseline.metrics.files
    assert by_number.description == f"MLflow model churn-model (version 1, run {run_id[:7]})"
    by_run = baseline_from_uri(config, f"mlflow:runs:/{run_id}", "eval/scores.json")
    assert by_run.description == f"MLflow run {run_id[:7]}"
    assert by_run.metrics is not None
    assert by_run.metrics.files[0].path == "eval/scores.json"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mlflow:models:/no-such-model@champion", "no registered model 'no-such-model' in MLflow"),
        ("mlflow:models:/churn-model@gold", "registered model 'churn-model' has no alias 'gold'"),
        ("mlflow:models:/churn-model/99", "registered model 'churn-model' has no version 99"),
        ("mlflow:runs:/0123456789abcdef0123456789abcdef", "no MLflow run '0123456789abcdef"),
    ],
)
def test_unknown_model_alias_version_or_run_is_exit_2(
    trained: tuple[Path, RunRecord, str], registered: RegisteredVersion, spec: str, message: str
) -> None:
    project, _, _ = trained
    config = load_config(project / "mlci.yaml")
    with pytest.raises(InputError) as caught:
        baseline_from_uri(config, spec, "metrics.json")
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert caught.value.message.startswith(f"--baseline {spec}: {message}")
    assert caught.value.hint


@pytest.mark.parametrize(
    "spec", ["mlflow:models:/", "mlflow:models:/churn", "mlflow:runs:/", "mlflow:s3://bucket"]
)
def test_malformed_spec_names_the_forms(spec: str) -> None:
    with pytest.raises(InputError, match="not an MLflow model or run") as caught:
        parse_spec(spec)
    assert "mlflow:models:/NAME@ALIAS" in (caught.value.hint or "")


def test_validate_against_the_registry(
    trained: tuple[Path, RunRecord, str],
    registered: RegisteredVersion,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`mlci validate --baseline mlflow:...` goes through resolve_baseline's dispatch."""
    project, _, _ = trained
    from mlci.validate import baseline as resolver

    if "mlflow" not in typing.get_args(resolver.Source):  # pragma: no cover - until it lands
        pytest.skip("resolve_baseline has no mlflow: dispatch yet")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(
        cli, ["validate", "--baseline", "mlflow:models:/churn-model@champion"]
    )
    assert result.exit_code == 0, result.output
    assert "MLflow model churn-model@champion (version 1" in result.output


TRAIN = """
import json
json.dump({"acc": 0.9}, open("metrics.json", "w"))
open("model.bin", "wb").write(b"m")
"""


def tiny_project(root: Path, uri: str) -> Path:
    init_repository(root)
    (root / "train.py").write_text(TRAIN)
    (root / "mlci.yaml").write_text(
        "train:\n  command: python train.py\n  metrics: metrics.json\n  model: model.bin\n"
        f"tracking:\n  mlflow:\n    uri: {uri}\n"
    )
    (root / ".gitignore").write_text(".mlci/\nmetrics.json\nmodel.bin\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "tiny")
    return root


def test_unreachable_server_is_exit_3_after_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.chdir(tiny_project(tmp_path, uri))
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["train"])
    elapsed = time.monotonic() - started
    assert result.exit_code == EXIT_SERVICE_FAILED, result.output
    assert f"Error: MLflow at {uri}: logging run" in result.output
    assert "not logged to MLflow" in result.output and "The run record is kept" in result.output
    (record,) = list_runs(tmp_path)
    assert record.succeeded and record.metrics == {"metrics.json": {"acc": 0.9}}
    assert record.tracking == {}
    # MLflow's own default (7 retries, backoff doubling from 2 s) takes minutes; mlci's
    # bound (2 retries) fails within seconds. A wide margin, not a benchmark.
    assert elapsed < 60


def test_bounded_retries_apply_only_during_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    config = parse_config(f"tracking:\n  mlflow:\n    uri: http://127.0.0.1:{free_port()}\n")
    record = RunRecord("r1", "2024-01-01T00:00:00+00:00", "true", "succeeded", 0, 1.0)
    save_run(tmp_path, record)
    with pytest.raises(ServiceError, match="Max retries exceeded"):
        log_run(config, record, tmp_path, limits=HttpLimits(max_retries=0))
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES" not in os.environ


def test_mlflow_not_installed_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny_project(tmp_path, "http://127.0.0.1:1"))
    monkeypatch.setitem(sys.modules, "mlflow", None)  # `import mlflow` raises ImportError
    result = CliRunner().invoke(cli, ["train"])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert (
        "Error: tracking.mlflow.uri is set but MLflow is not installed. "
        "Fix: pip install 'mlci[mlflow]'" in result.output
    )
    (record,) = list_runs(tmp_path)
    assert record.succeeded and record.tracking == {}


def test_odd_param_and_metric_names_are_logged_or_skipped_with_notes(
    tmp_path: Path, mlflow_uri: str
) -> None:
    params = {
        "lr:init": 0.1,
        "drop out": 0.5,
        "名前": "x",
        "a//b": 1,
        "../up": 2,
        "w[0]": 3,
        "flag": True,
        "none": None,
        "long": "v" * 7000,
        "k" * 300: 1,
    }
    metrics = {"ok": 1.5, "bad": math.nan, "big": math.inf, "label": "rf", "yes": True}
    record = RunRecord(
        "odd",
        "2024-01-01T00:00:00+00:00",
        "python train.py",
        "failed",
        1,
        2.0,
        git={"commit": "a" * 40, "branch": "main", "dirty": False},
        params={"params.yaml": params},
        metrics={"metrics.json": metrics, "other.json": {"ok": 2.0}},
    )
    save_run(tmp_path, record)
    config = parse_config(f"project: odd\ntracking:\n  mlflow:\n    uri: {mlflow_uri}\n")
    logged = log_run(config, record, tmp_path)
    run = MlflowClient(tracking_uri=mlflow_uri).get_run(logged.run_id)
    assert run.info.status == "FAILED"  # from the record's status
    assert run.data.params == {
        "lr_init": "0.1",
        "drop out": "0.5",
        "名前": "x",
        "a/b": "1",
        "__/up": "2",
        "w_0_": "3",
        "flag": "true",
        "none": "null",
    }
    assert run.data.metrics == {"ok": 1.5}
    notes = "\n".join(logged.notes)
    assert "params.yaml: param `lr:init` logged to MLflow as `lr_init`" in notes
    assert "param `long` not logged to MLflow: its value has 7000 characters" in notes
    assert "its name is longer than 250 characters" in notes
    assert (
        "metrics.json: metrics not logged to MLflow: `bad` (nan), `big` (inf), "
        "`label` (not a number), `yes` (not a number)" in notes
    )
    assert "other.json: metric `ok` not logged to MLflow: `ok` is already logged" in notes
    # train.model defaults to model.joblib, which this record's folder does not have.
    assert "model.joblib: model not logged to MLflow: the file does not exist" in notes
