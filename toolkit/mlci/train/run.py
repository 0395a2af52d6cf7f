"""Run the configured training command and write its run record."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.config.schema import MlciConfig
from mlci.gitutil import git_state
from mlci.metrics.load import load_metrics
from mlci.train.cache import CacheOutcome, RunnerCache
from mlci.train.checkpoints import CheckpointPlan, Terminated, terminate_raises
from mlci.train.hashing import digest_path
from mlci.train.lineage import DataLineage, data_lineage
from mlci.train.record import RunRecord, record_path, run_folder, save_run

if TYPE_CHECKING:
    from mlci.tracking.connection import HttpLimits

MAX_PLOT_BYTES = 5 * 2**20
MAX_IMAGE_BYTES = 2**20  # the report shows no bigger image (mlci.report.images)


def training_env(env: Mapping[str, str], python: str) -> dict[str, str]:
    """The child's environment with the running interpreter's folder first on PATH.

    So `python train.py` in mlci.yaml means the Python that runs mlci (its venv),
    not whatever `python` happens to be first on the runner's PATH.
    """
    out = dict(env)
    folder = str(Path(python).parent)
    out["PATH"] = folder + os.pathsep + out["PATH"] if out.get("PATH") else folder
    out.setdefault("PYTHONUNBUFFERED", "1")  # stream the training's output as it comes
    return out


def data_files(config: MlciConfig) -> list[str]:
    """The data a training read: train.data plus data.reference and data.current.path."""
    paths = list(config.train.data)
    for extra in (config.data.reference, config.data.current.path):
        if extra and extra not in paths:
            paths.append(extra)
    return paths


def lineage_of(config: MlciConfig, root: Path) -> DataLineage:
    """Digests and manifest of the run's data; data.current.command produced its path."""
    current = config.data.current
    commands = {current.path: current.command} if current.path and current.command else {}
    return data_lineage(root, data_files(config), commands=commands)


def _new_id(cwd: Path, started: datetime, commit: str | None) -> str:
    stem = started.strftime("%Y%m%dT%H%M%SZ") + "-" + (commit[:7] if commit else "nogit")
    run_id, n = stem, 1
    while record_path(cwd, run_id).exists():
        n += 1
        run_id = f"{stem}-{n}"
    return run_id


def _stream(
    command: str,
    cwd: Path,
    env: dict[str, str],
    timeout_s: float | None,
    on_output: Callable[[str], None] | None,
) -> tuple[int | None, bool]:
    """Run in its own process group, pass each output line on; (exit code, timed out)."""
    process = subprocess.Popen(
        command,
        shell=True,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
        start_new_session=True,
    )
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        # The whole group: the shell and whatever it started.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(timeout_s, kill) if timeout_s else None
    if timer:
        timer.daemon = True
        timer.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if on_output is not None:
                on_output(line.rstrip("\n"))
        code = process.wait()
    except BaseException:  # SIGTERM (Terminated) or Ctrl-C: stop the training too
        _stop_group(process)
        raise
    finally:
        if timer:
            timer.cancel()
    return (None if timed_out.is_set() else code), timed_out.is_set()


