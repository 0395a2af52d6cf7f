"""Lineage manifests: which data files, with which content and schema, made a model.

A manifest records per file its path, size, a streamed sha256 (equal to `sha256sum`'s),
row count, column types, a schema fingerprint and the command that produced it. Where a
`dvc.lock` already holds a file's hash (and its size still matches), that hash and the
stage's command are used instead of reading the file again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from mlci.documents import parse_json_text, read_document
from mlci.errors import InputError
from mlci.tables import iter_batches, open_table, table_format

# New manifests start with "schema": "mlci.manifest/v1" (see `mlci.resultschema`); those
# of the previous release carried "kind": MANIFEST_KIND and "version" instead.
MANIFEST_SCHEMA_PREFIX = "mlci.manifest/v"
MANIFEST_KIND = "mlci-data-manifest"
MANIFEST_VERSION = 1
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ColumnType:
    name: str
    type: str


@dataclass(frozen=True)
class FileRecord:
    """One data file in a manifest. `sha256` is None only when dvc.lock gave an md5."""

    path: str
    size: int
    sha256: str | None
    md5: str | None
    hash_source: Literal["computed", "dvc.lock"]
    rows: int | None
    columns: tuple[ColumnType, ...]
    schema_fingerprint: str | None
    command: str | None


@dataclass(frozen=True)
class Manifest:
    files: tuple[FileRecord, ...]
    version: int = MANIFEST_VERSION

    def get(self, path: str) -> FileRecord | None:
        return next((r for r in self.files if r.path == path), None)


@dataclass(frozen=True)
class DvcEntry:
    md5: str
    size: int | None
    command: str | None


# -- hashing and schemas ------------------------------------------------------------------
def sha256_file(path: str | Path) -> str:
    """The file's sha256 read in 1 MiB chunks (memory stays flat for any size)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def schema_fingerprint(columns: Sequence[ColumnType]) -> str:
    """sha256 of the ordered (name, type) list: equal fingerprints, equal schemas."""
    text = json.dumps([[c.name, c.type] for c in columns], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _merge_dtype(old: str | None, new: str) -> str:
    # A CSV chunk with a null turns an int column into float; both are the same column.
    if old is None or old == new:
        return new
    if {old, new} <= {"int64", "float64"}:
        return "float64"
    return "str"


def table_shape(path: str | Path, batch_rows: int = 250_000) -> tuple[int, tuple[ColumnType, ...]]:
    """Row count and column types: Parquet from its footer, CSV by one streamed pass."""
    table = open_table(path)
    if table.format == "parquet":
        schema = table.parquet.schema_arrow
        return table.rows or 0, tuple(ColumnType(f.name, str(f.type)) for f in schema)
    rows = 0
    merged: dict[str, str | None] = {}
    for frame in iter_batches(path, batch_rows=batch_rows):
        rows += len(frame)
        for name, dtype in frame.dtypes.items():
            merged[str(name)] = _merge_dtype(merged.get(str(name)), str(dtype))
    return rows, tuple(ColumnType(n, t or "str") for n, t in merged.items())


# -- dvc.lock -----------------------------------------------------------------------------
def find_dvc_lock(start: str | Path = ".") -> Path | None:
    """dvc.lock in `start`, if there is one."""
    candidate = Path(start) / "dvc.lock"
    return candidate if candidate.is_file() else None


def read_dvc_lock(path: str | Path) -> dict[Path, DvcEntry]:
    """Absolute file path -> md5, size and stage command, from a dvc.lock (schema 2.0)."""
    from mlci.documents import parse_yaml_text
    from mlci.output import remember_input

    lock = Path(path)
    remember_input(lock)
    try:
        data = parse_yaml_text(lock.read_text(encoding="utf-8")) or {}
    except ValueError as error:  # duplicate keys, alias bombs and nesting too
        raise InputError(f"{lock}: {error}", "check dvc.lock") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{lock}: cannot be read as YAML ({error})", "check dvc.lock") from None
    stages = data.get("stages") if isinstance(data, dict) else None
    if not isinstance(stages, dict):
        raise InputError(f"{lock}: no 'stages' mapping", "is this a DVC 2+ dvc.lock file?")
    base = lock.resolve().parent
    entries: dict[Path, DvcEntry] = {}
    for stage in stages.values():
        if not isinstance(stage, dict):
            continue
        cmd = stage.get("cmd")
        command = " && ".join(map(str, cmd)) if isinstance(cmd, list) else cmd
        for kind in ("deps", "outs"):
            for item in stage.get(kind) or ():
                md5 = item.get("md5") if isinstance(item, dict) else None
                # Folder outputs carry a '.dir' hash of a listing, not of a file.
                if not md5 or str(md5).endswith(".dir") or "path" not in item:
                    continue
                target = (base / str(item["path"])).resolve()
                size = item.get("size")
                entry = DvcEntry(str(md5), int(size) if size is not None else None, None)
                if kind == "outs":
                    entries[target] = DvcEntry(entry.md5, entry.size, command)
                else:
                    entries.setdefault(target, entry)
    return entries


# -- manifests ----------------------------------------------------------------------------
def _expand(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.parts)
            )
        elif path.is_file():
            from mlci.output import remember_input

            remember_input(path)  # a file named, not found in a folder walked
            files.append(path)
        else:
            raise InputError(f"{path}: file not found", "check the path")
    return files


