"""The DuckDB engine: DuckDB reads the Parquet files (or runs a SQL query) and streams
Arrow record batches into the one counting kernel.

Files: the dataset is listed and filtered by `sources.open_dataset` (so a filter selects
exactly the files it selects for every other engine), then read with `read_parquet`, its
hive partition columns typed as the other engines type them (`hive_types`, no
autocasting of `day=2026-11-24` to a DATE). A query (`--query "SELECT ..."`) is any
DuckDB SQL: its result is the table.

No native histograms or aggregates: the kernel's bins, null and NaN handling, the
float64 rounding of large integers, datetimes as epoch seconds and the category labels
(3, 3.0 and '3' are one category) would each have to be rewritten in SQL and proven
identical. Streaming DuckDB's Arrow batches into `kernel.count_arrow` gives the same
counts by construction, and DuckDB still does the parallel decoding and the query.
"""

from __future__ import annotations

from typing import Any

from mlci.drift import sources
from mlci.drift.engines.local import (
    count_stream,
    refuse_query_table,
)
from mlci.drift.readers import DEFAULT_BATCH_ROWS, Progress, Source, arrow_kind
from mlci.errors import InputError


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBSource(Source):
    """A table DuckDB computes: `read_parquet` of a dataset's files, or a query."""

    def __init__(
        self,
        sql: str,
        label: str,
        *,
        dataset: sources.Dataset | None = None,
        filesystems: tuple[Any, ...] = (),
        threads: int | None = None,
    ) -> None:
        self.sql = sql
        self.label = label
        self.path = label
        self.dataset = dataset
        self.filesystems = filesystems
        self.threads = threads
        self._schema: Any = None

    def connect(self) -> Any:
        import duckdb

        config: dict[str, str | bool | int | float | list[str]] = {}
        if self.threads:
            config["threads"] = self.threads
        connection = duckdb.connect(config=config)
        for fs in self.filesystems:
            connection.register_filesystem(fs)
        return connection

    def relation(self, connection: Any, columns: list[str] | None = None) -> Any:
        import duckdb

        chosen = ", ".join(quote(c) for c in columns) if columns is not None else "*"
        try:
            return connection.sql(f"SELECT {chosen} FROM ({self.sql}) AS mlci_data")
        except duckdb.Error as error:
            raise InputError(
                f"{self.label}: DuckDB cannot run it ({' '.join(str(error).split())})",
                "check the SQL (table and column names, quoting) and the paths it reads",
            ) from None

    def schema(self) -> Any:
        if self._schema is None:
            with self.connect() as connection:
                self._schema = self.relation(connection).limit(0).to_arrow_table().schema
        return self._schema

    def kinds(self) -> dict[str, str]:
        if self.dataset is not None:
            return self.dataset.kinds()
        return {f.name: arrow_kind(f.type) for f in self.schema()}

    def num_rows(self) -> int | None:
        return self.dataset.num_rows() if self.dataset is not None else None

    def peek(self, rows: int = 1000) -> Any:
        if self.dataset is not None:  # the same rows the other engines infer kinds from
            return self.dataset.peek(rows)
        text = [n for n, kind in self.kinds().items() if kind == "string"]
        if not text:
            return None
        with self.connect() as connection:
            return self.relation(connection, text).limit(rows).to_arrow_table().to_pandas()

    def arrow_batches(self, columns: list[str], *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Any:
        with self.connect() as connection:
            reader = self.relation(connection, columns).to_arrow_reader(batch_rows)
            yield from reader

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


class DuckDBEngine:
    name = "duckdb"

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
        refuse_query_table(self.name, None, table)
        if query is not None:
            if spec:
                raise InputError(
                    f"{spec}: give the data or a --query, not both",
                    "read the files inside the query, e.g. SELECT * FROM read_parquet('...')",
                )
            if filters:
                raise InputError(
                    "--filter selects partitions of files, not rows of a --query",
                    "put the condition in the query's WHERE clause",
                )
            return DuckDBSource(query, "duckdb query", threads=self.threads)
        dataset = sources.open_dataset(
            spec, filters=filters, storage_options=self.storage_options, today=self.today
        )
        return DuckDBSource(
            read_parquet_sql(dataset),
            dataset.label,
            dataset=dataset,
            filesystems=_fsspec_filesystems(dataset),
            threads=self.threads,
        )


def read_parquet_sql(dataset: sources.Dataset) -> str:
    """`SELECT` of the dataset's files, columns in the dataset's order."""
    files = ", ".join(_literal(path) for path in dataset.urls)
    options = ["union_by_name = true"]
    if dataset.partition_keys:
        types = ", ".join(
            f"{_literal(k)}: {'BIGINT' if t == 'int64' else 'VARCHAR'}"
            for k, t in dataset.partition_keys.items()
        )
        options += ["hive_partitioning = true", f"hive_types = {{{types}}}"]
    else:
        options.append("hive_partitioning = false")
    columns = ", ".join(quote(f.name) for f in dataset.schema)
    return f"SELECT {columns} FROM read_parquet([{files}], {', '.join(options)})"


def _fsspec_filesystems(dataset: sources.Dataset) -> tuple[Any, ...]:
    """fsspec filesystems DuckDB reads the dataset's URLs through (memory://, s3:// ...)."""
    scheme = sources.url_scheme(dataset.spec)
    if scheme is None:
        return ()
    return (sources.fsspec_filesystem(dataset.spec, dataset.storage_options),)
