"""Fairness metrics per sensitive feature, computed by fairlearn.

Two kinds of metric: *disparity* metrics that fairlearn computes as one number over
all groups (demographic parity difference, equalized odds difference, ...), and
*per-group* metrics (accuracy, recall, selection rate, ...) evaluated in every group
with `fairlearn.metrics.MetricFrame`, whose min, max, difference and ratio can be gated.
Labels and predictions are turned into 0/1 for the positive label first, so every
metric means the same thing whatever the labels are called.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlci.errors import InputError, UsageError

if TYPE_CHECKING:
    import pandas as pd

DISPARITY_METRICS = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
)
GROUP_METRICS = (
    "accuracy",
    "recall",
    "precision",
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "balanced_accuracy",
)
MISSING_GROUP = "(missing)"


@dataclass(frozen=True)
class GroupRow:
    """One group of one sensitive feature: its size and its per-group metrics."""

    group: str
    count: int
    values: dict[str, float]


@dataclass(frozen=True)
class FeatureFairness:
    """Everything measured for one sensitive feature.

    `disparities` holds the disparity metrics; `overall` the per-group metrics on all
    rows; `spread` per per-group metric its `min`, `max`, `difference` and `ratio`.
    """

    feature: str
    groups: tuple[GroupRow, ...]
    disparities: dict[str, float]
    overall: dict[str, float]
    spread: dict[str, dict[str, float]]


@dataclass(frozen=True)
class FairnessResult:
    rows: int
    dropped_rows: int  # rows without a label or a prediction (e.g. labels not yet known)
    label: str
    prediction: str
    metrics: tuple[str, ...]
    features: tuple[FeatureFairness, ...]


def import_fairlearn() -> Any:
    try:
        import fairlearn.metrics as fm
    except ImportError:
        raise UsageError(
            "fairness metrics need fairlearn, which is not installed",
            "pip install 'mlci[governance]'",
        ) from None
    return fm


def _group_functions(fm: Any) -> dict[str, Callable[..., float]]:
    from sklearn import metrics as sk

    return {
        "accuracy": sk.accuracy_score,
        "recall": lambda t, p: sk.recall_score(t, p, zero_division=0),
        "precision": lambda t, p: sk.precision_score(t, p, zero_division=0),
        "selection_rate": fm.selection_rate,
        "true_positive_rate": fm.true_positive_rate,
        "false_positive_rate": fm.false_positive_rate,
        "false_negative_rate": fm.false_negative_rate,
        "balanced_accuracy": sk.balanced_accuracy_score,
    }


def to_binary(series: pd.Series, positive: str | None, column: str) -> pd.Series:
    """0/1 for 'is the positive label'; default positive is 1 (or True)."""
    from pandas.api import types

    if positive is None:
        if types.is_bool_dtype(series):
            return series.astype(int)
        values = set(series.dropna().unique().tolist())
        if types.is_numeric_dtype(series) and values <= {0, 1}:
            return series.astype(int)
        shown = ", ".join(sorted(map(str, values))[:5])
        raise InputError(
            f"column {column!r} has values {shown}, not 0/1",
            "set validate.fairness.positive to the positive label",
        )
    if types.is_numeric_dtype(series) and not types.is_bool_dtype(series):
        try:
            return (series == float(positive)).astype(int)
        except ValueError:
            pass
    if types.is_bool_dtype(series):
        return (series == (positive.lower() in ("true", "1", "yes"))).astype(int)
    return (series.astype(str) == positive).astype(int)


def _number(value: Any) -> float:
    number = float(value)
    return number if math.isfinite(number) else float("nan")


def compute_fairness(
    frame: pd.DataFrame,
    *,
    label: str,
    prediction: str,
    sensitive: Sequence[str],
    metrics: Sequence[str] = (
        "demographic_parity_difference",
        "equalized_odds_difference",
        "accuracy",
        "recall",
        "selection_rate",
    ),
    positive: str | None = None,
) -> FairnessResult:
    """Per sensitive feature: fairlearn's disparity metrics and a per-group table.

    `frame` holds the label, prediction and sensitive columns. Rows without a label or
    a prediction are dropped (counted in `dropped_rows`); a missing sensitive value is
    its own group, "(missing)".
    """
    fm = import_fairlearn()
    unknown = [m for m in metrics if m not in DISPARITY_METRICS + GROUP_METRICS]
    if unknown:
        raise UsageError(
            f"unknown fairness metric {unknown[0]!r}",
            f"use one of: {', '.join(DISPARITY_METRICS + GROUP_METRICS)}",
        )
    for column in (label, prediction, *sensitive):
        if column not in frame.columns:
            raise InputError(
                f"column {column!r} is not in the data",
                f"the data has: {', '.join(map(str, frame.columns[:20]))}",
            )
    if not sensitive:
        raise UsageError("no sensitive feature given", "set validate.fairness.sensitive")
    usable = frame[frame[label].notna() & frame[prediction].notna()]
    if usable.empty:
        raise InputError("no row has both a label and a prediction", "check the data")
    if len(usable) < 2:  # fairlearn cannot take one row ("too many dimensions")
        raise InputError(
            "only 1 row has both a label and a prediction", "give at least 2 rows to compare"
        )
    y_true = to_binary(usable[label], positive, label).to_numpy()
    y_pred = to_binary(usable[prediction], positive, prediction).to_numpy()
    functions = _group_functions(fm)
    group_names = [m for m in metrics if m in GROUP_METRICS]
    features = []
    with warnings.catch_warnings():
        # Empty groups make sklearn warn about ill-defined scores; the table shows them.
        warnings.simplefilter("ignore")
        for feature in sensitive:
            groups = usable[feature].astype(object).where(usable[feature].notna(), MISSING_GROUP)
            groups = groups.astype(str).to_numpy()
            disparities = {
                name: _number(getattr(fm, name)(y_true, y_pred, sensitive_features=groups))
                for name in metrics
                if name in DISPARITY_METRICS
            }
            chosen = {name: functions[name] for name in group_names}
            frame_metrics = fm.MetricFrame(
                metrics={"count": fm.count, **chosen},
                y_true=y_true,
                y_pred=y_pred,
                sensitive_features=groups,
            )
            by_group = frame_metrics.by_group
            rows = tuple(
                GroupRow(
                    group=str(group),
                    count=int(by_group.loc[group, "count"]),
                    values={n: _number(by_group.loc[group, n]) for n in group_names},
                )
                for group in by_group.index
            )
            spread: dict[str, dict[str, float]] = {}
            if group_names:
                low, high = frame_metrics.group_min(), frame_metrics.group_max()
                difference, ratio = frame_metrics.difference(), frame_metrics.ratio()
                spread = {
                    n: {
                        "min": _number(low[n]),
                        "max": _number(high[n]),
                        "difference": _number(difference[n]),
                        "ratio": _number(ratio[n]),
                    }
                    for n in group_names
                }
            overall = {n: _number(frame_metrics.overall[n]) for n in group_names}
            features.append(FeatureFairness(feature, rows, disparities, overall, spread))
    return FairnessResult(
        rows=len(usable),
        dropped_rows=len(frame) - len(usable),
        label=label,
        prediction=prediction,
        metrics=tuple(metrics),
        features=tuple(features),
    )
