"""The one table reader: every CSV and Parquet file mlci reads is opened here.

`open_table` checks the path (exists, is a file, has a table extension), remembers it
as an input (`mlci.output.remember_input`, so no output is written over it), and reads
what a caller needs before the data: the column names, and for Parquet the footer.

CSV-family files (see `CSV_SUFFIXES`) are sniffed from a small prefix (`SNIFF_BYTES`):
the delimiter is one of `DELIMITERS`, the extension's own (tab for .tsv, comma for the
others) unless the prefix clearly says another one makes a rectangular table. The header
row is read here, not by pandas, so that repeated names (pandas would silently rename the
second `age` to `age.1`) and empty names are refused. One exception: a first header
cell that is empty is the index column `DataFrame.to_csv()` writes by default; it is
not a data column and is left out (`Table.index_column`). A file that does not read as
a table (rows with different numbers of fields, binary data, text that is not UTF-8, a
headerless space-separated file read as one column) is an InputError naming the file.

Data is read in bounded memory: Parquet as record batches, CSV as pandas chunks; both
yield DataFrames indexed by the global row number (0-based, data rows only).

Zero data rows: `open_table(..., require_rows=True)` (and the same option of
`iter_batches` / `read_table`) refuses a table without rows; callers decide. Drift
profiles and checks of files refuse it, as does `mlci fairness check`; data checks
(which have their own `rows.min` gate), manifests and data diffs record "0 rows".
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mlci.errors import InputError, UsageError

if TYPE_CHECKING:
    import pandas as pd

Format = Literal["csv", "parquet"]

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".csv.bz2", ".csv.zip")
TABLE_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES
DELIMITERS = (",", ";", "\t", "|")
DEFAULT_BATCH_ROWS = 250_000
# The prefix read to choose the delimiter; a longer first line is read to its end.
SNIFF_BYTES = 64 * 1024
MAX_HEADER_BYTES = 16 * 1024 * 1024
SUFFIX_HINT = "use a .csv, .tsv, .txt, .csv.gz, .parquet or .pq file"
DELIMITER_HINT = "write one header row and separate the columns with , ; tab or |"

_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


@dataclass(frozen=True, eq=False)
class Table:
    """An opened table: checked path, column names, and how to read the data.

    `columns` are the data columns in file order. CSV: `delimiter`, `index_column` (a
    leading unnamed column, pandas' index, left out) and `has_rows` from the prefix
    (True when the prefix shows a data row or does not reach the end of the file).
    Parquet: `parquet` is the `pyarrow.parquet.ParquetFile` (footer read, no data yet)
    and `rows` its row count.
    """

    path: Path
    format: Format
    columns: tuple[str, ...]
    has_rows: bool
    delimiter: str | None = None
    index_column: bool = False
    rows: int | None = None
    parquet: Any = None

    def csv_options(self, columns: Sequence[str] | None = None) -> dict[str, Any]:
        """Keyword arguments of `pandas.read_csv` for this file (only `columns`, if given)."""
        usecols: list[str] | None = list(columns) if columns is not None else None
        if usecols is None and self.index_column:
            usecols = list(self.columns)
        return {"sep": self.delimiter, "low_memory": False, "usecols": usecols}


def table_format(path: str | Path) -> Format | None:
    """'csv', 'parquet' or None (a file mlci does not read as a table), by extension."""
    name = str(path).lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    return None


def open_table(path: str | Path, *, require_rows: bool = False) -> Table:
    """Check and open a CSV or Parquet file; read its header (CSV) or footer (Parquet)."""
    from mlci.output import remember_input

    file = Path(path)
    if not file.exists():
        raise InputError(f"{file}: file not found", "check the path (and data: in mlci.yaml)")
    if file.is_dir():
        raise InputError(f"{file}: is a folder, not a file", "pass a CSV or Parquet file")
    kind = table_format(file)
    if kind is None:
        raise InputError(f"{file}: unknown table format", SUFFIX_HINT)
    remember_input(file)
    table = _open_parquet_table(file) if kind == "parquet" else _open_csv_table(file)
    if require_rows and not table.has_rows:
        raise no_rows_error(file)
    return table


def read_header(path: str | Path) -> tuple[str, ...]:
    """The column names of a table (CSV: its checked header row; Parquet: the schema)."""
    return open_table(path).columns


def no_rows_error(path: str | Path) -> InputError:
    """The error of a table without data rows, where a result would mean nothing."""
    return InputError(
        f"{path}: the table has no data rows (only a header)",
        "pass a file with at least one row (was it written completely?)",
    )


def require_columns(path: str | Path, available: Sequence[str], wanted: Sequence[str]) -> None:
    """Name the file and the missing columns, instead of the reader's own wording."""
    have = set(available)
    missing = [c for c in wanted if c not in have]
    if missing:
        shown = ", ".join(f"'{c}'" for c in missing)
        raise InputError(
            f"{path}: no column {shown} (it has: {', '.join(map(str, available))})",
            "check the column names in mlci.yaml or on the command line",
        )


def require_shared_columns(
    label: str, columns: Sequence[str], reference: Sequence[str], what: str = "the reference"
) -> None:
    """Refuse a table that shares no column with the one it is compared with."""
    if not columns or not reference or set(columns) & set(reference):
        return
    raise InputError(
        f"{label} shares no column with {what}; reference has: {_names(reference)}, "
        f"current has: {_names(columns)}",
        "compare the same table: check the header row and the delimiter of both files",
    )


def _names(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(map(str, names[:limit]))
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


# -- Parquet -----------------------------------------------------------------------------


def open_parquet(path: str | Path, **options: Any) -> Any:
    """A `pyarrow.parquet.ParquetFile` (footer read, no data yet), or a one-line error.

    `options` go to ParquetFile (e.g. `read_dictionary`, `pre_buffer`, `buffer_size`).
    """
    file = Path(path)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError(
            f"{file}: reading Parquet needs pyarrow, which is not installed",
            "pip install 'mlci[parquet]' (or pass a CSV file)",
        ) from None
    try:
        return pq.ParquetFile(file, **options)
    except (pa.ArrowException, OSError) as error:
        raise InputError(
            f"{file}: not a readable Parquet file ({error})", "check that it is a Parquet file"
        ) from None


def _open_parquet_table(file: Path) -> Table:
    handle = open_parquet(file)
    names = tuple(str(n) for n in handle.schema_arrow.names)
    _check_names(file, names)
    rows = int(handle.metadata.num_rows)
    return Table(file, "parquet", names, rows > 0, rows=rows, parquet=handle)


# -- CSV ---------------------------------------------------------------------------------


def _read_prefix(file: Path) -> tuple[bytes, bool]:
    """The first bytes of the (decompressed) file, to the end of its first line at least,
    and whether they are the whole file."""
    name = file.name.lower()
    try:
        if name.endswith(".zip"):
            import zipfile

            try:
                archive = zipfile.ZipFile(file)
            except zipfile.BadZipFile as error:
                raise InputError(f"{file}: cannot be read ({error})", "check the file") from None
            with archive:
                members = [m for m in archive.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise InputError(
                        f"{file}: a .zip table must hold exactly one file, it holds {len(members)}",
                        "zip one CSV file per archive",
                    )
                with archive.open(members[0]) as stream:
                    return _read_lines(stream)
        if name.endswith(".gz"):
            import gzip

            with gzip.open(file, "rb") as stream:
                return _read_lines(stream)
        if name.endswith(".bz2"):
            import bz2

            with bz2.open(file, "rb") as stream:
                return _read_lines(stream)
        with open(file, "rb") as stream:
            return _read_lines(stream)
    except InputError:
        raise
    except (OSError, EOFError, ValueError) as error:  # BadGzipFile, BadZipFile, bz2 errors
        raise InputError(f"{file}: cannot be read ({error})", "check the file") from None


def _read_lines(stream: Any) -> tuple[bytes, bool]:
    data = bytearray(stream.read(SNIFF_BYTES))
    while b"\n" not in data[-SNIFF_BYTES:] and len(data) <= MAX_HEADER_BYTES:
        more = stream.read(SNIFF_BYTES)
        if not more:
            return bytes(data), True
        data += more
    return bytes(data), not stream.read(1)


def _decode(file: Path, data: bytes, complete: bool) -> str:
    if b"\x00" in data:
        hint = (
            "it looks like a Parquet file: give it a .parquet extension"
            if data.startswith(b"PAR1")
            else "pass a CSV file (UTF-8 text) or a Parquet file"
        )
        raise InputError(f"{file}: not a text table (it holds binary data)", hint)
    if not complete:
        cut = data.rfind(b"\n")
        data = data[: cut + 1] if cut >= 0 else data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise InputError(
            f"{file}: not UTF-8 text (byte 0x{byte:02x} at offset {error.start})",
            "save the file as UTF-8",
        ) from None


def _records(text: str, delimiter: str, complete: bool) -> list[tuple[int, list[str]]]:
    """(line number, fields) of the non-blank records of the prefix, quote-aware."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=False)
    out = []
    try:
        for fields in reader:
            if fields:
                out.append((reader.line_num, fields))
    except csv.Error:  # a NUL or a field over the size limit: the last record is partial
        pass
    if not complete and len(out) > 1:
        out.pop()  # the prefix may end inside a quoted field
    return out


def _rectangular(records: list[tuple[int, list[str]]]) -> bool:
    return len(records[0][1]) > 1 and all(len(f) == len(records[0][1]) for _, f in records)


def sniff_delimiter(text: str, default: str = ",", *, complete: bool = True) -> str:
    """The delimiter of a CSV-family prefix: `default` when it makes a rectangular table
    (every record as many fields as the header, at least two), else the one of
    `DELIMITERS` that does with the most columns, else `default`."""
    parsed = {d: _records(text, d, complete) for d in DELIMITERS}
    if not parsed[default] or _rectangular(parsed[default]):
        return default
    fitting = [d for d in DELIMITERS if d != default and parsed[d] and _rectangular(parsed[d])]
    if fitting:
        return max(fitting, key=lambda d: len(parsed[d][0][1]))
    return default


def _open_csv_table(file: Path) -> Table:
    data, complete = _read_prefix(file)
    text = _decode(file, data, complete)
    default = "\t" if ".tsv" in file.name.lower() else ","
    if not text.strip():
        raise InputError(f"{file}: the file is empty (no header row)", "write a header")
    delimiter = sniff_delimiter(text, default, complete=complete)
    records = _records(text, delimiter, complete)
    if not records:
        raise InputError(f"{file}: the header row cannot be read as CSV", "check the file")
    header = records[0][1]
    if len(header) == 1 and delimiter == default:
        # No delimiter makes a rectangular table and the default does not split the
        # header: take the one that does, so that the error below names it.
        for other in DELIMITERS:
            split = _records(text, other, complete)
            if split and len(split[0][1]) > 1:
                delimiter, records, header = other, split, split[0][1]
                break
    _check_rows(file, delimiter, records)
    if len(header) == 1:
        _check_one_column(file, header[0], records)
    index_column = len(header) > 1 and not header[0].strip()
    names = tuple(header[1:] if index_column else header)
    _check_names(file, names, offset=1 if index_column else 0)
    has_rows = len(records) > 1 or not complete
    return Table(file, "csv", names, has_rows, delimiter=delimiter, index_column=index_column)


def _check_rows(file: Path, delimiter: str, records: list[tuple[int, list[str]]]) -> None:
    width = len(records[0][1])
    for line, fields in records[1:]:
        if len(fields) != width:
            raise InputError(
                f"{file}: rows have different numbers of fields with "
                f"{_DELIMITER_NAMES[delimiter]} as delimiter (the header has {width}, "
                f"line {line} has {len(fields)})",
                "check the delimiter and the quoting; every row needs one field per column",
            )


def _check_one_column(file: Path, name: str, records: list[tuple[int, list[str]]]) -> None:
    """One column is a table only if it does not look like a space-separated one."""
    tokens = len(name.split())
    if tokens < 2:
        return
    rows = [fields[0] for _, fields in records[1:6]]
    if all(len(value.split()) == tokens for value in rows):
        raise InputError(
            f"{file}: reads as one column named {name!r}; it looks space-separated "
            "or has no header row",
            DELIMITER_HINT,
        )


def _check_names(file: Path, names: Sequence[str], offset: int = 0) -> None:
    for position, name in enumerate(names):
        if not name.strip():
            raise InputError(
                f"{file}: the header has an empty column name "
                f"(column {position + 1 + offset} of {len(names) + offset})",
                "name every column in the header row",
            )
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise InputError(
            f"{file}: the header repeats column names: {', '.join(repeated)}",
            "give every column a unique name",
        )


@contextlib.contextmanager
def _csv_errors(table: Table) -> Iterator[None]:
    """pandas' errors while reading a CSV table, as one-line InputErrors naming the file."""
    import pandas as pd

    try:
        yield
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{table.path}: the file is empty (no header row)", "write a header"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(
            f"{table.path}: not a readable CSV file ({_first_line(error)})",
            "check the delimiter and the quoting; every row needs one field per column",
        ) from None
    except (ValueError, OSError, EOFError) as error:
        raise InputError(
            f"{table.path}: not a readable CSV file ({_first_line(error)})", "check the file"
        ) from None


def csv_frames(
    table: Table, *, batch_rows: int, columns: Sequence[str] | None = None
) -> Iterator[pd.DataFrame]:
    """The CSV table in pandas chunks of at most `batch_rows` rows (pandas' own index)."""
    import pandas as pd

    if columns is not None:
        require_columns(table.path, table.columns, columns)
    options = table.csv_options(columns)
    with _csv_errors(table), pd.read_csv(table.path, chunksize=batch_rows, **options) as chunks:
        yield from chunks


def csv_head(table: Table, rows: int, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The first `rows` rows of a CSV table (e.g. for type inference)."""
    import pandas as pd

    if columns is not None:
        require_columns(table.path, table.columns, columns)
    with _csv_errors(table):
        return pd.read_csv(table.path, nrows=rows, **table.csv_options(columns))


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# -- DataFrames in batches ----------------------------------------------------------------


def iter_batches(
    path: str | Path,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    columns: Sequence[str] | None = None,
    require_rows: bool = False,
) -> Iterator[pd.DataFrame]:
    """Yield the table in DataFrames of at most `batch_rows` rows, indexed by row number.

    A table without rows yields one empty DataFrame (its columns are worth checking),
    unless `require_rows`.
    """
    if batch_rows < 1:
        raise UsageError(f"batch size must be at least 1, got {batch_rows}", "use e.g. 250000")
    table = open_table(path, require_rows=require_rows)
    if columns is not None:
        require_columns(table.path, table.columns, columns)
    frames = (
        _parquet_batches(table, batch_rows, columns)
        if table.format == "parquet"
        else csv_frames(table, batch_rows=batch_rows, columns=columns)
    )
    start = 0
    yielded = False
    for frame in frames:
        if require_rows and len(frame) == 0:
            continue
        frame.index = range(start, start + len(frame))
        start += len(frame)
        yielded = True
        yield frame
    if start == 0:
        if require_rows:  # the prefix showed content that is no row (e.g. blank lines)
            raise no_rows_error(table.path)
        if not yielded:
            yield _empty_frame(table, columns)


def _parquet_batches(
    table: Table, batch_rows: int, columns: Sequence[str] | None
) -> Iterator[pd.DataFrame]:
    wanted = list(columns) if columns is not None else None
    for batch in table.parquet.iter_batches(batch_size=batch_rows, columns=wanted):
        yield batch.to_pandas()


def _empty_frame(table: Table, columns: Sequence[str] | None) -> pd.DataFrame:
    if table.format == "parquet":
        frame = table.parquet.schema_arrow.empty_table().to_pandas()
        return frame[list(columns)] if columns is not None else frame
    import pandas as pd

    names = list(columns) if columns is not None else list(table.columns)
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in names})


def read_table(
    path: str | Path, *, columns: Sequence[str] | None = None, require_rows: bool = False
) -> pd.DataFrame:
    """The whole table in one DataFrame (for files that fit in memory, e.g. predictions)."""
    import pandas as pd

    frames = list(
        iter_batches(path, batch_rows=1_000_000, columns=columns, require_rows=require_rows)
    )
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames)


def column_types(path: str | Path) -> list[tuple[str, str]] | None:
    """(name, type) of every column, from metadata where the format has it.

    Parquet: the Arrow schema. CSV: None (the caller infers types while scanning).
    """
    table = open_table(path)
    if table.format != "parquet":
        return None
    return [(field.name, str(field.type)) for field in table.parquet.schema_arrow]


def parquet_row_count(path: str | Path) -> int:
    """Row count from the Parquet footer, without reading the data."""
    table = open_table(path)
    if table.rows is None:
        raise InputError(f"{path}: not a Parquet file", "pass a .parquet file")
    return table.rows
