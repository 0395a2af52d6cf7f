"""Plot data written by the training (CSV/JSON), read from the work tree and the base ref.

Three shapes are recognised, by content rather than by name:
- curve:  numeric columns; x is the first column, or the usual axis of a known curve
          (fpr for ROC and DET, recall for PR, prob_pred for calibration, step for a
          DVCLive series); every other numeric column is a line (training curves,
          residuals, ROC, PR), except thresholds and timestamps;
- bar:    a text column and one numeric column (feature importance);
- matrix: JSON {"matrix": [[...]], "labels": [...]}, or one record per sample with
          the true and the predicted class (`actual`/`predicted`, as DVCLive's
          confusion_matrix.json and DVC's confusion template read them): counted.

The files DVC and DVCLive write are read as they are: CSV/TSV with a header, JSON lists
of records, a JSON object holding one list (`{"roc": [...]}`, dvclive/plots/sklearn/),
`dvclive/plots/metrics/**/NAME.tsv` series (`[timestamp,] step, NAME`). A dvc.yaml
`plots:` entry's `x`, `y` and `template` can be passed to `parse_plot` as hints.
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
_X_FIRST = (
    "fpr",
    "recall",
    "prob_pred",
    "epoch",
    "step",
    "iteration",
    "iter",
    "threshold",
    "x",
)
# Numeric columns that are never a line: the threshold of a curve, the time of a step.
_NOT_Y = ("threshold", "timestamp")
# (true class, predicted class) column names of per-sample records, by convention.
_CONFUSION_COLUMNS = (
    ("actual", "predicted"),
    ("y_true", "y_pred"),
    ("true", "pred"),
    ("true", "predicted"),
    ("target", "prediction"),
    ("label", "prediction"),
)
_CONFUSION_TEMPLATES = ("confusion", "confusion_normalized")
_MAX_CLASSES = 50


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


def _class_order(values: list[str]) -> tuple[str, ...]:
    """Class labels in numeric order when they are numbers ("2" before "10"), else by text."""
    unique = set(values)
    if all(_float(v) is not None for v in unique):
        return tuple(sorted(unique, key=lambda v: (float(v), v)))
    return tuple(sorted(unique))


def _confusion(rows: list[list[Any]], actual_i: int, predicted_i: int) -> PlotData:
    """Per-sample (true, predicted) records counted into a matrix; rows are the true class."""
    pairs = [(str(r[actual_i]), str(r[predicted_i])) for r in rows]
    labels = _class_order([v for pair in pairs for v in pair])
    index = {label: i for i, label in enumerate(labels)}
    counts = [[0.0] * len(labels) for _ in labels]
    for actual, predicted in pairs:
        counts[index[actual]][index[predicted]] += 1
    return PlotData("matrix", matrix=tuple(tuple(row) for row in counts), labels=labels)


def _looks_like_classes(rows: list[list[Any]], columns: tuple[int, int]) -> bool:
    """Class labels: text or whole numbers, few, repeated; a regression's `true, pred`
    (a scatter of floats) is not a confusion matrix."""
    values = {str(r[i]) for r in rows for i in columns}
    whole = all(_float(v) is None or float(v).is_integer() for v in values)
    return whole and len(values) <= _MAX_CLASSES and len(values) < len(rows)


def _confusion_columns(header: list[str], rows: list[list[Any]]) -> tuple[int, int] | None:
    lowered = [h.lower() for h in header]
    if len(header) != 2:
        return None
    for actual, predicted in _CONFUSION_COLUMNS:
        if actual in lowered and predicted in lowered:
            found = lowered.index(actual), lowered.index(predicted)
            return found if _looks_like_classes(rows, found) else None
    return None


def _column(header: list[str], name: str | None, role: str) -> int | None:
    if name is None:
        return None
    if name not in header:
        raise ValueError(f"no column {name!r} for {role} (columns: {', '.join(header)})")
    return header.index(name)


def _from_rows(
    header: list[str],
    rows: list[list[Any]],
    x: str | None = None,
    y: str | list[str] | tuple[str, ...] | None = None,
    template: str | None = None,
) -> PlotData:
    """The plot of a table; `x`, `y`, `template` are dvc.yaml's hints when given."""
    if not rows:
        raise ValueError("needs a header and at least one row")
    ys_named = [y] if isinstance(y, str) else list(y or [])
    if template in _CONFUSION_TEMPLATES or (template is None and x is None):
        named = None
        if template in _CONFUSION_TEMPLATES and x is not None and ys_named:
            named = (_column(header, x, "x"), _column(header, ys_named[0], "y"))
        found = named or _confusion_columns(header, rows)
        if found is not None and found[0] is not None and found[1] is not None:
            return _confusion(rows, found[0], found[1])
    numeric = [
        i
        for i in range(len(header))
        if rows and all(_float(r[i]) is not None for r in rows if i < len(r))
    ]
    text = [i for i in range(len(header)) if i not in numeric]
    x_named = _column(header, x, "x")
    y_named = [i for i in (_column(header, name, "y") for name in ys_named) if i is not None]
    if x_named is not None and y_named and all(i in numeric for i in y_named):
        if x_named in numeric:
            return _curve(header, rows, x_named, y_named)
        return _bars(header, rows, x_named, y_named[0])
    if text and len(numeric) >= 1:  # label + value(s): bars, first numeric column
        return _bars(header, rows, text[0], numeric[0])
    if len(numeric) < 2:
        raise ValueError("needs at least two numeric columns, or a label and a value column")
    lowered = [h.lower() for h in header]
    x_i = next((lowered.index(n) for n in _X_FIRST if n in lowered), numeric[0])
    if x_named is not None:
        x_i = x_named
    ys = [i for i in numeric if i != x_i and lowered[i] not in _NOT_Y] or [
        i for i in numeric if i != x_i
    ]
    return _curve(header, rows, x_i, ys)


