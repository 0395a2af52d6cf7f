"""Bias monitoring in the drift check: fairness on current data, equal to fairlearn's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    equalized_odds_difference,
    selection_rate,
)
from sklearn.metrics import accuracy_score, recall_score

from mlci.cli import cli
from mlci.config import parse_config
from mlci.config.schema import DriftConfig, FairnessConfig, FairnessGate
from mlci.drift import bias as bias_module
from mlci.drift.bias import bias_json, bias_markdown, check_bias
from mlci.errors import ConfigError


def scored(n: int = 600, seed: int = 7) -> pd.DataFrame:
    """Labels, biased predictions and two sensitive columns; a few labels not known yet."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    region = rng.choice(["north", "south"], n)
    label = rng.integers(0, 2, n).astype(float)
    flip = rng.random(n) < np.where(group == "c", 0.4, 0.15)
    prediction = np.where(flip, 1 - label, label)
    label[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "id": range(n),
            "x": rng.normal(size=n),
            "group": group,
            "region": region,
            "churned": label,
            "pred": prediction,
        }
    )


DRIFT = DriftConfig(target="churned", prediction="pred")


def fairness(**gates: FairnessGate) -> FairnessConfig:
    return FairnessConfig(sensitive=("group", "region"), label="other", gates=gates)


def test_figures_equal_fairlearns_and_only_needed_columns_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = scored()
    path = tmp_path / "current.parquet"
    frame.to_parquet(path, index=False)
    read: list[list[str]] = []
    real = bias_module.read_table

    def spy(p: object, *, columns: list[str]) -> pd.DataFrame:
        read.append(list(columns))
        return real(p, columns=columns)

    monkeypatch.setattr(bias_module, "read_table", spy)
    check = check_bias(path, DRIFT, fairness())
    assert check is not None and check.report is not None and check.note is None
    assert read == [["churned", "pred", "group", "region"]]  # drift.target beats fairness.label
    known = frame[frame["churned"].notna()]
    y, p = known["churned"].astype(int), known["pred"].astype(int)
    result = check.report.result
    assert (result.rows, result.dropped_rows) == (len(known), len(frame) - len(known))
    for feature in result.features:
        groups = known[feature.feature]
        assert feature.disparities["demographic_parity_difference"] == pytest.approx(
            demographic_parity_difference(y, p, sensitive_features=groups), abs=1e-12
        )
        assert feature.disparities["equalized_odds_difference"] == pytest.approx(
            equalized_odds_difference(y, p, sensitive_features=groups), abs=1e-12
        )
        theirs = MetricFrame(
            metrics={
                "accuracy": accuracy_score,
                "recall": recall_score,
                "selection_rate": selection_rate,
            },
            y_true=y,
            y_pred=p,
            sensitive_features=groups,
        ).by_group
        for row in feature.groups:
            for name in ("accuracy", "recall", "selection_rate"):
                assert row.values[name] == pytest.approx(theirs.loc[row.group, name], abs=1e-12)
            assert row.count == int((groups == row.group).sum())


def test_gates_just_below_fail_and_just_above_pass(tmp_path: Path) -> None:
    path = tmp_path / "current.csv"
    scored().to_csv(path, index=False)
    measured = check_bias(path, DRIFT, fairness())
    assert measured is not None and measured.report is not None
    by_feature = {f.feature: f for f in measured.report.result.features}
    dpd = by_feature["group"].disparities["demographic_parity_difference"]
    worst = max(f.disparities["demographic_parity_difference"] for f in by_feature.values())
    assert worst == dpd  # the gate is decided by `group`, the biased one
    failing = check_bias(
        path, DRIFT, fairness(demographic_parity_difference=FairnessGate(max=dpd - 1e-9))
    )
    passing = check_bias(
        path, DRIFT, fairness(demographic_parity_difference=FairnessGate(max=dpd + 1e-9))
    )
    assert failing is not None and not failing.passed
    assert passing is not None and passing.passed
    assert failing.report is not None
    (failed,) = failing.report.failed
    assert (failed.feature, failed.metric, failed.value) == (
        "group",
        "demographic_parity_difference",
        dpd,
    )
    text = bias_markdown(failing)
    assert text.startswith("### Bias monitoring: fairness gates failed\n")
    assert f"- ❌ {failed.describe()}" in text and "| group | count | accuracy |" in text
    data = bias_json(failing)
    assert data is not None and data["status"] == "measured" and data["passed"] is False
    assert data["gates"][0]["value"] == dpd


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_absent_columns_give_a_note(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"current{suffix}"
    frame = scored().drop(columns=["pred", "region"])
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path, index=False)
    check = check_bias(path, DRIFT, fairness())
    assert check is not None and check.report is None and check.passed
    assert check.note == (
        "the current data has no prediction column `pred`, sensitive column `region`"
    )
    assert bias_markdown(check) == (
        "### Bias monitoring\n\nSkipped: the current data has no prediction column `pred`, "
        "sensitive column `region`.\n"
    )
    assert bias_json(check) == {
        "status": "skipped",
        "note": check.note,
        "path": str(path),
        "label": "churned",
        "prediction": "pred",
        "sensitive": ["group", "region"],
        "passed": None,
    }


