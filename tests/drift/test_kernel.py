"""The profiling kernel: partial counts of parts merge into the counts of the whole."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mlci.drift import kernel
from mlci.drift.kernel import KEEP_ALL, MIN_PARTITION_SAMPLE, Plan, ThinnedSample


def _batch(rng: np.random.Generator, rows: int) -> pa.RecordBatch:
    values = rng.normal(size=rows)
    values[rng.random(rows) < 0.05] = np.nan
    labels = rng.choice(["a", "b", "c"], rows).astype(object)
    labels[rng.random(rows) < 0.02] = None
    return pa.record_batch({"x": pa.array(values, from_pandas=True), "c": pa.array(labels)})


def test_counts_of_parts_merge_into_the_counts_of_the_whole():
    rng = np.random.default_rng(4)
    batches = [_batch(rng, n) for n in (5000, 0, 1, 12000, 333)]
    values = np.concatenate([b.column("x").to_numpy(zero_copy_only=False) for b in batches])
    edges = np.nanquantile(values, [0.1, 0.5])
    plan = Plan({"x": "numeric", "c": "categorical"}, {"x": edges})
    whole = kernel.only(kernel.count_arrow(batches, plan), plan)
    parts = [kernel.count_arrow([b], plan) for b in batches]
    merged = kernel.only(kernel.merge_counts(parts), plan)
    assert merged.rows == whole.rows == 17334
    assert merged.nulls == whole.nulls
    assert merged.categories["c"].counts == whole.categories["c"].counts
    a, b = merged.numeric["x"], whole.numeric["x"]
    assert a.between.tolist() == b.between.tolist() and a.at.tolist() == b.at.tolist()
    assert a.count == b.count and a.nulls == b.nulls == whole.nulls["x"]
    assert a.mean == pytest.approx(b.mean, rel=1e-12)
    assert a.m2 == pytest.approx(b.m2, rel=1e-9)
    assert a.sums == pytest.approx(b.sums, rel=1e-9)


def test_thinned_samples_merge_at_the_coarser_stride():
    first, second = ThinnedSample(limit=100), ThinnedSample(limit=100)
    first.add(np.arange(150, dtype=float))  # thinned once: stride 2
    second.add(np.arange(1000, 1040, dtype=float))  # kept whole: stride 1
    assert (first.stride, second.stride) == (2, 1)
    first.merge(second)
    assert first.stride == 2
    assert first.seen == 190
    values = first.values()
    assert values.size <= 100
    # Each kept value stands for two rows on both sides of the merge.
    assert set(values[values >= 1000]) == set(range(1000, 1040, 2))


def test_partition_plans_share_the_sample_budget():
    plan = Plan({"x": "numeric"}, sample_limit=100_000)
    # A dataset within the budget is never thinned: the same plan for every part.
    assert kernel.partition_plans(plan, [30_000, 50_000, 20_000]) == [plan] * 3
    shares = [p.sample_limit for p in kernel.partition_plans(plan, [400_000, 99_500, 500])]
    assert shares == [80_000, 19_900, MIN_PARTITION_SAMPLE]  # by rows, at least the minimum
    unknown = kernel.partition_plans(plan, [None] * 4)
    assert {p.sample_limit for p in unknown} == {25_000}
    # Counting on edges (pass 2, a check) and keeping every value take no share.
    counted = Plan({"x": "numeric"}, {"x": np.array([0.0])})
    assert kernel.partition_plans(counted, [10**9, 10**9]) == [counted] * 2
    assert kernel.partition_plans(Plan({"x": "numeric"}), [10**9] * 3)[0].sample_limit == KEEP_ALL
