"""The reference profile: what a drift check needs from the reference, in a small file.

Per column: its type, row and null counts, and either the numeric sketch (edges at the
reference's quantiles with exact counts and sums, see `sketch.py`) or the category
counts. The file is JSON with one array per line, so a changed profile diffs readably
in a pull request. Profiles of partitions merge into one (`merge_profiles`).

Infinite values of a numeric column are counted apart (`posinf`, `neginf`), like nulls,
and left out of its sketch. The file is strict JSON: a value that is not finite (a sum
that overflowed float64) is written as null, never as NaN or Infinity.

A numeric column whose values are integers, every one distinct, with no nulls and at
least `IDENTIFIER_MIN_VALUES` of them, is marked `identifier` (row ids, user ids,
hashed keys): drift checks skip it unless drift.tests names a test for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from mlci.documents import read_document
from mlci.drift.result import json_safe
from mlci.drift.sketch import DEFAULT_BINS, BinCounts, edges_from_sorted
from mlci.errors import InputError

# The schema name written into profiles (see `mlci.resultschema`); the previous release
# wrote LEGACY_PROFILE_SCHEMA, which reads as version 1.
PROFILE_SCHEMA = "mlci.profile/v1"
LEGACY_PROFILE_SCHEMA = "mlci.drift-profile/1"
MAX_CATEGORIES = 1000
# The fewest values a column needs before "every value is distinct" marks an identifier.
IDENTIFIER_MIN_VALUES = 50
IDENTIFIER_NOTE = "looks like an identifier: every value is unique"


@dataclass(frozen=True, eq=False)
class ColumnProfile:
    name: str
    kind: str  # numeric, datetime, categorical, boolean, text
    count: int  # non-null values
    nulls: int
    numeric: BinCounts | None = None
    categories: dict[str, int] = field(default_factory=dict)  # most frequent first
    other: int = 0  # values of categories beyond MAX_CATEGORIES
    note: str | None = None
    identifier: bool = False  # integer values, all distinct: skipped by drift checks

    @property
    def infinite(self) -> int:
        """Values that are +inf or -inf (numeric columns): neither in count nor nulls."""
        return self.numeric.infinite if self.numeric is not None else 0

    @property
    def rows(self) -> int:
        return self.count + self.nulls + self.infinite

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "count": self.count, "nulls": self.nulls}
        if self.numeric is not None and self.count:
            sketch = self.numeric
            out.update(
                min=sketch.minimum,
                max=sketch.maximum,
                mean=float(f"{sketch.mean:.15g}"),
                std=float(f"{sketch.std:.15g}"),
            )
            out.update(sketch.to_dict())
        if self.numeric is not None:
            out.update(posinf=self.numeric.posinf, neginf=self.numeric.neginf)
        if self.identifier:
            out["identifier"] = True
        if self.kind in ("categorical", "boolean"):
            out["categories"] = self.categories
            out["other"] = self.other
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, eq=False)
class DatasetProfile:
    rows: int
    columns: tuple[ColumnProfile, ...]
    bins: int = DEFAULT_BINS
    source: str = ""
    # Largest uncertainty of a stored reference CDF value, as a share of the rows: zero
    # for a profile built from data, positive after merging partitions whose edges differ.
    cdf_error: float = 0.0
    performance: dict[str, Any] | None = None
    sample: float | None = None

    def column(self, name: str) -> ColumnProfile | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": PROFILE_SCHEMA,
            "rows": self.rows,
            "bins": self.bins,
            "source": self.source,
            "sample": self.sample,
            "cdf_error": self.cdf_error,
            "performance": self.performance,
            "columns": {c.name: c.to_dict() for c in self.columns},
        }


def distinct_integers(sorted_values: np.ndarray) -> bool:
    """Every value an integer and none repeated (of at least IDENTIFIER_MIN_VALUES)."""
    if sorted_values.size < IDENTIFIER_MIN_VALUES:
        return False
    if not (np.isfinite(sorted_values[0]) and np.isfinite(sorted_values[-1])):
        return False
    head = sorted_values[:IDENTIFIER_MIN_VALUES]  # most columns fail here, cheaply
    if not bool(np.all(np.floor(head) == head)) or not bool(np.all(np.diff(head) > 0)):
        return False
    if not bool(np.all(np.diff(sorted_values) > 0)):
        return False
    return bool(np.all(np.floor(sorted_values) == sorted_values))


def looks_like_identifier(distinct: bool, nulls: int, sketch: BinCounts) -> bool:
    """An identifier column: `distinct_integers` of all its values (or of an evenly thinned
    sample, `sketch` then holding the exact counts: no edge value may occur twice), no
    nulls, no infinities."""
    if not distinct or nulls or sketch.infinite or sketch.count < IDENTIFIER_MIN_VALUES:
        return False
    return not bool(np.any(sketch.at > 1))


def _dump(value: Any, indent: int = 0) -> str:
    """JSON with mappings spread over lines and every list on one line (diffable, small)."""
    if isinstance(value, dict) and value and any(isinstance(v, dict) for v in value.values()):
        pad = "  " * (indent + 1)
        items = [f"{pad}{json.dumps(k)}: {_dump(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, dict) and len(value) > 4:
        pad = "  " * (indent + 1)
        items = [
            f"{pad}{json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    return json.dumps(value, separators=(", ", ": "), allow_nan=False)


def save_profile(profile: DatasetProfile, path: str | Path, *, option: str | None = None) -> Path:
    """Write the profile through `mlci.output` (folders made, atomic, never over an input)."""
    from mlci.output import write_output

    file = Path(path)
    write_output(file, _dump(json_safe(profile.to_dict())) + "\n", option=option)
    return file


def is_profile_file(path: str | Path) -> bool:
    """True when `path` is a JSON file that starts like a drift profile."""
    file = Path(path)
    if not file.is_file() or file.suffix.lower() != ".json":
        return False
    with file.open("rb") as handle:
        head = handle.read(256)
    return b'"schema"' in head and (
        b'"mlci.profile/v' in head or LEGACY_PROFILE_SCHEMA.encode() in head
    )


def _float(value: Any) -> float:
    """A stored number; null (a value that was not finite) reads as NaN."""
    return float("nan") if value is None else float(value)


def _column_from_dict(name: str, data: dict[str, Any]) -> ColumnProfile:
    kind = str(data["kind"])
    numeric = None
    if kind in ("numeric", "datetime"):
        edges = np.asarray(data.get("edges", []), dtype=np.float64)
        numeric = BinCounts(edges=edges)
        if data.get("count"):
            numeric.at = np.asarray(data["at"], dtype=np.int64)
            numeric.between = np.asarray(data["between"], dtype=np.int64)
            numeric.sums = np.asarray(data["sums"], dtype=np.float64)
            numeric.count = int(data["count"])
            numeric.mean = _float(data["mean"])
            numeric.m2 = _float(data["std"]) ** 2 * numeric.count
            numeric.minimum = _float(data["min"])
            numeric.maximum = _float(data["max"])
            if numeric.at.size != edges.size or numeric.between.size != edges.size + 1:
                raise ValueError("edges, at and between have inconsistent lengths")
        numeric.nulls = int(data["nulls"])
        numeric.posinf = int(data.get("posinf", 0))
        numeric.neginf = int(data.get("neginf", 0))
    return ColumnProfile(
        name=name,
        kind=kind,
        count=int(data["count"]),
        nulls=int(data["nulls"]),
        numeric=numeric,
        categories={str(k): int(v) for k, v in (data.get("categories") or {}).items()},
        other=int(data.get("other", 0)),
        note=data.get("note"),
        identifier=bool(data.get("identifier", False)),
    )


def load_profile(path: str | Path) -> DatasetProfile:
    file = Path(path)
    data = read_document(
        file, unreadable="not a readable profile", hint="re-create it", json_only=True
    )
    from mlci.resultschema import validate_document

    validate_document(data, "profile", str(file))
    try:
        columns = tuple(_column_from_dict(n, c) for n, c in data["columns"].items())
        return DatasetProfile(
            rows=int(data["rows"]),
            columns=columns,
            bins=int(data.get("bins", DEFAULT_BINS)),
            source=str(data.get("source", "")),
            cdf_error=float(data.get("cdf_error", 0.0)),
            performance=data.get("performance"),
            sample=data.get("sample"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(
            f"{file}: damaged profile ({type(error).__name__}: {error})",
            "re-create it with `mlci drift profile`",
        ) from None


# -- merging -------------------------------------------------------------------------------


def _cumulative_at(counts: BinCounts, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimated count at or below each point, and its largest possible error.

    Exact at the sketch's own edges; inside a segment the count is interpolated
    linearly, wrong by at most the segment's count.
    """
    edges = counts.edges
    _, upto = counts.cumulative()
    index = np.searchsorted(edges, points, side="left")
    exact = (index < edges.size) & (edges[np.minimum(index, edges.size - 1)] == points)
    left_value = np.concatenate([[0], upto])[index]
    inside = counts.between[index]
    lo = np.concatenate([[min(counts.minimum, edges[0])], edges])[index]
    hi = np.concatenate([edges, [max(counts.maximum, edges[-1])]])[index]
    span = np.where(hi > lo, hi - lo, 1.0)
    share = np.clip((points - lo) / span, 0.0, 1.0)
    estimate = np.where(exact, upto[np.minimum(index, edges.size - 1)], left_value + share * inside)
    error = np.where(exact, 0.0, inside)
    return estimate, error


