"""MLflow key rules without a server; the record's optional `tracking` entry; limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlci.errors import InputError
from mlci.tracking.connection import HttpLimits, limits_from
from mlci.tracking.keys import mlflow_key, prepare, value_from_text
from mlci.train.record import RunRecord, read_run, save_run


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("model.depth", "model.depth"),
        ("train/loss", "train/loss"),
        ("lr:init", "lr_init"),
        ("a//b/", "a/b"),
        ("/abs", "abs"),
        ("./x", "_/x"),
        ("w[0]", "w_0_"),
        ("", "_"),
        ("größe", "größe"),
    ],
)
def test_mlflow_key(name: str, key: str) -> None:
    assert mlflow_key(name) == key


def test_param_values_round_trip_through_text() -> None:
    ready = prepare({"p.yaml": {"n": 3, "r": 0.5, "on": False, "none": None, "s": "rf"}}, {})
    assert ready.params == {"n": "3", "r": "0.5", "on": "false", "none": "null", "s": "rf"}
    back = {key: value_from_text(text) for key, text in ready.params.items()}
    assert back == {"n": 3, "r": 0.5, "on": False, "none": None, "s": "rf"}
    assert value_from_text("[1, 2]") == "[1, 2]"  # only scalars come back as values
    assert ready.notes == ()


def test_limits_keep_what_the_user_exported() -> None:
    assert limits_from({}) == HttpLimits()
    limits = limits_from(
        {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "5", "MLFLOW_HTTP_REQUEST_TIMEOUT": "oops"}
    )
    assert limits == HttpLimits(max_retries=5)
    assert limits.as_environment()["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "5"


def test_records_without_tracking_stay_as_they_were(tmp_path: Path) -> None:
    record = RunRecord("r1", "2024-01-01T00:00:00+00:00", "true", "succeeded", 0, 1.0)
    path = save_run(tmp_path, record)
    assert "tracking" not in json.loads(path.read_text())
    assert read_run(path).tracking == {}


def test_tracking_entry_is_saved_and_read_back(tmp_path: Path) -> None:
    entry = {"mlflow": {"run_id": "abc", "uri": "http://mlflow:5000", "experiment_id": "1"}}
    record = RunRecord("r2", "2024-01-01T00:00:00+00:00", "true", "succeeded", 0, 1.0)
    path = save_run(tmp_path, RunRecord(**{**record.__dict__, "tracking": entry}))
    assert json.loads(path.read_text())["tracking"] == entry
    assert read_run(path).tracking == entry


def test_malformed_tracking_entry_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"id": "r3", "tracking": {"mlflow": "abc"}}))
    with pytest.raises(InputError, match="tracking"):
        read_run(path)
