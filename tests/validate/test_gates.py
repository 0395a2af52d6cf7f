from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.config.schema import GateConfig
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.validate import evaluate_gates


def test_gate_rules() -> None:
    gates = {
        "acc": GateConfig(min=0.8, max_drop=0.01),
        "loss": GateConfig(max_drop_relative=0.05),
        "auc": GateConfig(max=0.99),
        "missing": GateConfig(min=0.1),
        "optional": GateConfig(min=0.1, required=False),
        "nan": GateConfig(min=0.0),
    }
    head = {"acc": 0.85, "loss": 0.53, "auc": 0.9, "nan": float("nan")}
    base = {"acc": 0.87, "loss": 0.5, "auc": 0.9}
    report = evaluate_gates(gates, head, base)
    status = {(r.metric, r.rule): r.status for r in report.results}
    assert status == {
        ("acc", "min"): "pass",
        ("acc", "max_drop"): "fail",  # 0.87 -> 0.85 is 0.02 > 0.01
        ("loss", "max_drop_relative"): "fail",  # lower is better: +6% is a 6% drop
        ("auc", "max"): "pass",
        ("missing", "required"): "fail",
        ("optional", "required"): "skip",
        ("nan", "min"): "fail",
    }
    assert report.failed_metrics == ("acc", "loss", "missing", "nan")
    messages = {r.metric: r.message for r in report.failed}
    assert (
        messages["acc"] == "acc fell by 0.02 (2.30%) vs baseline 0.87: worse by 0.02, allowed 0.01"
    )
    assert messages["loss"] == (
        "loss rose by 0.03 (6.00%) vs baseline 0.5: worse by 6.00%, allowed 5.00%"
    )


def test_no_baseline_never_passes_a_drop_rule() -> None:
    report = evaluate_gates({"acc": GateConfig(max_drop=0.01)}, {"acc": 0.5}, None)
    assert not report.passed and report.invalid == report.results
    assert (
        report.results[0].message == "acc: max_drop needs a usable baseline: no baseline was given"
    )
    allowed = {"acc": GateConfig(max_drop=0.01, allow_missing_baseline=True)}
    report = evaluate_gates(allowed, {"acc": 0.5}, None)
    assert report.passed and report.results[0].status == "skip"
    assert report.results[0].message == (
        "acc: max_drop skipped: no usable baseline (allowed by allow_missing_baseline): "
        "no baseline was given"
    )


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    init_repository(tmp_path)
    (tmp_path / "mlci.yaml").write_text(
        "validate:\n  gates:\n    acc: {min: 0.8}\n    auc: {max_drop: 0.01}\n"
    )
    (tmp_path / "metrics.json").write_text('{"acc": 0.9, "auc": 0.80}')
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_validate_cli_fails_with_annotations(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "metrics.json").write_text('{"acc": 0.7, "auc": 0.75}')
    outputs = project / "out.txt"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    result = CliRunner().invoke(cli, ["validate", "--base", "main"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "baseline: `metrics.json` committed at `main`" in lines[0]
    assert (
        "::error file=mlci.yaml,title=mlci gate min::acc = 0.7 is below the minimum 0.8 by 0.1"
        in lines
    )
    assert (  # "%" is written %25 in a workflow command; GitHub shows it as "%"
        "::error file=mlci.yaml,title=mlci gate max_drop::auc fell by 0.05 (6.25%25) vs baseline "
        "0.8: worse by 0.05, allowed 0.01" in lines
    )
    assert lines[-1].startswith("Error: 2 gate(s) failed: acc, auc. Fix: improve the model")
    text = outputs.read_text()
    assert "gate-passed<<" in text and "\nfalse\n" in text and "\nacc,auc\n" in text


def test_validate_cli_refuses_an_unknown_base_ref(project: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--base", "no-such-branch"])
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"Error: base ref 'no-such-branch': not a branch, tag or commit in {project}. "
        "Fix: check the spelling; in a shallow clone fetch the ref first "
        "(actions/checkout with fetch-depth: 0)\n"
    )


def test_validate_malformed_metrics_exit_2(project: Path) -> None:
    (project / "metrics.json").write_text("{not json")
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert "Error: metrics.json: invalid JSON at line 1 column 2." in result.output


def test_explicit_baseline_file_wins(project: Path) -> None:
    (project / "old.json").write_text('{"acc": 0.9, "auc": 0.95}')
    result = CliRunner().invoke(cli, ["validate", "--baseline", "old.json", "--base", "main"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "baseline: file `old.json`"


def test_missing_metrics_file_is_bad_input_not_a_failed_gate(project: Path) -> None:
    (project / "metrics.json").unlink()
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: metrics.json: file not found (train.metrics in mlci.yaml), so the gates on acc, "
        "auc cannot be checked. Fix: run the training first (`mlci train`), or set "
        "train.metrics to the file it writes\n"
    )


def test_a_metric_missing_from_the_metrics_fails_its_required_gate(project: Path) -> None:
    (project / "metrics.json").write_text('{"auc": 0.80}')
    result = CliRunner().invoke(cli, ["validate", "--baseline", "metrics.json"])
    assert result.exit_code == 1
    assert "FAIL  required          acc is missing from the metrics\n" in result.output


def test_text_metric_value_is_invalid_not_below_the_minimum() -> None:
    report = evaluate_gates(
        {"acc": GateConfig(min=0.5, max=0.9)}, {"acc": "high"}, head_files={"acc": "m.json"}
    )
    assert [r.message for r in report.results] == ["m.json: `acc` is 'high', not a number"]
    assert not report.passed and report.invalid == report.results
