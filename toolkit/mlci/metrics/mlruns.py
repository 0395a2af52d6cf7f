"""Metrics and params of an MLflow run, read from a local store without importing mlflow.

A training script that logs to MLflow (`mlflow.log_metric`) without a tracking server
leaves its runs in the working tree, in one of two stores:

- the file store, `mlruns/` (MLflow 1 and 2; MLflow 3 only with
  MLFLOW_ALLOW_FILE_STORE=true). Layout, as mlflow.store.tracking.file_store.FileStore
  writes it (https://mlflow.org/docs/latest/self-hosting/architecture/backend-store/):
      mlruns/<experiment_id>/meta.yaml            name, lifecycle_stage
      mlruns/<experiment_id>/<run_id>/meta.yaml   status (3 = FINISHED), start_time, ...
      mlruns/<experiment_id>/<run_id>/metrics/<key>   lines `timestamp value step`
      mlruns/<experiment_id>/<run_id>/params/<key>    the value
      mlruns/<experiment_id>/<run_id>/tags/<key>      the value (mlflow.parentRunId, ...)
  keys may hold `/` (`train/loss`): they are nested folders;
- the SQLite store, `mlflow.db` (MLflow 3's default tracking URI, `sqlite:///mlflow.db`):
  tables experiments, runs (status 'FINISHED', start_time), latest_metrics, params, tags.

`train.metrics` (and `train.params`) entries that name a store:
    mlruns                      the newest FINISHED run of the store (by start_time)
    mlruns/<experiment_id>      the newest FINISHED run of that experiment
    mlruns/<exp_id>/<run_id>    that run
    mlflow.db                   the newest FINISHED run of the SQLite store
    STORE#<experiment>          the newest FINISHED run of the experiment of that name (or id)
Only top-level runs count (a run with an `mlflow.parentRunId` tag is a child of a
sweep); deleted runs and experiments never do. A metric's value is its last one: the
highest step, then the latest timestamp (what MLflow shows as the run's metric).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlci.documents import parse_yaml_text
from mlci.metrics.flatten import Scalar
from mlci.metrics.textkv import number

if TYPE_CHECKING:
    import sqlite3

FILE_STORE = "mlruns"
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
EXPERIMENT_MARK = "#"
# RunStatus numbers of the file store's meta.yaml (mlflow.entities.RunStatus).
_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
_PARENT_TAG = "mlflow.parentRunId"


class StoreError(ValueError):
    """The store cannot give a run: the message says why, for the entry's error."""


@dataclass(frozen=True)
class MlflowRunValues:
    run_id: str
    experiment: str  # the experiment's name (its id when it has none)
    status: str
    start_time: int  # milliseconds since the epoch
    metrics: dict[str, Scalar] = field(default_factory=dict)
    params: dict[str, Scalar] = field(default_factory=dict)

    @property
    def description(self) -> str:
        return f"MLflow run {self.run_id[:8]} of experiment '{self.experiment}'"


def split_entry(entry: str) -> tuple[str, str | None]:
    """`mlruns#demo` -> ("mlruns", "demo"); `mlruns` -> ("mlruns", None)."""
    path, mark, experiment = entry.partition(EXPERIMENT_MARK)
    return path, (experiment.strip() or None) if mark else None


def is_sqlite_store(file: Path) -> bool:
    if not file.is_file() or not file.name.lower().endswith(SQLITE_SUFFIXES):
        return False
    with file.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def is_file_store(folder: Path) -> bool:
    """A store root, an experiment folder or a run folder of the file store."""
    if not folder.is_dir():
        return False
    if (folder / "meta.yaml").is_file():
        return True
    return any((child / "meta.yaml").is_file() for child in folder.iterdir() if child.is_dir())


def is_store_entry(root: Path, entry: str) -> bool:
    """Whether a train.metrics entry names an MLflow store (rather than a metrics file)."""
    path, experiment = split_entry(entry)
    target = root / path
    if is_sqlite_store(target) or is_file_store(target):
        return True
    # Named but not written yet: the entry's form says it (the run will create it).
    return experiment is not None or Path(path).name == FILE_STORE


