"""Partitioned Parquet datasets: a file, a glob, a directory (hive key=value folders too),
or an fsspec URL (s3://, gs://, az://, memory://, file://), with partition filters.

`open_dataset` lists the files once, keeps those whose hive partition values pass the
filters, and reads every footer (rows, row groups, schema). What it returns is cut into
`Partition`s: small picklable descriptions (a path, some row groups, the partition values)
that any worker (a thread, a Dask worker, a Spark executor) reads with pyarrow alone, so
every engine counts exactly the same rows.

Partition values are typed as pyarrow's hive discovery would: whole numbers as int64,
everything else as text (`day=2026-11-24` stays the text "2026-11-24", which the drift
kinds then read as a date, as they would from the same column stored in a file).

Filters (`--filter`, `drift.filters`) act on partition keys only, so they prune whole
files before anything is read:

    day>=2026-11-24     day<today-7d     region=eu     region in (eu,us)     hour!=0

`today` is the UTC date of the injectable clock (`today=` of `open_dataset`), with an
optional offset in days or weeks (`today-7d`, `today-2w`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

from mlci.errors import InputError

PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
DEFAULT_BATCH_ROWS = 65_536
# Row groups of one file are cut into partitions of about this many rows, so one large
# file still spreads over several workers.
PARTITION_ROWS = 1 << 20
FOOTER_THREADS = 8
# URL scheme -> (the fsspec backend package, the mlci extra that installs it).
BACKENDS = {
    "s3": ("s3fs", "s3"),
    "s3a": ("s3fs", "s3"),
    "gs": ("gcsfs", "gcs"),
    "gcs": ("gcsfs", "gcs"),
    "az": ("adlfs", "azure"),
    "abfs": ("adlfs", "azure"),
    "abfss": ("adlfs", "azure"),
    "adl": ("adlfs", "azure"),
}
FILTER_HINT = "e.g. --filter 'day>=today-7d' or --filter 'region in (eu,us)' (drift.filters)"

Clock = Callable[[], date]


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


# -- locations and filesystems -----------------------------------------------------------


def url_scheme(location: str) -> str | None:
    """The scheme of an fsspec URL (`s3`, `memory`, `file`), None for a local path."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]+)://", location)
    return match.group(1).lower() if match else None


def fsspec_filesystem(location: str, storage_options: Mapping[str, Any] | None = None) -> Any:
    """The fsspec filesystem of a URL, or a one-line error naming the extra to install."""
    scheme = url_scheme(location) or "file"
    package, extra = BACKENDS.get(scheme, (None, None))
    install = f'pip install "mlci[{extra}]"' if extra else "pip install fsspec"
    try:
        import fsspec
    except ImportError:
        raise InputError(
            f"{location}: reading {scheme}:// URLs needs fsspec, which is not installed", install
        ) from None
    try:
        return fsspec.filesystem(scheme, **dict(storage_options or {}))
    except ImportError:
        raise InputError(
            f"{location}: reading {scheme}:// URLs needs the {package or scheme} package, "
            "which is not installed",
            install,
        ) from None
    except ValueError as error:
        raise InputError(
            f"{location}: {scheme}:// is not a storage fsspec knows ({error})",
            "use a local path or an s3://, gs://, az:// or file:// URL",
        ) from None


def arrow_filesystem(
    location: str, storage_options: Mapping[str, Any] | None = None
) -> tuple[Any, str]:
    """A pyarrow filesystem and the path inside it: local paths natively, URLs via fsspec."""
    import pyarrow.fs as pafs

    if url_scheme(location) is None:
        return pafs.LocalFileSystem(), os.path.abspath(location)
    fs = fsspec_filesystem(location, storage_options)
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), fs._strip_protocol(location)


