"""Fairness gates: bounds from `validate.fairness.gates` checked against measured figures.

For a disparity metric (one number) `min`/`max` bound that number. For a per-group
metric, `min` must hold for the worst group and `max` for the best, `max_difference`
bounds fairlearn's between-groups difference and `min_ratio` its ratio. A bound equal
to the measured value passes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from mlci.config.schema import FairnessConfig, FairnessGate
from mlci.errors import UsageError
from mlci.fairness.metrics import (
    DISPARITY_METRICS,
    FairnessResult,
    FeatureFairness,
    compute_fairness,
)

if TYPE_CHECKING:
    import pandas as pd

Bound = Literal["min", "max", "max_difference", "min_ratio"]
PREFIX = "validate.fairness"


@dataclass(frozen=True)
class FairnessGateOutcome:
    feature: str
    metric: str
    bound: Bound
    threshold: float
    value: float
    group: str | None  # for min/max of a per-group metric: the group at the edge
    passed: bool

    def describe(self) -> str:
        what = self.metric if self.bound in ("min", "max") else f"{self.metric} {self.bound[4:]}"
        where = f"{self.feature}={self.group}" if self.group is not None else self.feature
        sign = ">=" if self.bound in ("min", "min_ratio") else "<="
        verdict = "ok" if self.passed else "FAILED"
        return f"{what} [{where}] = {self.value:.4f}, needs {sign} {self.threshold:g}: {verdict}"


@dataclass(frozen=True)
class FairnessReport:
    result: FairnessResult
    gates: tuple[FairnessGateOutcome, ...]

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    @property
    def failed(self) -> tuple[FairnessGateOutcome, ...]:
        return tuple(g for g in self.gates if not g.passed)


def evaluate_gates(
    result: FairnessResult, gates: Mapping[str, FairnessGate]
) -> tuple[FairnessGateOutcome, ...]:
    """Check every gate on every sensitive feature of `result`."""
    outcomes: list[FairnessGateOutcome] = []
    for feature in result.features:
        for metric, gate in gates.items():
            outcomes.extend(_feature_gate(feature, metric, gate))
    return tuple(outcomes)


def _edge_group(feature: FeatureFairness, metric: str, lowest: bool) -> str | None:
    scored = [
        (row.values[metric], row.group)
        for row in feature.groups
        if row.values[metric] == row.values[metric]
    ]
    if not scored:
        return None
    return (min(scored) if lowest else max(scored))[1]


def _outcome(
    feature: str, metric: str, bound: Bound, threshold: float, value: float, group: str | None
) -> FairnessGateOutcome:
    if math.isnan(value):
        passed = False  # an undefined figure cannot show the bound holds
    elif bound in ("min", "min_ratio"):
        passed = value >= threshold
    else:
        passed = value <= threshold
    return FairnessGateOutcome(feature, metric, bound, threshold, value, group, passed)


def _feature_gate(
    feature: FeatureFairness, metric: str, gate: FairnessGate
) -> list[FairnessGateOutcome]:
    out: list[FairnessGateOutcome] = []
    name = feature.feature
    if metric in DISPARITY_METRICS:
        value = feature.disparities[metric]
        if gate.min is not None:
            out.append(_outcome(name, metric, "min", gate.min, value, None))
        if gate.max is not None:
            out.append(_outcome(name, metric, "max", gate.max, value, None))
        return out
    spread = feature.spread[metric]
    if gate.min is not None:
        group = _edge_group(feature, metric, lowest=True)
        out.append(_outcome(name, metric, "min", gate.min, spread["min"], group))
    if gate.max is not None:
        group = _edge_group(feature, metric, lowest=False)
        out.append(_outcome(name, metric, "max", gate.max, spread["max"], group))
    if gate.max_difference is not None:
        out.append(
            _outcome(
                name, metric, "max_difference", gate.max_difference, spread["difference"], None
            )
        )
    if gate.min_ratio is not None:
        out.append(_outcome(name, metric, "min_ratio", gate.min_ratio, spread["ratio"], None))
    return out


def check_fairness(
    frame: pd.DataFrame, config: FairnessConfig, source: str = "mlci.yaml"
) -> FairnessReport:
    """Compute the configured metrics (plus any gated ones) and check the gates.

    The entry point for bias monitoring too: give it current data that has the label,
    prediction and sensitive columns named in `validate.fairness`. Metric names and
    bounds were checked when the config was loaded (`mlci.config.checks`).
    """
    if not config.label:
        raise UsageError(
            f"{source}: {PREFIX}.label: no label column",
            "set validate.fairness.label (or drift.target) in mlci.yaml",
        )
    metrics = list(config.metrics)
    metrics += [m for m in config.gates if m not in metrics]
    result = compute_fairness(
        frame,
        label=config.label or "",
        prediction=config.prediction,
        sensitive=config.sensitive,
        metrics=metrics,
        positive=config.positive,
    )
    return FairnessReport(result=result, gates=evaluate_gates(result, config.gates))