# -- the file store ---------------------------------------------------------------


def _meta(folder: Path) -> dict[str, object]:
    try:
        data = parse_yaml_text((folder / "meta.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _status(value: object) -> str:
    if isinstance(value, int):
        return _STATUS.get(value, str(value))
    return str(value).upper()


def _values_under(folder: Path) -> dict[str, Path]:
    """key -> file under `folder` (keys with `/` are nested folders), in sorted order."""
    if not folder.is_dir():
        return {}
    return {
        file.relative_to(folder).as_posix(): file
        for file in sorted(folder.rglob("*"))
        if file.is_file()
    }


def _last_value(file: Path) -> float:
    """The value at the highest step, then the latest timestamp (then the later line)."""
    best: tuple[int, int, int] | None = None
    value = math.nan
    for index, line in enumerate(file.read_text(encoding="utf-8").splitlines()):
        parts = line.split()
        if len(parts) < 2:
            continue
        try:
            timestamp, parsed = int(parts[0]), float(parts[1])
            step = int(parts[2]) if len(parts) > 2 else 0
        except ValueError:
            raise StoreError(
                f"{file.name}: line {index + 1} is not `timestamp value step`"
            ) from None
        if best is None or (step, timestamp, index) >= best:
            best, value = (step, timestamp, index), parsed
    if best is None:
        raise StoreError(f"metric file {file} holds no values")
    return value


def _param(text: str) -> Scalar:
    parsed = number(text) if not text.strip().endswith("%") else None
    return parsed if parsed is not None else text


def _file_store_run(run: Path, experiment: str) -> MlflowRunValues:
    meta = _meta(run)
    metrics: dict[str, Scalar] = {}
    for key, file in _values_under(run / "metrics").items():
        metrics[key] = _last_value(file)
    params = {
        key: _param(file.read_text(encoding="utf-8"))
        for key, file in _values_under(run / "params").items()
    }
    return MlflowRunValues(
        str(meta.get("run_id") or run.name),
        experiment,
        _status(meta.get("status")),
        _start(meta),
        metrics,
        params,
    )


def _experiments(store: Path) -> list[tuple[Path, dict[str, object]]]:
    out = []
    for child in sorted(store.iterdir()):
        if not child.is_dir() or child.name.startswith("."):  # .trash: deleted experiments
            continue
        meta = _meta(child)
        if "experiment_id" in meta and meta.get("lifecycle_stage", "active") == "active":
            out.append((child, meta))
    return out


@dataclass(frozen=True)
class _Candidate:
    """A run the choice looks at: where to read it, its experiment, status and start."""

    handle: Path | str  # the run folder (file store) or the run id (SQLite store)
    experiment: str
    status: str
    start: int
    run_id: str


def _candidate_runs(folder: Path, experiment: str) -> list[_Candidate]:
    runs = []
    for run in sorted(folder.iterdir()):
        meta = _meta(run) if run.is_dir() else {}
        if "run_id" not in meta and "run_uuid" not in meta:
            continue
        if meta.get("lifecycle_stage", "active") != "active":
            continue
        if (run / "tags" / _PARENT_TAG).is_file():
            continue
        run_id = str(meta.get("run_id") or meta.get("run_uuid"))
        runs.append(_Candidate(run, experiment, _status(meta.get("status")), _start(meta), run_id))
    return runs


def _start(meta: dict[str, object]) -> int:
    start = meta.get("start_time")
    return int(start) if isinstance(start, (int, float)) else 0


def read_file_store(folder: Path, experiment: str | None = None) -> MlflowRunValues:
    """The newest FINISHED top-level run under `folder` (a store, experiment or run)."""
    meta = _meta(folder)
    if "run_id" in meta or "run_uuid" in meta:  # a run folder: that run
        name = _meta(folder.parent).get("name") or folder.parent.name
        return _file_store_run(folder, str(name))
    if "experiment_id" in meta:
        experiments = [(folder, meta)]
    else:
        experiments = _experiments(folder)
        if not experiments:
            sibling = folder.parent / "mlflow.db"
            hint = (
                f"; MLflow 3 logs to {sibling.name} by default: name it in train.metrics"
                if sibling.is_file()
                else ""
            )
            raise StoreError(f"no MLflow experiments in this file store{hint}")
    if experiment is not None:
        experiments = [
            (path, m) for path, m in experiments if experiment in (m.get("name"), path.name)
        ]
        if not experiments:
            raise StoreError(f"no experiment named '{experiment}' in the store")
    runs: list[_Candidate] = []
    for path, m in experiments:
        runs += _candidate_runs(path, str(m.get("name") or path.name))
    chosen = _newest_finished(runs)
    assert isinstance(chosen.handle, Path)
    return _file_store_run(chosen.handle, chosen.experiment)


def _newest_finished(runs: list[_Candidate]) -> _Candidate:
    """The run with the newest start among the FINISHED ones; say why when there is none."""
    if not runs:
        raise StoreError("no runs in the store")
    finished = [run for run in runs if run.status == "FINISHED"]
    if not finished:
        newest = max(runs, key=lambda run: run.start)
        raise StoreError(
            f"no FINISHED run in the store (the newest, {newest.run_id[:8]}, is {newest.status})"
        )
    return max(finished, key=lambda run: run.start)


# -- the SQLite store ---------------------------------------------------------------


def read_sqlite_store(file: Path, experiment: str | None = None) -> MlflowRunValues:
    """The newest FINISHED top-level run of an MLflow SQLite store (read only)."""
    import sqlite3  # only when a store is read

    try:
        connection = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the MLflow database: {error}") from None
    try:
        return _sqlite_run(connection, experiment)
    except sqlite3.Error as error:
        raise StoreError(f"not an MLflow tracking database ({error})") from None
    finally:
        connection.close()


def _sqlite_run(connection: sqlite3.Connection, experiment: str | None) -> MlflowRunValues:
    experiments = {
        str(row[0]): str(row[1])
        for row in connection.execute(
            "SELECT experiment_id, name FROM experiments WHERE lifecycle_stage = 'active'"
        )
    }
    if experiment is not None:
        experiments = {key: name for key, name in experiments.items() if experiment in (key, name)}
        if not experiments:
            raise StoreError(f"no experiment named '{experiment}' in the store")
    children = {
        row[0]
        for row in connection.execute("SELECT run_uuid FROM tags WHERE key = ?", (_PARENT_TAG,))
    }
    runs = [
        _Candidate(
            str(row[0]), experiments[str(row[3])], str(row[1]), int(row[2] or 0), str(row[0])
        )
        for row in connection.execute(
            "SELECT run_uuid, status, start_time, experiment_id FROM runs "
            "WHERE lifecycle_stage = 'active'"
        )
        if str(row[3]) in experiments and row[0] not in children
    ]
    chosen = _newest_finished(runs)
    metrics: dict[str, Scalar] = {
        key: math.nan if is_nan else float(value)
        for key, value, is_nan in connection.execute(
            "SELECT key, value, is_nan FROM latest_metrics WHERE run_uuid = ? ORDER BY key",
            (chosen.run_id,),
        )
    }
    params = {
        key: _param(str(value))
        for key, value in connection.execute(
            "SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key", (chosen.run_id,)
        )
    }
    return MlflowRunValues(
        chosen.run_id, chosen.experiment, chosen.status, chosen.start, metrics, params
    )


def read_store(root: Path, entry: str) -> MlflowRunValues:
    """The run a store entry names (see the module docstring); StoreError says why not."""
    path, experiment = split_entry(entry)
    target = root / path
    if is_sqlite_store(target):
        return read_sqlite_store(target, experiment)
    if target.is_dir():
        return read_file_store(target, experiment)
    raise StoreError("not found (no MLflow store there yet: did the training log to it?)")


def run_started_s(root: Path, entry: str) -> float | None:
    """When the run a store entry names started (seconds since the epoch); None without one.

    For the check that a training wrote its metrics: a store whose newest finished run
    started before the training holds an earlier run's figures.
    """
    try:
        return read_store(root, entry).start_time / 1000
    except (StoreError, OSError, UnicodeDecodeError):
        return None