def _merge_numeric(parts: list[ColumnProfile], bins: int) -> tuple[BinCounts, float]:
    with_data = [p.numeric for p in parts if p.numeric is not None and p.count]
    nulls = sum(p.nulls for p in parts)
    posinf = sum(p.numeric.posinf for p in parts if p.numeric is not None)
    neginf = sum(p.numeric.neginf for p in parts if p.numeric is not None)
    if not with_data:
        empty = BinCounts(edges=np.empty(0), nulls=nulls, posinf=posinf, neginf=neginf)
        return empty, 0.0
    if all(np.array_equal(s.edges, with_data[0].edges) for s in with_data):
        merged = BinCounts(edges=with_data[0].edges.copy())
        for sketch in with_data:
            merged.merge(sketch)
        merged.nulls, merged.posinf, merged.neginf = nulls, posinf, neginf
        return merged, 0.0
    # Different edges: estimate every part's CDF on the union of edges, then keep the
    # union points nearest the merged quantile levels.
    points = np.unique(np.concatenate([s.edges for s in with_data]))
    upto = np.zeros(points.size)
    error = np.zeros(points.size)
    for sketch in with_data:
        estimate, uncertainty = _cumulative_at(sketch, points)
        upto += estimate
        error += uncertainty
    total = sum(s.count for s in with_data)
    cdf = np.maximum.accumulate(upto) / total
    chosen = np.unique(np.searchsorted(cdf, np.linspace(0, 1, bins + 1), side="left"))
    chosen = chosen[chosen < points.size]
    edges = points[chosen]
    merged = BinCounts(edges=edges)
    cum = np.round(np.maximum.accumulate(upto[chosen])).astype(np.int64)
    merged.at = np.zeros(edges.size, dtype=np.int64)
    merged.between = np.diff(np.concatenate([[0], cum, [total]]))
    # Segment sums are shared out in proportion to the estimated counts.
    mean_all = sum(s.mean * s.count for s in with_data) / total
    merged.sums = merged.between * np.concatenate(
        [[edges[0]], (edges[:-1] + edges[1:]) / 2, [edges[-1]]]
    ).astype(np.float64)
    merged.count = total
    merged.mean = mean_all
    merged.m2 = sum(s.m2 + s.count * (s.mean - mean_all) ** 2 for s in with_data)
    merged.minimum = min(s.minimum for s in with_data)
    merged.maximum = max(s.maximum for s in with_data)
    merged.nulls, merged.posinf, merged.neginf = nulls, posinf, neginf
    return merged, float(error.max() / total)


