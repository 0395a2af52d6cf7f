"""What changed between two manifests, or between two versions of a data file.

Manifests are compared file by file (rows, schema, content hash). Two data files are
also compared row by row: without a key, as multisets of row hashes (rows removed and
added); with a key, matched on it (rows changed, and in which columns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlci.data.lineage import FileRecord, Manifest, record_file
from mlci.errors import InputError
from mlci.tables import iter_batches, read_table

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class FileChange:
    path: str
    status: Literal["added", "removed", "modified", "unchanged"]
    details: tuple[str, ...] = ()
    rows_before: int | None = None
    rows_after: int | None = None
    content_changed: bool | None = None  # None: the two hashes cannot be compared
    columns_added: tuple[str, ...] = ()
    columns_removed: tuple[str, ...] = ()
    types_changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ManifestDiff:
    files: tuple[FileChange, ...]

    @property
    def changed(self) -> bool:
        return any(c.status != "unchanged" for c in self.files)


@dataclass(frozen=True)
class RowDiff:
    """Row-level change between two tables, compared on their common columns."""

    removed: int
    added: int
    changed: int = 0
    key: tuple[str, ...] = ()
    changed_columns: tuple[str, ...] = ()
    compared_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataDiff:
    files: ManifestDiff
    rows: RowDiff | None

    @property
    def changed(self) -> bool:
        rows = self.rows
        moved = rows is not None and (rows.removed or rows.added or rows.changed)
        return self.files.changed or bool(moved)


def compare_records(path: str, old: FileRecord, new: FileRecord) -> FileChange:
    """One file's change between two records of it."""
    details: list[str] = []
    if old.sha256 and new.sha256:
        content: bool | None = old.sha256 != new.sha256
    elif old.md5 and new.md5:
        content = old.md5 != new.md5
    else:
        content = None if old.size == new.size else True
    if content:
        details.append("content changed")
    elif content is None:
        details.append(
            "content not comparable (sha256 on one side, md5 from dvc.lock on the other)"
        )
    if old.size != new.size:
        details.append(f"size {old.size} -> {new.size} bytes")
    if old.rows != new.rows and old.rows is not None and new.rows is not None:
        details.append(f"rows {old.rows} -> {new.rows} ({new.rows - old.rows:+d})")
    old_types = {c.name: c.type for c in old.columns}
    new_types = {c.name: c.type for c in new.columns}
    added = tuple(n for n in new_types if n not in old_types)
    removed = tuple(n for n in old_types if n not in new_types)
    retyped = tuple(
        f"{n}: {old_types[n]} -> {new_types[n]}"
        for n in old_types
        if n in new_types and old_types[n] != new_types[n]
    )
    if added:
        details.append(f"columns added: {', '.join(added)}")
    if removed:
        details.append(f"columns removed: {', '.join(removed)}")
    if retyped:
        details.append(f"types changed: {', '.join(retyped)}")
    if not added and not removed and not retyped and list(old_types) != list(new_types):
        details.append("columns reordered")
    status: Literal["modified", "unchanged"] = "modified" if details else "unchanged"
    if content is None and len(details) == 1:
        status = "unchanged"  # only the note about hashes: nothing known to differ
    return FileChange(
        path=path,
        status=status,
        details=tuple(details),
        rows_before=old.rows,
        rows_after=new.rows,
        content_changed=content,
        columns_added=added,
        columns_removed=removed,
        types_changed=retyped,
    )


