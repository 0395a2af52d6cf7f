"""Fairness figures against fairlearn's own, gates at their edges, config errors, CLI."""

import json

import fairlearn.metrics as fm
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import accuracy_score, recall_score

from mlci.cli import cli
from mlci.config.loader import parse_config
from mlci.config.schema import FairnessConfig, FairnessGate
from mlci.errors import ConfigError, InputError
from mlci.fairness.gates import check_fairness, evaluate_gates
from mlci.fairness.metrics import compute_fairness
from mlci.fairness.render import group_table_markdown


def predictions(rows: int = 600, seed: int = 3) -> pd.DataFrame:
    """Labels, a biased model's predictions and two sensitive features."""
    rng = np.random.default_rng(seed)
    gender = rng.choice(["female", "male"], rows)
    region = rng.choice(["north", "south", "east"], rows)
    label = rng.integers(0, 2, rows)
    right = rng.random(rows) < np.where(gender == "male", 0.85, 0.7)
    prediction = np.where(right, label, 1 - label)
    return pd.DataFrame(
        {"gender": gender, "region": region, "churned": label, "prediction": prediction}
    )


def config(**gates) -> FairnessConfig:
    return FairnessConfig(
        sensitive=("gender", "region"),
        label="churned",
        gates={name: FairnessGate(**bounds) for name, bounds in gates.items()},
    )


def test_figures_equal_fairlearns_own():
    data = predictions()
    result = compute_fairness(
        data, label="churned", prediction="prediction", sensitive=["gender", "region"]
    )
    y, p = data["churned"], data["prediction"]
    for feature in result.features:
        groups = data[feature.feature]
        assert feature.disparities["demographic_parity_difference"] == (
            fm.demographic_parity_difference(y, p, sensitive_features=groups)
        )
        assert feature.disparities["equalized_odds_difference"] == (
            fm.equalized_odds_difference(y, p, sensitive_features=groups)
        )
        frame = fm.MetricFrame(
            metrics={
                "accuracy": accuracy_score,
                "recall": recall_score,
                "selection_rate": fm.selection_rate,
            },
            y_true=y,
            y_pred=p,
            sensitive_features=groups,
        )
        for row in feature.groups:
            for name in ("accuracy", "recall", "selection_rate"):
                assert row.values[name] == frame.by_group.loc[row.group, name]
            assert row.count == int((groups == row.group).sum())
        for name in ("accuracy", "recall", "selection_rate"):
            assert feature.spread[name]["difference"] == frame.difference()[name]
            assert feature.spread[name]["ratio"] == frame.ratio()[name]
            assert feature.overall[name] == frame.overall[name]


@pytest.fixture(scope="module")
def gender_result():
    settings = FairnessConfig(sensitive=("gender",), label="churned")
    return check_fairness(predictions(), settings).result


@pytest.mark.parametrize(
    ("metric", "bound", "figure"),
    [
        (
            "demographic_parity_difference",
            "max",
            lambda f: f.disparities["demographic_parity_difference"],
        ),
        ("equalized_odds_difference", "max", lambda f: f.disparities["equalized_odds_difference"]),
        ("accuracy", "min", lambda f: f.spread["accuracy"]["min"]),
        ("recall", "min", lambda f: f.spread["recall"]["min"]),
        ("selection_rate", "max_difference", lambda f: f.spread["selection_rate"]["difference"]),
        ("accuracy", "min_ratio", lambda f: f.spread["accuracy"]["ratio"]),
    ],
)
def test_gate_just_past_the_measured_value_fails_and_just_inside_passes(
    gender_result, metric, bound, figure
):
    measured = figure(gender_result.features[0])
    upper = bound in ("max", "max_difference")
    failing = measured - 1e-9 if upper else measured + 1e-9
    passing = measured + 1e-9 if upper else measured - 1e-9
    for threshold, expected in ((failing, False), (passing, True), (measured, True)):
        (outcome,) = evaluate_gates(gender_result, {metric: FairnessGate(**{bound: threshold})})
        assert (outcome.passed, outcome.value) == (expected, measured)


def test_check_fairness_fails_on_a_gate_below_the_figure():
    data = predictions()
    settings = FairnessConfig(sensitive=("gender",), label="churned")
    measured = check_fairness(data, settings).result.features[0].disparities
    value = measured["demographic_parity_difference"]
    gate = {"demographic_parity_difference": FairnessGate(max=value - 1e-9)}
    report = check_fairness(
        data, FairnessConfig(sensitive=("gender",), label="churned", gates=gate)
    )
    assert not report.passed and len(report.failed) == 1


def test_group_gates_name_the_worst_group():
    data = predictions()
    report = check_fairness(data, config(accuracy={"min": 0.99}))
    gender = next(g for g in report.gates if g.feature == "gender")
    assert (gender.group, gender.passed) == ("female", False)
    assert gender.describe().startswith("accuracy [gender=female] = 0.")
    assert len(report.gates) == 2  # one per sensitive feature


def test_string_labels_need_the_positive_label():
    data = predictions()
    data["churned"] = data["churned"].map({0: "no", 1: "yes"})
    data["prediction"] = data["prediction"].map({0: "no", 1: "yes"})
    with pytest.raises(InputError) as caught:
        compute_fairness(data, label="churned", prediction="prediction", sensitive=["gender"])
    assert caught.value.message == "column 'churned' has values no, yes, not 0/1"
    named = compute_fairness(
        data, label="churned", prediction="prediction", sensitive=["gender"], positive="yes"
    )
    numeric = compute_fairness(
        predictions(), label="churned", prediction="prediction", sensitive=["gender"]
    )
    assert named.features == numeric.features