def test_no_labels_yet_is_a_note_and_bad_config_an_error(tmp_path: Path) -> None:
    path = tmp_path / "current.csv"
    frame = scored()
    frame["churned"] = np.nan
    frame.to_csv(path, index=False)
    check = check_bias(path, DRIFT, fairness())
    assert check is not None
    assert check.note == "not measured: no row has both a label and a prediction"
    assert check_bias(path, DRIFT, FairnessConfig()) is None  # nothing sensitive configured
    no_label = check_bias(path, DriftConfig(), FairnessConfig(sensitive=("group",)))
    assert no_label is not None
    assert no_label.note == "no label column configured (drift.target or validate.fairness.label)"
    with pytest.raises(ConfigError) as error:  # a config mistake is refused on load
        parse_config(
            "drift: {target: churned}\n"
            "validate: {fairness: {sensitive: [group], gates: {accuracyy: {min: 0.5}}}}\n"
        )
    assert error.value.message == (
        "mlci.yaml line 2: validate.fairness.gates.accuracyy: unknown metric"
    )


CONFIG = """
data:
  reference: ref.csv
  current: {path: cur.csv}
drift:
  columns: {exclude: [id]}
  target: churned
  prediction: pred
validate:
  fairness:
    sensitive: [group]
    gates:
      demographic_parity_difference: {max: 0.01}
"""


def test_cli_json_markdown_and_fail_on_bias(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    scored(seed=1).to_csv("ref.csv", index=False)
    current = scored(seed=2)
    current.to_csv("cur.csv", index=False)
    Path("mlci.yaml").write_text(CONFIG)
    runner = CliRunner()
    result = runner.invoke(cli, ["drift", "check", "--json", "r.json", "--md", "r.md"])
    assert result.exit_code == 0, result.output
    data = json.loads(Path("r.json").read_text())
    bias = data["bias"]
    assert (bias["status"], bias["passed"], bias["label"]) == ("measured", False, "churned")
    known = current[current["churned"].notna()]
    expected = demographic_parity_difference(
        known["churned"].astype(int), known["pred"], sensitive_features=known["group"]
    )
    (gate,) = bias["gates"]
    assert gate["value"] == pytest.approx(expected, abs=1e-12) and gate["passed"] is False
    assert "columns" in data  # the drift result itself is unchanged around it
    assert f"  bias: FAIL demographic_parity_difference [group] = {expected:.4f}" in result.output
    assert "### Bias monitoring: fairness gates failed" in Path("r.md").read_text()

    failed = runner.invoke(cli, ["drift", "check", "--fail-on-bias"])
    assert failed.exit_code == 1
    assert failed.output.splitlines()[-1] == (
        "Error: fairness gates failed on the current data: 1 of 1. Fix: see the bias lines "
        "above; retrain or adjust validate.fairness.gates"
    )

    current.drop(columns=["pred"]).to_csv("cur.csv", index=False)
    skipped = runner.invoke(cli, ["drift", "check", "--json", "r.json", "--fail-on-bias"])
    assert skipped.exit_code == 0, skipped.output
    assert "  bias: skipped: the current data has no prediction column `pred`" in skipped.output
    assert json.loads(Path("r.json").read_text())["bias"]["status"] == "skipped"

    Path("mlci.yaml").write_text(CONFIG.split("validate:")[0])
    plain = runner.invoke(cli, ["drift", "check", "--json", "r.json"])
    assert plain.exit_code == 0 and "bias" not in plain.output
    assert json.loads(Path("r.json").read_text())["bias"] is None
