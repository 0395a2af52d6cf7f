"""Time rendering the PR report for 1,000 metrics and 200 params (goal: < 0.5 s).

Measures `report_from_parts` (diff, gates, markdown, size cap) on values already in
memory, so file and git I/O do not blur the figure. Run: python bench/report.py
"""

from __future__ import annotations

import random
import statistics
import time

from mlci.config.schema import GateConfig, MlciConfig, ValidateConfig
from mlci.metrics.load import MetricFile, MetricSet
from mlci.report import report_from_parts
from mlci.validate.baseline import Baseline


def sides(seed: int) -> tuple[MetricSet, MetricSet, MetricSet, MetricSet]:
    rng = random.Random(seed)
    base_m = {f"group_{i // 50}.metric_{i}": rng.random() for i in range(1000)}
    head_m = {k: v + rng.uniform(-0.02, 0.02) for k, v in base_m.items()}
    base_p = {f"model.layer_{i // 20}.param_{i}": rng.randint(1, 100) for i in range(200)}
    head_p = {k: (v + 1 if i % 10 == 0 else v) for i, (k, v) in enumerate(base_p.items())}
    return (
        MetricSet((MetricFile("metrics.json", base_m),), "main"),
        MetricSet((MetricFile("metrics.json", head_m),), "HEAD"),
        MetricSet((MetricFile("params.yaml", base_p),), "main"),
        MetricSet((MetricFile("params.yaml", head_p),), "HEAD"),
    )


def main() -> None:
    base_m, head_m, base_p, head_p = sides(0)
    gates = {f"group_0.metric_{i}": GateConfig(min=0.0, max_drop=0.05) for i in range(20)}
    config = MlciConfig(validate=ValidateConfig(gates=gates))
    baseline = Baseline("run-record", "run record of `main`", base_m, base_p, ref="main")
    timings = []
    for _ in range(7):
        start = time.perf_counter()
        report = report_from_parts(
            config, head_metrics=head_m, head_params=head_p, baseline=baseline
        )
        timings.append(time.perf_counter() - start)
    print("report for 1,000 metrics and 200 params")
    print(
        f"  median {statistics.median(timings) * 1000:.1f} ms, best {min(timings) * 1000:.1f} ms"
        f" over {len(timings)} runs (goal < 500 ms)"
    )
    print(
        f"  full markdown {len(report.full_markdown):,} chars; comment {len(report.markdown):,}"
        f" chars (truncated: {report.truncated})"
    )


if __name__ == "__main__":
    main()
