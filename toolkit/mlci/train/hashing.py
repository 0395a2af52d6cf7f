"""SHA-256 of model and data files (or folders), the lineage part of a run record."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mlci.train.record import FileDigest

_CHUNK = 1 << 20


def _hash_file(path: Path, digest: hashlib._Hash) -> int:
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size


def digest_path(cwd: Path, relative: str) -> FileDigest:
    """Hash a file, or a folder as the hash of its (relative path, content) pairs."""
    path = cwd / relative
    if path.is_file():
        digest = hashlib.sha256()
        size = _hash_file(path, digest)
        return FileDigest(relative, digest.hexdigest(), size)
    if path.is_dir():
        digest = hashlib.sha256()
        size = count = 0
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            size += _hash_file(file, digest)
            count += 1
        return FileDigest(relative, digest.hexdigest(), size, count)
    return FileDigest(relative, None, None, 0)
