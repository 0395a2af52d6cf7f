"""The Polars engine: a lazy `scan_parquet` of the dataset's files, streamed in batches
into the one counting kernel.

Partition filters are pushed down as file pruning: `sources.open_dataset` keeps only the
files whose hive values pass them (the same files every engine reads), and the scan
reads only those, and only the planned columns. Hive columns are typed as the other
engines type them (`hive_schema`: whole numbers Int64, the rest String; no date parsing),
and a column that some files lack is inserted as nulls. Polars reads local paths and
s3://, gs://, az://, http(s):// and file:// URLs natively; other fsspec schemes
(memory://) are read by the local or the duckdb engine.
"""

from __future__ import annotations

from typing import Any

from mlci.drift import sources
from mlci.drift.engines.local import (
    count_stream,
    refuse_query_table,
)
from mlci.drift.readers import DEFAULT_BATCH_ROWS, Progress, Source
from mlci.errors import InputError

NATIVE_SCHEMES = (None, "file", "s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "http", "https")


class PolarsSource(Source):
    def __init__(self, dataset: sources.Dataset) -> None:
        self.dataset = dataset
        self.label = dataset.label
        self.path = dataset.spec

    def kinds(self) -> dict[str, str]:
        return self.dataset.kinds()

    def num_rows(self) -> int | None:
        return self.dataset.num_rows()

    def peek(self, rows: int = 1000) -> Any:
        return self.dataset.peek(rows)

    def scan(self, columns: list[str]) -> Any:
        import polars as pl

        keys = self.dataset.partition_keys
        options: dict[str, Any] = {}
        if keys:
            options["hive_partitioning"] = True
            options["hive_schema"] = {
                k: pl.Int64 if t == "int64" else pl.String for k, t in keys.items()
            }
            options["try_parse_hive_dates"] = False
        else:
            options["hive_partitioning"] = False
        if self.dataset.storage_options:
            options["storage_options"] = dict(self.dataset.storage_options)
        schema = {  # the unified schema, so every file is read with the same types
            f.name: pl.from_arrow(_empty(f.type)).dtype  # type: ignore[union-attr]
            for f in self.dataset.schema
            if f.name not in keys
        }
        lazy = pl.scan_parquet(
            self.dataset.urls,
            schema=schema,
            missing_columns="insert",
            glob=False,
            **options,
        )
        return lazy.select(columns)

    def arrow_batches(self, columns: list[str], *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Any:
        for frame in self.scan(columns).collect_batches(chunk_size=batch_rows):
            yield from frame.to_arrow().to_batches()

    def count(
        self,
        plan: Any,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        sample: float | None = None,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> Any:
        return count_stream(
            self, plan, batch_rows=batch_rows, sample=sample, seed=seed, progress=progress
        )


def _empty(arrow_type: Any) -> Any:
    import pyarrow as pa

    return pa.array([], arrow_type)


class PolarsEngine:
    name = "polars"

    def __init__(
        self,
        *,
        storage_options: dict[str, Any] | None = None,
        today: sources.Clock = sources.utc_today,
    ) -> None:
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
        scheme = sources.url_scheme(spec)
        if scheme not in NATIVE_SCHEMES:
            raise InputError(
                f"{spec}: the polars engine cannot read {scheme}:// URLs",
                "use --engine local or --engine duckdb (both read any fsspec URL)",
            )
        dataset = sources.open_dataset(
            spec, filters=filters, storage_options=self.storage_options, today=self.today
        )
        return PolarsSource(dataset)
