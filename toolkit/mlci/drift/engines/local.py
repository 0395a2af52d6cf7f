"""The local engine: a partitioned dataset counted in a small pool of threads.

Each partition (a Parquet file, or some of its row groups: see `sources.Partition`) is
read with pyarrow and counted by `kernel.count_arrow` in a thread of its own; pyarrow's
decoding and the numpy counting release the GIL, so a few threads keep a few cores busy.
The partial counts are merged in partition order, which makes the result independent of
which thread finished first. A single local file (CSV or Parquet) without filters is
read by `readers.open_source` as before, so plain paths behave exactly as they always did.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from mlci.drift import sources
from mlci.drift.readers import DEFAULT_BATCH_ROWS, Batch, Progress, Source
from mlci.errors import InputError

QUERY_HINT = "use --engine duckdb for a SQL query"
TABLE_HINT = "use --engine spark for a table name"


def default_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def sampled(batches: Iterable[Any], fraction: float | None, seed: int, index: int) -> Any:
    """Keep each row with probability `fraction`; seeded per partition ([seed, index]) so a
    sample does not depend on which thread or worker counts which partition."""
    if fraction is None:
        yield from batches
        return
    from mlci.drift.readers import _arrow_array

    rng = np.random.default_rng([seed, index])
    for batch in batches:
        yield batch.filter(_arrow_array(rng.random(batch.num_rows) < fraction))


def dictionary_columns(plan: Any, kinds: dict[str, str]) -> tuple[str, ...]:
    """Text columns counted as categories: read as dictionaries, counting then touches
    integer indices, not one Python string per row."""
    return tuple(
        n for n, k in plan.wanted.items() if k == "categorical" and kinds.get(n) == "string"
    )


class DatasetSource(Source):
    """A `sources.Dataset` read as one table, its partitions counted in threads."""

    def __init__(self, dataset: sources.Dataset, threads: int | None = None) -> None:
        self.dataset = dataset
        self.label = dataset.label
        self.path = dataset.spec
        self.threads = threads or default_threads()

    def kinds(self) -> dict[str, str]:
        return self.dataset.kinds()

    def num_rows(self) -> int | None:
        return self.dataset.num_rows()

    def peek(self, rows: int = 1000) -> Any:
        return self.dataset.peek(rows)

    def arrow_batches(self, columns: list[str], *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Any:
        for partition in self.dataset.partitions():
            yield from partition.arrow_batches(columns, batch_rows=batch_rows)

    def batches(
        self,
        wanted: dict[str, str],
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        sample: float | None = None,
        seed: int = 0,
        rowwise: tuple[str, ...] = (),
    ) -> Iterator[Batch]:
        """Chunked batches in partition order (for callers that do not use `count`)."""
        from mlci.drift.kernel import Plan, arrow_to_batch

        plan = Plan(dict(wanted), rowwise=rowwise)
        for index, partition in enumerate(self.dataset.partitions()):
            stream = partition.arrow_batches(plan.columns, batch_rows=batch_rows)
            for record_batch in sampled(stream, sample, seed, index):
                yield arrow_to_batch(record_batch, plan)

    def count(
        self,
        plan: Any,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        sample: float | None = None,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> Any:
        from mlci.drift import kernel

        plan.refuse_sample(sample)
        partitions = self.dataset.partitions()
        plans = kernel.partition_plans(plan, [p.rows or None for p in partitions])
        as_dictionary = dictionary_columns(plan, self.kinds())
        total = self.num_rows()

        def count_one(index: int, partition: sources.Partition) -> Any:
            stream = partition.arrow_batches(
                plan.columns, batch_rows=batch_rows, read_dictionary=as_dictionary
            )
            return kernel.count_arrow(sampled(stream, sample, seed, index), plans[index])

        done = 0
        merged: Any = {}
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            futures = [pool.submit(count_one, i, p) for i, p in enumerate(partitions)]
            for partition, future in zip(partitions, futures, strict=True):
                # Merged in partition order as each is done: a partial is let go once
                # merged (the result is the same as merging all at the end).
                merged = kernel.merge_counts([merged, future.result()])
                done += partition.rows
                if progress:
                    progress(done, total)
        return merged


def is_plain_file(spec: str) -> bool:
    """A local file path with no wildcard: read by `readers` as it always was."""
    return (
        sources.url_scheme(spec) is None
        and not any(ch in spec for ch in "*?[")
        and os.path.isfile(os.path.expanduser(spec))
    )


def count_stream(
    source: Source,
    plan: Any,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    sample: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Any:
    """Count a source that delivers one stream of Arrow batches (`arrow_batches`: a
    DuckDB relation, a Polars scan) through the kernel, as one partition."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from mlci.drift import kernel

    plan.refuse_sample(sample)
    as_dictionary = set(dictionary_columns(plan, source.kinds()))
    total = source.num_rows()
    seen = [0]

    def stream() -> Any:
        for batch in source.arrow_batches(plan.columns, batch_rows=batch_rows):
            if not batch.num_rows:
                continue
            if as_dictionary:  # category counts on integer codes, as the local reader
                batch = pa.RecordBatch.from_arrays(
                    [
                        pc.dictionary_encode(column) if name in as_dictionary else column
                        for name, column in zip(batch.schema.names, batch.columns, strict=True)
                    ],
                    names=batch.schema.names,
                )
            yield batch
            seen[0] += batch.num_rows
            if progress:
                progress(seen[0], total)

    return kernel.count_arrow(sampled(stream(), sample, seed, 0), plan)


class LocalEngine:
    """Files, globs, directories (hive too) and fsspec URLs, counted in this process."""

    name = "local"

    def __init__(
        self,
        *,
        threads: int | None = None,
        storage_options: dict[str, Any] | None = None,
        today: sources.Clock = sources.utc_today,
    ) -> None:
        self.threads = threads
        self.storage_options = storage_options
        self.today = today

    def source(
        self,
        spec: str,
        *,
        filters: tuple[str, ...] = (),
        query: str | None = None,
        table: str | None = None,
        **_: Any,
    ) -> Source:
        refuse_query_table(self.name, query, table)
        if not filters and is_plain_file(spec):
            from mlci.drift.readers import open_source

            return open_source(spec)
        dataset = sources.open_dataset(
            spec, filters=filters, storage_options=self.storage_options, today=self.today
        )
        return DatasetSource(dataset, self.threads)


def refuse_query_table(engine: str, query: str | None, table: str | None) -> None:
    if query is not None:
        raise InputError(
            f"a SQL query is read by the duckdb engine only, not by --engine {engine}",
            QUERY_HINT,
        )
    if table is not None:
        raise InputError(
            f"a table name is read by the spark engine only, not by --engine {engine}",
            TABLE_HINT,
        )
