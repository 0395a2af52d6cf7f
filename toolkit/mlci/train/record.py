"""Run records: one JSON file per training under `.mlci/runs/`, the experiment log.

A record keeps what is needed to compare and reproduce a run: the commit, params,
metrics, model and data hashes, the data's lineage manifest (rows, schema, producing
command), duration and the machine it ran on. No pandas or numpy, so reading records
stays cheap; a record read back is checked against `mlci/schemas/run-record.schema.json`.

The JSON starts with `"schema": "mlci.run-record/v2"`. Version 2 added `data_manifest`;
records of version 1 read with it set to None. Records of the previous release held the
version as a bare number (`"schema": 2`, last key) and read the same.

`tracking` (optional, written only when set) names the run in a tracking backend:
`{"mlflow": {"run_id": ..., "uri": ..., "experiment_id": ...}}` (`mlci.tracking`).
Records without it read with an empty mapping.

`cache` (optional) says what the runner cache did (`mlci.train.cache`): `{"key": ...,
"hit": bool, "paths": [...], "setup_skipped": bool}`, plus `saved` and `evicted` when a
miss was saved. `resumed` (optional) says the run started from a checkpoint of an
earlier attempt (`mlci.train.checkpoints`): `{"from": "<checkpoint path>", "attempt": n,
"source": "cache" | "artifact"}`. Both are written only when set. `candidate` (optional,
written only when set) names the sweep candidate a run trained: `{"id": "c2", "params":
{"model.max_depth": 6}}` (`mlci.train.sweep`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.documents import type_name
from mlci.errors import InputError, MlciError

if TYPE_CHECKING:
    from mlci.data.lineage import Manifest
    from mlci.metrics.load import MetricSet

RUNS_DIR = Path(".mlci") / "runs"
SCHEMA_VERSION = 2
SCHEMA_PREFIX = "mlci.run-record/v"  # see `mlci.resultschema`


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
    # Where the run is mirrored: backend name -> its ids ({"mlflow": {"run_id": ...}}).
    tracking: dict[str, Any] = field(default_factory=dict)
    # What the runner cache did, and the checkpoint a resumed run started from.
    cache: dict[str, Any] | None = None
    resumed: dict[str, Any] | None = None
    # The sweep candidate this run trained: {"id": "c2", "params": {"model.max_depth": 6}}.
    candidate: dict[str, Any] | None = None

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
        del data["schema"]  # written first, as a name: "mlci.run-record/v2"
        if not self.tracking:
            del data["tracking"]  # optional: records without a backend stay as they were
        for optional in ("cache", "resumed"):
            if data[optional] is None:
                del data[optional]
        if self.candidate is None:
            del data["candidate"]  # optional: only sweep candidates have one
        return {"schema": f"{SCHEMA_PREFIX}{self.schema}", **data}

    @classmethod
    def from_dict(cls, data: Any) -> RunRecord:
        """A record from its JSON data; a wrong shape is a ValueError naming the key."""
        from mlci.data.lineage import manifest_from_dict

        if not isinstance(data, dict):
            raise ValueError(f"expected a mapping at the top level, found {type_name(data)}")
        if "id" not in data:
            raise ValueError("`id` is missing")
        run_id = _text(data, "id", required=True)
        manifest = data.get("data_manifest")
        try:
            data_manifest = (
                manifest_from_dict(manifest, f"run {run_id}") if manifest is not None else None
            )
        except (MlciError, AttributeError, TypeError, ValueError, KeyError) as error:
            raise ValueError(f"`data_manifest`: {getattr(error, 'message', error)}") from None
        data_items = data.get("data") or []
        if not isinstance(data_items, list):
            raise ValueError(
                f"`data`: expected a list of file digests, found {type_name(data_items)}"
            )
        errors = data.get("errors") or []
        if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
            raise ValueError("`errors`: expected a list of strings")
        exit_code = data.get("exit_code")
        if exit_code is not None and (
            isinstance(exit_code, bool) or not isinstance(exit_code, int)
        ):
            raise ValueError(f"`exit_code`: expected a whole number, found {type_name(exit_code)}")
        duration = data.get("duration_s") or 0.0
        if isinstance(duration, bool) or not isinstance(duration, (int, float)):
            raise ValueError(f"`duration_s`: expected a number, found {type_name(duration)}")
        schema = data.get("schema", 1)  # records before the field existed were 1
        if isinstance(schema, str) and schema.startswith(SCHEMA_PREFIX):
            # "mlci.run-record/v2"; records of the previous release held the bare number
            version = schema[len(SCHEMA_PREFIX) :]
            schema = int(version) if version.isdigit() else schema
        if isinstance(schema, bool) or not isinstance(schema, int):
            raise ValueError(f"`schema`: expected a whole number, found {type_name(schema)}")
        git = _mapping(data, "git")
        if git.get("commit") is not None and not isinstance(git["commit"], str):
            raise ValueError(f"`git.commit`: expected text, found {type_name(git['commit'])}")
        return cls(
            id=run_id,
            created_at=_text(data, "created_at"),
            command=_text(data, "command"),
            status=_text(data, "status", default="succeeded"),
            exit_code=exit_code,
            duration_s=float(duration),
            git=git,
            params=_values(data, "params"),
            metrics=_values(data, "metrics"),
            model=_digest(data.get("model"), "model"),
            data=tuple(
                d
                for i, item in enumerate(data_items)
                if (d := _digest(item, f"data[{i}]")) is not None
            ),
            data_manifest=data_manifest,
            runner=_mapping(data, "runner"),
            errors=tuple(errors),
            schema=schema,
            tracking=_tracking(data),
            cache=_optional_mapping(data, "cache"),
            resumed=_optional_mapping(data, "resumed"),
            candidate=_candidate(data),
        )

    def metric_set(self) -> MetricSet:
        return _as_set(self.metrics, f"run {self.id}")

    def param_set(self) -> MetricSet:
        return _as_set(self.params, f"run {self.id}")


def _as_set(values: dict[str, dict[str, Any]], source: str) -> MetricSet:
    from mlci.metrics.load import MetricFile, MetricSet

    return MetricSet(tuple(MetricFile(p, dict(v)) for p, v in values.items()), source)


def _text(data: dict[str, Any], key: str, *, default: str = "", required: bool = False) -> str:
    value = data.get(key)
    if value is None and not required:
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"`{key}`: expected text, found {type_name(value)}")
    return str(value)


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"`{key}`: expected a mapping, found {type_name(value)}")
    return dict(value)


def _optional_mapping(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    """`cache`/`resumed`: a mapping when present, None when absent."""
    return _mapping(data, key) if data.get(key) is not None else None


def _candidate(data: dict[str, Any]) -> dict[str, Any] | None:
    """`candidate`: {"id": "c2", "params": {dotted params key: value}} (`mlci.train.sweep`)."""
    candidate = _optional_mapping(data, "candidate")
    if candidate is None:
        return None
    if not isinstance(candidate.get("id"), str):
        raise ValueError("`candidate.id`: expected text")
    params = candidate.get("params") or {}
    if not isinstance(params, dict):
        raise ValueError(f"`candidate.params`: expected a mapping, found {type_name(params)}")
    return {"id": candidate["id"], "params": dict(params)}


def _tracking(data: dict[str, Any]) -> dict[str, Any]:
    """`tracking`: {backend: {its ids}}, e.g. {"mlflow": {"run_id": "...", "uri": "..."}}."""
    tracking = _mapping(data, "tracking")
    for backend, entry in tracking.items():
        if not isinstance(entry, dict):
            raise ValueError(f"`tracking.{backend}`: expected a mapping, found {type_name(entry)}")
    return {str(backend): dict(entry) for backend, entry in tracking.items()}


def _values(data: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    """`metrics`/`params`: {file: {flat name: number, text, boolean or null}}."""
    files = data.get(key)
    if files is None:
        return {}
    if not isinstance(files, dict):
        raise ValueError(
            f"`{key}`: expected a mapping of files to their values, found {type_name(files)}"
        )
    out: dict[str, dict[str, Any]] = {}
    for file, values in files.items():
        if not isinstance(values, dict):
            raise ValueError(
                f"`{key}.{file}`: expected a mapping of names to values, found {type_name(values)}"
            )
        for name, value in values.items():
            if isinstance(value, (dict, list)):
                raise ValueError(
                    f"`{key}.{file}.{name}`: expected a number, text, boolean or null, "
                    f"found {type_name(value)}"
                )
        out[str(file)] = {str(name): value for name, value in values.items()}
    return out


def _digest(item: Any, key: str) -> FileDigest | None:
    if item is None:
        return None
    if not isinstance(item, dict):
        raise ValueError(
            f"`{key}`: expected a mapping (path, sha256, size), found {type_name(item)}"
        )
    if not isinstance(item.get("path"), str):
        raise ValueError(f"`{key}.path`: expected text, found {type_name(item.get('path'))}")
    unknown = sorted(set(item) - {"path", "sha256", "size", "files"})
    if unknown:
        raise ValueError(f"`{key}`: unknown key `{unknown[0]}`")
    for name in ("size", "files"):
        value = item.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"`{key}.{name}`: expected a whole number, found {type_name(value)}")
    if item.get("sha256") is not None and not isinstance(item["sha256"], str):
        raise ValueError(f"`{key}.sha256`: expected text, found {type_name(item['sha256'])}")
    return FileDigest(item["path"], item.get("sha256"), item.get("size"), item.get("files", 1))


def record_path(cwd: str | Path, run_id: str) -> Path:
    return Path(cwd) / RUNS_DIR / f"{run_id}.json"


def run_folder(cwd: str | Path, run_id: str) -> Path:
    """Files kept with a record (a copy of its plot data), beside the record's JSON."""
    return Path(cwd) / RUNS_DIR / run_id


def save_run(cwd: str | Path, record: RunRecord) -> Path:
    from mlci.output import write_output

    path = record_path(cwd, record.id)
    write_output(path, json.dumps(record.to_dict(), indent=2) + "\n")
    return path


def read_run(path: Path) -> RunRecord:
    """The record in `path`; a file that is no run record is an InputError naming the key."""
    from mlci.documents import read_document

    hint = "delete the file or restore it from git"
    data = read_document(path, unreadable="not a readable run record", hint=hint)
    return parse_run(data, str(path))


def parse_run(data: Any, source: str) -> RunRecord:
    """A record from parsed JSON; `source` (a file, `REF:path`) names it in the error."""
    from mlci.resultschema import validate_document

    validate_document(data, "run-record", source)
    try:
        return RunRecord.from_dict(data)
    except ValueError as error:
        raise InputError(
            f"{source}: not a valid run record ({error})",
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
