"""What a reviewer reads: gate messages by direction, one headline that agrees with the
decision, and lineage notes only where they apply."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlci.config import parse_config
from mlci.config.schema import GateConfig, MetricsConfig
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.metrics.diff import diff_metrics
from mlci.metrics.load import MetricFile, MetricSet
from mlci.report import build_report
from mlci.report.markdown import headline, lineage_markdown
from mlci.report.parts import ReportInputs
from mlci.train import run_training
from mlci.train.record import FileDigest, RunRecord
from mlci.validate import evaluate_gates
from mlci.validate.baseline import Baseline

# (metric, gate, head, base, status, message): higher-is-better `accuracy`, lower-is-better
# `rmse`, each rule, the metric getting better and worse. "rose"/"fell" is what the number
# did; "worse"/"better" is what that means for the metric.
CASES = [
    # max_drop: the allowed worsening, absolute
    ("accuracy", {"max_drop": 0.01}, 0.85, 0.87, "fail",
     "accuracy fell by 0.02 (2.30%) vs baseline 0.87: worse by 0.02, allowed 0.01"),
    ("accuracy", {"max_drop": 0.01}, 0.89, 0.87, "pass",
     "accuracy rose by 0.02 (2.30%) vs baseline 0.87: better by 0.02; allowed worse by 0.01"),
    ("rmse", {"max_drop": 0.1}, 2.57, 2.45, "fail",
     "rmse rose by 0.12 (4.90%) vs baseline 2.45: worse by 0.12, allowed 0.1"),
    ("rmse", {"max_drop": 0.1}, 2.33, 2.45, "pass",
     "rmse fell by 0.12 (4.90%) vs baseline 2.45: better by 0.12; allowed worse by 0.1"),
    # max_drop_relative: the worsening as a share of the baseline
    ("accuracy", {"max_drop_relative": 0.05}, 0.85, 0.87, "pass",
     "accuracy fell by 0.02 (2.30%) vs baseline 0.87: worse by 2.30%, allowed 5.00%"),
    ("accuracy", {"max_drop_relative": 0.01}, 0.85, 0.87, "fail",
     "accuracy fell by 0.02 (2.30%) vs baseline 0.87: worse by 2.30%, allowed 1.00%"),
    ("accuracy", {"max_drop_relative": 0.01}, 0.89, 0.87, "pass",
     "accuracy rose by 0.02 (2.30%) vs baseline 0.87: better by 2.30%; allowed worse by 1.00%"),
    ("rmse", {"max_drop_relative": 0.04}, 2.57, 2.45, "fail",
     "rmse rose by 0.12 (4.90%) vs baseline 2.45: worse by 4.90%, allowed 4.00%"),
    ("rmse", {"max_drop_relative": 0.04}, 2.33, 2.45, "pass",
     "rmse fell by 0.12 (4.90%) vs baseline 2.45: better by 4.90%; allowed worse by 4.00%"),
    # max_rise: the raw rise, whatever the direction
    ("rmse", {"max_rise": 0.1}, 2.57, 2.45, "fail",
     "rmse rose by 0.12 (4.90%) vs baseline 2.45: worse by 0.12, rise allowed up to 0.1"),
    ("rmse", {"max_rise": 0.1}, 2.33, 2.45, "pass",
     "rmse fell by 0.12 (4.90%) vs baseline 2.45: better by 0.12, rise allowed up to 0.1"),
    ("accuracy", {"max_rise": 0.01}, 0.89, 0.87, "fail",
     "accuracy rose by 0.02 (2.30%) vs baseline 0.87: better by 0.02, rise allowed up to 0.01"),
    ("accuracy", {"max_rise": 0.01}, 0.85, 0.87, "pass",
     "accuracy fell by 0.02 (2.30%) vs baseline 0.87: worse by 0.02, rise allowed up to 0.01"),
    # no movement, and a baseline of 0 (no percentage to give)
    ("rmse", {"max_drop": 0.1}, 2.45, 2.45, "pass",
     "rmse is unchanged vs baseline 2.45; allowed worse by 0.1"),
    ("accuracy", {"max_drop": 0.1}, 0.5, 0.0, "pass",
     "accuracy rose by 0.5 vs baseline 0: better by 0.5; allowed worse by 0.1"),
    # bounds: by how much a value missed
    ("accuracy", {"min": 0.9}, 0.85, None, "fail",
     "accuracy = 0.85 is below the minimum 0.9 by 0.05"),
    ("accuracy", {"min": 0.8}, 0.85, None, "pass", "accuracy = 0.85 ≥ 0.8"),
    ("rmse", {"max": 2.5}, 2.57, None, "fail", "rmse = 2.57 is above the maximum 2.5 by 0.07"),
    ("rmse", {"max": 3}, 2.57, None, "pass", "rmse = 2.57 ≤ 3"),
]  # fmt: skip


@pytest.mark.parametrize(("metric", "gate", "head", "base", "status", "message"), CASES)
def test_gate_message_says_what_happened(
    metric: str, gate: dict[str, float], head: float, base: float | None, status: str, message: str
) -> None:
    baseline = {metric: base} if base is not None else None
    (result,) = evaluate_gates({metric: GateConfig(**gate)}, {metric: head}, baseline).results
    assert (result.status, result.message) == (status, message)
    assert "dropped" not in result.message


def test_direction_from_config_decides_worse_and_better() -> None:
    """`score` reads as higher-is-better by its name; metrics.lower_is_better flips it."""
    gates = {"score": GateConfig(max_drop=0.5)}
    (guessed,) = evaluate_gates(gates, {"score": 3.0}, {"score": 2.0}).results
    assert (
        guessed.message
        == "score rose by 1 (50.00%) vs baseline 2: better by 1; allowed worse by 0.5"
    )
    config = MetricsConfig(lower_is_better=("score",))
    (told,) = evaluate_gates(gates, {"score": 3.0}, {"score": 2.0}, config).results
    assert (told.status, told.message) == (
        "fail",
        "score rose by 1 (50.00%) vs baseline 2: worse by 1, allowed 0.5",
    )


# -- the headline --------------------------------------------------------------------------


def _inputs(
    gates: dict[str, GateConfig],
    head: dict[str, float],
    base: dict[str, float] | None,
    **extra: object,
) -> ReportInputs:
    head_set = MetricSet((MetricFile("m.json", head),), "HEAD")
    if base is None:
        baseline = Baseline("none", "no baseline", problem="nothing committed at main")
        diff = diff_metrics(MetricSet((), "base"), head_set)
    else:
        base_set = MetricSet((MetricFile("m.json", base),), "main (3f2a1b2)")
        commit = "3f2a1b2" + "0" * 33
        baseline = Baseline(
            "git-ref",
            "`m.json` at main",
            base_set,
            MetricSet(),
            ref="main",
            name="main",
            commit=commit,
        )
        diff = diff_metrics(base_set, head_set)
    report = evaluate_gates(gates, head, base, base_problem=baseline.problem)
    return ReportInputs(
        "t", 4, baseline, report, diff, diff_metrics(MetricSet(), MetricSet()), **extra
    )


def test_headline_agrees_with_the_gates_and_names_the_base_by_branch() -> None:
    base = {"acc": 0.87, "loss": 0.40, "f1": 0.7}
    head = {"acc": 0.89, "loss": 0.45, "f1": 0.7}
    failed = _inputs({"loss": GateConfig(max_drop=0.01)}, head, base)
    assert (
        headline(failed.verdict)
        == "## ❌ Gates failed: `loss` · 1 better, 1 worse than main (3f2a1b2)"
    )
    passed = _inputs({"acc": GateConfig(min=0.8)}, head, base)
    assert (
        headline(passed.verdict) == "## ✅ All gates passed · 1 better, 1 worse than main (3f2a1b2)"
    )
    same = _inputs({"f1": GateConfig(min=0.5)}, {"f1": 0.7}, {"f1": 0.7})
    assert headline(same.verdict) == (
        "## ✅ All gates passed · no metric better or worse than main (3f2a1b2)"
    )
    none = _inputs({}, head, base)
    assert headline(none.verdict).startswith("## ℹ️ No gates configured · ")


def test_headline_for_skipped_and_unusable_gates() -> None:
    some = _inputs(
        {"acc": GateConfig(min=0.8), "new": GateConfig(min=0.1, required=False)},
        {"acc": 0.9},
        {"acc": 0.9},
    )
    assert headline(some.verdict) == (
        "## ✅ Gates passed, 1 of 2 skipped · no metric better or worse than main (3f2a1b2)"
    )
    skipped = _inputs(
        {"acc": GateConfig(max_drop=0.01, allow_missing_baseline=True)}, {"acc": 0.9}, None
    )
    assert headline(skipped.verdict) == "## ⚠️ Gates passed but none was checked: all 1 skipped"
    unusable = _inputs({"acc": GateConfig(max_drop=0.01)}, {"acc": 0.9}, None)
    assert headline(unusable.verdict) == "## ❌ Gates could not be checked: `acc`"
    mixed = _inputs(
        {"acc": GateConfig(min=0.95), "auc": GateConfig(max_drop=0.01)},
        {"acc": 0.9, "auc": 0.8},
        None,
    )
    assert headline(mixed.verdict) == "## ❌ Gates failed: `acc`; could not be checked: `auc`"
    # The plain form is what the HTML page and the check run can show.
    assert mixed.verdict.sentence() == "Gates failed: acc; could not be checked: auc"


# -- lineage notes ---------------------------------------------------------------------------


def _record(status: str = "succeeded") -> RunRecord:
    return RunRecord("run-1", "2024-01-01T00:00:00Z", "python train.py", status, 0, 1.0)


def _lineage(**extra: object) -> str:
    return lineage_markdown(_inputs({}, {"acc": 1.0}, {"acc": 1.0}, **extra))


MODEL_MISSING = FileDigest("model.joblib", None, None)
CURRENT_MISSING = FileDigest("data/current.csv", None, None)
TRAIN = FileDigest("data/train.csv", "ab" * 32, 10)


def test_a_missing_model_is_a_warning_only_when_the_training_should_have_written_it() -> None:
    trained = _lineage(model=MODEL_MISSING, head_record=_record())
    assert (
        "⚠️ The training run `run-1` did not write the model `model.joblib` "
        "(train.model in mlci.yaml)." in trained
    )
    assert "| model | model.joblib | missing |" in trained
    # No training recorded for this commit (the report ran elsewhere): nothing to say.
    untrained = _lineage(model=MODEL_MISSING)
    assert "model.joblib" not in untrained and "⚠️" not in untrained
    failed = _lineage(model=MODEL_MISSING, head_record=_record("failed"))
    assert "did not write the model" not in failed
    written = _lineage(model=FileDigest("model.joblib", "cd" * 32, 5), head_record=_record())
    assert "| model | model.joblib | `cdcdcdcdcdcd` |" in written and "⚠️" not in written


def test_the_drift_checks_current_data_is_never_missing_in_a_pr_report() -> None:
    from mlci.data.lineage import Manifest

    inputs = dict(data=(TRAIN, CURRENT_MISSING), current_data="data/current.csv")
    with_manifest = _lineage(data_manifest=Manifest(files=()), **inputs)
    assert "current.csv" not in with_manifest and "not found" not in with_manifest
    hashes_only = _lineage(**inputs)
    assert "current.csv" not in hashes_only and "| data | data/train.csv |" in hashes_only
    # Training data that is declared and absent does matter.
    absent = _lineage(
        data_manifest=Manifest(files=()),
        data=(FileDigest("data/train.csv", None, None), CURRENT_MISSING),
        current_data="data/current.csv",
    )
    assert "⚠️ Training data not found: `data/train.csv` (train.data or data.reference)." in absent
    assert "current.csv" not in absent
    # Current data that exists is listed like any other file.
    present = _lineage(
        data=(FileDigest("data/current.csv", "ef" * 32, 3),), current_data="data/current.csv"
    )
    assert "| data | data/current.csv | `efefefefefef` |" in present


def test_a_real_training_that_forgets_its_model_gets_one_warning(tmp_path: Path) -> None:
    init_repository(tmp_path)
    config_text = (
        "project: lineage\ntrain:\n  command: python train.py\n  metrics: metrics.json\n"
        "  params: null\n  plots: null\n  model: model.joblib\n"
    )
    (tmp_path / "mlci.yaml").write_text(config_text)
    (tmp_path / "train.py").write_text(
        "import json\njson.dump({'acc': 0.9}, open('metrics.json', 'w'))\n"
    )
    (tmp_path / ".gitignore").write_text(".mlci/\nmetrics.json\nmodel.joblib\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    config = parse_config(config_text)
    before = build_report(config, tmp_path, "HEAD")  # nothing trained yet: no model note
    assert "model.joblib" not in before.markdown
    run_training(config, tmp_path)
    after = build_report(config, tmp_path, "HEAD")
    assert after.markdown.count("did not write the model `model.joblib`") == 1
    (tmp_path / "train.py").write_text(
        "import json\njson.dump({'acc': 0.9}, open('metrics.json', 'w'))\n"
        "open('model.joblib', 'w').write('m')\n"
    )
    git(tmp_path, "commit", "-qam", "save the model")
    run_training(config, tmp_path)
    fixed = build_report(config, tmp_path, "HEAD")
    assert "did not write" not in fixed.markdown and "| model | model.joblib | `" in fixed.markdown


def test_a_pr_report_never_calls_the_drift_checks_current_data_missing(tmp_path) -> None:
    """`data.current.path` is fetched by the drift check later: a PR's training never has it."""
    import json
    import subprocess

    from mlci.config import parse_config
    from mlci.report import build_report
    from mlci.report.html import render_html

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "metrics.json").write_text(json.dumps({"acc": 0.9}))
    (tmp_path / "ref.csv").write_text("a,b\n1,2\n")
    config = parse_config(
        "train: {metrics: [metrics.json], model: null, plots: null, params: null}\n"
        "data: {reference: ref.csv, current: {path: data/current.csv}}\n"
    )
    report = build_report(config, tmp_path)
    assert "current.csv" not in report.full_markdown
    assert "current.csv" not in render_html(report, "r")
