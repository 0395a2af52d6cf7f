"""Runner-local caches: what training downloads (datasets, pretrained weights), kept on
the runner's disk or a mounted volume between jobs.

Layout of a cache root (`train.cache.dir`, else $MLCI_CACHE_DIR, else ~/.cache/mlci):

    ROOT/entries/KEY/files/<the cached paths, as in the work tree>
    ROOT/entries/KEY/entry.json      key, paths, size in bytes, when it was written
    ROOT/entries/KEY/last-used.json  when it was last restored or saved (the LRU clock)
    ROOT/locks/KEY.lock              one lock per entry (flock): writers exclusive
    ROOT/tmp/                        entries being written, renamed into entries/ whole

Two runners that share a volume never see half an entry: an entry is written under
tmp/ and renamed into entries/ in one step, and `entry.json` is written last, so an
entry folder without it is ignored. The last-use time is kept in a file of the entry,
not the file system's atime (often off: `noatime`, `relatime`), so eviction order does
not depend on mount options.

The key of the data cache (`data_cache_key`) is the sha256 of the content hashes of
train.data, the setup command's text and the cached paths, or of the output of
`train.cache.key` when it is set. A train.data path that is itself cached is the
setup's output, not its input, so it is left out of the key.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci.config.schema import CacheConfig
from mlci.errors import ConfigError
from mlci.train.hashing import digest_path

ENTRY_FILE = "entry.json"
LAST_USED_FILE = "last-used.json"
KEY_TIMEOUT_S = 300
GB = 1024**3


def cache_root(settings: CacheConfig, env_dir: str | None, home: Path) -> Path:
    """Where the cache lives: train.cache.dir, else $MLCI_CACHE_DIR (the CLI passes it),
    else ~/.cache/mlci. A relative train.cache.dir is relative to the home folder, so
    it never lands inside the (disposable) work tree."""
    chosen = settings.dir or env_dir
    if not chosen:
        return home / ".cache" / "mlci"
    path = Path(chosen).expanduser()
    return path if path.is_absolute() else home / path


def data_cache_key(
    settings: CacheConfig,
    root: Path,
    data: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
) -> str:
    """The key of the data cache, `data-<sha256>`.

    With `train.cache.key` set, its standard output (stripped) is the key's content;
    a failing key command is a ConfigError naming it.
    """
    digest = hashlib.sha256()
    if settings.key:
        output = _key_command_output(settings.key, root, env)
        digest.update(json.dumps({"key": output}).encode())
        return "data-" + digest.hexdigest()
    cached = set(settings.paths)
    hashes = [
        {"path": path, "sha256": digest_path(root, path).sha256}
        for path in data
        if path not in cached
    ]
    content = {"data": hashes, "setup": settings.setup or "", "paths": list(settings.paths)}
    digest.update(json.dumps(content, sort_keys=True).encode())
    return "data-" + digest.hexdigest()


def _key_command_output(command: str, root: Path, env: Mapping[str, str] | None) -> str:
    try:
        done = subprocess.run(
            command,
            shell=True,
            cwd=root,
            env=None if env is None else dict(env),
            capture_output=True,
            text=True,
            timeout=KEY_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise ConfigError(
            f"mlci.yaml: train.cache.key `{command}` ran longer than {KEY_TIMEOUT_S} s",
            "make the key command print a key quickly (e.g. a hash of a lock file)",
        ) from None
    if done.returncode != 0 or not done.stdout.strip():
        why = f"exited with code {done.returncode}" if done.returncode else "printed nothing"
        raise ConfigError(
            f"mlci.yaml: train.cache.key `{command}` {why}",
            "make it print the cache key on standard output and exit 0",
        )
    return done.stdout.strip()


@dataclass(frozen=True)
class CacheEntry:
    """One complete entry of the cache, as its manifest describes it."""

    key: str
    folder: Path
    paths: tuple[str, ...]
    size: int
    created: float
    last_used: float
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SaveResult:
    saved: bool
    evicted: tuple[str, ...] = ()
    note: str | None = None  # why it was not saved


def _tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _copy(source: Path, target: Path) -> None:
    """Copy a file or folder (symlinks kept as links), replacing what `target` holds."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists() or target.is_symlink():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
    else:
        shutil.copy2(source, target)


