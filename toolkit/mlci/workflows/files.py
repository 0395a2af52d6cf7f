"""Write generated files without losing anybody's edits, or compare them (`--check`).

A generated file starts with a header that records the digest of its body. A file
whose body still matches its digest was not edited since mlci wrote it, so it may be
replaced; a file edited by hand, or one mlci did not write, is kept unless forced.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mlci.errors import InputError
from mlci.output import write_file
from mlci.workflows.render import GeneratedFile, digest_of, split_header

Status = Literal["created", "updated", "unchanged", "overwritten", "kept"]


@dataclass(frozen=True)
class FileChange:
    path: str
    status: Status
    reason: str = ""  # why a file was kept or overwritten


@dataclass(frozen=True)
class WriteResult:
    changes: tuple[FileChange, ...]

    @property
    def kept(self) -> tuple[FileChange, ...]:
        return tuple(c for c in self.changes if c.status == "kept")


def _read(path: Path) -> str | None:
    if not path.exists():
        return None
    if path.is_dir():
        raise InputError(f"{path}: is a folder", "move it away; mlci writes a file there")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error})", "check the file") from None


def edited_reason(text: str) -> str | None:
    """Why an existing file must not be replaced silently; None when it may be."""
    digest, body = split_header(text)
    if digest is None:
        return "not written by mlci"
    if digest != digest_of(body):
        return "edited by hand"
    return None


def plan_change(root: Path, path: str, text: str, *, force: bool, generated: bool) -> FileChange:
    """What writing `text` to `path` would do; `generated` files carry the digest header."""
    current = _read(root / path)
    if current is None:
        return FileChange(path, "created")
    if current == text:
        return FileChange(path, "unchanged")
    reason = edited_reason(current) if generated else "differs from what mlci would write"
    if reason is None:
        return FileChange(path, "updated")
    if force:
        return FileChange(path, "overwritten", reason)
    return FileChange(path, "kept", reason)


def write_files(root: Path, files: Iterable[tuple[str, str, bool]], *, force: bool) -> WriteResult:
    """Write (path, text, generated) triples under `root` by the rules above."""
    changes = []
    for path, text, generated in files:
        change = plan_change(root, path, text, force=force, generated=generated)
        if change.status in ("created", "updated", "overwritten"):
            write_file(root / path, text)
        changes.append(change)
    return WriteResult(tuple(changes))


def write_generated(root: Path, files: Iterable[GeneratedFile], *, force: bool) -> WriteResult:
    return write_files(root, ((f.path, f.text, True) for f in files), force=force)


@dataclass(frozen=True)
class Difference:
    path: str
    diff: str  # unified diff, committed file -> fresh render


def compare_generated(root: Path, files: Iterable[GeneratedFile]) -> tuple[Difference, ...]:
    """Files whose committed text differs from a fresh render (missing ones included)."""
    found = []
    for file in files:
        current = _read(root / file.path)
        if current == file.text:
            continue
        diff = "".join(
            difflib.unified_diff(
                (current or "").splitlines(keepends=True),
                file.text.splitlines(keepends=True),
                fromfile=f"a/{file.path}" if current is not None else "/dev/null",
                tofile=f"b/{file.path}",
            )
        )
        found.append(Difference(file.path, diff))
    return tuple(found)
