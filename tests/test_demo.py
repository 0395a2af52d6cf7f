"""`mlci demo` end to end: a real copy, real git, real training, a real report."""

import json
import re

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.demo import DEMO_MARKER
from mlci.gitutil import run_git as git


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    target = tmp_path_factory.mktemp("demo") / "mlci-demo"
    result = CliRunner().invoke(cli, ["demo", str(target)])
    return target, result


def test_demo_exits_0_and_prints_its_steps(demo_run):
    target, result = demo_run
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"mlci demo: running the whole loop in {target}"
    assert lines[1] == f"[1] Copied the example churn project: {target}"
    assert "[3] Trained the baseline on main: accuracy 0.765" in result.output
    assert "[4] Opened branch experiment/deeper-trees: params.yaml: model.max_depth: 4 -> 8" in (
        result.output
    )
    assert f"Pull-request report: {target}/.mlci/outbox/comment-report.md" in result.output


def test_demo_history_is_a_real_repository(demo_run):
    target, _ = demo_run
    assert git(target, "branch", "--show-current").strip() == "experiment/deeper-trees"
    log = git(target, "log", "--format=%s", "main..HEAD").splitlines()
    assert log == ["Train the candidate model", "Try deeper trees (model.max_depth: 4 -> 8)"]
    base_metrics = json.loads(git(target, "show", "main:metrics.json"))
    head_metrics = json.loads((target / "metrics.json").read_text())
    assert base_metrics["accuracy"] == 0.765
    assert head_metrics["accuracy"] == 0.781
    assert git(target, "status", "--porcelain") == ""


def test_demo_outbox_holds_the_report_with_a_metric_table(demo_run):
    target, _ = demo_run
    report = (target / ".mlci" / "outbox" / "comment-report.md").read_text()
    assert re.search(r"\| Path \| Metric \| main \([0-9a-f]{7}\) \| HEAD \| Change \|", report)
    assert "| metrics.json | accuracy | 0.765 | 0.781 | +0.016 |" in report
    assert "| params.yaml | model.max_depth | 4 | 8 |" in report


def test_demo_refuses_a_folder_of_the_users(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["demo", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: {tmp_path}: folder is not empty and was not made by `mlci demo`. "
        "Fix: choose an empty or new DIR, e.g. `mlci demo ./mlci-demo-2`"
    )
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_demo_asks_for_force_before_replacing_an_earlier_demo(tmp_path):
    (tmp_path / DEMO_MARKER).parent.mkdir(parents=True)
    (tmp_path / DEMO_MARKER).write_text("{}")
    result = CliRunner().invoke(cli, ["demo", str(tmp_path)])
    assert result.exit_code == 2
    assert "holds an earlier demo. Fix: pass --force to replace it" in result.output


def test_demo_checks_data_and_fairness_in_the_report(demo_run):
    target, result = demo_run
    assert "[6] Checked the training data: data/reference.csv: 4000 rows, 43 checks, passed" in (
        result.output
    )
    assert "[7] Measured fairness on the held-out predictions: demographic_parity_difference" in (
        result.output
    )
    report = (target / ".mlci" / "outbox" / "comment-report.md").read_text()
    assert "### Data checks passed" in report
    assert "| gender | count | accuracy | recall | selection_rate |" in report


def test_demo_runs_the_drift_check_and_previews_the_retraining_pr(demo_run):
    target, result = demo_run
    assert "[9] Checked production data for drift: 60% of columns drifted" in result.output
    assert "[10] Previewed the retraining pull request: branch mlci/retrain" in result.output
    outbox = target / ".mlci" / "outbox"
    drift = json.loads((outbox / "drift-result.json").read_text())
    assert drift["retrain"]["retrain"] is True
    assert "payment_method" in drift["dataset"]["drifted_columns"]
    assert "wallet" in (outbox / "drift-report.md").read_text()
    assert (outbox / "drift-report.html").read_text().lstrip().lower().startswith("<!doctype html")
    preview = json.loads((outbox / "retrain-pr-mlci-retrain.json").read_text())
    assert preview["files"] == ["data/reference.csv"]
    assert preview["labels"] == ["retrain"]
    committed = outbox / "retrain-mlci-retrain" / "data" / "reference.csv"
    assert committed.read_bytes() == (target / "data" / "current.csv").read_bytes()


def test_demo_without_the_governance_extra_skips_those_steps_and_says_why(tmp_path, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec

    def without_pandera(name, *args):
        return None if name == "pandera" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_pandera)
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "[6] Data checks: skipped: needs pandera (pip install 'mlci[governance]')" in (
        result.output
    )
    report = (tmp_path / "d" / ".mlci" / "outbox" / "comment-report.md").read_text()
    assert "| metrics.json | accuracy | 0.765 | 0.781 | +0.016 |" in report
    assert "Data checks" not in report


def test_demo_previews_the_release_a_merge_would_publish(demo_run):
    import yaml

    target, result = demo_run
    outbox = target / ".mlci" / "outbox"
    assert "[11] Previewed the release a merge to main would publish: churn-example@v0.1.0 " in (
        result.output
    )
    assert (
        f"Release a merge to main would publish: {outbox}/release-churn-example-v0.1.0.md"
        in result.output
    )
    card = (outbox / "release-churn-example-v0.1.0.md").read_text()
    meta = yaml.safe_load(card.split("---\n")[1])
    metrics = {m["name"]: m["value"] for m in meta["model-index"][0]["results"][0]["metrics"]}
    assert metrics["accuracy"] == json.loads((target / "metrics.json").read_text())["accuracy"]
    assert "## Data checks" in card and "| ✅ pass | `accuracy` | min |" in card
    plan = json.loads((outbox / "release-churn-example-v0.1.0.json").read_text())
    assert plan["tag"] == "churn-example@v0.1.0"
    assert [a["name"] for a in plan["assets"]] == ["model.joblib", "model-card.md"]
    assert plan["assets"][0]["size"] == (target / "model.joblib").stat().st_size
    assert git(target, "tag") == ""  # a preview: nothing tagged