# -- partitions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """Some row groups of one Parquet file, and the hive values of its folders.

    Picklable and self-contained: a worker reads it with pyarrow and the storage options.
    `column_types` gives the Arrow type of every dataset column (pyarrow types pickle), so
    that a column missing from this file, or a partition column, becomes a typed array.
    """

    path: str
    row_groups: tuple[int, ...] | None
    partition_values: dict[str, Any] = field(default_factory=dict)
    rows: int = 0
    column_types: dict[str, Any] = field(default_factory=dict)
    storage_options: dict[str, Any] = field(default_factory=dict)

    def arrow_batches(
        self,
        columns: list[str],
        *,
        filesystem_options: Mapping[str, Any] | None = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        read_dictionary: tuple[str, ...] = (),
    ) -> Iterator[Any]:
        """Record batches of `columns` (in that order), partition columns included.

        `read_dictionary`: text columns to read as dictionaries (cheaper to count).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        options = self.storage_options if filesystem_options is None else filesystem_options
        fs, inner = arrow_filesystem(self.path, options)
        try:
            file = pq.ParquetFile(
                inner,
                filesystem=fs,
                read_dictionary=[c for c in read_dictionary if c not in self.partition_values],
                pre_buffer=False,
                buffer_size=1 << 20,
            )
        except (pa.ArrowException, OSError) as error:
            raise InputError(
                f"{self.path}: not a readable Parquet file ({error})",
                "check that it is a Parquet file",
            ) from None
        stored = set(file.schema_arrow.names)
        from_file = [c for c in columns if c in stored and c not in self.partition_values]
        groups = (
            list(self.row_groups)
            if self.row_groups is not None
            else list(range(file.metadata.num_row_groups))
        )
        if not groups:
            return
        for batch in file.iter_batches(batch_size=batch_rows, columns=from_file, row_groups=groups):
            rows = batch.num_rows
            if not rows:
                continue
            arrays = []
            for name in columns:
                if name in self.partition_values:
                    arrays.append(_constant(self.partition_values[name], self._type(name), rows))
                elif name in stored:
                    arrays.append(batch.column(name))
                else:  # schema evolution: a column this file does not have is null here
                    arrays.append(pa.nulls(rows, self._type(name)))
            yield pa.RecordBatch.from_arrays(arrays, names=list(columns))

    def _type(self, name: str) -> Any:
        import pyarrow as pa

        return self.column_types.get(name, pa.null())


def _constant(value: Any, arrow_type: Any, rows: int) -> Any:
    """A column holding one partition value: a one-word dictionary for text (no copies)."""
    import numpy as np
    import pyarrow as pa

    if value is None:
        return pa.nulls(rows, arrow_type)
    if pa.types.is_string(arrow_type):
        indices = pa.array(np.zeros(rows, dtype=np.int32))
        return pa.DictionaryArray.from_arrays(indices, pa.array([value], pa.string()))
    return pa.array(np.full(rows, value), arrow_type)


# -- filters -----------------------------------------------------------------------------