def _check_mergeable(profiles: list[DatasetProfile], labels: list[str]) -> None:
    """Refuse what a merge would get wrong: missing columns (they would count as nulls),
    different bins or different types of a column."""
    names = list(dict.fromkeys(c.name for p in profiles for c in p.columns))
    sides = list(zip(labels, profiles, strict=True))
    lacking = [(label, [n for n in names if p.column(n) is None]) for label, p in sides]
    detail = "; ".join(f"{label} lacks {', '.join(ns)}" for label, ns in lacking if ns)
    if detail:
        raise InputError(
            f"profiles with different columns cannot be merged: {detail}",
            "build every profile with the same columns (--columns/--exclude, drift.columns)",
        )
    if len({p.bins for p in profiles}) > 1:
        spread = ", ".join(f"{label} has {p.bins}" for label, p in sides)
        raise InputError(
            f"profiles with different bins cannot be merged: {spread}",
            "build every profile with the same --bins (drift.bins)",
        )
    for name in names:
        kinds = [(label, c.kind) for label, p in sides if (c := p.column(name)) is not None]
        if len({kind for _, kind in kinds}) > 1:
            spread = ", ".join(f"{label} {kind}" for label, kind in kinds)
            raise InputError(
                f"column {name!r} has different types in the profiles: {spread}",
                f"set drift.types.{name} in mlci.yaml and build the profiles again",
            )


