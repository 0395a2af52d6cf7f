"""Validation gates and the baseline they compare against.

Core API:
    resolve_baseline(config, cwd, base_ref=None, explicit_file=None) -> Baseline
    evaluate_gates(gates, head, base=None, metrics_config=None) -> GateReport
    validate(config, cwd, base_ref=None, baseline_file=None) -> Validation
"""

from mlci.validate.baseline import Baseline, resolve_baseline
from mlci.validate.gates import GateReport, GateResult, evaluate_gates
from mlci.validate.run import Validation, validate

__all__ = [
    "Baseline",
    "GateReport",
    "GateResult",
    "Validation",
    "evaluate_gates",
    "resolve_baseline",
    "validate",
]
