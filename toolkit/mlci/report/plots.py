"""Plot data written by the training (CSV/JSON), read from the work tree and the base ref.

Three shapes are recognised, by content rather than by name:
- curve:  numeric columns; x is the first column, or the usual axis of a known curve
          (fpr for ROC, recall for PR); every other numeric column is a line
          (training curves, residuals, ROC, PR);
- bar:    a text column and one numeric column (feature importance);
- matrix: JSON {"matrix": [[...]], "labels": [...]} (confusion matrix).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mlci.documents import parse_json_text
from mlci.gitutil import GitError, list_dir, show_file

PlotKind = Literal["curve", "bar", "matrix"]
PLOT_SUFFIXES = (".csv", ".tsv", ".json")
# Known curves: which column is x.
_X_FIRST = ("fpr", "recall", "epoch", "step", "iteration", "iter", "threshold", "x")


@dataclass(frozen=True)
class PlotData:
    kind: PlotKind
    x_label: str = ""
    columns: tuple[str, ...] = ()  # y columns (curve) or the value column (bar)
    x: tuple[float, ...] = ()
    y: tuple[tuple[float, ...], ...] = ()  # one tuple per column
    labels: tuple[str, ...] = ()  # bar labels, matrix labels
    matrix: tuple[tuple[float, ...], ...] = ()


@dataclass(frozen=True)
class PlotPair:
    """One plot file, on both sides; either side may be absent."""

    path: str
    title: str
    base: PlotData | None
    head: PlotData | None
    error: str | None = None

    @property
    def kind(self) -> PlotKind:
        side = self.head or self.base
        return side.kind if side else "curve"


def _float(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _from_rows(header: list[str], rows: list[list[Any]]) -> PlotData:
    numeric = [
        i
        for i in range(len(header))
        if rows and all(_float(r[i]) is not None for r in rows if i < len(r))
    ]
    text = [i for i in range(len(header)) if i not in numeric]
    if text and len(numeric) >= 1:  # label + value(s): bars, first numeric column
        label_i, value_i = text[0], numeric[0]
        return PlotData(
            "bar",
            header[label_i],
            (header[value_i],),
            y=(tuple(float(r[value_i]) for r in rows),),
            labels=tuple(str(r[label_i]) for r in rows),
        )
    if len(numeric) < 2:
        raise ValueError("needs at least two numeric columns, or a label and a value column")
    lowered = [h.lower() for h in header]
    x_i = next((lowered.index(n) for n in _X_FIRST if n in lowered), numeric[0])
    ys = [i for i in numeric if i != x_i and lowered[i] != "threshold"] or [
        i for i in numeric if i != x_i
    ]
    return PlotData(
        "curve",
        header[x_i],
        tuple(header[i] for i in ys),
        x=tuple(float(r[x_i]) for r in rows),
        y=tuple(tuple(float(r[i]) for r in rows) for i in ys),
    )


def parse_plot(path: str, text: str) -> PlotData:
    if path.lower().endswith(".json"):
        data = parse_json_text(text)
        if isinstance(data, dict) and "matrix" in data:
            matrix = tuple(tuple(float(v) for v in row) for row in data["matrix"])
            labels = tuple(str(v) for v in data.get("labels") or range(len(matrix)))
            return PlotData("matrix", matrix=matrix, labels=labels)
        if (
            isinstance(data, dict)
            and len(data) == 1
            and isinstance(next(iter(data.values())), list)
        ):
            data = next(iter(data.values()))  # DVC style {"roc": [{...}, ...]}
        if isinstance(data, list) and data and all(isinstance(d, dict) for d in data):
            header = list(data[0])
            return _from_rows(header, [[d.get(h) for h in header] for d in data])
        raise ValueError("expected {matrix, labels} or a list of records")
    delimiter = "\t" if path.lower().endswith(".tsv") else ","
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r]
    if len(rows) < 2:
        raise ValueError("needs a header and at least one row")
    return _from_rows(rows[0], rows[1:])


def _title(path: str) -> str:
    stem = Path(path).stem.replace("_", " ").replace("-", " ")
    special = {"roc": "ROC curve", "pr": "Precision-recall curve"}
    return special.get(stem.lower(), stem[:1].upper() + stem[1:])


def _read_side(root: Path, path: str, ref: str | None) -> PlotData | None:
    try:
        raw = show_file(root, ref, path) if ref else (root / path).read_bytes()
    except (GitError, OSError):
        return None
    return parse_plot(path, raw.decode("utf-8"))


def _files_under(root: Path, folder: str) -> list[str]:
    if not (root / folder).is_dir():
        return []
    return [
        p.relative_to(root).as_posix() for p in sorted((root / folder).rglob("*")) if p.is_file()
    ]


def load_plots(
    folder: str | None,
    cwd: str | Path,
    base_ref: str | None = None,
    base_dir: str | Path | None = None,
) -> tuple[PlotPair, ...]:
    """Every plot file under `folder` in the work tree, with its base side.

    The base side comes from `base_dir` (a run record's copy of its plot data,
    same relative paths) when given, else from the files committed at `base_ref`.
    """
    if not folder:
        return ()
    root = Path(cwd)
    head_files = _files_under(root, folder)
    if base_dir is not None:
        base_root: Path = Path(base_dir)
        base_files = _files_under(base_root, folder)
        base_ref = None
    else:
        base_root = root
        base_files = list_dir(root, base_ref, folder) if base_ref else []
    pairs = []
    for path in dict.fromkeys([*head_files, *base_files]):
        if not path.lower().endswith(PLOT_SUFFIXES):
            continue
        try:
            head = _read_side(root, path, None) if path in head_files else None
            base = _read_side(base_root, path, base_ref) if path in base_files else None
        except (ValueError, UnicodeDecodeError, TypeError, KeyError) as error:
            pairs.append(PlotPair(path, _title(path), None, None, f"{path}: {error}"))
            continue
        pairs.append(PlotPair(path, _title(path), base, head))
    return tuple(pairs)


def resample(x: tuple[float, ...], y: tuple[float, ...], grid: list[float]) -> list[float | None]:
    """Linear interpolation of y(x) on `grid`; None outside the data's x range."""
    points = sorted(
        (a, b) for a, b in zip(x, y, strict=True) if math.isfinite(a) and math.isfinite(b)
    )
    if not points:
        return [None] * len(grid)
    out: list[float | None] = []
    j = 0
    for g in grid:
        if g < points[0][0] or g > points[-1][0]:
            out.append(None)
            continue
        while j + 1 < len(points) and points[j + 1][0] < g:
            j += 1
        x0, y0 = points[j]
        # For steps (ROC has repeated x), use the highest y at that x.
        k = j + 1
        while k < len(points) and points[k][0] == g:
            y0, x0 = points[k][1], g
            k += 1
        if x0 >= g or j + 1 >= len(points):
            out.append(y0)
            continue
        x1, y1 = points[j + 1]
        out.append(y0 + (y1 - y0) * (g - x0) / (x1 - x0) if x1 != x0 else y1)
    return out