def merge_profiles(
    profiles: list[DatasetProfile], labels: list[str] | None = None
) -> DatasetProfile:
    """One profile of the union of the partitions the given profiles describe.

    The profiles must have the same columns, the same type per column and the same bins;
    otherwise an InputError names what differs, with `labels` (e.g. the file names).
    """
    if not profiles:
        raise InputError("no profiles to merge", "pass two or more profile files")
    if labels is None or len(labels) != len(profiles):
        labels = [p.source or f"profile {i + 1}" for i, p in enumerate(profiles)]
    _check_mergeable(profiles, labels)
    names = [c.name for c in profiles[0].columns]
    bins = profiles[0].bins
    columns = []
    cdf_error = max(p.cdf_error for p in profiles)
    for name in names:
        parts = [c for p in profiles if (c := p.column(name)) is not None]
        kind = parts[0].kind
        nulls = sum(c.nulls for c in parts)
        count = sum(c.count for c in parts)
        # Distinct within every part need not be distinct across parts, but ids stay
        # ids: that is what decides whether a check compares the column.
        identifier = all(c.identifier for c in parts)
        if kind in ("numeric", "datetime"):
            sketch, error = _merge_numeric(parts, bins)
            sketch.nulls = nulls
            cdf_error = max(cdf_error, error)
            note = IDENTIFIER_NOTE if identifier else None
            columns.append(
                ColumnProfile(
                    name, kind, sketch.count, nulls, sketch, note=note, identifier=identifier
                )
            )
        elif kind in ("categorical", "boolean"):
            totals: dict[str, int] = {}
            for part in parts:
                for key, value in part.categories.items():
                    totals[key] = totals.get(key, 0) + value
            ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
            other = sum(c.other for c in parts) + sum(v for _, v in ranked[MAX_CATEGORIES:])
            note = None
            if other:
                note = f"more than {MAX_CATEGORIES} categories: the rarest are pooled as 'other'"
            columns.append(
                ColumnProfile(
                    name, kind, count, nulls, None, dict(ranked[:MAX_CATEGORIES]), other, note
                )
            )
        else:
            columns.append(replace(parts[0], count=count, nulls=nulls, note=parts[0].note))
    performance = None
    scored = [p.performance for p in profiles if p.performance]
    if scored and len({s["metric"] for s in scored}) == 1:
        scored_rows = sum(int(s["rows"]) for s in scored)
        mean_value = sum(float(s["value"]) * int(s["rows"]) for s in scored) / max(scored_rows, 1)
        performance = {"metric": scored[0]["metric"], "value": mean_value, "rows": scored_rows}
    return DatasetProfile(
        rows=sum(p.rows for p in profiles),
        columns=tuple(columns),
        bins=bins,
        source=" + ".join(p.source for p in profiles),
        cdf_error=cdf_error,
        performance=performance,
    )


def numeric_column(
    name: str, kind: str, values: np.ndarray, nulls: int, bins: int, edges: np.ndarray | None
) -> ColumnProfile:
    """A numeric column's profile from all its non-null values (exact counts)."""
    ordered = np.sort(values)
    if edges is None:
        edges = edges_from_sorted(ordered, bins)
    sketch = BinCounts(edges=edges)
    sketch.add(ordered, nulls)
    identifier = (
        kind == "numeric"
        and not nulls
        and not sketch.infinite
        and looks_like_identifier(distinct_integers(ordered), nulls, sketch)
    )
    note = IDENTIFIER_NOTE if identifier else None
    return ColumnProfile(name, kind, sketch.count, nulls, sketch, note=note, identifier=identifier)
