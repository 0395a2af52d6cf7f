"""The one profiling kernel: count a stream of record batches into mergeable partial counts.

Every engine (local threads, DuckDB, Polars, Dask, Spark) only decides where batches come
from and where partials are merged; the counting itself happens here, so the statistics
live in one place and every engine's profile equals the local one.

A `Plan` says what to count and is small and picklable (it travels to Dask and Spark
workers). A `Partial` holds the counts of some rows and merges exactly with another
`Partial` of the same plan: category counts, nulls and bin counts add up, moments merge by
Chan et al.'s formula, samples of pass 1 merge at the coarser of their strides. A profile
build runs pass 1 (`edges=None`: categories, nulls and a thinned sample of each numeric
column for its edges) and, when a sample had to be thinned, pass 2 (`edges` given: exact
bin counts); a check runs one pass with the reference profile's edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlci.drift.readers import (
    Batch,
    CategoryChunk,
    MismatchChunk,
    NullChunk,
    NumericChunk,
    arrow_chunk,
    label,
    rowwise_values,
)
from mlci.drift.sketch import BinCounts

NUMERIC = ("numeric", "datetime")
CATEGORY = ("categorical", "boolean")
# Without a limit every value of a numeric column is kept (checks against raw data, and
# profiles of tables small enough to sort whole).
KEEP_ALL = 2**62


# -- the counters ------------------------------------------------------------------------


@dataclass(eq=False)
class ThinnedSample:
    """Every `stride`-th value of a stream, halved whenever it grows past `limit`."""

    limit: int
    stride: int = 1
    parts: list[np.ndarray] = field(default_factory=list)
    size: int = 0
    seen: int = 0

    def add(self, values: np.ndarray) -> None:
        offset = (-self.seen) % self.stride
        # copy: a view would keep the reader's whole batch buffer alive
        kept = values[offset :: self.stride].copy()
        self.seen += values.size
        self.parts.append(kept)
        self.size += kept.size
        self._shrink()

    def _shrink(self) -> None:
        while self.size > self.limit:
            # copy: a strided view would keep the whole concatenation alive
            joined = np.concatenate(self.parts)[::2].copy()
            self.parts, self.size, self.stride = [joined], joined.size, self.stride * 2

    def merge(self, other: ThinnedSample) -> None:
        """Join another partition's sample, both thinned to the coarser stride, so each
        kept value stands for the same number of rows (strides are powers of two)."""
        stride = max(self.stride, other.stride)
        mine = self.values()[:: stride // self.stride] if self.parts else np.empty(0)
        theirs = other.values()[:: stride // other.stride] if other.parts else np.empty(0)
        self.parts = [p for p in (mine, theirs) if p.size]
        self.size = int(mine.size + theirs.size)
        self.seen += other.seen
        self.stride = stride
        self._shrink()

    def values(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.empty(0)


@dataclass(eq=False)
class CategoryCounter:
    counts: dict[str, int] = field(default_factory=dict)
    nulls: int = 0
    mismatched: str | None = None

    def add(self, chunk: CategoryChunk) -> None:
        self.nulls += chunk.nulls
        counts = self.counts
        for name, value in zip(chunk.labels, chunk.counts.tolist(), strict=True):
            counts[name] = counts.get(name, 0) + value

    def merge(self, other: CategoryCounter) -> None:
        self.nulls += other.nulls
        for name, value in other.counts.items():
            self.counts[name] = self.counts.get(name, 0) + value

    @property
    def count(self) -> int:
        return sum(self.counts.values())


@dataclass(eq=False)
class Accuracy:
    """Row-wise agreement of the label and the prediction (or their mean absolute error)."""

    metric: str | None = None
    total: float = 0.0
    rows: int = 0

    def add(self, target: np.ndarray, prediction: np.ndarray) -> None:
        numeric = target.dtype != object and prediction.dtype != object
        if self.metric is None:
            integral = numeric and bool(np.all(np.nan_to_num(target) % 1 == 0))
            self.metric = "mae" if numeric and not integral else "accuracy"
        if self.metric == "mae" and numeric:
            ok = ~(np.isnan(target) | np.isnan(prediction))
            self.total += float(np.abs(target[ok] - prediction[ok]).sum())
        else:
            t = np.array([None if v != v else label(v) for v in target], dtype=object)
            p = np.array([None if v != v else label(v) for v in prediction], dtype=object)
            ok = (t != None) & (p != None)  # noqa: E711 - element-wise on object arrays
            self.total += float((t[ok] == p[ok]).sum())
        self.rows += int(ok.sum())

    def merge(self, other: Accuracy) -> None:
        if other.metric is None:
            return
        if self.metric is None:
            self.metric = other.metric
        self.total += other.total
        self.rows += other.rows

    def result(self) -> dict[str, Any] | None:
        if not self.rows or self.metric is None:
            return None
        return {"metric": self.metric, "value": self.total / self.rows, "rows": self.rows}


# -- plans and partial counts ------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Drift over time: rows are grouped by the window their timestamp falls in."""

    column: str
    period: str  # "daily" | "weekly"


