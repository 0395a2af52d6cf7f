"""Compare two MetricSets: per (file, key) change, absolute and relative, with direction."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from mlci.config.schema import MetricsConfig
from mlci.metrics.direction import Direction, direction_of
from mlci.metrics.flatten import Scalar
from mlci.metrics.load import MetricSet

Status = Literal["added", "removed", "changed", "unchanged"]
Verdict = Literal["better", "worse", "same", ""]


@dataclass(frozen=True)
class MetricChange:
    path: str
    name: str
    base: Scalar
    head: Scalar
    status: Status
    change: float | None = None  # head - base when both are numbers
    change_rel: float | None = None  # change / |base| when that is defined
    direction: Direction | None = None  # None for params
    verdict: Verdict = ""

    @property
    def key(self) -> str:
        return f"{self.path}:{self.name}"


@dataclass(frozen=True)
class MetricsDiff:
    changes: tuple[MetricChange, ...]
    base_label: str
    head_label: str
    kind: Literal["metrics", "params"] = "metrics"
    errors: tuple[str, ...] = ()  # unreadable or malformed files, message names the file
    missing: tuple[str, ...] = ()  # files absent on one side (a note, not an error)

    @property
    def changed(self) -> tuple[MetricChange, ...]:
        return tuple(c for c in self.changes if c.status != "unchanged")

    def count(self, verdict: Verdict) -> int:
        return sum(1 for c in self.changes if c.verdict == verdict and c.status == "changed")


def is_number(value: Scalar) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(a: Scalar, b: Scalar) -> bool:
    if is_number(a) and is_number(b):
        fa, fb = float(a), float(b)  # type: ignore[arg-type]
        return fa == fb or (math.isnan(fa) and math.isnan(fb))
    return type(a) is type(b) and a == b


def _compare(
    path: str, name: str, base: Scalar, head: Scalar, direction: Direction | None
) -> MetricChange:
    if _same(base, head):
        zero = 0.0 if is_number(head) and math.isfinite(float(head)) else None  # type: ignore[arg-type]
        return MetricChange(path, name, base, head, "unchanged", zero, zero, direction, "same")
    if not (is_number(base) and is_number(head)):
        return MetricChange(path, name, base, head, "changed", direction=direction)
    b, h = float(base), float(head)  # type: ignore[arg-type]
    change: float | None = h - b
    if change is not None and math.isnan(change):  # nan involved, or inf - inf
        change = None
    rel = None
    if change is not None and math.isfinite(change) and math.isfinite(b) and b != 0:
        rel = change / abs(b)
    verdict: Verdict = ""
    if change is not None and direction is not None:
        if change == 0:
            verdict = "same"
        else:
            verdict = "better" if (change > 0) == (direction == "higher") else "worse"
    return MetricChange(path, name, base, head, "changed", change, rel, direction, verdict)


def _diff(
    base: MetricSet,
    head: MetricSet,
    kind: Literal["metrics", "params"],
    config: MetricsConfig | None,
) -> MetricsDiff:
    base_files = {f.path: f for f in base.files}
    head_files = {f.path: f for f in head.files}
    paths = list(head_files) + [p for p in base_files if p not in head_files]
    changes: list[MetricChange] = []
    errors: list[str] = []
    missing: list[str] = []
    for path in paths:
        b_file, h_file = base_files.get(path), head_files.get(path)
        for side, file in (("base", b_file), ("head", h_file)):
            if file is not None and file.error:
                (missing if file.missing else errors).append(f"{side}: {file.error}")
        b_vals = b_file.values if b_file is not None else {}
        h_vals = h_file.values if h_file is not None else {}
        for name in list(h_vals) + [n for n in b_vals if n not in h_vals]:
            direction = direction_of(name, config) if kind == "metrics" else None
            if name not in b_vals:
                changes.append(
                    MetricChange(path, name, None, h_vals[name], "added", direction=direction)
                )
            elif name not in h_vals:
                changes.append(
                    MetricChange(path, name, b_vals[name], None, "removed", direction=direction)
                )
            else:
                changes.append(_compare(path, name, b_vals[name], h_vals[name], direction))
    return MetricsDiff(
        tuple(changes), base.source, head.source, kind, tuple(errors), tuple(missing)
    )


def diff_metrics(
    base: MetricSet, head: MetricSet, config: MetricsConfig | None = None
) -> MetricsDiff:
    """Every metric of both sides; direction from `config`, then from the metric's name."""
    return _diff(base, head, "metrics", config or MetricsConfig())


def diff_params(base: MetricSet, head: MetricSet) -> MetricsDiff:
    """Like diff_metrics, without direction: a param is neither better nor worse."""
    return _diff(base, head, "params", None)
