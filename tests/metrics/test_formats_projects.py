"""Metric files as projects write them: text lines, JSON in a .txt, DVCLive outputs.

The DVCLive layouts follow dvclive 3.x (dvclive/live.py `make_summary`,
dvclive/plots/metric.py `Metric.dump`; https://dvc.org/doc/dvclive/how-it-works):
`dvclive/metrics.json` holds the last values, nested by `/` in the metric's name, plus
`step`; `dvclive/plots/metrics/NAME.tsv` holds one row per step (`timestamp` only when
asked for).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.metrics.formats import parser_for
from mlci.metrics.load import load_metrics, load_params


def _values(root: Path, name: str, text: str) -> dict[str, object]:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)
    loaded = load_metrics([name], root).files[0]
    assert loaded.error is None, loaded.error
    return loaded.values


def test_cml_style_metrics_txt(tmp_path: Path) -> None:
    # What CML's example projects write: f.write("Training variance explained: %2.1f%%\n").
    text = (
        "# written by train.py\n"
        "Results\n"
        "=======\n"
        "Training variance explained: 91.3%\n"
        "Test variance explained: 88.0%\n"
        "\n"
        "Accuracy = 0.93\n"
        "f1 0.88\n"
        "rmse: 1.5e-3\n"
        "loss: nan\n"
        "model: random forest\n"
        "epochs = 12\n"
    )
    values = _values(tmp_path, "metrics.txt", text)
    assert list(values) == [
        "Training variance explained",
        "Test variance explained",
        "Accuracy",
        "f1",
        "rmse",
        "loss",
        "model",
        "epochs",
    ]
    assert values["Training variance explained"] == 91.3  # as written, never /100
    assert values["Test variance explained"] == 88.0
    assert values["Accuracy"] == 0.93
    assert values["f1"] == 0.88
    assert values["rmse"] == 0.0015
    assert math.isnan(values["loss"])  # type: ignore[arg-type]
    assert values["model"] == "random forest"
    assert values["epochs"] == 12 and isinstance(values["epochs"], int)


@pytest.mark.parametrize("name", ["metrics.out", "eval.metrics", "scores", "results.data"])
def test_other_text_suffixes_and_none(tmp_path: Path, name: str) -> None:
    assert _values(tmp_path, name, "acc: 0.9\nAUC = 81%\n") == {"acc": 0.9, "AUC": 81}


def test_a_txt_holding_json_or_yaml_is_read_as_such(tmp_path: Path) -> None:
    assert _values(tmp_path, "a.txt", '{"acc": 0.9, "val": {"loss": NaN}}')["acc"] == 0.9
    (tmp_path / "b.txt").write_text('[{"acc": 1}]')
    assert load_metrics(["b.txt"], tmp_path).files[0].error == (
        "b.txt: expected a mapping of metric names to values at the top level, found a list"
    )
    assert _values(tmp_path, "c.txt", "train:\n  loss: 0.3\neval:\n  loss: 0.4\n") == {
        "train.loss": 0.3,
        "eval.loss": 0.4,
    }
    # No suffix: JSON by content, nested YAML by content, `a = b` lines by content.
    assert _values(tmp_path, "metrics", '{"acc": 0.5}') == {"acc": 0.5}
    assert _values(tmp_path, "nested", "a:\n  b: 1\n") == {"a.b": 1}
    assert _values(tmp_path, "pairs", "Accuracy = 93.1%\n") == {"Accuracy": 93.1}


def test_json_yaml_csv_keep_their_parsers() -> None:
    assert parser_for("m.json")('{"a": 1}') == {"a": 1}
    assert parser_for("m.yaml")("a: 93%") == {"a": "93%"}  # YAML text stays YAML
    assert parser_for("m.csv")("acc,loss\n0.9,0.1\n") == {"acc": 0.9, "loss": 0.1}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "accuracy: 0.9\n              precision    recall\n    0       0.93      0.95\n",
            "metrics.txt: line 3 is not a `name: value` pair: '0       0.93      0.95'",
        ),
        (
            "acc: 0.9\nEpoch 1/10 - loss: 0.5\n",
            "metrics.txt: line 2 is not a `name: value` pair: 'Epoch 1/10 - loss: 0.5'",
        ),
        ("acc: 0.9\n\nacc: 0.8\n", "metrics.txt: line 3: 'acc' is written twice (first on line 1)"),
        ("Results\n=====\n", "metrics.txt: no `name: value` lines found"),
        ("acc 0.9 0.8\n", "metrics.txt: line 1 is not a `name: value` pair: 'acc 0.9 0.8'"),
    ],
)
def test_malformed_text_names_the_line(tmp_path: Path, text: str, error: str) -> None:
    (tmp_path / "metrics.txt").write_text(text)
    assert load_metrics(["metrics.txt"], tmp_path).files[0].error == error


def test_a_malformed_line_exits_2_through_metrics_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "base.txt").write_text("acc: 0.8\n")
    (tmp_path / "metrics.txt").write_text("acc: 0.9\n[[50 2]\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["metrics", "diff", "metrics.txt", "--base", "base.txt", "--head", "metrics.txt"]
    )
    assert result.exit_code == 2
    assert (
        "Error: head: metrics.txt: line 2 is not a `name: value` pair: '[[50 2]'. "
        "Fix: fix the file's syntax or pass the right path"
    ) in result.output


def test_text_metrics_diff_between_two_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "base.txt").write_text("Accuracy: 90.0%\nrmse = 2.5\n")
    (tmp_path / "metrics.txt").write_text("Accuracy: 93.5%\nrmse = 2.0\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["metrics", "diff", "metrics.txt", "--base", "base.txt", "--head", "metrics.txt", "--json"],
    )
    assert result.exit_code == 0, result.output
    assert '"Accuracy"' in result.output and "93.5" in result.output and "90" in result.output


def test_a_log_keeps_the_last_value_of_each_metric(tmp_path: Path) -> None:
    log = (
        "INFO starting training on cpu\n"
        "Epoch 1/2 - loss: 0.9 - acc: 0.5\n"
        "loss: 0.7\n"
        "val_acc: 0.61\n"
        "loss: 0.4\n"
        "val_acc = 0.72\n"
        "done in 3.2s\n"
        "status: finished\n"
    )
    assert _values(tmp_path, "train.log", log) == {"loss": 0.4, "val_acc": 0.72}


def test_dvclive_metrics_json_and_series(tmp_path: Path) -> None:
    # live.log_metric("train/loss", ...) per epoch, then live.next_step(): 3 steps.
    (tmp_path / "dvclive" / "plots" / "metrics" / "train").mkdir(parents=True)
    (tmp_path / "dvclive" / "metrics.json").write_text(
        '{\n    "train": {\n        "loss": 0.25\n    },\n    "acc": 0.91,\n    "step": 2\n}'
    )
    (tmp_path / "dvclive/plots/metrics/train/loss.tsv").write_text(
        "timestamp\tstep\tloss\n1700000000000\t0\t0.9\n1700000001000\t1\t0.5\n"
        "1700000002000\t2\t0.25\n"
    )
    (tmp_path / "dvclive/plots/metrics/acc.tsv").write_text("step\tacc\n0\t0.7\n2\t0.91\n1\t0.8\n")
    loaded = load_metrics(
        [
            "dvclive/metrics.json",
            "dvclive/plots/metrics/train/loss.tsv",
            "dvclive/plots/metrics/acc.tsv",
        ],
        tmp_path,
    )
    summary, loss, acc = loaded.files
    assert summary.values == {"train.loss": 0.25, "acc": 0.91, "step": 2}
    assert loss.values == {"loss": 0.25}  # the value at the last step
    assert acc.values == {"acc": 0.91}  # by step, not by row order


def test_a_table_with_a_step_column_and_more_values_stays_a_table(tmp_path: Path) -> None:
    values = _values(tmp_path, "t.csv", "step,loss,acc\n0,0.9,0.5\n1,0.5,0.7\n")
    assert values == {
        "0.step": 0,
        "0.loss": 0.9,
        "0.acc": 0.5,
        "1.step": 1,
        "1.loss": 0.5,
        "1.acc": 0.7,
    }


def test_params_in_text_form(tmp_path: Path) -> None:
    (tmp_path / "params.txt").write_text("n_estimators = 100\nmax_depth: 5\n")
    params = load_params(["params.txt"], tmp_path).files[0]
    assert params.values == {"n_estimators": 100, "max_depth": 5}
