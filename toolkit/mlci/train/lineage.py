"""The data part of a run record: per-path digests and the lineage manifest, in one read.

Each data path is read once: the same pass feeds the path's `FileDigest` and the
sha256 of every file in it, which the manifest reuses instead of hashing again. Rows
and the schema come from the Parquet footer, or one parse of a CSV. A `dvc.lock` in
the project adds DVC's md5 and the stage command of the files it lists.

A file whose table cannot be read still gets a record (hash and size, no rows), and
the problem goes to `errors`: lineage never fails a training.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlci.data.lineage import (
    DvcEntry,
    FileRecord,
    Manifest,
    find_dvc_lock,
    read_dvc_lock,
    record_file,
)
from mlci.errors import MlciError
from mlci.train.hashing import digest_files
from mlci.train.record import FileDigest


@dataclass(frozen=True)
class DataLineage:
    digests: tuple[FileDigest, ...]
    manifest: Manifest
    errors: tuple[str, ...] = ()


def _visible(file: Path, folder: Path) -> bool:
    # As `mlci data manifest` walks folders: hidden files and folders are left out.
    return not any(part.startswith(".") for part in file.relative_to(folder).parts)


def _record(
    file: Path,
    name: str,
    sha256: str,
    command: str | None,
    dvc: dict[Path, DvcEntry] | None,
    errors: list[str],
) -> FileRecord:
    try:
        return record_file(file, command=command, dvc=dvc, sha256=sha256, name=name)
    except MlciError as error:  # unreadable table, or Parquet without pyarrow
        errors.append(f"lineage of {name}: {error.message}")
        known = (dvc or {}).get(file.resolve())
        return FileRecord(
            path=name,
            size=file.stat().st_size,
            sha256=sha256,
            md5=None,
            hash_source="computed",
            rows=None,
            columns=(),
            schema_fingerprint=None,
            command=command or (known.command if known else None),
        )


def data_lineage(
    root: str | Path,
    paths: Sequence[str],
    *,
    commands: Mapping[str, str] | None = None,
    dvc_lock: str | Path | None = None,
) -> DataLineage:
    """Digests and manifest of the data `paths` (relative to `root`; folders walked).

    `commands` maps a path to the command that produces it (e.g. data.current.command
    for data.current.path). `dvc_lock` defaults to `root/dvc.lock` when it exists.
    """
    base = Path(root)
    errors: list[str] = []
    lock = dvc_lock if dvc_lock is not None else find_dvc_lock(base)
    dvc: dict[Path, DvcEntry] | None = None
    if lock is not None:
        try:
            dvc = read_dvc_lock(lock)
        except MlciError as error:
            errors.append(f"lineage: {error.message}")
    digests: list[FileDigest] = []
    records: list[FileRecord] = []
    for relative in paths:
        digest, hashes = digest_files(base, relative)
        digests.append(digest)
        command = (commands or {}).get(relative)
        target = base / relative
        if target.is_file():
            records.append(
                _record(target, relative, hashes[target.resolve()], command, dvc, errors)
            )
            continue
        if not target.is_dir():
            continue  # missing: the digest already says so
        for file in sorted(p for p in target.rglob("*") if p.is_file()):
            if _visible(file, target):
                name = (Path(relative) / file.relative_to(target)).as_posix()
                records.append(_record(file, name, hashes[file.resolve()], command, dvc, errors))
    return DataLineage(tuple(digests), Manifest(files=tuple(records)), tuple(errors))
