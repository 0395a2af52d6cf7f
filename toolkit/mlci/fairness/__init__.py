"""Fairness metrics per group (fairlearn) and gates on them. fairlearn, sklearn and
pandas are imported inside the functions that use them.
"""

from mlci.fairness.gates import (
    FairnessGateOutcome,
    FairnessReport,
    check_fairness,
    evaluate_gates,
)
from mlci.fairness.metrics import FairnessResult, FeatureFairness, GroupRow, compute_fairness

__all__ = [
    "FairnessGateOutcome",
    "FairnessReport",
    "FairnessResult",
    "FeatureFairness",
    "GroupRow",
    "check_fairness",
    "compute_fairness",
    "evaluate_gates",
]