@dataclass(frozen=True, eq=False)
class Plan:
    """What to count; small and picklable, so it can be sent to workers."""

    wanted: dict[str, str]  # column -> numeric | datetime | categorical | boolean
    edges: dict[str, np.ndarray] | None = None  # None: pass 1 of a profile build
    sample_limit: int = KEEP_ALL
    rowwise: tuple[str, ...] = ()
    window: Window | None = None
    keep_values: bool = False  # a check against raw data keeps the current values too

    def refuse_sample(self, sample: float | None) -> None:
        """Windows are cut from every row: a sampled windowed count is refused."""
        if self.window is not None and sample is not None:
            from mlci.errors import InputError

            raise InputError(
                "drift windows: --sample cannot be combined with --window",
                "drop --sample, or check without a window",
            )

    @property
    def columns(self) -> list[str]:
        """Every column a reader must deliver, each once."""
        extra = [self.window.column] if self.window else []
        return list(dict.fromkeys([*self.wanted, *self.rowwise, *extra]))


@dataclass(eq=False)
class Partial:
    """Mergeable counts of some rows under one plan."""

    rows: int = 0
    nulls: dict[str, int] = field(default_factory=dict)
    numeric: dict[str, BinCounts] = field(default_factory=dict)
    samples: dict[str, ThinnedSample] = field(default_factory=dict)
    values: dict[str, list[np.ndarray]] = field(default_factory=dict)
    categories: dict[str, CategoryCounter] = field(default_factory=dict)
    mismatched: dict[str, str] = field(default_factory=dict)
    accuracy: Accuracy = field(default_factory=Accuracy)

    def merge(self, other: Partial) -> Partial:
        """Add `other` (counts of other rows under the same plan); returns self."""
        self.rows += other.rows
        for name, nulls in other.nulls.items():
            self.nulls[name] = self.nulls.get(name, 0) + nulls
        for name, counts in other.numeric.items():
            self.numeric[name].merge(counts)
        for name, sample in other.samples.items():
            self.samples[name].merge(sample)
        for name, parts in other.values.items():
            self.values[name].extend(parts)
        for name, counter in other.categories.items():
            self.categories[name].merge(counter)
        for name, observed in other.mismatched.items():
            self.mismatched.setdefault(name, observed)
        self.accuracy.merge(other.accuracy)
        return self


Counts = dict[str | None, Partial]  # window label -> counts (None without a window)

# The least a partition keeps of each numeric column in pass 1, however many partitions.
MIN_PARTITION_SAMPLE = 10_000