def _stop_group(process: subprocess.Popen[str], grace_s: float = 5.0) -> None:
    """SIGTERM to the training's group (it may save a checkpoint), SIGKILL after `grace_s`."""
    for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_training(
    config: MlciConfig,
    cwd: str | Path,
    *,
    on_output: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
    python: str = sys.executable,
    command: str | None = None,
    cache_dir: str | None = None,
    resume_from: str | Path | None = None,
    git_root: str | Path | None = None,
    candidate: Mapping[str, Any] | None = None,
) -> RunRecord:
    """Run `train.command` in `cwd`, then record git state, params, metrics, hashes.

    `env` is the child's environment (default: this process's); `on_output`
    receives each output line as it is printed. The record is written to
    `cwd/.mlci/runs/<id>.json` whatever the outcome; its `status` says how it went.

    With train.cache or train.checkpoints set, the runner cache (`cache_dir`, the
    CLI's $MLCI_CACHE_DIR, unless train.cache.dir is set) is restored before and saved
    after the command; `resume_from` is a downloaded checkpoints artifact to resume from.

    A sweep candidate (`mlci.train.sweep`) trains in a copy of the work tree: `git_root`
    is the repository the copy came from (its commit is recorded), `candidate` the
    record's `candidate` entry ({"id": "c2", "params": {...}}).
    """
    root = Path(cwd).resolve()
    command = command or config.train.command
    # Before training: the files it writes may make the tree dirty.
    state = git_state(Path(git_root).resolve() if git_root else root)
    started = datetime.now(timezone.utc)
    clock, wall_start = time.monotonic(), time.time()
    child_env = training_env(os.environ if env is None else env, python)
    timeout_s = config.train.timeout_minutes * 60 if config.train.timeout_minutes > 0 else None
    errors: list[str] = []
    if cache_dir is None and env is not None:  # the environment the CLI passed in
        cache_dir = env.get("MLCI_CACHE_DIR") or None
    runner_cache = _runner_cache(config, cache_dir)
    cache, checkpoints = _before_training(
        config,
        root,
        runner_cache,
        state.commit,
        child_env,
        resume_from,
        timeout_s,
        on_output,
        candidate_id=str(candidate["id"]) if candidate and "id" in candidate else None,
    )
    child_env.update(checkpoints.env(root) if checkpoints else {})
    code, timed_out = None, False
    try:
        if cache is not None and cache.setup_failed:
            errors += cache.errors  # no training on half-downloaded inputs
        else:
            with terminate_raises():
                code, timed_out = _stream(command, root, child_env, timeout_s, on_output)
    except OSError as error:
        errors.append(f"cannot start `{command}`: {error.strerror}")
    except (Terminated, KeyboardInterrupt):
        errors.append("mlci train was stopped (SIGTERM or interrupt); the training was killed")
    cache, notes = _after_training(root, runner_cache, cache, checkpoints, succeeded=code == 0)
    errors += notes
    duration = round(time.monotonic() - clock, 3)
    status = "timeout" if timed_out else ("succeeded" if code == 0 else "failed")
    if timed_out:
        errors.append(f"`{command}` timed out after {config.train.timeout_minutes} minutes")
    elif code is not None and code < 0:  # Popen reports a signal as its negative number
        errors.append(f"`{command}` was killed by signal {_signal_name(-code)}")
    elif code not in (0, None):
        errors.append(f"`{command}` exited with code {code}")

    if code == 0:
        errors += _not_written(root, config.train.metrics, wall_start)
    metrics = load_metrics(config.train.metrics, root)
    params = load_metrics([config.train.params] if config.train.params else [], root)
    errors += [f.error for f in (*metrics.files, *params.files) if f.error]
    lineage = lineage_of(config, root)
    errors += lineage.errors
    record = RunRecord(
        id=_new_id(root, started, state.commit),
        created_at=started.isoformat(timespec="microseconds"),
        command=command,
        status=status,
        exit_code=code,
        duration_s=duration,
        git={"commit": state.commit, "branch": state.branch, "dirty": state.dirty},
        params={f.path: f.values for f in params.files if not f.error},
        metrics={f.path: f.values for f in metrics.files if not f.error},
        model=digest_path(root, config.train.model) if config.train.model else None,
        data=lineage.digests,
        data_manifest=lineage.manifest,
        runner=_runner_facts(root, env),
        errors=tuple(errors),
        candidate=dict(candidate) if candidate is not None else None,
        cache=cache.to_record() if cache else None,
        resumed=checkpoints.resume.to_record() if checkpoints and checkpoints.resume else None,
    )
    save_run(root, record)
    if config.train.plots:
        snapshot_plots(root, config.train.plots, run_folder(root, record.id))
    return record


def _runner_cache(config: MlciConfig, cache_dir: str | None) -> RunnerCache | None:
    """The runner cache when train.cache.paths or train.checkpoints use it."""
    settings = config.train.cache
    if not settings.paths and not config.train.checkpoints:
        return None
    from mlci.train.cache import cache_root

    return RunnerCache.from_settings(settings, cache_root(settings, cache_dir, Path.home()))


def _before_training(
    config: MlciConfig,
    root: Path,
    runner_cache: RunnerCache | None,
    commit: str | None,
    env: dict[str, str],
    resume_from: str | Path | None,
    timeout_s: float | None,
    on_output: Callable[[str], None] | None,
    candidate_id: str | None = None,
) -> tuple[CacheOutcome | None, CheckpointPlan | None]:
    """Restore the data cache (or run train.cache.setup) and an earlier attempt's
    checkpoints; what they did goes into the record."""
    from mlci.train.cache import data_cache_key, restore_data_cache
    from mlci.train.checkpoints import checkpoint_key, prepare_checkpoints

    def run_setup(setup: str) -> str | None:
        try:
            code, timed_out = _stream(setup, root, env, timeout_s, on_output)
        except OSError as error:
            return f"cannot start `{setup}`: {error.strerror}"
        if timed_out:
            return f"`{setup}` timed out"
        return None if code == 0 else f"`{setup}` exited with code {code}"

    cache = None
    settings = config.train.cache
    if runner_cache is not None and settings.paths:
        key = data_cache_key(settings, root, data_files(config), env=env)
        cache = restore_data_cache(settings, runner_cache, root, key, run_setup)
    checkpoints = None
    if config.train.checkpoints:
        params = digest_path(root, config.train.params).sha256 if config.train.params else None
        key_of = checkpoint_key(commit, params, candidate_id) if commit else None
        checkpoints = prepare_checkpoints(
            config.train.checkpoints,
            root,
            cache=runner_cache,
            commit=commit,
            key=key_of,
            resume_from=Path(resume_from) if resume_from is not None else None,
        )
    return cache, checkpoints