def record_file(
    path: str | Path,
    *,
    command: str | None = None,
    dvc: dict[Path, DvcEntry] | None = None,
    sha256: str | None = None,
    name: str | None = None,
) -> FileRecord:
    """The manifest record of one file.

    `sha256` is the file's hash when the caller has just computed it (the run record
    hashes its data files anyway): it is kept, never recomputed, and a matching
    dvc.lock entry still adds its md5 and stage command. `name` is the path to record
    (default: `path` as given), e.g. one relative to the project root.
    """
    file = Path(path)
    size = file.stat().st_size
    known = (dvc or {}).get(file.resolve())
    fresh = known is not None and (known.size is None or known.size == size)
    md5 = known.md5 if fresh and known is not None else None
    source = "dvc.lock" if fresh and sha256 is None else "computed"
    if sha256 is None and not fresh:  # no entry, or a stale one (changed after `dvc repro`)
        sha256 = sha256_file(file)
    rows: int | None = None
    columns: tuple[ColumnType, ...] = ()
    fingerprint = None
    if table_format(file) is not None:
        rows, columns = table_shape(file)
        fingerprint = schema_fingerprint(columns)
    return FileRecord(
        path=name if name is not None else file.as_posix(),
        size=size,
        sha256=sha256,
        md5=md5,
        hash_source=source,  # type: ignore[arg-type]
        rows=rows,
        columns=columns,
        schema_fingerprint=fingerprint,
        command=command or (known.command if known else None),
    )


def build_manifest(
    paths: Sequence[str | Path],
    *,
    command: str | None = None,
    dvc_lock: str | Path | None = None,
) -> Manifest:
    """A manifest of the files in `paths` (folders are walked, hidden files skipped)."""
    dvc = read_dvc_lock(dvc_lock) if dvc_lock is not None else None
    records = [record_file(p, command=command, dvc=dvc) for p in _expand(paths)]
    return Manifest(files=tuple(records))


def manifest_to_dict(manifest: Manifest) -> dict[str, Any]:
    return {
        "schema": f"{MANIFEST_SCHEMA_PREFIX}{manifest.version}",
        "files": [asdict(r) for r in manifest.files],
    }


def manifest_from_dict(data: Any, source: str = "manifest") -> Manifest:
    from mlci.resultschema import document_version, validate_document

    if not isinstance(data, dict) or ("schema" not in data and data.get("kind") != MANIFEST_KIND):
        raise InputError(
            f"{source}: not an mlci data manifest", "write one with `mlci data manifest`"
        )
    validate_document(data, "manifest", source)
    try:
        files = tuple(
            FileRecord(
                **{
                    **item,
                    "columns": tuple(ColumnType(**c) for c in item.get("columns", ())),
                }
            )
            for item in data["files"]
        )
    except (KeyError, TypeError) as error:
        raise InputError(f"{source}: malformed manifest ({error})", "write it again") from None
    return Manifest(files=files, version=document_version(data, "manifest", source))


def write_manifest(manifest: Manifest, path: str | Path, *, option: str | None = None) -> None:
    """Write the manifest through `mlci.output` (folders made, atomic, never over an input)."""
    from mlci.output import write_output

    write_output(path, json.dumps(manifest_to_dict(manifest), indent=2) + "\n", option=option)


def read_manifest(path: str | Path) -> Manifest:
    data = read_document(path, unreadable="not JSON", hint="give a manifest file", json_only=True)
    return manifest_from_dict(data, str(Path(path)))


def is_manifest_file(path: str | Path) -> bool:
    """True for a JSON file written by `mlci data manifest` (or by another mlci command, so
    that `read_manifest` refuses it by its schema name instead of reading it as data)."""
    file = Path(path)
    if file.suffix != ".json" or not file.is_file():
        return False
    try:
        data = parse_json_text(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    schema = data.get("schema")
    if isinstance(schema, str):  # any file mlci wrote: read_manifest says if it is one
        return schema.startswith("mlci.")
    return data.get("kind") == MANIFEST_KIND
