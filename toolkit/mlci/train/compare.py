"""Compare two run records: metrics, params, model and data."""

from __future__ import annotations

from dataclasses import dataclass

from mlci.config.schema import MetricsConfig
from mlci.metrics.diff import MetricsDiff, diff_metrics, diff_params
from mlci.metrics.load import MetricSet
from mlci.train.record import RunRecord


@dataclass(frozen=True)
class RunComparison:
    a: RunRecord
    b: RunRecord
    metrics: MetricsDiff
    params: MetricsDiff
    model_changed: bool
    data_changed: tuple[str, ...]  # data files whose hash differs or that exist on one side


def _labelled(values: MetricSet, label: str) -> MetricSet:
    return MetricSet(values.files, label)


def compare_runs(a: RunRecord, b: RunRecord, config: MetricsConfig | None = None) -> RunComparison:
    """`a` is the base, `b` the head, as in a diff."""
    metrics = diff_metrics(_labelled(a.metric_set(), a.id), _labelled(b.metric_set(), b.id), config)
    params = diff_params(_labelled(a.param_set(), a.id), _labelled(b.param_set(), b.id))
    a_data = {d.path: d.sha256 for d in a.data}
    b_data = {d.path: d.sha256 for d in b.data}
    changed = tuple(p for p in dict.fromkeys([*a_data, *b_data]) if a_data.get(p) != b_data.get(p))
    model_changed = (a.model.sha256 if a.model else None) != (b.model.sha256 if b.model else None)
    return RunComparison(a, b, metrics, params, model_changed, changed)
