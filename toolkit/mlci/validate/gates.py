"""Evaluate `validate.gates` against head metrics and an optional baseline."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from mlci.config.schema import GateConfig, MetricsConfig
from mlci.metrics.diff import is_number
from mlci.metrics.direction import direction_of
from mlci.metrics.flatten import Scalar

GateStatus = Literal["pass", "fail", "skip"]
# Float noise must not fail a gate that sits exactly on its bound.
_TOLERANCE = 1e-12


@dataclass(frozen=True)
class GateResult:
    metric: str
    rule: str  # required | min | max | max_drop | max_drop_relative | max_rise
    threshold: float | None
    value: Scalar
    baseline: Scalar
    status: GateStatus
    message: str


@dataclass(frozen=True)
class GateReport:
    results: tuple[GateResult, ...] = ()

    @property
    def passed(self) -> bool:
        return all(r.status != "fail" for r in self.results)

    @property
    def failed(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if r.status == "fail")

    @property
    def failed_metrics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.metric for r in self.failed))


def _fmt(value: Scalar) -> str:
    if is_number(value):
        return f"{float(value):.6g}"  # type: ignore[arg-type]
    return repr(value)


def _check_metric(
    name: str,
    gate: GateConfig,
    value: Scalar,
    present: bool,
    base: Scalar,
    has_base: bool,
    metrics_config: MetricsConfig | None,
) -> list[GateResult]:
    def result(rule: str, limit: float | None, status: GateStatus, msg: str) -> GateResult:
        return GateResult(name, rule, limit, value, base, status, msg)

    if not present:
        if gate.required:
            return [result("required", None, "fail", f"{name} is missing from the metrics")]
        return [result("required", None, "skip", f"{name} is missing (not required)")]
    number = float(value) if is_number(value) else math.nan  # type: ignore[arg-type]
    # Text or NaN fails every bound; "'high' is below the minimum" would mislead.
    not_number = "is not a number, so it fails" if math.isnan(number) else ""
    out: list[GateResult] = []
    if gate.min is not None:
        ok = number >= gate.min - _TOLERANCE
        out.append(
            result(
                "min",
                gate.min,
                "pass" if ok else "fail",
                f"{name} = {_fmt(value)} "
                + ("≥" if ok else f"{not_number or 'is below'} the minimum")
                + f" {_fmt(gate.min)}",
            )
        )
    if gate.max is not None:
        ok = number <= gate.max + _TOLERANCE
        out.append(
            result(
                "max",
                gate.max,
                "pass" if ok else "fail",
                f"{name} = {_fmt(value)} "
                + ("≤" if ok else f"{not_number or 'is above'} the maximum")
                + f" {_fmt(gate.max)}",
            )
        )
    relative_rules = [
        (rule, limit)
        for rule, limit in (
            ("max_drop", gate.max_drop),
            ("max_drop_relative", gate.max_drop_relative),
            ("max_rise", gate.max_rise),
        )
        if limit is not None
    ]
    for rule, limit in relative_rules:
        assert limit is not None
        if not has_base or not is_number(base) or not math.isfinite(float(base)):  # type: ignore[arg-type]
            why = "no baseline" if not has_base else f"baseline {_fmt(base)} is not a number"
            out.append(result(rule, limit, "skip", f"{name}: {rule} not checked ({why})"))
            continue
        b = float(base)  # type: ignore[arg-type]
        lower = direction_of(name, metrics_config) == "lower"
        drop = (number - b) if lower else (b - number)
        if rule == "max_rise":
            amount, word = number - b, "rose"
        elif rule == "max_drop_relative":
            if b == 0:
                out.append(result(rule, limit, "skip", f"{name}: baseline is 0, no relative drop"))
                continue
            amount, word = drop / abs(b), "dropped"
        else:
            amount, word = drop, "dropped"
        ok = amount <= limit + _TOLERANCE  # nan compares false: a NaN value fails
        if amount < 0:  # it improved (or fell, for max_rise): say so, not "dropped by -x"
            amount, word = -amount, ("fell" if rule == "max_rise" else "improved")
        shown = f"{amount:.2%}" if rule == "max_drop_relative" else _fmt(amount)
        allowed = f"{limit:.2%}" if rule == "max_drop_relative" else _fmt(limit)
        out.append(
            result(
                rule,
                limit,
                "pass" if ok else "fail",
                f"{name} {word} by {shown} vs baseline {_fmt(b)} (allowed {allowed})",
            )
        )
    if not out:
        out.append(result("required", None, "pass", f"{name} is present"))
    return out


def evaluate_gates(
    gates: Mapping[str, GateConfig],
    head: Mapping[str, Scalar],
    base: Mapping[str, Scalar] | None = None,
    metrics_config: MetricsConfig | None = None,
) -> GateReport:
    """One result per (metric, rule); `head`/`base` map metric names to values.

    Names are as in `MetricSet.merged()`: `accuracy`, or `metrics.json:accuracy`
    when two files share a name. Without a baseline, drop rules are skipped.
    """
    results: list[GateResult] = []
    for name, gate in gates.items():
        present = name in head
        has_base = base is not None and name in base
        results += _check_metric(
            name,
            gate,
            head.get(name),
            present,
            base.get(name) if base is not None else None,
            has_base,
            metrics_config,
        )
    return GateReport(tuple(results))