_COMPARISON = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*(==|!=|>=|<=|=|>|<)\s*(.*?)\s*$")
_MEMBERSHIP = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s+(not\s+in|in)\s*\((.*)\)\s*$", re.IGNORECASE)
_TODAY = re.compile(r"^today(?:\s*([+-])\s*(\d+)\s*([dw]))?$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class PartitionFilter:
    """`column op value(s)`, with `today±N` already turned into an ISO date."""

    text: str
    column: str
    op: str  # ==, !=, >=, <=, >, <, in, not in
    values: tuple[str, ...]

    def matches(self, value: Any) -> bool:
        if value is None:
            return False
        if self.op in ("in", "not in"):
            found = any(_compare(value, v, self) == 0 for v in self.values)
            return found if self.op == "in" else not found
        order = _compare(value, self.values[0], self)
        return {
            "==": order == 0,
            "!=": order != 0,
            ">=": order >= 0,
            "<=": order <= 0,
            ">": order > 0,
            "<": order < 0,
        }[self.op]


def _literal(text: str, today: date) -> str:
    value = text.strip().strip("'\"")
    match = _TODAY.match(value)
    if not match:
        return value
    sign, number, unit = match.groups()
    days = int(number or 0) * (7 if (unit or "d").lower() == "w" else 1)
    return (today + timedelta(days=-days if sign == "-" else days)).isoformat()


def parse_filter(text: str, today: date) -> PartitionFilter:
    """A filter from its text; a malformed one is a one-line InputError."""
    membership = _MEMBERSHIP.match(text)
    if membership:
        column, op, items = membership.groups()
        values = tuple(_literal(v, today) for v in items.split(",") if v.strip())
        if not values:
            raise InputError(f"filter {text!r}: the list names no value", FILTER_HINT)
        return PartitionFilter(text, column, " ".join(op.lower().split()), values)
    comparison = _COMPARISON.match(text)
    if not comparison or not comparison.group(3) or comparison.group(3)[0] in "=<>!":
        raise InputError(f"filter {text!r}: expected KEY OP VALUE or KEY in (A,B)", FILTER_HINT)
    column, op, value = comparison.groups()
    return PartitionFilter(text, column, "==" if op == "=" else op, (_literal(value, today),))


def _compare(value: Any, literal: str, rule: PartitionFilter) -> int:
    """-1, 0 or 1: the partition value against the filter's literal, typed like the value."""
    if isinstance(value, int):
        try:
            other: Any = int(literal)
        except ValueError:
            raise InputError(
                f"filter {rule.text!r}: {literal!r} is not a whole number "
                f"(partition key {rule.column} holds numbers)",
                FILTER_HINT,
            ) from None
        mine: Any = value
    elif _ISO_DATE.match(literal) and _ISO_DATE.match(str(value)):
        mine, other = _as_date(str(value)), _as_date(literal)
        if mine is None or other is None:
            mine, other = str(value), literal
    else:
        mine, other = str(value), literal
    return (mine > other) - (mine < other)


def _as_date(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


# -- datasets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _File:
    path: str  # as given to arrow_filesystem: a local path or a full URL
    values: dict[str, Any]


@dataclass(frozen=True)
class _Footer:
    rows: int
    group_rows: tuple[int, ...]
    schema: Any


class Dataset:
    """Many Parquet files read as one table; see the module docstring."""

    def __init__(
        self,
        spec: str,
        files: list[_File],
        footers: list[_Footer],
        keys: dict[str, str],
        filters: tuple[PartitionFilter, ...],
        storage_options: Mapping[str, Any] | None,
    ) -> None:
        import pyarrow as pa

        self.spec = spec
        self.path = spec
        self.files = files
        self.footers = footers
        self.partition_keys = keys  # key -> "int64" | "string"
        self.filters = filters
        self.storage_options = dict(storage_options or {})
        shown = f" [{', '.join(f.text for f in filters)}]" if filters else ""
        self.label = f"{spec}{shown}"
        try:
            schema = pa.unify_schemas([f.schema for f in footers], promote_options="permissive")
        except (pa.ArrowException, TypeError) as error:
            raise InputError(
                f"{spec}: the Parquet files do not share one schema ({error})",
                "give files of one table (same column names and compatible types)",
            ) from None
        fields = [schema.field(n) for n in schema.names if n not in keys]
        fields += [
            pa.field(k, pa.int64() if t == "int64" else pa.string()) for k, t in keys.items()
        ]
        self.schema = pa.schema(fields)
        self._types = {f.name: f.type for f in self.schema}

    @property
    def urls(self) -> list[str]:
        """The selected files, as local paths or URLs (for engines that read files)."""
        return [f.path for f in self.files]

    def kinds(self) -> dict[str, str]:
        from mlci.drift.readers import arrow_kind

        return {f.name: arrow_kind(f.type) for f in self.schema}

    def num_rows(self) -> int | None:
        return sum(f.rows for f in self.footers)

    def peek(self, rows: int = 1000) -> Any:
        """The first rows of the text columns (as ParquetSource.peek); None without any."""
        import pyarrow as pa

        text = [n for n, kind in self.kinds().items() if kind == "string"]
        if not text:
            return None
        batches, seen = [], 0
        for partition in self.partitions():
            for batch in partition.arrow_batches(text, batch_rows=rows):
                batches.append(batch.slice(0, rows - seen))
                seen += batches[-1].num_rows
                if seen >= rows:
                    break
            if seen >= rows:
                break
        if not batches:
            return pa.table({n: pa.array([], pa.string()) for n in text}).to_pandas()
        table = pa.Table.from_batches(batches).combine_chunks()
        return table.cast(pa.schema([pa.field(n, pa.string()) for n in text])).to_pandas()

    def partitions(self, partition_rows: int = PARTITION_ROWS) -> list[Partition]:
        """The files cut into row-group ranges of about `partition_rows`; empty files left out."""
        out: list[Partition] = []
        for file, footer in zip(self.files, self.footers, strict=True):
            if not footer.rows:
                continue
            ranges: list[list[int]] = [[]]
            counted = 0
            for group, size in enumerate(footer.group_rows):
                if ranges[-1] and counted + size > partition_rows:
                    ranges.append([])
                    counted = 0
                ranges[-1].append(group)
                counted += size
            for groups in ranges:
                whole = len(ranges) == 1
                out.append(
                    Partition(
                        file.path,
                        None if whole else tuple(groups),
                        dict(file.values),
                        sum(footer.group_rows[g] for g in groups),
                        dict(self._types),
                        dict(self.storage_options),
                    )
                )
        return out


def _is_glob(spec: str) -> bool:
    return any(ch in spec for ch in "*?[")


class _Lister:
    """Lists files of a local path or an fsspec URL with the same rules."""

    def __init__(self, spec: str, storage_options: Mapping[str, Any] | None) -> None:
        self.spec = spec
        self.scheme = url_scheme(spec)
        self.fs = fsspec_filesystem(spec, storage_options) if self.scheme else None

    def _url(self, path: str) -> str:
        if self.fs is None:
            return path
        return self.fs.unstrip_protocol(path)

    def list(self) -> tuple[str, list[str]]:
        """(the base the hive folders start from, the files), as local paths or URLs."""
        import glob

        if self.fs is None:
            spec = os.path.abspath(os.path.expanduser(self.spec))
            if _is_glob(spec):
                found = sorted(p for p in glob.glob(spec, recursive=True) if os.path.isfile(p))
                return _glob_base(spec), found
            if os.path.isdir(spec):
                found = sorted(
                    os.path.join(top, name) for top, dirs, names in os.walk(spec) for name in names
                )
                return spec, [p for p in found if p.lower().endswith(PARQUET_SUFFIXES)]
            if os.path.isfile(spec):
                return os.path.dirname(spec), [spec]
            raise InputError(f"{self.spec}: no such file or directory", "check the path")
        fs = self.fs
        inner = fs._strip_protocol(self.spec)
        try:
            if _is_glob(inner):
                found = sorted(p for p in fs.glob(inner) if fs.isfile(p))
                base = _glob_base(inner)
            elif fs.isdir(inner):
                found = sorted(p for p in fs.find(inner) if p.lower().endswith(PARQUET_SUFFIXES))
                base = inner
            elif fs.isfile(inner):
                found, base = [inner], inner.rsplit("/", 1)[0]
            else:
                raise InputError(f"{self.spec}: no such file or directory", "check the URL")
        except (OSError, PermissionError) as error:
            raise InputError(
                f"{self.spec}: cannot list it ({error})", "check the URL and the credentials"
            ) from None
        return base, [self._url(p) for p in found]


def _glob_base(pattern: str) -> str:
    """The folder before the first wildcard: hive folders are read below it."""
    head = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return head.rsplit("/", 1)[0] if "/" in head else ""


def _relative(base: str, path: str) -> list[str]:
    inner = path.split("://", 1)[-1] if "://" in path else path
    base_inner = base.split("://", 1)[-1] if "://" in base else base
    base_inner = base_inner.rstrip("/")
    rest = inner[len(base_inner) :] if inner.startswith(base_inner) else inner
    return [p for p in rest.replace(os.sep, "/").split("/") if p]


def _hive_values(segments: list[str]) -> dict[str, str | None] | None:
    """key=value folders of a file's relative path; None when the file is hidden."""
    values: dict[str, str | None] = {}
    for segment in segments[:-1]:
        key, sep, value = segment.partition("=")
        if sep and key:
            text = unquote(value)
            values[unquote(key)] = None if text == HIVE_NULL else text
        elif segment.startswith(("_", ".")):
            return None
    if segments and segments[-1].startswith(("_", ".")):  # _SUCCESS, .crc, _metadata
        return None
    return values


def _typed_keys(raw: list[dict[str, str | None]]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for values in raw:
        for key in values:
            keys.setdefault(key, "int64")
    for key in keys:
        texts = [v[key] for v in raw if v.get(key) is not None]
        if not all(re.fullmatch(r"[+-]?\d{1,18}", str(t)) for t in texts):
            keys[key] = "string"
    return keys


def _footer(file: str, storage_options: Mapping[str, Any] | None) -> _Footer:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, inner = arrow_filesystem(file, storage_options)
    try:
        handle = pq.ParquetFile(inner, filesystem=fs)
    except (pa.ArrowException, OSError) as error:
        raise InputError(
            f"{file}: not a readable Parquet file ({error})",
            "remove it from the dataset or give a pattern that leaves it out",
        ) from None
    meta = handle.metadata
    groups = tuple(meta.row_group(g).num_rows for g in range(meta.num_row_groups))
    return _Footer(int(meta.num_rows), groups, handle.schema_arrow)


def open_dataset(
    spec: str,
    *,
    filters: tuple[str, ...] = (),
    storage_options: Mapping[str, Any] | None = None,
    today: Clock = utc_today,
) -> Dataset:
    """The Parquet files of `spec` that pass `filters` (see the module docstring)."""
    lister = _Lister(spec, storage_options)
    base, found = lister.list()
    if not found:
        what = "matches the pattern" if _is_glob(spec) else "is in it"
        raise InputError(f"{spec}: no Parquet file {what}", "check the path or the pattern")
    not_parquet = [p for p in found if not p.lower().endswith(PARQUET_SUFFIXES)]
    if not_parquet and len(found) == 1 and not _is_glob(spec):
        raise InputError(
            f"{spec}: not a Parquet file (partitioned datasets and engines other than "
            "local read Parquet)",
            "convert it to Parquet, or use --engine local for a single CSV file",
        )
    files: list[_File] = []
    raw: list[dict[str, str | None]] = []
    for path in found:
        values = _hive_values(_relative(base, path))
        if values is not None:
            files.append(_File(path, {}))
            raw.append(values)
    keys = _typed_keys(raw)
    files = [
        _File(f.path, {k: _typed(v.get(k), t) for k, t in keys.items()})
        for f, v in zip(files, raw, strict=True)
    ]
    rules = tuple(parse_filter(text, today()) for text in filters)
    for rule in rules:
        if rule.column not in keys:
            known = ", ".join(keys) if keys else "none: it has no key=value folders"
            raise InputError(
                f"{spec}: filter {rule.text!r}: {rule.column!r} is not a partition key "
                f"(partition keys: {known})",
                "filters select hive partitions (folders like day=2026-11-24); "
                "fix the key name or drop the filter",
            )
    kept = [f for f in files if all(r.matches(f.values[r.column]) for r in rules)]
    if not kept:
        span = _span(files, rules)
        raise InputError(
            f"{spec}: no partition is left after the filters "
            f"{', '.join(r.text for r in rules) or '(none)'}{span}",
            "widen the filters (--filter or drift.filters), or check the clock-relative dates",
        )
    with ThreadPoolExecutor(max_workers=min(FOOTER_THREADS, len(kept))) as pool:
        footers = list(pool.map(lambda f: _footer(f.path, storage_options), kept))
    dataset = Dataset(spec, kept, footers, keys, rules, storage_options)
    if not dataset.num_rows():
        raise InputError(
            f"{dataset.label}: the selected Parquet files hold no rows",
            "a profile or check of no rows means nothing; check the path and the filters",
        )
    return dataset


def _typed(value: str | None, kind: str) -> Any:
    if value is None:
        return None
    return int(value) if kind == "int64" else value


def _span(files: list[_File], rules: tuple[PartitionFilter, ...]) -> str:
    """`(day holds 2026-11-20 .. 2026-11-27)`: what the filtered keys hold, for the message."""
    parts = []
    for column in dict.fromkeys(r.column for r in rules):
        present = sorted({f.values[column] for f in files if f.values[column] is not None})
        if present:
            parts.append(f"{column} holds {present[0]} .. {present[-1]}")
    return f" ({'; '.join(parts)})" if parts else ""
