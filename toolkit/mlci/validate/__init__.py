"""Validation gates and the baseline they compare against.

Core API:
    resolve_baseline(config, cwd, base_ref=None, explicit_file=None) -> Baseline
    evaluate_gates(gates, head, base=None, metrics_config=None) -> GateReport
    check_gates(config, head, baseline) -> GateReport   (what validate and the report use)
    validate(config, cwd, base_ref=None, baseline_file=None) -> Validation

Gates never pass by default: a baseline rule without a usable baseline is invalid
(exit 2) unless the gate sets `allow_missing_baseline`; NaN and infinity fail.
"""

from mlci.validate.baseline import Baseline, resolve_baseline
from mlci.validate.gates import GateReport, GateResult, evaluate_gates
from mlci.validate.run import Validation, check_gates, validate

__all__ = [
    "Baseline",
    "GateReport",
    "GateResult",
    "Validation",
    "check_gates",
    "evaluate_gates",
    "resolve_baseline",
    "validate",
]
