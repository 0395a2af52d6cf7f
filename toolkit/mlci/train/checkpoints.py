"""Resumable training: `train.checkpoints`, the folder the training command writes.

A run that does not finish (failed, timed out, killed, cancelled) saves what the folder
holds to the runner cache under a key of (commit, params hash, candidate id). A rerun of
the same commit and params restores it into the folder before the command starts, and
the command finds it through its environment:

    MLCI_CHECKPOINT_DIR  the checkpoints folder (absolute), always set
    MLCI_RESUME_FROM     the newest checkpoint in it (a file or folder), set on resume

"Newest" is the top-level entry with the latest modification time, names in natural
order breaking ties (`step-10` after `step-9`); hidden entries are not checkpoints.

On a fresh runner (ARC pods are ephemeral) the cache may be gone: the workflow then
uploads the folder as an artifact of the failed attempt, and the rerun downloads it and
passes it with `mlci train --resume-from DIR` (the downloaded folder holds the
checkpoints folder's content). Either way the folder carries a small marker,
`.mlci-checkpoint.json` (key, commit, attempt), so a folder from another commit or
other params is refused rather than resumed, and the attempt number counts on.

A run that succeeded drops its entry: resuming is for attempts that did not finish,
and a later rerun of a finished training trains again from the start.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import signal
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.errors import InputError
from mlci.train.cache import RunnerCache

MARKER = ".mlci-checkpoint.json"
ENV_CHECKPOINT_DIR = "MLCI_CHECKPOINT_DIR"
ENV_RESUME_FROM = "MLCI_RESUME_FROM"


def checkpoint_key(commit: str, params_sha256: str | None, candidate: str | None = None) -> str:
    """`ckpt-<sha256>` of the commit, the params file's hash and the sweep candidate."""
    content = {"commit": commit, "params": params_sha256, "candidate": candidate}
    return "ckpt-" + hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _natural(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def latest_checkpoint(folder: Path) -> Path | None:
    """The newest top-level entry of `folder` (see the module notes), or None."""
    if not folder.is_dir():
        return None
    found = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if not found:
        return None
    return max(found, key=lambda p: (p.stat().st_mtime_ns, _natural(p.name)))


@dataclass(frozen=True)
class Resume:
    """Where a run resumed from; `to_record` is the run record's `resumed`."""

    source: str  # "cache" or "artifact"
    checkpoint: str  # the newest checkpoint, relative to the work tree
    attempt: int

    def to_record(self) -> dict[str, Any]:
        return {"from": self.checkpoint, "attempt": self.attempt, "source": self.source}


@dataclass(frozen=True)
class CheckpointPlan:
    """The checkpoints of one run: its folder, cache key, attempt and what it resumed."""

    folder: str  # train.checkpoints, relative to the work tree
    key: str | None  # None outside git: no commit, nothing to match a rerun with
    commit: str | None
    attempt: int
    resume: Resume | None = None

    def env(self, work: Path) -> dict[str, str]:
        """The variables the training command gets."""
        out = {ENV_CHECKPOINT_DIR: str(work / self.folder)}
        if self.resume is not None:
            out[ENV_RESUME_FROM] = str(work / self.resume.checkpoint)
        return out


def _read_marker(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _attempt_of(marker: Mapping[str, Any]) -> int:
    attempt = marker.get("attempt")
    return attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else 1


def prepare_checkpoints(
    folder: str,
    work: Path,
    *,
    cache: RunnerCache | None,
    commit: str | None,
    key: str | None,
    resume_from: Path | None = None,
) -> CheckpointPlan:
    """Restore the checkpoints of an earlier attempt into `work/folder`, if any.

    `resume_from` (a downloaded artifact of the failed attempt) wins over the cache;
    one made for another key (commit, params, candidate) is an InputError.
    """
    target = work / folder
    if resume_from is not None:
        source = Path(resume_from)
        if not source.is_dir():
            raise InputError(
                f"--resume-from {resume_from}: not a folder",
                "pass the folder the checkpoints artifact was downloaded to",
            )
        marker = _read_marker(source)
        if key is not None and marker.get("key") not in (None, key):
            raise InputError(
                f"--resume-from {resume_from}: checkpoints of another run (commit "
                f"{str(marker.get('commit'))[:12]}, or other params); this run is commit "
                f"{(commit or '')[:12]}",
                "download the artifact of a failed attempt of this commit and params",
            )
        if source.resolve() != target.resolve():
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(source, target, symlinks=True)
        return _resumed(folder, work, key, commit, "artifact", _attempt_of(marker))
    if cache is not None and key is not None and cache.restore(key, work) is not None:
        return _resumed(folder, work, key, commit, "cache", _attempt_of(_read_marker(target)))
    return CheckpointPlan(folder, key, commit, attempt=1)


def _resumed(
    folder: str, work: Path, key: str | None, commit: str | None, source: str, previous: int
) -> CheckpointPlan:
    newest = latest_checkpoint(work / folder)
    if newest is None:  # an empty folder was saved: nothing to resume from
        return CheckpointPlan(folder, key, commit, attempt=previous + 1)
    relative = newest.relative_to(work).as_posix()
    resume = Resume(source=source, checkpoint=relative, attempt=previous + 1)
    return CheckpointPlan(folder, key, commit, attempt=previous + 1, resume=resume)


def finish_checkpoints(
    plan: CheckpointPlan, work: Path, cache: RunnerCache | None, *, succeeded: bool
) -> str | None:
    """After the command: keep an unfinished run's checkpoints, drop a finished one's.

    The marker goes into the folder first, so the workflow's artifact of the folder
    carries it too. Returns a note for the record's errors when saving failed.
    """
    target = work / plan.folder
    if target.is_dir():
        from mlci.output import write_file

        marker = {"key": plan.key, "commit": plan.commit, "attempt": plan.attempt}
        write_file(target / MARKER, json.dumps(marker, indent=2))
    if cache is None or plan.key is None:
        return None
    if succeeded:
        cache.remove(plan.key)
        return None
    if latest_checkpoint(target) is None:
        return None  # nothing written yet: no entry, a rerun starts from the beginning
    try:
        result = cache.save(
            plan.key, work, [plan.folder], replace=True, meta={"attempt": plan.attempt}
        )
    except OSError as error:
        return f"train.checkpoints: not saved to the cache ({error})"
    if not result.saved and result.note:
        return f"train.checkpoints: not saved to the cache ({result.note})"
    return None


class Terminated(BaseException):
    """SIGTERM arrived (a cancelled job): unwinds like KeyboardInterrupt, so the
    checkpoints and the record are still saved on the way out."""


@contextlib.contextmanager
def terminate_raises() -> Iterator[None]:
    """While inside, SIGTERM raises `Terminated` in the main thread (elsewhere: no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
