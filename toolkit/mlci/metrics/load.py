"""Load metric and param files from the work tree or from a git ref.

One unreadable file never hides the others: each `MetricFile` carries either its
values or its error, and the caller decides whether an error is fatal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mlci.gitutil import GitError, show_file
from mlci.metrics.flatten import Scalar, flatten
from mlci.metrics.formats import parser_for


@dataclass(frozen=True)
class MetricFile:
    path: str
    values: dict[str, Scalar] = field(default_factory=dict)
    error: str | None = None
    missing: bool = False


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


def parse_metric_text(path: str, text: str) -> MetricFile:
    try:
        data = parser_for(path)(text)
    except ValueError as error:
        return MetricFile(path, error=f"{path}: {error}")
    if data is None:
        return MetricFile(path, {})
    return MetricFile(path, flatten(data))


def _read(path: str, cwd: Path, ref: str | None) -> MetricFile:
    if ref is not None:
        try:
            raw = show_file(cwd, ref, path)
        except GitError as error:
            return MetricFile(path, error=f"{path} at {ref}: {error}", missing=True)
    else:
        file = cwd / path
        if not file.exists():
            return MetricFile(path, error=f"{path}: file not found", missing=True)
        try:
            raw = file.read_bytes()
        except OSError as error:
            return MetricFile(path, error=f"{path}: cannot be read ({error.strerror})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return MetricFile(path, error=f"{path}: not UTF-8 text")
    return parse_metric_text(path, text)


def load_metrics(paths: Iterable[str], cwd: str | Path, ref: str | None = None) -> MetricSet:
    """Load each file (relative to cwd) from the work tree, or as committed at `ref`."""
    root = Path(cwd)
    files = tuple(_read(str(p), root, ref) for p in paths)
    return MetricSet(files, source=ref or "workspace")


# Params files have the same formats; the name says which side of the diff they are.
load_params = load_metrics
