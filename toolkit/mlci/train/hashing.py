"""SHA-256 of model and data files (or folders), the lineage part of a run record."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mlci.train.record import FileDigest

_CHUNK = 1 << 20


def _hash_file(path: Path, *digests: hashlib._Hash) -> int:
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            for digest in digests:
                digest.update(chunk)
            size += len(chunk)
    return size


def digest_files(
    cwd: Path, relative: str, *, per_file: bool = True
) -> tuple[FileDigest, dict[Path, str]]:
    """The path's digest and the sha256 of every file in it, from one read of each file.

    The per-file hashes (keyed by resolved path) feed the data manifest, so a run
    record reads its data once for both. A folder's digest is the hash of its
    (relative path, content) pairs, as before.
    """
    path = cwd / relative
    if path.is_file():
        digest = hashlib.sha256()
        size = _hash_file(path, digest)
        return FileDigest(relative, digest.hexdigest(), size), {path.resolve(): digest.hexdigest()}
    if path.is_dir():
        digest = hashlib.sha256()
        files: dict[Path, str] = {}
        size = count = 0
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            count += 1
            if not per_file:
                size += _hash_file(file, digest)
                continue
            own = hashlib.sha256()
            size += _hash_file(file, digest, own)
            files[file.resolve()] = own.hexdigest()
        return FileDigest(relative, digest.hexdigest(), size, count), files
    return FileDigest(relative, None, None, 0), {}


def digest_path(cwd: Path, relative: str) -> FileDigest:
    """Hash a file, or a folder as the hash of its (relative path, content) pairs."""
    return digest_files(cwd, relative, per_file=False)[0]
