"""Run records: one JSON file per training under `.mlci/runs/`, the experiment log.

A record keeps what is needed to compare and reproduce a run: the commit, params,
metrics, model and data hashes, the data's lineage manifest (rows, schema, producing
command), duration and the machine it ran on. Standard library only, so reading
records stays cheap.

Schema 2 added `data_manifest`; records of schema 1 read with it set to None.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.errors import InputError

if TYPE_CHECKING:
    from mlci.data.lineage import Manifest
    from mlci.metrics.load import MetricSet

RUNS_DIR = Path(".mlci") / "runs"
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class FileDigest:
    path: str
    sha256: str | None
    size: int | None
    files: int = 1  # a folder (e.g. a saved torch model) is hashed as a whole


@dataclass(frozen=True)
class RunRecord:
    id: str
    created_at: str
    command: str
    status: str  # succeeded | failed | timeout
    exit_code: int | None
    duration_s: float
    git: dict[str, Any] = field(default_factory=dict)  # commit, branch, dirty
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # file -> flat values
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    model: FileDigest | None = None
    data: tuple[FileDigest, ...] = ()
    # The data's lineage manifest; stored in the JSON as a complete manifest, so
    # `jq .data_manifest` of a record is a file `mlci data diff` reads.
    data_manifest: Manifest | None = None
    runner: dict[str, Any] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    schema: int = SCHEMA_VERSION

    @property
    def commit(self) -> str | None:
        return self.git.get("commit")

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def to_dict(self) -> dict[str, Any]:
        from mlci.data.lineage import manifest_to_dict

        data = asdict(self)
        data["data"] = [asdict(d) for d in self.data]
        data["data_manifest"] = (
            manifest_to_dict(self.data_manifest) if self.data_manifest is not None else None
        )
        data["errors"] = list(self.errors)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        from mlci.data.lineage import manifest_from_dict

        model = data.get("model")
        manifest = data.get("data_manifest")
        return cls(
            id=str(data["id"]),
            created_at=str(data.get("created_at", "")),
            command=str(data.get("command", "")),
            status=str(data.get("status", "succeeded")),
            exit_code=data.get("exit_code"),
            duration_s=float(data.get("duration_s") or 0.0),
            git=dict(data.get("git") or {}),
            params={str(k): dict(v) for k, v in (data.get("params") or {}).items()},
            metrics={str(k): dict(v) for k, v in (data.get("metrics") or {}).items()},
            model=FileDigest(**model) if isinstance(model, dict) else None,
            data=tuple(FileDigest(**d) for d in data.get("data") or ()),
            data_manifest=(
                manifest_from_dict(manifest, f"run {data['id']}") if manifest is not None else None
            ),
            runner=dict(data.get("runner") or {}),
            errors=tuple(data.get("errors") or ()),
            schema=int(data.get("schema", 1)),  # records before the field existed were 1
        )

    def metric_set(self) -> MetricSet:
        return _as_set(self.metrics, f"run {self.id}")

    def param_set(self) -> MetricSet:
        return _as_set(self.params, f"run {self.id}")


def _as_set(values: dict[str, dict[str, Any]], source: str) -> MetricSet:
    from mlci.metrics.load import MetricFile, MetricSet

    return MetricSet(tuple(MetricFile(p, dict(v)) for p, v in values.items()), source)


def record_path(cwd: str | Path, run_id: str) -> Path:
    return Path(cwd) / RUNS_DIR / f"{run_id}.json"


def run_folder(cwd: str | Path, run_id: str) -> Path:
    """Files kept with a record (a copy of its plot data), beside the record's JSON."""
    return Path(cwd) / RUNS_DIR / run_id


def save_run(cwd: str | Path, record: RunRecord) -> Path:
    path = record_path(cwd, record.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def read_run(path: Path) -> RunRecord:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RunRecord.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(
            f"{path}: not a readable run record ({error})",
            "delete the file or restore it from git",
        ) from None


def list_runs(cwd: str | Path) -> list[RunRecord]:
    """All records, oldest first; unreadable files are skipped (listing must not fail)."""
    folder = Path(cwd) / RUNS_DIR
    records = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            records.append(read_run(path))
        except InputError:
            continue
    return sorted(records, key=lambda r: (r.created_at, r.id))


def load_run(cwd: str | Path, ref: str) -> RunRecord:
    """A record by file path, id, unique id prefix, or `latest`."""
    as_path = Path(ref) if Path(ref).is_absolute() else Path(cwd) / ref
    if ref.endswith(".json") and as_path.is_file():
        return read_run(as_path)
    runs = list_runs(cwd)
    if ref == "latest":
        if not runs:
            raise InputError(f"{RUNS_DIR}: no run records yet", "run `mlci train` first")
        return runs[-1]
    matches = [r for r in runs if r.id == ref] or [r for r in runs if r.id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise InputError(
            f"run '{ref}': no such run record in {RUNS_DIR}", "see `mlci runs list` for the ids"
        )
    raise InputError(
        f"run '{ref}': matches {len(matches)} records", "give more characters of the id"
    )


def find_run_for_commit(cwd: str | Path, commit: str) -> RunRecord | None:
    """The newest successful record trained on exactly `commit` with a clean tree.

    A record made on a dirty tree trained on uncommitted changes, not on `commit`, so it
    is never a baseline (it may even be the run being validated).
    """
    clean = [
        r
        for r in list_runs(cwd)
        if r.commit == commit and r.succeeded and r.git.get("dirty") is False
    ]
    return clean[-1] if clean else None
