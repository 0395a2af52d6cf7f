"""Metrics and params: load them from files or git refs, flatten, diff, render.

Core API (plain values in, frozen dataclasses out):
    load_metrics(paths, cwd, ref=None) -> MetricSet
    load_params(paths, cwd, ref=None) -> MetricSet
    diff_metrics(base, head, config) -> MetricsDiff
    diff_params(base, head) -> MetricsDiff
Renderers live in `mlci.metrics.render`; baselines in `mlci.validate`.
"""

from mlci.metrics.diff import MetricChange, MetricsDiff, diff_metrics, diff_params
from mlci.metrics.direction import direction_of
from mlci.metrics.flatten import flatten
from mlci.metrics.load import MetricFile, MetricSet, load_metrics, load_params

__all__ = [
    "MetricChange",
    "MetricFile",
    "MetricSet",
    "MetricsDiff",
    "diff_metrics",
    "diff_params",
    "direction_of",
    "flatten",
    "load_metrics",
    "load_params",
]