def diff_manifests(old: Manifest, new: Manifest) -> ManifestDiff:
    """Per file (matched by path): added, removed, modified with details, or unchanged."""
    changes: list[FileChange] = []
    old_paths = {r.path for r in old.files}
    for record in old.files:
        other = new.get(record.path)
        if other is None:
            changes.append(
                FileChange(record.path, "removed", ("file removed",), rows_before=record.rows)
            )
        else:
            changes.append(compare_records(record.path, record, other))
    for record in new.files:
        if record.path not in old_paths:
            changes.append(
                FileChange(record.path, "added", ("file added",), rows_after=record.rows)
            )
    return ManifestDiff(files=tuple(changes))


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in a form whose hashes agree across dtypes (1 == 1.0, text as text)."""
    from pandas.api import types

    return frame.apply(
        lambda c: (
            c.astype("float64")
            if types.is_numeric_dtype(c) and not types.is_bool_dtype(c)
            else c.astype(str)
        )
    )


def _row_hashes(path: str | Path, columns: Sequence[str]) -> np.ndarray:
    import numpy as np
    import pandas as pd

    parts = [
        pd.util.hash_pandas_object(_normal(frame[list(columns)]), index=False).to_numpy()
        for frame in iter_batches(path, columns=columns)
    ]
    return np.concatenate(parts) if parts else np.empty(0, dtype="uint64")


def _multiset_diff(old: np.ndarray, new: np.ndarray) -> tuple[int, int]:
    """(removed, added): rows of `old` without a partner in `new`, and the reverse."""
    import numpy as np

    values = np.unique(np.concatenate([old, new]))
    old_v, old_c = np.unique(old, return_counts=True)
    new_v, new_c = np.unique(new, return_counts=True)
    old_n = np.zeros(len(values), dtype=np.int64)
    new_n = np.zeros(len(values), dtype=np.int64)
    old_n[np.searchsorted(values, old_v)] = old_c
    new_n[np.searchsorted(values, new_v)] = new_c
    return int(np.clip(old_n - new_n, 0, None).sum()), int(np.clip(new_n - old_n, 0, None).sum())


def _keyed_diff(
    old_path: str | Path, new_path: str | Path, key: Sequence[str], common: Sequence[str]
) -> RowDiff:
    """Match rows on `key` (both files are loaded): removed, added and changed rows."""
    old = _normal(read_table(old_path, columns=common))
    new = _normal(read_table(new_path, columns=common))
    for name, frame in (("old", old), ("new", new)):
        if frame.duplicated(subset=list(key)).any():
            raise InputError(
                f"{old_path if name == 'old' else new_path}: the key "
                f"({', '.join(key)}) is not unique",
                "pick a key column whose values are unique",
            )
    merged = old.merge(new, on=list(key), how="outer", suffixes=("_old", "_new"), indicator=True)
    both = merged[merged["_merge"] == "both"]
    values = [c for c in common if c not in key]
    changed_mask = None
    changed_columns = []
    for column in values:
        a, b = both[f"{column}_old"], both[f"{column}_new"]
        differs = ~((a == b) | (a.isna() & b.isna()))
        if differs.any():
            changed_columns.append(column)
        changed_mask = differs if changed_mask is None else (changed_mask | differs)
    changed = int(changed_mask.sum()) if changed_mask is not None else 0
    return RowDiff(
        removed=int((merged["_merge"] == "left_only").sum()),
        added=int((merged["_merge"] == "right_only").sum()),
        changed=changed,
        key=tuple(key),
        changed_columns=tuple(changed_columns),
        compared_columns=tuple(common),
    )


def diff_data_files(
    old_path: str | Path, new_path: str | Path, *, key: Sequence[str] = ()
) -> DataDiff:
    """Compare two versions of a table: file-level change plus the rows that differ."""
    old_record = record_file(old_path)
    new_record = record_file(new_path)
    label = (
        str(new_record.path)
        if old_record.path == new_record.path
        else f"{old_record.path} -> {new_record.path}"
    )
    change = compare_records(label, old_record, new_record)
    files = ManifestDiff(files=(change,))
    if old_record.rows is None or new_record.rows is None:
        return DataDiff(files=files, rows=None)  # not tables: the hash says it all
    new_names = {c.name for c in new_record.columns}
    common = [c.name for c in old_record.columns if c.name in new_names]
    missing = [k for k in key if k not in common]
    if missing:
        raise InputError(
            f"key column {missing[0]!r} is not in both {Path(old_path)} and {Path(new_path)}",
            "pass --key with a column both files have",
        )
    if key:
        rows = _keyed_diff(old_path, new_path, key, common)
    else:
        removed, added = _multiset_diff(
            _row_hashes(old_path, common), _row_hashes(new_path, common)
        )
        rows = RowDiff(removed=removed, added=added, compared_columns=tuple(common))
    return DataDiff(files=files, rows=rows)