class RunnerCache:
    """A cache root on the runner. `clock` gives the time that the LRU order follows
    (injected in tests); `max_bytes` is the size cap (None: no cap)."""

    def __init__(
        self,
        root: Path,
        *,
        max_bytes: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.clock = clock

    @classmethod
    def from_settings(
        cls,
        settings: CacheConfig,
        root: Path,
        clock: Callable[[], float] = time.time,
    ) -> RunnerCache:
        cap = int(settings.max_size_gb * GB) if settings.max_size_gb > 0 else None
        return cls(root, max_bytes=cap, clock=clock)

    # -- layout -----------------------------------------------------------------------

    def folder(self, key: str) -> Path:
        return self.root / "entries" / key

    @contextlib.contextmanager
    def _lock(self, key: str, *, exclusive: bool, wait: bool = True) -> Iterator[bool]:
        """Hold the entry's lock; yields False when `wait` is off and another holds it."""
        path = self.root / "locks" / f"{key}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            try:
                fcntl.flock(handle, mode if wait else mode | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- reading ----------------------------------------------------------------------

    def entry(self, key: str) -> CacheEntry | None:
        """The complete entry under `key`, or None (absent, half written, unreadable)."""
        folder = self.folder(key)
        try:
            manifest = json.loads((folder / ENTRY_FILE).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(manifest, dict) or manifest.get("key") != key:
            return None
        try:
            used = json.loads((folder / LAST_USED_FILE).read_text())["at"]
        except (OSError, ValueError, KeyError, TypeError):
            used = manifest.get("created", 0.0)
        return CacheEntry(
            key=key,
            folder=folder,
            paths=tuple(manifest.get("paths", ())),
            size=int(manifest.get("size", 0)),
            created=float(manifest.get("created", 0.0)),
            last_used=float(used),
            meta=dict(manifest.get("meta") or {}),
        )

    def entries(self) -> list[CacheEntry]:
        """Every complete entry, least recently used first."""
        folder = self.root / "entries"
        found = [self.entry(p.name) for p in folder.iterdir()] if folder.is_dir() else []
        return sorted((e for e in found if e is not None), key=lambda e: (e.last_used, e.key))

    def total_size(self) -> int:
        return sum(e.size for e in self.entries())

    def _touch(self, key: str) -> None:
        from mlci.output import write_file

        write_file(self.folder(key) / LAST_USED_FILE, json.dumps({"at": self.clock()}))

    # -- restore and save -------------------------------------------------------------

    def restore(self, key: str, work: Path) -> CacheEntry | None:
        """Copy the entry's paths into `work` (replacing what is there); None on a miss.

        A shared lock keeps eviction and a replacing writer away while it copies.
        """
        with self._lock(key, exclusive=False):
            entry = self.entry(key)
            if entry is None:
                return None
            files = entry.folder / "files"
            for path in entry.paths:
                source = files / path
                if source.exists() or source.is_symlink():
                    _copy(source, work / path)
            self._touch(key)
        return entry

    def save(
        self,
        key: str,
        work: Path,
        paths: Sequence[str],
        *,
        replace: bool = False,
        meta: Mapping[str, Any] | None = None,
    ) -> SaveResult:
        """Save `paths` of `work` under `key`, then evict down to the cap.

        An entry that exists is kept (and its last use renewed) unless `replace`
        (checkpoints: the newest attempt wins). Another writer holding the entry's
        lock is saving the same key: this one steps aside.
        """
        present = [p for p in paths if (work / p).exists()]
        if not present:
            return SaveResult(False, note="nothing to save: " + ", ".join(paths) + " missing")
        with self._lock(key, exclusive=True, wait=False) as locked:
            if not locked:
                return SaveResult(False, note="another job is saving this entry")
            if self.entry(key) is not None and not replace:
                self._touch(key)
                return SaveResult(False, self._evict(keep=key), note="already cached")
            self._write(key, work, present, meta or {})
        return SaveResult(True, self._evict(keep=key))

    def _write(self, key: str, work: Path, paths: Sequence[str], meta: Mapping[str, Any]) -> None:
        staging = self.root / "tmp" / f"{key}.{uuid.uuid4().hex}"
        try:
            for path in paths:
                _copy(work / path, staging / "files" / path)
            now = self.clock()
            size = _tree_size(staging / "files")
            (staging / LAST_USED_FILE).write_text(json.dumps({"at": now}))
            manifest = {"key": key, "paths": list(paths), "size": size, "created": now}
            if meta:
                manifest["meta"] = dict(meta)
            (staging / ENTRY_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
            target = self.folder(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():  # replaced: move the old one out first, then drop it
                old = self.root / "tmp" / f"{key}.old.{uuid.uuid4().hex}"
                os.rename(target, old)
                os.rename(staging, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def remove(self, key: str) -> bool:
        """Drop an entry (under its lock); False when it was not there or is in use."""
        with self._lock(key, exclusive=True, wait=False) as locked:
            if not locked or not self.folder(key).exists():
                return False
            self._drop(key)
        return True

    def _drop(self, key: str) -> None:
        # Renamed away first, so no reader ever sees a half-deleted entry.
        trash = self.root / "tmp" / f"{key}.evicted.{uuid.uuid4().hex}"
        trash.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.folder(key), trash)
        shutil.rmtree(trash, ignore_errors=True)

    def _evict(self, keep: str) -> tuple[str, ...]:
        """Drop least recently used entries until under the cap, never `keep` nor an entry
        another job has locked (it is being restored or written)."""
        if self.max_bytes is None:
            return ()
        entries = self.entries()
        total = sum(e.size for e in entries)
        evicted = []
        for entry in entries:
            if total <= self.max_bytes:
                break
            if entry.key == keep:
                continue
            with self._lock(entry.key, exclusive=True, wait=False) as locked:
                if not locked or not entry.folder.exists():
                    continue
                self._drop(entry.key)
            total -= entry.size
            evicted.append(entry.key)
        return tuple(evicted)


# -- the data cache of one training -----------------------------------------------------


@dataclass(frozen=True)
class CacheOutcome:
    """What the data cache did for one training; `to_record` is the run record's `cache`."""

    key: str
    hit: bool
    paths: tuple[str, ...]
    setup_skipped: bool
    saved: bool = False
    evicted: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def setup_failed(self) -> bool:
        return bool(self.errors) and not self.hit and not self.setup_skipped

    def to_record(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "hit": self.hit,
            "paths": list(self.paths),
            "setup_skipped": self.setup_skipped,
        }
        if self.saved:
            data["saved"] = True
        if self.evicted:
            data["evicted"] = list(self.evicted)
        return data


def restore_data_cache(
    settings: CacheConfig,
    cache: RunnerCache,
    work: Path,
    key: str,
    run_setup: Callable[[str], str | None],
) -> CacheOutcome:
    """Restore train.cache.paths from the entry under `key`; on a miss run the setup.

    `run_setup(command)` runs train.cache.setup in the work tree and returns an error
    message when it failed (None when it succeeded).
    """
    paths = tuple(settings.paths)
    if cache.restore(key, work) is not None:
        return CacheOutcome(key, hit=True, paths=paths, setup_skipped=settings.setup is not None)
    if not settings.setup:
        return CacheOutcome(key, hit=False, paths=paths, setup_skipped=False)
    error = run_setup(settings.setup)
    errors = (f"train.cache.setup: {error}",) if error else ()
    return CacheOutcome(key, hit=False, paths=paths, setup_skipped=False, errors=errors)


def save_data_cache(outcome: CacheOutcome, cache: RunnerCache, work: Path) -> CacheOutcome:
    """After training: save the paths of a miss (not after a failed setup: they may be
    half downloaded); a hit only renews nothing, its restore already did."""
    from dataclasses import replace

    if outcome.hit or outcome.setup_failed:
        return outcome
    try:
        result = cache.save(outcome.key, work, outcome.paths)
    except OSError as error:
        return replace(outcome, errors=(*outcome.errors, f"train.cache: not saved ({error})"))
    return replace(outcome, saved=result.saved, evicted=result.evicted)