def _bars(header: list[str], rows: list[list[Any]], label_i: int, value_i: int) -> PlotData:
    return PlotData(
        "bar",
        header[label_i],
        (header[value_i],),
        y=(tuple(float(r[value_i]) for r in rows),),
        labels=tuple(str(r[label_i]) for r in rows),
    )


def _curve(header: list[str], rows: list[list[Any]], x_i: int, ys: list[int]) -> PlotData:
    return PlotData(
        "curve",
        header[x_i],
        tuple(header[i] for i in ys),
        x=tuple(float(r[x_i]) for r in rows),
        y=tuple(tuple(float(r[i]) for r in rows) for i in ys),
    )


def parse_plot(
    path: str,
    text: str,
    *,
    x: str | None = None,
    y: str | list[str] | tuple[str, ...] | None = None,
    template: str | None = None,
) -> PlotData:
    """The plot data of one file; `x`, `y`, `template` are a dvc.yaml `plots:` entry's
    fields when known (else the columns decide, as the module docstring says)."""
    hints: dict[str, Any] = {"x": x, "y": y, "template": template}
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
            header = list(dict.fromkeys(key for d in data for key in d))
            return _from_rows(header, [[d.get(h) for h in header] for d in data], **hints)
        raise ValueError("expected {matrix, labels} or a list of records")
    delimiter = "\t" if path.lower().endswith(".tsv") else ","
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r]
    if len(rows) < 2:
        raise ValueError("needs a header and at least one row")
    return _from_rows(rows[0], rows[1:], **hints)


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
    return _distinct_titles(pairs)


def _distinct_titles(pairs: list[PlotPair]) -> tuple[PlotPair, ...]:
    """Plots whose titles collide (`train/loss.tsv`, `eval/loss.tsv`: both "Loss") are
    told apart by the folder they sit in: "Loss (train)", "Loss (eval)"."""
    import dataclasses
    from collections import Counter

    counts = Counter(pair.title for pair in pairs)
    out = []
    for pair in pairs:
        folder = Path(pair.path).parent.name
        if counts[pair.title] > 1 and folder:
            pair = dataclasses.replace(pair, title=f"{pair.title} ({folder})")
        out.append(pair)
    return tuple(out)


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


# -- images the project writes (PNG, JPEG, GIF, SVG, WebP): shown as they are -------------
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


@dataclass(frozen=True)
class ImageSide:
    """One side of an image file: its bytes, or None when it is over the size cap."""

    size: int
    content: bytes | None


@dataclass(frozen=True)
class ImagePair:
    """One image file (by its path in the repository) on both sides; either may be absent."""

    path: str
    title: str
    base: ImageSide | None
    head: ImageSide | None


def _image_files(root: Path, source: str) -> list[str]:
    """Image files at `source` (a file or a folder) under `root`, by suffix.

    Links are skipped, and so is anything that resolves outside `root`: a link in the
    plots folder must not carry a file from elsewhere on the runner into the report.
    """
    start = root / source
    inside = root.resolve()
    if start.is_symlink():
        return []
    candidates = [start] if start.is_file() else sorted(start.rglob("*")) if start.is_dir() else []
    return [
        path.relative_to(root).as_posix()
        for path in candidates
        if path.suffix.lower() in IMAGE_SUFFIXES
        and not path.is_symlink()
        and path.is_file()
        and path.resolve().is_relative_to(inside)
    ]


def _image_side(path: Path | None, read: Any, max_bytes: int) -> ImageSide | None:
    """The side read by `read()`; a file on disk (`path`) over the cap is not read at all."""
    try:
        if path is not None and path.stat().st_size > max_bytes:
            return ImageSide(path.stat().st_size, None)
        content = read()
    except (GitError, OSError):
        return None
    return ImageSide(len(content), content if len(content) <= max_bytes else None)


def load_images(
    sources: str | list[str] | tuple[str, ...] | None,
    cwd: str | Path,
    base_ref: str | None = None,
    base_dir: str | Path | None = None,
    *,
    max_bytes: int = 2**20,
) -> tuple[ImagePair, ...]:
    """Every image file at `sources` (folders or files) in the work tree, with its base side.

    As in `load_plots`, the base side comes from `base_dir` (a run record's copy, same
    relative paths) when given, else from the files committed at `base_ref`. A file over
    `max_bytes` keeps its size but not its content (the report says it was left out).
    """
    import functools

    if not sources:
        return ()
    names = [sources] if isinstance(sources, str) else list(sources)
    root = Path(cwd)
    head_files = [p for name in names for p in _image_files(root, name)]
    base_root = Path(base_dir) if base_dir is not None else root
    if base_dir is not None:
        base_files = [p for name in names for p in _image_files(base_root, name)]
    elif base_ref:
        listed = [p for name in names for p in list_dir(root, base_ref, name)]
        base_files = [p for p in listed if p.lower().endswith(IMAGE_SUFFIXES)]
    else:
        base_files = []
    pairs = []
    for path in dict.fromkeys([*head_files, *base_files]):
        head = None
        if path in head_files:
            head = _image_side(root / path, (root / path).read_bytes, max_bytes)
        base = None
        if path in base_files and base_dir is not None:
            base = _image_side(base_root / path, (base_root / path).read_bytes, max_bytes)
        elif path in base_files and base_ref:
            base = _image_side(None, functools.partial(show_file, root, base_ref, path), max_bytes)
        if head is not None or base is not None:
            pairs.append(ImagePair(path, _title(path), base, head))
    return tuple(pairs)
