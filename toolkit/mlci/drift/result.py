"""What a drift check returns: frozen dataclasses and their versioned JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RESULT_SCHEMA = "mlci.drift-result/1"
Severity = Literal["drift", "warning", "info"]


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

    @property
    def null_share(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rows": self.rows, "count": self.count, "nulls": self.nulls}
        out["null_share"] = round(self.null_share, 6)
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
    reference: Side | None = None
    current: Side | None = None
    findings: tuple[Finding, ...] = ()
    # Shares per bin for the HTML plots; not part of the JSON.
    plot: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def drifted(self) -> bool:
        return self.test_drifted or any(f.severity == "drift" for f in self.findings)

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
        return {
            "retrain": self.retrain,
            "reasons": list(self.reasons),
            "checks": [c.to_dict() for c in self.checks],
        }


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
        return {
            "schema": RESULT_SCHEMA,
            "reference": self.reference,
            "current": self.current,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "reference_is_profile": not self.exact,
            "sample": self.sample,
            "dataset": {
                "drift_detected": self.dataset_drift,
                "drift_share": self.drift_share,
                "share_threshold": self.share_threshold,
                "drifted_columns": list(self.drifted_columns),
                "columns_compared": self.compared,
                "correction": self.correction,
                "alpha": self.alpha,
            },
            "performance": self.performance,
            "retrain": self.retrain.to_dict(),
            "columns": [c.to_dict() for c in self.columns],
            "notes": list(self.notes),
            "errors": list(self.errors),
        }
