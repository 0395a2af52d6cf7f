"""False alarms stay at the nominal level; known shifts are found (fixed seeds)."""

import numpy as np
import pandas as pd
import pytest

from mlci.config.schema import DriftConfig
from mlci.drift import build_profile, run_check

from .conftest import make_frame


def _config(**changes):
    from mlci.config.schema import ColumnSelection

    return DriftConfig(columns=ColumnSelection(exclude=("customer_id",)), **changes)


def test_false_alarm_rate_of_200_no_drift_pairs_is_at_most_nominal():
    rng = np.random.default_rng(2024)
    config = _config()
    alarms = 0
    for _ in range(200):
        result = run_check(make_frame(rng, 300), make_frame(rng, 200), config)
        assert {c.test for c in result.features} == {"ks", "chi2", "z"}
        alarms += bool(result.drifted_columns)  # any column: the family-wise rate
    assert alarms / 200 <= 0.05  # the promised level; alpha (1%) keeps it with margin


def test_false_alarms_with_large_references_and_a_profile():
    rng = np.random.default_rng(7)
    config = _config()
    alarms = 0
    for _ in range(20):
        profile = build_profile(make_frame(rng, 5000), config)
        result = run_check(profile, make_frame(rng, 3000), config)
        assert result.column("tenure").test == "ks"  # the same tests at every size
        alarms += bool(result.drifted_columns)
    # The same calibrated tests as at small sizes: about 5% of no-drift checks alarm
    # (tests/drift/test_calibration.py measures it on 200 pairs per size).
    assert alarms <= 2


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"shift": 4.0}, "tenure"),
        ({"scale": 1.6}, "tenure"),
        ({"mix": (0.2, 0.3, 0.5)}, "contract"),
        ({"nulls": 0.2}, "charges"),
    ],
)
@pytest.mark.parametrize("size", [400, 6000])
def test_known_shifts_are_detected(change, column, size):
    rng = np.random.default_rng(99)
    reference = make_frame(rng, size)
    current = make_frame(rng, size, **change)
    for ref in (reference, build_profile(reference, _config())):
        result = run_check(ref, current, _config())
        assert result.column(column).drifted, (change, size)
        others = [c for c in result.drifted_columns if c != column]
        assert others == []


def test_shape_change_with_same_mean_and_variance_is_detected():
    rng = np.random.default_rng(5)
    n = 5000
    reference = pd.DataFrame({"x": rng.normal(0, 1, n)})
    current = pd.DataFrame({"x": rng.choice([-1.0, 1.0], n) + rng.normal(0, 0.05, n)})
    assert run_check(reference, current, DriftConfig(tests={"x": "ks"})).column("x").drifted
    assert run_check(build_profile(reference), current).column("x").drifted


def test_new_category_is_a_finding(rng):
    reference = make_frame(rng, 2000)
    current = make_frame(rng, 2000)
    current.loc[:199, "contract"] = "weekly"
    result = run_check(reference, current, _config())
    finding = [f for f in result.column("contract").findings if f.code == "new_categories"]
    assert finding and finding[0].severity == "drift"
    assert finding[0].message == "1 new (10.0% of rows): weekly"
