"""The retraining rule (`retrain.when` in mlci.yaml) evaluated into a decision with reasons.

`retrain.when.drift_share` unset means drift.drift_share (`default_share`): one share
for the dataset verdict and the rule, so the headline cannot say "no dataset drift" and
"retrain" for the same share. A share set apart from drift.drift_share is the user's
choice; the headline names both keys then.
"""

from __future__ import annotations

from typing import Any

from mlci.config.schema import RetrainRule
from mlci.drift.result import ColumnResult, RetrainDecision, RuleCheck

# The note of a drift_share check whose limit is drift.drift_share.
DEFAULT_SHARE_NOTE = "drift.drift_share (retrain.when.drift_share unset)"


def performance_drop(performance: dict[str, Any] | None) -> float | None:
    """How much worse the model does on current data: accuracy lost or MAE gained."""
    if not performance or performance.get("current") is None:
        return None
    ref, cur = float(performance["reference"]), float(performance["current"])
    return cur - ref if performance.get("metric") == "mae" else ref - cur


def decide(
    rule: RetrainRule,
    *,
    columns: tuple[ColumnResult, ...],
    drift_share: float,
    performance: dict[str, Any] | None = None,
    model_age_days: float | None = None,
    default_share: float | None = None,
) -> RetrainDecision:
    """`default_share` (drift.drift_share) stands in for an unset rule.drift_share."""
    checks: list[RuleCheck] = []
    share_limit = rule.drift_share if rule.drift_share is not None else default_share
    if share_limit is not None:
        fired = drift_share >= share_limit
        note = DEFAULT_SHARE_NOTE if rule.drift_share is None else ""
        checks.append(RuleCheck("drift_share", share_limit, round(drift_share, 4), fired, note))
    if rule.columns:
        by_name = {c.name: c for c in columns}
        drifted = [n for n in rule.columns if n in by_name and by_name[n].drifted]
        absent = [n for n in rule.columns if n not in by_name]
        note = f"not in the data: {', '.join(absent)}" if absent else ""
        checks.append(RuleCheck("columns", list(rule.columns), drifted, bool(drifted), note))
    if rule.psi is not None:
        scored = [c for c in columns if c.psi is not None]
        worst = max(scored, key=lambda c: c.psi or 0.0, default=None)
        value = round(worst.psi, 4) if worst and worst.psi is not None else None
        fired = value is not None and value >= rule.psi
        note = f"largest in {worst.name}" if worst else "no column has a PSI"
        checks.append(RuleCheck("psi", rule.psi, value, fired, note))
    if rule.performance_drop is not None:
        drop = performance_drop(performance)
        if drop is None:
            checks.append(
                RuleCheck(
                    "performance_drop",
                    rule.performance_drop,
                    None,
                    False,
                    "not evaluated: labels and predictions are not in both datasets",
                )
            )
        else:
            fired = drop >= rule.performance_drop
            checks.append(RuleCheck("performance_drop", rule.performance_drop, drop, fired))
    if rule.model_age_days is not None:
        if model_age_days is None:
            checks.append(
                RuleCheck("model_age_days", rule.model_age_days, None, False, "model age unknown")
            )
        else:
            fired = model_age_days >= rule.model_age_days
            checks.append(RuleCheck("model_age_days", rule.model_age_days, model_age_days, fired))
    reasons = tuple(_reason(c) for c in checks if c.fired)
    return RetrainDecision(bool(reasons), reasons, tuple(checks))


def _reason(check: RuleCheck) -> str:
    if check.rule == "drift_share":
        return f"{check.value:.0%} of the columns drifted (rule: at least {check.limit:.0%})"
    if check.rule == "columns":
        return f"watched column(s) drifted: {', '.join(check.value)}"
    if check.rule == "psi":
        return f"PSI {check.value} reached {check.limit} ({check.note})"
    if check.rule == "performance_drop":
        return f"performance fell by {check.value:.4g} (rule: at least {check.limit})"
    return f"the model is {check.value:g} days old (rule: at least {check.limit})"
