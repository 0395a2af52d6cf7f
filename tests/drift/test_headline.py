"""The drift headline agrees with the retraining decision, in text, markdown and HTML.

`drift.drift_share` (when the dataset counts as drifted) and `retrain.when.drift_share`
(when to retrain) are two settings; unset, the second is the first. Set apart, a result
between them used to read "🟢 no dataset drift: 3 of 10 columns drifted (30%, threshold
50%); decision: retrain".
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.config.schema import RetrainRule
from mlci.drift.html import to_html
from mlci.drift.render import headline, icon, to_markdown, to_text, tone
from mlci.drift.result import ColumnResult, DriftResult, Finding
from mlci.drift.retrain import decide


def column(name: str, drifted: bool, *, few: bool = False) -> ColumnResult:
    findings = (Finding("insufficient_data", "info", "too few values"),) if few else ()
    return ColumnResult(
        name,
        "numeric",
        test=None if few else "ks",
        measure=None if few else "p_value",
        statistic=None if few else (0.4 if drifted else 0.01),
        p_value=None if few else (1e-9 if drifted else 0.8),
        adjusted_p_value=None if few else (1e-8 if drifted else 1.0),
        threshold=0.05,
        test_drifted=drifted,
        findings=findings,
    )


def result(
    drifted: int,
    total: int,
    *,
    share_threshold: float = 0.5,
    rule: RetrainRule | None = None,
    few: int = 0,
    model_age_days: float | None = None,
) -> DriftResult:
    columns = tuple(column(f"c{i}", i < drifted) for i in range(total))
    columns += tuple(column(f"few{i}", False, few=True) for i in range(few))
    share = drifted / total if total else 0.0
    decision = decide(
        rule if rule is not None else RetrainRule(drift_share=0.3),
        columns=columns,
        drift_share=share,
        model_age_days=model_age_days,
    )
    return DriftResult(
        reference="ref.csv",
        current="cur.csv",
        reference_rows=500,
        current_rows=500,
        exact=True,
        columns=columns,
        drift_share=share,
        share_threshold=share_threshold,
        dataset_drift=bool(total) and share >= share_threshold,
        correction="bonferroni",
        alpha=0.05,
        retrain=decision,
        compared=total,
        insufficient=tuple(f"few{i}" for i in range(few)),
    )


def test_retrain_below_the_dataset_threshold_leads_with_the_rule_that_fired() -> None:
    between = result(3, 10)  # 30%: at the retraining rule, under the dataset threshold
    assert between.retrain.retrain and between.verdict == "no drift"
    assert headline(between) == (
        "retrain: 30% of columns drifted, at or above retrain.when.drift_share 30%; "
        "dataset: 3 of 10 columns drifted (30%), below drift.drift_share 50%"
    )
    assert tone(between) == "retrain" and icon(between) == "🔴"
    markdown = to_markdown(between)
    assert f"🔴 **{headline(between)}**" in markdown
    assert "🟢" not in markdown and "no dataset drift" not in markdown
    text = to_text(between)
    assert text.splitlines()[0] == headline(between)
    # The reasons are in the headline once, not again as "retrain:" lines below it.
    assert sum(line.strip().startswith("retrain:") for line in text.splitlines()) == 1
    page = to_html(between)
    assert f"<b>🔴 {headline(between)}</b>" in page
    assert "no dataset drift" not in page and "Retraining:" not in page


def test_dataset_drift_with_retraining_names_both_thresholds() -> None:
    both = result(6, 10)
    assert headline(both) == (
        "retrain: 60% of columns drifted, at or above retrain.when.drift_share 30%; "
        "dataset drift: 6 of 10 columns drifted (60%), at or above drift.drift_share 50%"
    )
    assert icon(both) == "🔴"


def test_drift_without_retraining_says_which_rule_held_back() -> None:
    held = result(6, 10, rule=RetrainRule(drift_share=0.7))
    assert not held.retrain.retrain and held.verdict == "drift"
    assert headline(held) == (
        "drift detected: 6 of 10 columns drifted (60%, threshold 50%); "
        "decision: no retraining (retrain.when.drift_share 70% not reached)"
    )
    assert icon(held) == "🟠"  # drift, but not the red of a retraining decision
    unset = result(6, 10, rule=RetrainRule())
    assert headline(unset).endswith("decision: no retraining (no retrain.when rule is set)")


def test_no_drift_and_no_retraining_is_the_only_green_headline() -> None:
    calm = result(1, 10)
    assert headline(calm) == (
        "no dataset drift: 1 of 10 columns drifted (10%, threshold 50%); decision: no retraining"
    )
    assert icon(calm) == "🟢"
    assert "🟢 **no dataset drift" in to_markdown(calm)


def test_a_rule_other_than_the_share_still_leads_the_headline() -> None:
    old = result(0, 4, rule=RetrainRule(drift_share=0.3, model_age_days=30), model_age_days=45)
    assert headline(old) == (
        "retrain: the model is 45 days old, at or above retrain.when.model_age_days 30; "
        "dataset: 0 of 4 columns drifted (0%), below drift.drift_share 50%"
    )
    assert icon(old) == "🔴"


def test_nothing_compared_is_never_green() -> None:
    empty = result(0, 0)  # e.g. a headerless file whose columns match nothing
    assert headline(empty) == (
        "nothing compared: no column could be tested for drift; decision: no retraining"
    )
    assert icon(empty) == "🟡"
    assert "🟢" not in to_markdown(empty)
    few = result(0, 0, few=2)
    assert headline(few).startswith("insufficient data: 2 of 2 columns have fewer than 30")
    assert icon(few) == "🟡"


def test_the_cli_headline_agrees_with_the_decision_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real files through `mlci drift check`: 2 of 5 columns move, which is under the
    default drift.drift_share (50%) and over a retrain.when.drift_share set to 30%."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlci.yaml").write_text("retrain:\n  when:\n    drift_share: 0.3\n")
    rng = np.random.default_rng(7)
    n = 600
    reference = pd.DataFrame({name: rng.normal(0, 1, n) for name in "abcde"})
    current = pd.DataFrame({name: rng.normal(0, 1, n) for name in "abcde"})
    current["a"] += 3
    current["b"] += 3
    reference.to_csv("ref.csv", index=False)
    current.to_csv("cur.csv", index=False)
    out = CliRunner().invoke(
        cli,
        [
            "drift",
            "check",
            "--reference",
            "ref.csv",
            "--current",
            "cur.csv",
            "--md",
            "drift.md",
            "--decision",
            "decision.json",
        ],
    )
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0] == (
        "retrain: 40% of columns drifted, at or above retrain.when.drift_share 30%; "
        "dataset: 2 of 5 columns drifted (40%), below drift.drift_share 50%"
    )
    assert json.loads((tmp_path / "decision.json").read_text())["retrain"] is True
    markdown = (tmp_path / "drift.md").read_text()
    assert "🔴 **retrain: 40% of columns drifted" in markdown and "🟢" not in markdown
    # Unset, retrain.when.drift_share is drift.drift_share: one share for both.
    (tmp_path / "mlci.yaml").write_text("drift:\n  drift_share: 0.4\n")
    out = CliRunner().invoke(
        cli, ["drift", "check", "--reference", "ref.csv", "--current", "cur.csv"]
    )
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0] == (
        "retrain: dataset drift: 2 of 5 columns drifted (40%), at or above drift.drift_share 40%"
    )
    (tmp_path / "mlci.yaml").write_text("")
    out = CliRunner().invoke(
        cli, ["drift", "check", "--reference", "ref.csv", "--current", "cur.csv"]
    )
    assert out.output.splitlines()[0] == (
        "no dataset drift: 2 of 5 columns drifted (40%, threshold 50%); decision: no retraining"
    )


def test_percentages_that_round_alike_get_the_decimals_that_tell_them_apart() -> None:
    close = result(7, 23, share_threshold=0.305)  # 30.43%: over 30%, under 30.5%
    assert headline(close) == (
        "retrain: 30.4% of columns drifted, at or above retrain.when.drift_share 30.0%; "
        "dataset: 7 of 23 columns drifted (30.4%), below drift.drift_share 30.5%"
    )
