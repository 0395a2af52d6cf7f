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

    def head_problem(self, config: MlciConfig) -> tuple[str, str] | None:
        """(message, fix) when the head metrics cannot be judged at all: a metrics file
        that does not parse, or no metrics file although a gate requires a metric."""
        broken = [f.error for f in self.head.files if f.error and not f.missing]
        if broken:
            return "; ".join(broken), "fix the metrics file the training wrote"
        required = [m for m, gate in config.validate.gates.items() if gate.required]
        files = self.head.files
        if required and files and all(f.missing for f in files):
            # No metrics at all: the gates cannot be judged, which is not the model failing.
            return (
                f"{'; '.join(str(f.error) for f in files)} (train.metrics in mlci.yaml), "
                f"so the gates on {', '.join(required)} cannot be checked",
                "run the training first (`mlci train`), or set train.metrics to the file it writes",
            )
        return None

    @property
    def errors(self) -> dict[str, str]:
        """Why the gates cannot be judged (exit 2 in the CLI): head metric files that
        exist but cannot be parsed, then gates on a value that is no number or without
        the baseline they need. Keys are files or `validate.gates.<metric>.<rule>`."""
        out = {f.path: f.error for f in self.head.files if f.error and not f.missing}
        for r in self.gates.invalid:
            out.setdefault(f"validate.gates.{r.metric}.{r.rule}", r.message)
        return out


def check_gates(config: MlciConfig, head: MetricSet, baseline: Baseline) -> GateReport:
    """validate.gates of `config` on `head` against `baseline` (what validate and the
    report both show)."""
    merged = head.merged()
    return evaluate_gates(
        config.validate.gates,
        merged,
        baseline.metrics.merged() if baseline.metrics is not None else None,
        config.metrics,
        head_files={name: origin for name in merged if (origin := head.origin(name))},
        base_label=baseline.description,
        base_problem=baseline.problem,
    )


def validate(
    config: MlciConfig,
    cwd: str | Path,
    base_ref: str | None = None,
    baseline_file: str | None = None,
    head: MetricSet | None = None,
    *,
    base_name: str | None = None,
) -> Validation:
    """Gates of `config` on the head metrics against the one resolver's baseline.

    `base_name` names a base given as a commit SHA (the PR's base branch), for the text.
    """
    head = head if head is not None else load_metrics(config.train.metrics, cwd)
    baseline = resolve_baseline(config, cwd, base_ref, baseline_file, base_name=base_name)
    return Validation(check_gates(config, head, baseline), head, baseline)
