"""Read CSV, Parquet or an in-memory DataFrame in batches, as per-column chunks.

A chunk is the smallest thing a drift statistic needs from a batch: the non-null values
of a numeric column as float64, or the category labels with their counts. Parquet is
read with pyarrow (the `parquet` extra), only the needed columns, string columns as
dictionaries so category counts never build Python strings per row. CSV is read with
pandas in chunks. Datetimes become float seconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlci import tables
from mlci.tables import Table

DEFAULT_BATCH_ROWS = 65_536
# Parquet: uncompressed bytes of column chunks read together (see `column_groups`).
COLUMN_GROUP_BYTES = 8 << 20


@dataclass(frozen=True, eq=False)
class NumericChunk:
    values: np.ndarray  # float64, nulls removed
    nulls: int


@dataclass(frozen=True, eq=False)
class CategoryChunk:
    labels: tuple[str, ...]
    counts: np.ndarray
    nulls: int


@dataclass(frozen=True)
class NullChunk:
    """Every value of the batch is null: compatible with any column type."""

    nulls: int


@dataclass(frozen=True)
class MismatchChunk:
    """The data cannot be read as the expected type (e.g. text in a numeric column)."""

    observed: str
    rows: int


Chunk = NumericChunk | CategoryChunk | NullChunk | MismatchChunk


@dataclass(frozen=True, eq=False)
class Batch:
    """Chunks of some columns over one range of rows.

    A reader may deliver one range's columns in several batches (Parquet is read a few
    columns at a time to bound memory); `rows` counts the range once, in its first
    batch, and is 0 in the others.
    """

    rows: int
    chunks: dict[str, Chunk]
    rowwise: dict[str, np.ndarray] = field(default_factory=dict)


Progress = Callable[[int, int | None], None]


def label(value: Any) -> str:
    """One spelling per category whatever the file type: 3, 3.0 and '3' are '3'."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)


def _fold(labels: list[str], counts: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """Merge labels that normalise to the same spelling."""
    folded: dict[str, int] = {}
    for name, count in zip(labels, counts.tolist(), strict=True):
        folded[name] = folded.get(name, 0) + int(count)
    return tuple(folded), np.fromiter(folded.values(), dtype=np.int64, count=len(folded))


# -- pandas ------------------------------------------------------------------------------


def pandas_kind(series: Any) -> str:
    """numeric, boolean, datetime or string from a pandas dtype."""
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "string"


def _datetime_seconds(series: Any) -> np.ndarray:
    import pandas as pd

    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    values = series.to_numpy(dtype="datetime64[ns]")
    seconds = values.astype("int64").astype(np.float64) / 1e9
    seconds[np.isnat(values)] = np.nan
    return seconds


def _numeric_chunk(values: np.ndarray) -> Chunk:
    missing = np.isnan(values)
    nulls = int(missing.sum())
    if nulls == values.size:
        return NullChunk(nulls)
    return NumericChunk(values[~missing] if nulls else values, nulls)


def pandas_chunk(series: Any, wanted: str) -> Chunk:
    """Convert one pandas column to the chunk of the wanted kind."""
    nulls = int(series.isna().sum())
    if nulls == len(series):
        return NullChunk(nulls)
    observed = pandas_kind(series)
    numeric_bool = wanted == "numeric" and observed == "boolean"
    if wanted in ("numeric", "datetime") and observed != wanted and not numeric_bool:
        if wanted == "datetime" and observed == "string":
            return _numeric_chunk(_datetime_seconds(series))
        return MismatchChunk("categorical" if observed == "string" else observed, len(series))
    if wanted == "datetime":
        return _numeric_chunk(_datetime_seconds(series))
    if wanted == "numeric":
        return _numeric_chunk(series.to_numpy(dtype=np.float64, na_value=np.nan))
    counts = series.value_counts(dropna=True)
    labels = [label(v) for v in counts.index.tolist()]
    folded, numbers = _fold(labels, counts.to_numpy(dtype=np.int64))
    return CategoryChunk(folded, numbers, nulls)


def rowwise_values(series: Any) -> np.ndarray:
    """A column row by row (for accuracy): float64 when numeric, labels otherwise."""
    if pandas_kind(series) == "numeric":
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.array([None if v is None or v != v else label(v) for v in series], dtype=object)


# -- pyarrow -----------------------------------------------------------------------------


def arrow_kind(arrow_type: Any) -> str:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return "numeric"
    if pa.types.is_decimal(arrow_type):
        return "numeric"
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return "datetime"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    return "unsupported"


def _arrow_view(array: Any, dtype: Any) -> np.ndarray:
    """The non-null values of a fixed-width Arrow array as a numpy view of its buffer.

    `Array.to_numpy` would import pandas (about 35 MiB of resident memory) on a path
    that otherwise needs only numpy and pyarrow; reading the buffer directly avoids it
    and copies nothing when the array has no nulls.
    """
    import pyarrow.compute as pc

    if array.null_count:
        array = pc.drop_null(array)
    return np.frombuffer(
        array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize
    )


def _numeric_view(values: np.ndarray, nulls: int) -> Chunk:
    """A chunk from non-null values that may still hold NaN (counted as null)."""
    missing = np.isnan(values)
    nans = int(np.count_nonzero(missing))
    if nans == values.size:
        return NullChunk(nulls + nans)
    return NumericChunk(values[~missing] if nans else values, nulls + nans)


def _arrow_array(values: np.ndarray) -> Any:
    """A numpy int64 or bool array as an Arrow array, built from its buffer.

    `pa.array(ndarray)` imports pandas to look for pandas objects; from_buffers does not.
    """
    import pyarrow as pa

    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), values.size, [None, pa.py_buffer(bits)])
    ints = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), ints.size, [None, pa.py_buffer(ints)])