def _after_training(
    root: Path,
    runner_cache: RunnerCache | None,
    cache: CacheOutcome | None,
    checkpoints: CheckpointPlan | None,
    *,
    succeeded: bool,
) -> tuple[CacheOutcome | None, list[str]]:
    """Save a missed data cache and an unfinished run's checkpoints (in any outcome)."""
    from mlci.train.cache import save_data_cache
    from mlci.train.checkpoints import finish_checkpoints

    notes: list[str] = []
    if cache is not None and runner_cache is not None:
        cache = save_data_cache(cache, runner_cache, root)
        notes += [e for e in cache.errors if not e.startswith("train.cache.setup")]
    if checkpoints is not None:
        note = finish_checkpoints(checkpoints, root, runner_cache, succeeded=succeeded)
        notes += [note] if note else []
    return cache, notes


@dataclass(frozen=True)
class TrackedRecord:
    """A record after it was mirrored to the tracking backend, and what was not logged."""

    record: RunRecord  # with `tracking` set when a backend logged it
    notes: tuple[str, ...] = ()


def track_run(
    config: MlciConfig, cwd: str | Path, record: RunRecord, *, limits: HttpLimits | None = None
) -> TrackedRecord:
    """Log a saved record to MLflow when `tracking.mlflow.uri` is set, then save the record
    again with its `tracking` entry (the MLflow run id, URI and experiment).

    Runs after `run_training`, so a failure here (an MlciError: ServiceError when the
    server fails, InputError when MLflow is not installed) leaves the record as written.
    """
    if not config.tracking.mlflow.uri:
        return TrackedRecord(record)
    from mlci.tracking.mlflow import log_run, tracking_entry

    root = Path(cwd).resolve()
    run = log_run(config, record, root, limits=limits)
    tracked = replace(record, tracking={**record.tracking, "mlflow": tracking_entry(run)})
    save_run(root, tracked)
    return TrackedRecord(tracked, run.notes)


def _runner_facts(root: Path, env: Mapping[str, str] | None) -> dict[str, Any]:
    """The quick probe (no framework imports: OS, CPU, memory, disk, nvidia-smi), plus
    the result of `mlci runner check` when that ran earlier in this job."""
    from mlci.runners import probe_runner
    from mlci.runners.preflight import load_preflight

    runner = probe_runner(disk_path=str(root), frameworks=()).to_dict()
    preflight = load_preflight(root, runner["hostname"], env=env)
    if preflight is not None:
        runner["preflight"] = preflight
    return runner


def _signal_name(number: int) -> str:
    try:
        return f"{number} ({signal.Signals(number).name})"
    except ValueError:
        return str(number)


# Slack for file systems that store modification times in whole seconds.
_MTIME_SLACK_S = 2.0


def _not_written(root: Path, paths: tuple[str, ...], started: float) -> list[str]:
    """Metric files older than the run: left from an earlier run or committed, so the
    record (and the gates) would show old figures as this run's."""
    from mlci.metrics.mlruns import is_store_entry, run_started_s

    stale = []
    for path in paths:
        file = root / path
        if is_store_entry(root, path):
            # An MLflow store: its newest run must have started with this training.
            began = run_started_s(root, path)
            if began is not None and began < started - _MTIME_SLACK_S:
                stale.append(
                    f"{path}: not written by this run (its newest MLflow run started before "
                    "this training); the record keeps that run's values"
                )
            continue
        if file.is_file() and file.stat().st_mtime < started - _MTIME_SLACK_S:
            stale.append(
                f"{path}: not written by this run (last changed before it started); "
                "the record keeps its old values"
            )
    return stale


def snapshot_plots(root: Path, folder: str, target: Path) -> None:
    """Keep a copy of the plot data next to the record, so a later report can overlay it.

    Plot data is usually not committed; without a copy the base side of a plot
    would be lost once the base branch's checkout is gone.
    """
    from mlci.report.plots import IMAGE_SUFFIXES, PLOT_SUFFIXES

    source = root / folder
    if not source.is_dir():
        return
    for file in sorted(source.rglob("*")):
        if not file.is_file() or file.is_symlink():
            continue
        suffix, size = file.suffix.lower(), file.stat().st_size
        if (suffix in PLOT_SUFFIXES and size <= MAX_PLOT_BYTES) or (
            suffix in IMAGE_SUFFIXES and size <= MAX_IMAGE_BYTES
        ):
            copy = target / file.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, copy)
