"""What a drift check returns: frozen dataclasses and their versioned JSON form.

Every column gets one verdict (`ColumnResult.verdict`): "drift" (significant and a
large enough effect, or a drift finding), "ok", "insufficient data" (fewer than
`MIN_COUNT` finite values on a side, or undecidable from a profile: significant, but the
effect's estimate and error bound straddle its minimum; neither drift nor ok, and left
out of the drift share), "not compared" (no statistic: an empty reference, an error)
or "skipped" (text, identifiers, columns new in the current data). The dataset verdict
(`DriftResult.verdict`) is "drift", "no drift" or "insufficient data". The JSON form is
strict JSON: a float that is not finite is written as null (`json_safe`), never NaN or
Infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

# See `mlci.resultschema`; the previous release wrote "mlci.drift-result/1" (version 1).
RESULT_SCHEMA = "mlci.drift-result/v1"
DECISION_SCHEMA = "mlci.retrain-decision/v1"  # the --decision file
Severity = Literal["drift", "warning", "info"]
Verdict = Literal["drift", "ok", "insufficient data", "not compared", "skipped"]
# The fewest finite non-null values a column needs on each side to be tested for drift.
MIN_COUNT = 30
# Findings that mean the column was deliberately not compared.
SKIPPED_CODES = frozenset({"skipped_text", "identifier", "new_column"})
# Findings that leave a column neither drift nor ok, and out of the drift share.
UNDECIDED_CODES = frozenset({"insufficient_data", "undecidable"})


def json_safe(value: Any) -> Any:
    """`value` with every float that is not finite replaced by None (JSON null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


@dataclass(frozen=True)
class Finding:
    """A per-column signal the statistical tests miss (null rate, new categories, ...)."""

    code: str
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class Side:
    rows: int
    count: int
    nulls: int
    mean: float | None = None
    std: float | None = None
    posinf: int = 0  # +inf and -inf values: neither in count nor in nulls
    neginf: int = 0

    @property
    def infinite(self) -> int:
        return self.posinf + self.neginf

    @property
    def null_share(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0

    @property
    def infinite_share(self) -> float:
        return self.infinite / self.rows if self.rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rows": self.rows, "count": self.count, "nulls": self.nulls}
        out["null_share"] = round(self.null_share, 6)
        out["posinf"] = self.posinf
        out["neginf"] = self.neginf
        if self.mean is not None:
            out["mean"] = self.mean
            out["std"] = self.std
        return out


@dataclass(frozen=True)
class ColumnResult:
    name: str
    kind: str
    role: Literal["feature", "target", "prediction"] = "feature"
    test: str | None = None
    measure: Literal["p_value", "distance"] | None = None
    statistic: float | None = None
    p_value: float | None = None
    adjusted_p_value: float | None = None
    threshold: float | None = None
    error_bound: float | None = None
    test_drifted: bool = False
    psi: float | None = None
    # The two halves of the verdict: the significance test's corrected p-value below
    # alpha (`significant`) and the effect at or above its minimum (see `stats.assess`).
    significance_test: str | None = None
    significant: bool = False
    effect_measure: str | None = None
    effect: float | None = None
    effect_bound: float | None = None
    min_effect: float | None = None
    reference: Side | None = None
    current: Side | None = None
    findings: tuple[Finding, ...] = ()
    # Shares per bin for the HTML plots; not part of the JSON.
    plot: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def drifted(self) -> bool:
        return self.test_drifted or any(f.severity == "drift" for f in self.findings)

    @property
    def insufficient(self) -> bool:
        """Too few values to test, or undecidable from the profile: neither drift nor ok
        (unless a finding is drift)."""
        return not self.drifted and any(f.code in UNDECIDED_CODES for f in self.findings)

    @property
    def undecidable(self) -> bool:
        return not self.drifted and any(f.code == "undecidable" for f in self.findings)

    @property
    def verdict(self) -> Verdict:
        if self.drifted:
            return "drift"
        codes = {f.code for f in self.findings}
        if codes & UNDECIDED_CODES:
            return "insufficient data"
        if codes & SKIPPED_CODES:
            return "skipped"
        if self.test is None or self.statistic is None or not math.isfinite(self.statistic):
            return "not compared"
        return "ok"

    @property
    def score(self) -> float:
        """How far past (or short of) its threshold the column is; for ranking."""
        if self.statistic is None or self.threshold is None:
            return 1.0 if self.drifted else 0.0
        if self.measure == "p_value":
            p = self.adjusted_p_value if self.adjusted_p_value is not None else 1.0
            return self.threshold / max(p, 1e-300)
        return abs(self.statistic) / self.threshold if self.threshold else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "role": self.role,
            "verdict": self.verdict,
            "drifted": self.drifted,
            "test": self.test,
            "measure": self.measure,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "adjusted_p_value": self.adjusted_p_value,
            "threshold": self.threshold,
            "error_bound": self.error_bound,
            "test_drifted": self.test_drifted,
            "psi": self.psi,
            "significance_test": self.significance_test,
            "significant": self.significant,
            "effect_measure": self.effect_measure,
            "effect": self.effect,
            "effect_bound": self.effect_bound,
            "min_effect": self.min_effect,
            "reference": self.reference.to_dict() if self.reference else None,
            "current": self.current.to_dict() if self.current else None,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    limit: Any
    value: Any
    fired: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "limit": self.limit,
            "value": self.value,
            "fired": self.fired,
            "note": self.note,
        }


@dataclass(frozen=True)
class RetrainDecision:
    retrain: bool
    reasons: tuple[str, ...]
    checks: tuple[RuleCheck, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {
                "retrain": self.retrain,
                "reasons": list(self.reasons),
                "checks": [c.to_dict() for c in self.checks],
            }
        )


@dataclass(frozen=True)
class DriftResult:
    reference: str
    current: str
    reference_rows: int
    current_rows: int
    exact: bool  # True when the reference was data, False when it was a profile
    columns: tuple[ColumnResult, ...]
    drift_share: float
    share_threshold: float
    dataset_drift: bool
    correction: str
    alpha: float
    retrain: RetrainDecision
    compared: int = 0  # reference feature columns counted in the drift share
    sample: float | None = None
    performance: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    # Feature columns with too few values to test (verdict "insufficient data"); they
    # are not in `compared` nor in the drift share.
    insufficient: tuple[str, ...] = ()
    min_count: int = MIN_COUNT
    # Feature columns undecidable from the reference profile (verdict "insufficient
    # data" too): not in `compared` nor in the drift share.
    undecidable: tuple[str, ...] = ()
    min_effect: float | None = None

    @property
    def verdict(self) -> Literal["drift", "no drift", "insufficient data"]:
        """The dataset verdict. It is "no drift" only when the columns that could not be
        tested could not change it: all of them drifted, the share would stay below the
        threshold; otherwise "insufficient data"."""
        if self.dataset_drift:
            return "drift"
        undecided = len(self.insufficient) + len(self.undecidable)
        if not undecided:
            return "no drift"
        if not self.compared:
            return "insufficient data"
        worst = (len(self.drifted_columns) + undecided) / (self.compared + undecided)
        return "insufficient data" if worst >= self.share_threshold else "no drift"

    @property
    def features(self) -> tuple[ColumnResult, ...]:
        return tuple(c for c in self.columns if c.role == "feature")

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.features if c.drifted)

    def column(self, name: str) -> ColumnResult | None:
        return next((c for c in self.columns if c.name == name), None)

    def ranked(self) -> list[ColumnResult]:
        return sorted(self.columns, key=lambda c: (-int(c.drifted), -c.score, c.name))

    def to_dict(self) -> dict[str, Any]:
        return json_safe(self._to_dict())

    def _to_dict(self) -> dict[str, Any]:
        return {
            "schema": RESULT_SCHEMA,
            "reference": self.reference,
            "current": self.current,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "reference_is_profile": not self.exact,
            "sample": self.sample,
            "dataset": {
                "verdict": self.verdict,
                "drift_detected": self.dataset_drift,
                "drift_share": self.drift_share,
                "share_threshold": self.share_threshold,
                "drifted_columns": list(self.drifted_columns),
                "columns_compared": self.compared,
                "insufficient_columns": list(self.insufficient),
                "undecidable_columns": list(self.undecidable),
                "min_count": self.min_count,
                "min_effect": self.min_effect,
                "correction": self.correction,
                "alpha": self.alpha,
            },
            "performance": self.performance,
            "retrain": self.retrain.to_dict(),
            "columns": [c.to_dict() for c in self.columns],
            "notes": list(self.notes),
            "errors": list(self.errors),
        }