def _dictionary_counts(array: Any) -> tuple[list[str], np.ndarray, int]:
    """Category counts of a dictionary array from its integer indices (no per-row objects),
    and the count of rows whose dictionary value is itself null."""
    import pyarrow as pa

    # The numpy type of the indices from their width; `to_pandas_dtype()` would import
    # pandas (pyarrow 25 does), which a check against a stored profile never needs.
    index_type = array.type.index_type
    kind = "int" if pa.types.is_signed_integer(index_type) else "uint"
    indices = _arrow_view(array.indices, np.dtype(f"{kind}{index_type.bit_width}"))
    counts = np.bincount(indices, minlength=len(array.dictionary))
    present = np.flatnonzero(counts)
    values = array.dictionary.take(_arrow_array(present)).to_pylist()
    keep = [i for i, v in enumerate(values) if v is not None]
    null_values = int(counts[present].sum() - counts[present[keep]].sum())
    return [label(values[i]) for i in keep], counts[present[keep]].astype(np.int64), null_values


def arrow_chunk(array: Any, wanted: str) -> Chunk:
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = len(array)
    nulls = array.null_count
    if nulls == rows:
        return NullChunk(nulls)
    observed = arrow_kind(array.type)
    if wanted in ("numeric", "datetime") and observed != wanted:
        if wanted == "numeric" and observed == "boolean":
            array = pc.cast(array, pa.int8())
        elif wanted == "datetime" and observed == "string":
            import pandas as pd

            return _numeric_chunk(_datetime_seconds(pd.Series(array.to_pandas())))
        else:
            return MismatchChunk("categorical" if observed == "string" else observed, rows)
    if wanted == "datetime":
        if pa.types.is_date(array.type):
            array = pc.cast(array, pa.timestamp("s"))
        unit = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}[array.type.unit]
        ticks = _arrow_view(pc.cast(array, pa.int64()), np.dtype(np.int64))
        return NumericChunk(ticks.astype(np.float64) / unit, nulls)
    if wanted == "numeric":
        if not pa.types.is_floating(array.type) or array.type.bit_width != 64:
            # safe=False: integers beyond 2**53 (hashed ids, uint64) round to the
            # nearest float64, which is what the statistics use; a safe cast refuses them.
            array = pc.cast(array, pa.float64(), safe=False)
        return _numeric_view(_arrow_view(array, np.dtype(np.float64)), nulls)
    if pa.types.is_dictionary(array.type):
        labels, numbers, null_values = _dictionary_counts(array)
        nulls += null_values
    else:
        counted = pc.value_counts(array)
        pairs = [
            (label(v), c)
            for v, c in zip(
                counted.field("values").to_pylist(),
                counted.field("counts").to_pylist(),
                strict=True,
            )
            if v is not None
        ]
        labels = [p[0] for p in pairs]
        numbers = np.array([p[1] for p in pairs], dtype=np.int64)
    folded, numbers = _fold(labels, numbers)
    return CategoryChunk(folded, numbers, nulls)


