"""`validate`: load head metrics, resolve the baseline, evaluate the gates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlci.config.schema import MlciConfig
from mlci.metrics.load import MetricSet, load_metrics
from mlci.validate.baseline import Baseline, resolve_baseline
from mlci.validate.gates import GateReport, evaluate_gates


@dataclass(frozen=True)
class Validation:
    gates: GateReport
    head: MetricSet
    baseline: Baseline

    @property
    def passed(self) -> bool:
        return self.gates.passed

    @property
    def errors(self) -> dict[str, str]:
        """Head metric files that exist but cannot be parsed (exit 2 in the CLI)."""
        return {f.path: f.error for f in self.head.files if f.error and not f.missing}


def validate(
    config: MlciConfig,
    cwd: str | Path,
    base_ref: str | None = None,
    baseline_file: str | None = None,
    head: MetricSet | None = None,
) -> Validation:
    head = head if head is not None else load_metrics(config.train.metrics, cwd)
    baseline = resolve_baseline(config, cwd, base_ref, baseline_file)
    report = evaluate_gates(
        config.validate.gates,
        head.merged(),
        baseline.metrics.merged() if baseline.metrics is not None else None,
        config.metrics,
    )
    return Validation(report, head, baseline)
