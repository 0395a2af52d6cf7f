"""Load metric and param files from the work tree or from a git ref.

One unreadable file never hides the others: each `MetricFile` carries either its
values or its error, and the caller decides whether an error is fatal. A metrics file
must hold a mapping of names to values at its top level; an empty metrics file is an
error (a training script that crashed before writing), an empty params file is not.

An entry may also name a local MLflow store (`mlruns`, `mlflow.db`, `STORE#experiment`,
see `mlci.metrics.mlruns`): its newest finished run's metrics (or params) are the
entry's values. Stores are read from the work tree only: the base side of a comparison
takes them from the base's run record, which keeps the values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mlci.documents import type_name
from mlci.gitutil import GitError, show_file
from mlci.metrics.flatten import Scalar, flatten
from mlci.metrics.formats import parser_for
from mlci.metrics.mlruns import StoreError, is_store_entry, read_store, split_entry
from mlci.output import remember_input

_KIND_NAMES = {"metrics": "metric names", "params": "param names"}


@dataclass(frozen=True)
class MetricFile:
    path: str
    values: dict[str, Scalar] = field(default_factory=dict)
    error: str | None = None
    missing: bool = False
    # Where the values came from when the entry is not a plain file
    # ("MLflow run 3f2a1b2c of experiment 'demo'"); None for a file.
    detail: str | None = None


@dataclass(frozen=True)
class MetricSet:
    """Flattened values of several files, and where they came from ("workspace", a ref)."""

    files: tuple[MetricFile, ...] = ()
    source: str = "workspace"

    @property
    def errors(self) -> dict[str, str]:
        return {f.path: f.error for f in self.files if f.error}

    def merged(self) -> dict[str, Scalar]:
        """name -> value over all files; `path:name` always works, a bare name when unique."""
        seen: dict[str, int] = {}
        for file in self.files:
            for name in file.values:
                seen[name] = seen.get(name, 0) + 1
        out: dict[str, Scalar] = {}
        for file in self.files:
            for name, value in file.values.items():
                out[f"{file.path}:{name}"] = value
                if seen[name] == 1:
                    out[name] = value
        return out

    def origin(self, name: str) -> str | None:
        """The file a `merged()` name comes from (`path:name` or a bare unique name)."""
        for file in self.files:
            if name in file.values or (
                name.startswith(f"{file.path}:") and name[len(file.path) + 1 :] in file.values
            ):
                return file.path
        return None


def parse_metric_text(path: str, text: str, kind: str = "metrics") -> MetricFile:
    """Parse and flatten one file's text; every problem is the MetricFile's `error`."""
    if not text.strip():
        if kind == "params":
            return MetricFile(path, {})
        return MetricFile(
            path, error=f"{path}: the file is empty, expected metric names and values"
        )
    try:
        data = parser_for(path)(text)
    except ValueError as error:
        return MetricFile(path, error=f"{path}: {error}")
    if data is None:  # a YAML file of comments only
        if kind == "params":
            return MetricFile(path, {})
        return MetricFile(
            path, error=f"{path}: the file is empty, expected metric names and values"
        )
    if not isinstance(data, dict):
        return MetricFile(
            path,
            error=f"{path}: expected a mapping of {_KIND_NAMES.get(kind, 'names')} to values "
            f"at the top level, found {type_name(data)}",
        )
    return MetricFile(path, flatten(data))


def read_metric_file(
    file: Path, label: str, kind: str = "metrics", *, shown: str | None = None
) -> MetricFile:
    """A metrics (or params) file of the work tree, filed under `label`.

    `shown` is the name the user gave (`--head other.csv` filed under metrics.json): the
    file is parsed by that name's suffix and errors name it, not the label.
    """
    if shown is not None and shown != label:
        parsed = read_metric_file(file, shown, kind)
        return MetricFile(label, parsed.values, parsed.error, parsed.missing)
    remember_input(file)
    if not file.exists():
        return MetricFile(label, error=f"{label}: file not found", missing=True)
    if file.is_dir():
        return MetricFile(label, error=f"{label}: is a folder, not a file")
    try:
        raw = file.read_bytes()
    except OSError as error:
        return MetricFile(label, error=f"{label}: cannot be read ({error.strerror})")
    return _decode(label, raw, kind)


def _decode(path: str, raw: bytes, kind: str) -> MetricFile:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return MetricFile(path, error=f"{path}: not UTF-8 text")
    return parse_metric_text(path, text, kind)


def read_store_entry(root: Path, entry: str, kind: str = "metrics") -> MetricFile:
    """An entry that names a local MLflow store: the chosen run's metrics or params."""
    remember_input(root / split_entry(entry)[0])
    try:
        run = read_store(root, entry)
    except StoreError as error:
        missing = not (root / split_entry(entry)[0]).exists()
        return MetricFile(entry, error=f"{entry}: {error}", missing=missing)
    except (OSError, UnicodeDecodeError) as error:
        return MetricFile(entry, error=f"{entry}: the MLflow store cannot be read ({error})")
    values = run.params if kind == "params" else run.metrics
    if not values and kind != "params":
        return MetricFile(
            entry,
            error=f"{entry}: {run.description} logged no metrics",
            detail=run.description,
        )
    return MetricFile(entry, dict(values), detail=run.description)


def _read(path: str, cwd: Path, ref: str | None, kind: str) -> MetricFile:
    if ref is None:
        if is_store_entry(cwd, path):
            return read_store_entry(cwd, path, kind)
        return read_metric_file(cwd / path, path, kind)
    if is_store_entry(cwd, path):  # stores are not committed; run records keep the values
        return MetricFile(
            path,
            error=f"{path} at {ref}: an MLflow store is read from the work tree only; "
            "the base's values come from its run record",
            missing=True,
        )
    where = ref
    try:
        raw = show_file(cwd, ref, path)
    except GitError as error:
        return MetricFile(path, error=f"{path} at {where}: {error}", missing=True)
    parsed = _decode(path, raw, kind)
    if parsed.error:  # name the ref: the work tree's file may be fine
        return MetricFile(path, error=f"{path} at {where}: {parsed.error[len(path) + 2 :]}")
    return parsed


def load_metrics(paths: Iterable[str], cwd: str | Path, ref: str | None = None) -> MetricSet:
    """Load each file (relative to cwd) from the work tree, or as committed at `ref`."""
    root = Path(cwd)
    files = tuple(_read(str(p), root, ref, "metrics") for p in paths)
    return MetricSet(files, source=ref or "workspace")


def load_params(paths: Iterable[str], cwd: str | Path, ref: str | None = None) -> MetricSet:
    """Like load_metrics, for params files (same formats; an empty file has no params)."""
    root = Path(cwd)
    files = tuple(_read(str(p), root, ref, "params") for p in paths)
    return MetricSet(files, source=ref or "workspace")
