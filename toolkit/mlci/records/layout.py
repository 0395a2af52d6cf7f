"""The files one publish commits to the records branch, for one run record.

    records/<commit-sha>.json        the record, exactly as `save_run` writes it
    records/<commit-sha>/plots/...   its plot data, same relative paths as the run
                                     folder beside the record (`run_folder`)

The folder mirrors `.mlci/runs/<id>/`, so a report can read a published record's plot
data as it reads a local one. What is published is bounded: a file over
`MAX_FILE_BYTES`, more than `MAX_FILES` files, and links (which may point out of the
repository) are left out, each with a note.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from mlci.errors import GateFailed, InputError
from mlci.train.record import RunRecord, run_folder

RECORDS_DIR = "records"
MAX_FILE_BYTES = 5 * 2**20  # plot data is small; anything bigger is not plot data
MAX_FILES = 200
_SHA = re.compile(r"[0-9a-f]{40}")


def record_json_path(commit: str) -> str:
    """Where the record of `commit` lives on the records branch."""
    return f"{RECORDS_DIR}/{commit}.json"


def record_folder(commit: str) -> str:
    """Where the files kept with the record of `commit` live on the records branch."""
    return f"{RECORDS_DIR}/{commit}"


def record_json(record: RunRecord) -> bytes:
    """The record's JSON, byte for byte what `save_run` writes."""
    return (json.dumps(record.to_dict(), indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class RecordFiles:
    commit: str
    files: dict[str, bytes] = field(default_factory=dict)  # path on the branch -> content
    notes: tuple[str, ...] = ()  # what was left out, and why

    @property
    def json_path(self) -> str:
        return record_json_path(self.commit)


def check_publishable(record: RunRecord, source: str) -> str:
    """The record's commit; raises when the record may not become a baseline.

    A failed run is a gate failure (exit 1); a record without a commit, or trained on
    uncommitted changes (it describes no commit), is bad input (exit 2).
    """
    if not record.succeeded:
        raise GateFailed(
            f"{source}: run {record.id} {record.status}; only a succeeded run is a baseline",
            "fix the training and run `mlci train` again",
        )
    commit = record.commit
    if not commit or not _SHA.fullmatch(commit):
        raise InputError(
            f"{source}: run {record.id} has no commit (git.commit), so it is no commit's baseline",
            "train in a git checkout of the commit to publish",
        )
    if record.git.get("dirty") is not False:
        raise InputError(
            f"{source}: run {record.id} was trained on uncommitted changes (git.dirty), "
            "so it is no baseline of commit " + commit[:7],
            "commit or stash the changes and train again",
        )
    return commit


def record_files(root: Path, record: RunRecord, plots: str | None = None) -> RecordFiles:
    """The files to publish for `record` (checked with `check_publishable`).

    The plot data comes from the run folder beside the record when it has one, else
    from `plots` (train.plots) in the work tree.
    """
    commit = check_publishable(record, f"run {record.id}")
    files = {record_json_path(commit): record_json(record)}
    notes: list[str] = []
    kept = run_folder(root, record.id)
    if kept.is_dir():
        pairs = _walk(kept, kept, notes)
    elif plots:
        pairs = _walk(root, root / plots, notes)
    else:
        pairs = []
    folder = record_folder(commit)
    for relative, path in pairs:
        if len(files) > MAX_FILES:
            notes.append(f"{relative}: left out, more than {MAX_FILES} files")
            continue
        files[f"{folder}/{relative}"] = path.read_bytes()
    return RecordFiles(commit, files, tuple(notes))


def _walk(base: Path, start: Path, notes: list[str]) -> list[tuple[str, Path]]:
    """(path relative to `base`, file) for the regular files under `start`.

    Links are not followed (a link may point out of the repository), and `start` itself
    must lie inside `base`.
    """
    resolved_base = base.resolve()
    if start.is_symlink() or not (
        start.resolve() == resolved_base or start.resolve().is_relative_to(resolved_base)
    ):
        notes.append(f"{start.name}: left out, a link or outside the repository")
        return []
    if start.is_file():
        candidates = [start]
    elif start.is_dir():
        candidates = []
        for folder, dirs, names in os.walk(start, followlinks=False):
            for name in sorted(dirs):
                if (Path(folder) / name).is_symlink():
                    notes.append(
                        f"{(Path(folder) / name).relative_to(base).as_posix()}: left out, a link"
                    )
            dirs[:] = sorted(d for d in dirs if not (Path(folder) / d).is_symlink())
            candidates.extend(Path(folder) / n for n in sorted(names))
    else:
        return []
    out = []
    for path in candidates:
        relative = path.relative_to(base).as_posix()
        if path.is_symlink() or not path.is_file():
            notes.append(f"{relative}: left out, a link or not a regular file")
        elif path.stat().st_size > MAX_FILE_BYTES:
            size = path.stat().st_size / 2**20
            notes.append(f"{relative}: left out, {size:.1f} MB (over {MAX_FILE_BYTES // 2**20} MB)")
        else:
            out.append((relative, path))
    return out