# -- sources -----------------------------------------------------------------------------


class Source:
    """A table read in batches; `kinds` are the storage kinds of its columns."""

    label: str = "<data>"

    def kinds(self) -> dict[str, str]:
        raise NotImplementedError

    def num_rows(self) -> int | None:
        return None

    def peek(self, rows: int = 1000) -> Any:
        """The first rows as a pandas DataFrame, for type inference."""
        raise NotImplementedError

    def batches(
        self,
        wanted: dict[str, str],
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        sample: float | None = None,
        seed: int = 0,
        rowwise: tuple[str, ...] = (),
    ) -> Iterator[Batch]:
        raise NotImplementedError

    def arrow_batches(self, columns: list[str], *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Any:
        """The columns as Arrow record batches (for counts that need a raw column, such
        as the timestamps of drift windows)."""
        raise NotImplementedError

    def count(
        self,
        plan: Any,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        sample: float | None = None,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> Any:
        """Count the rows under `plan` (a `kernel.Plan`) into `kernel.Counts`.

        This reads in this process, counting numeric columns in a few threads; an
        engine's source overrides it to count its partitions elsewhere.
        """
        import os
        from concurrent.futures import ThreadPoolExecutor

        from mlci.drift import fastcount, kernel

        total = self.num_rows()
        if total is not None:
            numeric = sum(1 for kind in plan.wanted.values() if kind in kernel.NUMERIC)
            fastcount.expect(total * numeric * (2 if plan.edges is None else 1))
        workers = max(1, min(4, os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            if plan.window is not None:
                plan.refuse_sample(sample)
                counts: dict[Any, Any] = {}
                rows = 0
                for record_batch in self.arrow_batches(plan.columns, batch_rows=batch_rows):
                    counts = kernel.merge_counts(
                        [counts, kernel.count_arrow([record_batch], plan, pool)]
                    )
                    rows += record_batch.num_rows
                    if progress:
                        progress(rows, total)
                return counts
            partial = kernel.new_partial(plan)
            for batch in self.batches(
                plan.wanted, batch_rows=batch_rows, sample=sample, seed=seed, rowwise=plan.rowwise
            ):
                kernel.add_batch(partial, batch, plan, pool)
                if progress:
                    progress(partial.rows, total)
            return {None: partial}


def _sample_mask(rng: np.random.Generator | None, rows: int, fraction: float | None) -> Any:
    if rng is None or fraction is None:
        return None
    return rng.random(rows) < fraction


class FrameSource(Source):
    def __init__(self, frame: Any, label: str = "<DataFrame>") -> None:
        self.frame = frame
        self.label = label

    def kinds(self) -> dict[str, str]:
        return {str(name): pandas_kind(self.frame[name]) for name in self.frame.columns}

    def num_rows(self) -> int | None:
        return len(self.frame)

    def peek(self, rows: int = 1000) -> Any:
        return self.frame.head(rows)

    def _frames(self, columns: list[str], batch_rows: int) -> Iterator[Any]:
        for start in range(0, max(len(self.frame), 1), batch_rows):
            yield self.frame.iloc[start : start + batch_rows][columns]

    def batches(
        self,
        wanted: dict[str, str],
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        sample: float | None = None,
        seed: int = 0,
        rowwise: tuple[str, ...] = (),
    ) -> Iterator[Batch]:
        rng = np.random.default_rng(seed) if sample is not None else None
        columns = list(dict.fromkeys([*wanted, *rowwise]))
        for frame in self._frames(columns, batch_rows):
            mask = _sample_mask(rng, len(frame), sample)
            if mask is not None:
                frame = frame[mask]
            yield Batch(
                len(frame),
                {name: pandas_chunk(frame[name], kind) for name, kind in wanted.items()},
                {name: rowwise_values(frame[name]) for name in rowwise},
            )

    def arrow_batches(self, columns: list[str], *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Any:
        import pyarrow as pa

        for frame in self._frames(columns, batch_rows):
            yield pa.RecordBatch.from_pandas(frame, preserve_index=False)


class CsvSource(FrameSource):
    """A CSV table opened (header checked, delimiter sniffed) by `mlci.tables`."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.path = table.path
        self.label = str(table.path)
        self._head: Any = None

    def peek(self, rows: int = 1000) -> Any:
        if self._head is None:
            self._head = tables.csv_head(self.table, rows)
        return self._head

    def kinds(self) -> dict[str, str]:
        head = self.peek()
        return {str(name): pandas_kind(head[name]) for name in head.columns}

    def num_rows(self) -> int | None:
        return None

    def _frames(self, columns: list[str], batch_rows: int) -> Iterator[Any]:
        return tables.csv_frames(self.table, batch_rows=batch_rows, columns=columns)


class ParquetSource(Source):
    """A Parquet table opened (footer read, names checked) by `mlci.tables`."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.path = table.path
        self.label = str(table.path)
        self.file = table.parquet

    def kinds(self) -> dict[str, str]:
        schema = self.file.schema_arrow
        return {name: arrow_kind(schema.field(name).type) for name in schema.names}

    def num_rows(self) -> int | None:
        return int(self.file.metadata.num_rows)

    def peek(self, rows: int = 1000) -> Any:
        """The first rows of the text columns only: the other kinds follow from the schema
        (see `kinds.infer_kind`). None when there are none, so pandas is not imported."""
        import pyarrow as pa

        text = [n for n, kind in self.kinds().items() if kind == "string"]
        if not text:
            return None
        # Without pre-buffering only the pages of the first rows are read, not the
        # whole first row group of every column.
        reader = tables.open_parquet(self.path, pre_buffer=False, buffer_size=1 << 20)
        for batch in reader.iter_batches(batch_size=rows, columns=text):
            return batch.to_pandas()
        return pa.table({n: pa.array([], pa.string()) for n in text}).to_pandas()

    def arrow_batches(self, columns: list[str], *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Any:
        reader = tables.open_parquet(self.path, pre_buffer=False, buffer_size=1 << 20)
        yield from reader.iter_batches(batch_size=batch_rows, columns=columns)

    def batches(
        self,
        wanted: dict[str, str],
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        sample: float | None = None,
        seed: int = 0,
        rowwise: tuple[str, ...] = (),
    ) -> Iterator[Batch]:
        storage = self.kinds()
        # Category columns stored as text are read as dictionaries: counting them then
        # touches integer indices, not one Python string per row.
        as_dictionary = [
            n for n in wanted if storage.get(n) == "string" and wanted[n] == "categorical"
        ]
        reads = _row_group_reads(self.path, as_dictionary, list(wanted), rowwise, batch_rows)
        rng = np.random.default_rng(seed) if sample is not None else None
        mask: Any = None
        # One read ahead: the next row group is decoded (by pyarrow's threads, without
        # the GIL) while the caller counts this one.
        for _group, rows, number, record_batches in _prefetch(reads):
            if number == 0:
                mask = _sample_mask(rng, rows, sample)
            if record_batches is None:
                yield Batch(rows if mask is None else int(np.count_nonzero(mask)), {})
                continue
            start = 0
            for record_batch in record_batches:
                size = record_batch.num_rows
                if mask is not None:
                    record_batch = record_batch.filter(_arrow_array(mask[start : start + size]))
                start += size
                chunks = {
                    n: arrow_chunk(record_batch.column(n), wanted[n])
                    for n in record_batch.schema.names
                    if n in wanted
                }
                values = {}
                if rowwise and number == 0:
                    frame = record_batch.select(list(rowwise)).to_pandas()
                    values = {name: rowwise_values(frame[name]) for name in rowwise}
                yield Batch(record_batch.num_rows if number == 0 else 0, chunks, values)


# A read of one row group's columns: (group, rows, column part number, record batches or
# None when no column is wanted).
_Read = tuple[int, int, int, Any]


def _row_group_reads(
    path: Path,
    as_dictionary: list[str],
    wanted: list[str],
    rowwise: tuple[str, ...],
    batch_rows: int,
) -> Iterator[_Read]:
    """The row groups of a file, a few columns at a time (see `column_groups`).

    A part that fits COLUMN_GROUP_BYTES is read whole with pyarrow's threads (one task
    per column, all cores decoding); a bigger one (a single huge column chunk) is
    streamed in `batch_rows` batches so the peak stays bounded.
    """
    import pyarrow as pa

    reader = tables.open_parquet(
        path, read_dictionary=as_dictionary, pre_buffer=False, buffer_size=1 << 20
    )
    pool = pa.default_memory_pool()
    metadata = reader.metadata
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        parts = column_groups(row_group, wanted, rowwise, COLUMN_GROUP_BYTES)
        if not parts:
            yield group, row_group.num_rows, 0, None
            continue
        sizes = _column_sizes(row_group)
        for number, columns in enumerate(parts):
            if sum(sizes.get(n, 0) for n in columns) <= COLUMN_GROUP_BYTES:
                table = reader.read_row_group(group, columns=columns, use_threads=True)
                # to_batches splits at chunk boundaries without copying
                yield group, row_group.num_rows, number, table.to_batches()
            else:
                yield (
                    group,
                    row_group.num_rows,
                    number,
                    reader.iter_batches(
                        batch_size=batch_rows, columns=columns, row_groups=[group], use_threads=True
                    ),
                )
        # The default allocator (mimalloc) keeps freed pages per reader thread; handing
        # them back after each group keeps the peak near a group or two.
        pool.release_unused()


def _prefetch(reads: Iterator[_Read]) -> Iterator[_Read]:
    """The reads, the next one running on a helper thread while the caller has this one.

    A streamed part (an iterator) is read by the caller as it goes; nothing is read ahead
    of it, which would hold two large column chunks at once.
    """
    from concurrent.futures import ThreadPoolExecutor

    def step() -> _Read | None:
        return next(reads, None)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlci-parquet") as worker:
        pending = worker.submit(step)
        while (current := pending.result()) is not None:
            if isinstance(current[3], list) or current[3] is None:
                pending = worker.submit(step)
                yield current
            else:  # the reader must not be used on two threads at once
                yield current
                pending = worker.submit(step)


def _column_sizes(row_group: Any) -> dict[str, int]:
    sizes = {}
    for index in range(row_group.num_columns):
        chunk = row_group.column(index)
        sizes[chunk.path_in_schema] = int(chunk.total_uncompressed_size)
    return sizes


def column_groups(
    row_group: Any, wanted: list[str], rowwise: tuple[str, ...], budget: int
) -> list[list[str]]:
    """The columns to read together from one row group, at most `budget` bytes a group.

    Reading all columns of a row group at once holds every decoded column chunk in
    memory, which grows with the table's width; a few columns at a time bound the peak
    by the budget (or by the largest single column chunk) while still giving the
    counting threads several columns to work on. Row-wise columns come first, together.
    """
    sizes = _column_sizes(row_group)
    groups: list[list[str]] = [list(rowwise)] if rowwise else []
    used = sum(sizes.get(n, 0) for n in rowwise)
    for name in wanted:
        if name in rowwise:
            continue
        size = sizes.get(name, 0)
        if not groups or used + size > budget:
            groups.append([])
            used = 0
        groups[-1].append(name)
        used += size
    return groups


def open_source(path: str | Path) -> Source:
    """A Source for a CSV or Parquet file, opened by `mlci.tables`.

    A file without data rows is refused: a profile or a check of it would mean nothing.
    """
    table = tables.open_table(path, require_rows=True)
    return ParquetSource(table) if table.format == "parquet" else CsvSource(table)