def test_rows_without_labels_are_left_out_and_counted():
    data = predictions()
    data["churned"] = data["churned"].astype("float")
    data.loc[:9, "churned"] = np.nan
    result = compute_fairness(data, label="churned", prediction="prediction", sensitive=["gender"])
    assert (result.rows, result.dropped_rows) == (590, 10)


@pytest.mark.parametrize(
    ("yaml_body", "message"),
    [
        (
            "sensitive: [gender]\n    label: churned\n    gates: {acuracy: {min: 0.5}}",
            "mlci.yaml line 5: validate.fairness.gates.acuracy: unknown metric",
        ),
        (
            "sensitive: [gender]\n    label: churned\n"
            "    gates: {demographic_parity_difference: {min_ratio: 0.8}}",
            "mlci.yaml line 5: validate.fairness.gates.demographic_parity_difference.min_ratio: "
            "demographic_parity_difference is already a single number across groups",
        ),
        (
            "sensitive: [gender]\n    label: churned\n    gates: {recall: {}}",
            "mlci.yaml line 5: validate.fairness.gates.recall: no bound given",
        ),
        (
            "label: churned\n    gates: {recall: {min: 0.5}}",
            "mlci.yaml line 2: validate.fairness.sensitive: missing",
        ),
        ("sensitive: [gender]", "mlci.yaml line 2: validate.fairness.label: missing"),
        (
            "sensitive: [gender]\n    label: churned\n    metrics: [accuracy, parity]",
            "mlci.yaml line 5: validate.fairness.metrics[1]: unknown metric 'parity'",
        ),
    ],
)
def test_bad_fairness_config_names_the_key(yaml_body, message):
    with pytest.raises(ConfigError) as caught:  # refused on load, not when checked
        parse_config(f"validate:\n  fairness:\n    {yaml_body}\n")
    assert caught.value.message == message


def test_per_group_markdown_table():
    data = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "churned": [1, 0, 1, 0], "prediction": [1, 0, 0, 0]}
    )
    result = compute_fairness(data, label="churned", prediction="prediction", sensitive=["g"])
    assert group_table_markdown(result.features[0]) == (
        "| g | count | accuracy | recall | selection_rate |\n"
        "|---|---:|---:|---:|---:|\n"
        "| a | 2 | 1.0000 | 1.0000 | 0.5000 |\n"
        "| b | 2 | 0.5000 | 0.0000 | 0.0000 |\n"
        "| **overall** | 4 | 0.7500 | 0.5000 | 0.2500 |\n"
        "| _difference_ |   | 0.5000 | 1.0000 | 0.5000 |\n"
        "| _ratio_ |   | 0.5000 | 0.0000 | 0.0000 |"
    )
    assert evaluate_gates(result, {"recall": FairnessGate(min_ratio=0.5)})[0].passed is False


def test_cli_exit_codes_and_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    predictions().to_csv("preds.csv", index=False)
    (tmp_path / "mlci.yaml").write_text(
        "validate:\n  fairness:\n    sensitive: [gender]\n    label: churned\n"
        "    data: preds.csv\n    gates:\n      accuracy: {min: 0.6}\n"
    )
    runner = CliRunner()
    env = {"GITHUB_ACTIONS": ""}
    ok = runner.invoke(cli, ["fairness", "check", "--md", "f.md", "--json", "f.json"], env=env)
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("fairness on 600 rows: passed\ngender:\n")
    assert "| female |" in (tmp_path / "f.md").read_text()
    assert json.loads((tmp_path / "f.json").read_text())["passed"] is True
    (tmp_path / "mlci.yaml").write_text(
        "validate:\n  fairness:\n    sensitive: [gender]\n    label: churned\n"
        "    gates:\n      demographic_parity_difference: {max: 0.0001}\n"
    )
    bad = runner.invoke(cli, ["fairness", "check", "--data", "preds.csv"], env=env)
    assert bad.exit_code == 1
    assert bad.output.endswith(
        "Error: fairness gates failed: 1 of 1. "
        "Fix: see the gates above; improve the model or adjust validate.fairness.gates\n"
    )
    missing = runner.invoke(cli, ["fairness", "check"], env=env)
    assert missing.exit_code == 2
    assert missing.output == (
        "Error: no data with predictions given. "
        "Fix: pass --data FILE, or set validate.fairness.data in mlci.yaml\n"
    )


def test_cli_one_usable_row_exits_2_not_a_traceback(tmp_path, monkeypatch):
    # fairlearn raises "Feature array has too many dimensions" on a single row.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "preds.csv").write_text("gender,churned,prediction\nf,1,1\nm,,0\n")
    (tmp_path / "mlci.yaml").write_text(
        "validate:\n  fairness:\n    sensitive: [gender]\n    label: churned\n"
    )
    result = CliRunner().invoke(
        cli, ["fairness", "check", "--data", "preds.csv"], env={"GITHUB_ACTIONS": ""}
    )
    assert result.exit_code == 2, result.output
    assert result.output == (
        "Error: only 1 row has both a label and a prediction. "
        "Fix: give at least 2 rows to compare\n"
    )
