"""Columns that are empty, all null, retyped, added or removed give findings, not crashes."""

import numpy as np
import pandas as pd

from mlci.config.schema import DriftConfig, RetrainRule
from mlci.drift import build_profile, run_check


def codes(result, name):
    return [f.code for f in result.column(name).findings]


def test_awkward_columns_never_crash(rng):
    n = 500
    reference = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "empty": [np.nan] * n,
            "gone": rng.normal(size=n),
            "retyped": rng.normal(size=n),
            "emptied": rng.normal(size=n),
            "cat": rng.choice(list("abc"), n),
            "note": [f"free text {i}" for i in range(n)],
        }
    )
    current = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "empty": [np.nan] * n,
            "retyped": rng.choice(["low", "high"], n),
            "emptied": [np.nan] * n,
            "cat": rng.choice(list("ab"), n),
            "note": [f"other text {i}" for i in range(n)],
            "added": rng.normal(size=n),
        }
    )
    for ref in (reference, build_profile(reference)):
        result = run_check(ref, current)
        assert codes(result, "empty") == ["all_null_reference"]
        assert codes(result, "gone") == ["missing_column"]
        assert codes(result, "retyped") == ["type_change"]
        assert codes(result, "emptied") == ["all_null_current"]
        assert codes(result, "cat") == ["vanished_categories"]
        assert codes(result, "note") == ["skipped_text"]
        assert codes(result, "added") == ["new_column"]
        assert not result.column("x").drifted
        assert set(result.drifted_columns) == {"gone", "retyped", "emptied", "cat"}
        assert result.errors == ()


def test_empty_current_data(rng):
    reference = pd.DataFrame({"x": rng.normal(size=50), "c": ["a", "b"] * 25})
    result = run_check(reference, reference.iloc[:0])
    assert result.current_rows == 0
    assert codes(result, "x") == ["empty_current"]
    assert result.drifted_columns == ()


def test_retraining_rule_gives_reasons(rng):
    reference = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.normal(size=3000)})
    current = pd.DataFrame({"x": rng.normal(1.0, 1, 3000), "y": rng.normal(size=3000)})
    rule = RetrainRule(drift_share=0.9, columns=("x", "z"), psi=0.2, model_age_days=30)
    result = run_check(reference, current, DriftConfig(), rule, model_age_days=10)
    decision = result.retrain
    assert decision.retrain
    assert decision.reasons[0] == "watched column(s) drifted: x"
    assert decision.reasons[1].startswith("PSI ")
    fired = {c.rule: c.fired for c in decision.checks}
    assert fired == {"drift_share": False, "columns": True, "psi": True, "model_age_days": False}
    assert result.to_dict()["retrain"]["checks"][1]["note"] == "not in the data: z"
    calm = run_check(reference, reference, DriftConfig(), RetrainRule(drift_share=0.3))
    assert not calm.retrain.retrain and calm.retrain.reasons == ()


def test_performance_drop_from_labels_and_predictions(rng):
    n = 2000
    label = rng.integers(0, 2, n)
    reference = pd.DataFrame({"x": rng.normal(size=n), "label": label, "pred": label})
    wrong = label.copy()
    wrong[: n // 4] = 1 - wrong[: n // 4]
    current = pd.DataFrame({"x": rng.normal(size=n), "label": label, "pred": wrong})
    config = DriftConfig(target="label", prediction="pred")
    result = run_check(
        build_profile(reference, config), current, config, RetrainRule(performance_drop=0.1)
    )
    assert result.performance == {
        "metric": "accuracy",
        "reference": 1.0,
        "current": 0.75,
        "rows": n,
    }
    assert result.retrain.reasons == ("performance fell by 0.25 (rule: at least 0.1)",)
    assert result.column("label").role == "target"
    assert [c.name for c in result.features] == ["x"]
