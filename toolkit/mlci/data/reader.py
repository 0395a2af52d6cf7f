"""Read CSV and Parquet files in batches, so checks and manifests run in bounded memory.

Parquet is read through pyarrow record batches; CSV through pandas' chunked reader.
Both yield pandas DataFrames whose index is the global row number (0-based, data rows
only), so a failure found in batch 7 still names the row of the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.errors import InputError, UsageError

if TYPE_CHECKING:
    import pandas as pd

CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")


def table_format(path: str | Path) -> str | None:
    """'csv', 'parquet' or None (a file mlci does not read as a table)."""
    name = str(path).lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    return None


def _require_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: file not found", "check the path (and data: in mlci.yaml)")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file", "pass a CSV or Parquet file")


def _require_format(path: Path) -> str:
    kind = table_format(path)
    if kind is None:
        raise InputError(f"{path}: unknown table format", "use a .csv, .tsv, .parquet or .pq file")
    return kind


def _import_pyarrow() -> None:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise UsageError(
            "reading Parquet needs pyarrow, which is not installed",
            "pip install 'mlci[parquet]' (or pip install pyarrow)",
        ) from None


def _open_parquet(file: Path) -> Any:
    """A `pyarrow.parquet.ParquetFile` (footer read, no data yet), or a one-line error."""
    _import_pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(file)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError(
            f"{file}: not a readable Parquet file ({error})", "check the file"
        ) from None


def _csv_options(path: Path) -> dict[str, object]:
    sep = "\t" if ".tsv" in path.name.lower() else ","
    # Keep strings as strings ('NA' stays a value only where pandas' defaults say so).
    return {"sep": sep, "low_memory": False}


def iter_batches(
    path: str | Path, *, batch_rows: int = 250_000, columns: Sequence[str] | None = None
) -> Iterator[pd.DataFrame]:
    """Yield the table in DataFrames of at most `batch_rows` rows, indexed by row number."""
    file = Path(path)
    _require_file(file)
    kind = _require_format(file)
    if batch_rows < 1:
        raise UsageError(f"batch size must be at least 1, got {batch_rows}", "use e.g. 250000")
    if kind == "parquet":
        yield from _parquet_batches(file, batch_rows, columns)
    else:
        yield from _csv_batches(file, batch_rows, columns)


def _parquet_batches(
    file: Path, batch_rows: int, columns: Sequence[str] | None
) -> Iterator[pd.DataFrame]:
    parquet = _open_parquet(file)
    start = 0
    wanted = list(columns) if columns is not None else None
    _require_columns(file, parquet.schema_arrow.names, wanted)
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=wanted):
        frame = batch.to_pandas()
        frame.index = range(start, start + len(frame))
        start += len(frame)
        yield frame
    if start == 0:  # an empty file still has columns worth checking
        frame = parquet.schema_arrow.empty_table().to_pandas()
        yield frame[wanted] if wanted is not None else frame


def _require_columns(file: Path, available: Sequence[str], columns: Sequence[str] | None) -> None:
    """Name the file and the missing columns, instead of the reader's own wording."""
    missing = [c for c in columns or () if c not in set(available)]
    if missing:
        shown = ", ".join(f"'{c}'" for c in missing)
        raise InputError(
            f"{file}: no column {shown} (it has: {', '.join(map(str, available))})",
            "check the column names in mlci.yaml or on the command line",
        )


def _csv_batches(
    file: Path, batch_rows: int, columns: Sequence[str] | None
) -> Iterator[pd.DataFrame]:
    import pandas as pd

    if columns:
        try:
            header = pd.read_csv(file, nrows=0, **_csv_options(file)).columns
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError):
            header = None  # the full read below reports what is wrong with the file
        if header is not None:
            _require_columns(file, list(header), columns)
    try:
        reader = pd.read_csv(
            file,
            chunksize=batch_rows,
            usecols=list(columns) if columns else None,
            **_csv_options(file),
        )
        with reader:
            start = 0
            for frame in reader:
                frame.index = range(start, start + len(frame))
                start += len(frame)
                yield frame
    except pd.errors.EmptyDataError:
        raise InputError(f"{file}: the file is empty (no header row)", "write a header") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"{file}: not a readable CSV file ({error})", "check the file") from None
    except ValueError as error:  # usecols naming a column the file lacks
        raise InputError(f"{file}: {error}", "check the column names") from None


def read_table(path: str | Path, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The whole table in one DataFrame (for files that fit in memory, e.g. predictions)."""
    import pandas as pd

    frames = list(iter_batches(path, batch_rows=1_000_000, columns=columns))
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames)


def column_types(path: str | Path) -> list[tuple[str, str]] | None:
    """(name, type) of every column, from metadata where the format has it.

    Parquet: the Arrow schema. CSV: None (the caller infers types while scanning).
    """
    file = Path(path)
    if _require_format(file) != "parquet":
        return None
    return [(field.name, str(field.type)) for field in _open_parquet(file).schema_arrow]


def parquet_row_count(path: str | Path) -> int:
    """Row count from the Parquet footer, without reading the data."""
    return int(_open_parquet(Path(path)).metadata.num_rows)
