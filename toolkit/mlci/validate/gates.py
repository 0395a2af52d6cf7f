"""Evaluate `validate.gates` against head metrics and an optional baseline."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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
    # The gate could not be evaluated: a value is no number, or the baseline it needs is
    # unusable. Its status is "fail"; `mlci validate` exits 2 (bad input), not 1.
    invalid: bool = False


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

    @property
    def invalid(self) -> tuple[GateResult, ...]:
        """Gates that could not be evaluated (exit 2), each message names file and key."""
        return tuple(r for r in self.results if r.invalid)


def _fmt(value: Scalar) -> str:
    if is_number(value):
        return f"{float(value):.6g}"  # type: ignore[arg-type]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _finite(value: Scalar) -> bool:
    return is_number(value) and math.isfinite(float(value))  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Sides:
    """What the gates of one evaluation know about where values come from."""

    head_files: Mapping[str, str]
    base_label: str
    base_problem: str | None


def _relative_rules(gate: GateConfig) -> list[tuple[str, float]]:
    return [
        (rule, limit)
        for rule, limit in (
            ("max_drop", gate.max_drop),
            ("max_drop_relative", gate.max_drop_relative),
            ("max_rise", gate.max_rise),
        )
        if limit is not None
    ]


def _check_metric(
    name: str,
    gate: GateConfig,
    value: Scalar,
    present: bool,
    base: Scalar,
    has_base: bool,
    metrics_config: MetricsConfig | None,
    sides: _Sides,
) -> list[GateResult]:
    def result(
        rule: str, limit: float | None, status: GateStatus, msg: str, invalid: bool = False
    ) -> GateResult:
        return GateResult(name, rule, limit, value, base, status, msg, invalid)

    if not present:
        if gate.required:
            return [result("required", None, "fail", f"{name} is missing from the metrics")]
        return [result("required", None, "skip", f"{name} is missing (not required)")]
    bounds = [(r, lim) for r, lim in (("min", gate.min), ("max", gate.max)) if lim is not None]
    relative = _relative_rules(gate)
    if not (bounds or relative):  # a presence gate: any value will do
        return [result("required", None, "pass", f"{name} is present")]
    if not is_number(value):  # text, a boolean or null: no bound can judge it
        where = sides.head_files.get(name, "the metrics")
        message = f"{where}: `{name}` is {_fmt(value)}, not a number"
        rule, limit = (bounds + relative)[0]
        return [result(rule, limit, "fail", message, invalid=True)]
    number = float(value)  # type: ignore[arg-type]
    not_finite = not math.isfinite(number)  # NaN, inf, -inf
    out: list[GateResult] = []
    for rule, limit in bounds:
        ok = (number >= limit - _TOLERANCE) if rule == "min" else (number <= limit + _TOLERANCE)
        ok = ok and not not_finite
        word = "minimum" if rule == "min" else "maximum"
        if not_finite:
            text = f"{name} = {_fmt(value)} is not a finite number, so it fails the {word}"
        elif ok:
            text = f"{name} = {_fmt(value)} {'≥' if rule == 'min' else '≤'}"
        else:  # say by how much it missed: a reviewer weighs 0.001 and 0.1 differently
            side = "below" if rule == "min" else "above"
            gap = _fmt(abs(number - limit))
            text = f"{name} = {_fmt(value)} is {side} the {word} {_fmt(limit)} by {gap}"
            out.append(result(rule, limit, "fail", text))
            continue
        out.append(result(rule, limit, "pass" if ok else "fail", f"{text} {_fmt(limit)}"))
    for rule, limit in relative:
        out.append(
            _check_relative(
                name, rule, limit, gate, number, base, has_base, sides, metrics_config, result
            )
        )
    return out


def _unusable_base(name: str, base: Scalar, has_base: bool, sides: _Sides) -> str | None:
    """Why the baseline gives no value to compare `name` with; None when it does."""
    if has_base and is_number(base):
        return None
    if has_base:
        return f"{sides.base_label}: `{name}` is {_fmt(base)}, not a number"
    if sides.base_problem:
        return sides.base_problem
    return f"{sides.base_label} has no metric `{name}`"


def _check_relative(
    name: str,
    rule: str,
    limit: float,
    gate: GateConfig,
    number: float,
    base: Scalar,
    has_base: bool,
    sides: _Sides,
    metrics_config: MetricsConfig | None,
    result: Callable[..., GateResult],
) -> GateResult:
    if not math.isfinite(number):
        return result(
            rule, limit, "fail", f"{name} = {_fmt(number)} is not a finite number, so {rule} fails"
        )
    why = _unusable_base(name, base, has_base, sides)
    if why is None and rule == "max_drop_relative" and _finite(base) and float(base) == 0:  # type: ignore[arg-type]
        why = f"{sides.base_label}: `{name}` is 0, so a relative drop is undefined"
    if why is not None:
        if gate.allow_missing_baseline:
            return result(
                rule,
                limit,
                "skip",
                f"{name}: {rule} skipped: no usable baseline "
                f"(allowed by allow_missing_baseline): {why}",
            )
        return result(
            rule, limit, "fail", f"{name}: {rule} needs a usable baseline: {why}", invalid=True
        )
    b = float(base)  # type: ignore[arg-type]
    if not math.isfinite(b):
        return result(
            rule,
            limit,
            "fail",
            f"{name}: baseline value {_fmt(b)} is not a finite number, so {rule} fails",
        )
    lower = direction_of(name, metrics_config) == "lower"
    change = number - b
    worse = change if lower else -change  # > 0: the metric got worse, by its direction
    if rule == "max_rise":
        judged = change
    elif rule == "max_drop_relative":
        judged = worse / abs(b)
    else:
        judged = worse
    ok = judged <= limit + _TOLERANCE
    message = gate_change_message(name, rule, limit, number, b, lower=lower)
    return result(rule, limit, "pass" if ok else "fail", message)


def _movement(name: str, number: float, base: float) -> str:
    """What the value did, in plain words: "rmse rose by 0.12 (4.89%) vs baseline 2.45"."""
    change = number - base
    if abs(change) <= _TOLERANCE:
        return f"{name} is unchanged vs baseline {_fmt(base)}"
    verb = "rose" if change > 0 else "fell"
    share = f" ({abs(change) / abs(base):.2%})" if base != 0 else ""
    return f"{name} {verb} by {_fmt(abs(change))}{share} vs baseline {_fmt(base)}"


def gate_change_message(
    name: str, rule: str, limit: float, number: float, base: float, *, lower: bool
) -> str:
    """The message of a baseline rule: the movement, then what it means for the metric.

    "rose"/"fell" say what the number did; "worse"/"better" follow the metric's
    direction (`lower`: smaller is better), so a rising rmse is "worse", never "dropped".
    `max_drop_relative` judges the worsening as a share of the baseline, `max_rise` the
    raw rise whatever the direction.
    """
    change = number - base
    worse = change if lower else -change
    relative = rule == "max_drop_relative"

    def amount(value: float) -> str:
        return f"{abs(value) / abs(base):.2%}" if relative else _fmt(abs(value))

    allowed = f"{limit:.2%}" if relative else _fmt(limit)
    head = _movement(name, number, base)
    if abs(change) <= _TOLERANCE:
        tail = (
            f"rise allowed up to {allowed}" if rule == "max_rise" else f"allowed worse by {allowed}"
        )
        return f"{head}; {tail}"
    judgement = f"{'worse' if worse > 0 else 'better'} by {amount(worse)}"
    if rule == "max_rise":
        return f"{head}: {judgement}, rise allowed up to {allowed}"
    if worse > 0:
        return f"{head}: {judgement}, allowed {allowed}"
    return f"{head}: {judgement}; allowed worse by {allowed}"


def evaluate_gates(
    gates: Mapping[str, GateConfig],
    head: Mapping[str, Scalar],
    base: Mapping[str, Scalar] | None = None,
    metrics_config: MetricsConfig | None = None,
    *,
    head_files: Mapping[str, str] | None = None,
    base_label: str = "the baseline",
    base_problem: str | None = None,
) -> GateReport:
    """One result per (metric, rule); `head`/`base` map metric names to values.

    Names are as in `MetricSet.merged()`: `accuracy`, or `metrics.json:accuracy`
    when two files share a name. `head_files` maps a name to its file, `base_label`
    names the baseline and `base_problem` says why it is unusable, for the messages.
    A rule that needs the baseline and has none is invalid (exit 2), or skipped when
    the gate sets `allow_missing_baseline`; it never passes silently. Values that are
    not finite numbers fail.
    """
    if base is None and base_problem is None:
        base_problem = "no baseline was given"
    sides = _Sides(head_files or {}, base_label, base_problem)
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
            sides,
        )
    return GateReport(tuple(results))