def partition_plans(plan: Plan, sizes: list[int | None]) -> list[Plan]:
    """The plan each partition counts under (`sizes`: their row counts, None unknown).

    Pass 1's sample budget is shared between the partitions, so the samples that travel
    back to be merged (from Spark executors or Dask workers, or held by local threads)
    add up to about one budget instead of one per partition; the merge thins them all to
    the coarsest stride, as one stream's sample would be. With every size known each
    partition gets its share of the rows, so a dataset within the budget is never thinned
    and its edges are the exact quantiles, as for one file.
    """
    count = len(sizes)
    if plan.edges is not None or plan.sample_limit >= KEEP_ALL or count <= 1:
        return [plan] * count
    from dataclasses import replace

    known = [size for size in sizes if size is not None]
    total = sum(known)
    if len(known) == count and total <= plan.sample_limit:
        return [plan] * count
    limit = plan.sample_limit

    def share(size: int | None) -> int:
        part = -(-limit * size // total) if size is not None and total else limit // count
        return min(limit, max(MIN_PARTITION_SAMPLE, part))

    if len(known) < count:
        return [replace(plan, sample_limit=share(None))] * count
    return [replace(plan, sample_limit=share(size)) for size in sizes]


def new_partial(plan: Plan) -> Partial:
    partial = Partial(nulls=dict.fromkeys(plan.wanted, 0))
    for name, kind in plan.wanted.items():
        if kind in NUMERIC:
            if plan.edges is None:
                partial.samples[name] = ThinnedSample(plan.sample_limit)
            else:
                edges = plan.edges.get(name)
                partial.numeric[name] = BinCounts(edges=edges if edges is not None else np.empty(0))
                if plan.keep_values:
                    partial.values[name] = []
        else:
            partial.categories[name] = CategoryCounter()
    return partial


def _add_numeric(partial: Partial, name: str, chunk: NumericChunk) -> None:
    if name in partial.samples:
        partial.samples[name].add(chunk.values)
    else:
        partial.numeric[name].add(chunk.values)
        if name in partial.values:
            partial.values[name].append(chunk.values)


def _add_nulls(partial: Partial, name: str, nulls: int) -> None:
    partial.nulls[name] += nulls
    target = partial.numeric.get(name) or partial.categories.get(name)
    if target is not None:
        target.nulls += nulls


def add_batch(partial: Partial, batch: Batch, plan: Plan, pool: Executor | None = None) -> None:
    """Count one chunked batch (see `readers.Batch`). With a pool, numeric columns are
    counted in parallel threads (the counting kernels release the GIL)."""
    partial.rows += batch.rows
    numeric = [(n, c) for n, c in batch.chunks.items() if isinstance(c, NumericChunk)]
    jobs = []
    for name, chunk in numeric:
        partial.nulls[name] += chunk.nulls
        if name in partial.numeric:
            partial.numeric[name].nulls += chunk.nulls
        if pool is not None:
            jobs.append(pool.submit(_add_numeric, partial, name, chunk))
        else:
            _add_numeric(partial, name, chunk)
    for name, other in batch.chunks.items():
        if isinstance(other, CategoryChunk):
            partial.categories[name].add(other)
            partial.nulls[name] += other.nulls
        elif isinstance(other, NullChunk):
            _add_nulls(partial, name, other.nulls)
        elif isinstance(other, MismatchChunk):
            partial.mismatched[name] = other.observed
            _add_nulls(partial, name, other.rows)
    if plan.rowwise and batch.rowwise:
        partial.accuracy.add(batch.rowwise[plan.rowwise[0]], batch.rowwise[plan.rowwise[1]])
    for job in jobs:
        job.result()


def arrow_to_batch(record_batch: Any, plan: Plan) -> Batch:
    """A record batch as per-column chunks of the plan's kinds."""
    chunks = {
        name: arrow_chunk(record_batch.column(name), kind) for name, kind in plan.wanted.items()
    }
    rows: dict[str, np.ndarray] = {}
    if plan.rowwise:
        frame = record_batch.select(list(plan.rowwise)).to_pandas()
        rows = {name: rowwise_values(frame[name]) for name in plan.rowwise}
    return Batch(record_batch.num_rows, chunks, rows)


def add_arrow(
    partial: Partial, record_batch: Any, plan: Plan, pool: Executor | None = None
) -> None:
    """Count one Arrow record batch that has every column of `plan.columns`."""
    add_batch(partial, arrow_to_batch(record_batch, plan), plan, pool)


def _by_window(record_batch: Any, window: Window) -> Iterator[tuple[str, Any]]:
    """The rows of a batch split by window; rows without a timestamp belong to none."""
    from mlci.drift.readers import _arrow_array
    from mlci.drift.windows import assign

    labels, index = assign(record_batch.column(window.column), window.period)
    for position in np.unique(index):
        if position < 0:
            continue
        yield labels[position], record_batch.filter(_arrow_array(index == position))


def count_arrow(batches: Iterable[Any], plan: Plan, pool: Executor | None = None) -> Counts:
    """Count a stream of Arrow record batches: what a worker runs on its partition."""
    if plan.window is None:
        partial = new_partial(plan)
        for record_batch in batches:
            add_arrow(partial, record_batch, plan, pool)
        return {None: partial}
    counts: Counts = {}
    for record_batch in batches:
        for key, rows in _by_window(record_batch, plan.window):
            if key not in counts:
                counts[key] = new_partial(plan)
            add_arrow(counts[key], rows, plan, pool)
    return counts


def merge_counts(parts: Iterable[Counts]) -> Counts:
    """Merge the counts of partitions, in the order given (windows sorted by label)."""
    merged: Counts = {}
    for counts in parts:
        for key, partial in counts.items():
            if key in merged:
                merged[key].merge(partial)
            else:
                merged[key] = partial
    if all(key is not None for key in merged):
        return {key: merged[key] for key in sorted(merged, key=str)}
    return merged


def only(counts: Counts, plan: Plan) -> Partial:
    """The counts of an unwindowed plan (a source with no rows gives empty counts)."""
    return counts.get(None) or new_partial(plan)
