"""The drift history: one JSON line per checked window, kept between scheduled runs.

A windowed check (`mlci drift check --window weekly`) sees only the data of its own
run; the history is what lets the next run's trend reach back past it and say when a
drift began. The file (drift.history, `.mlci/drift-history.jsonl` by default) holds
one entry per (period, time column, window label):

- Each run merges its entries in: the newest run's entry for a window wins, so a run
  that sees a week again (late data, a re-run) replaces what an earlier run wrote.
- The file is capped per period (`CAPS`: two years of weeks, about 13 months of days);
  the oldest windows go first.
- A line that is not a history entry stops the run with the file and line number: a
  history silently thinned or rewritten would move "drift began" without anyone noticing.

The whole file is rewritten through `mlci.output.write_file` (atomic), never appended
to in place, so an interrupted run leaves the previous file intact.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci.errors import InputError

HISTORY_SCHEMA = "mlci.drift-history/v1"
# Windows kept per (period, time column): 400 days, 104 weeks.
CAPS = {"daily": 400, "weekly": 104}
PERIODS = tuple(CAPS)


@dataclass(frozen=True)
class ColumnPoint:
    """One column's figures in one window: what its trend line and verdict need."""

    test: str | None
    measure: str | None
    statistic: float | None
    p_value: float | None  # corrected (the one the verdict rests on)
    threshold: float | None
    drifted: bool
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "measure": self.measure,
            "statistic": _finite(self.statistic),
            "p_value": _finite(self.p_value),
            "threshold": _finite(self.threshold),
            "drifted": self.drifted,
            "verdict": self.verdict,
        }

    @property
    def score(self) -> float | None:
        """The figure relative to its threshold, 1.0 at the threshold, higher = more drift.

        Distances: statistic / threshold. p-values: log(p) / log(alpha), so that every
        column's line crosses 1 where its verdict turns, whatever its test.
        """
        if self.measure == "p_value":
            if self.p_value is None or self.threshold is None or not 0 < self.threshold < 1:
                return None
            # + 0.0: p = 1 gives -0.0, which would print as '-0'
            return max(0.0, math.log(max(self.p_value, 1e-300)) / math.log(self.threshold)) + 0.0
        if self.statistic is None or not self.threshold:
            return None
        return abs(self.statistic) / self.threshold


@dataclass(frozen=True)
class HistoryEntry:
    """One window of one run: the dataset verdict and each column's figures."""

    window: str  # 2026-11-24 (daily) or 2026-W48 (weekly)
    period: str
    time_column: str
    run_at: str  # ISO 8601, UTC: when the run that wrote it checked
    commit: str | None  # the commit the run checked out
    rows: int
    verdict: str
    drift_detected: bool
    drift_share: float
    columns: Mapping[str, ColumnPoint] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.period, self.time_column, self.window)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": HISTORY_SCHEMA,
            "window": self.window,
            "period": self.period,
            "time_column": self.time_column,
            "run_at": self.run_at,
            "commit": self.commit,
            "rows": self.rows,
            "verdict": self.verdict,
            "drift_detected": self.drift_detected,
            "drift_share": _finite(self.drift_share),
            "columns": {name: point.to_dict() for name, point in self.columns.items()},
        }


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def entry_from_result(
    window: str,
    result: Any,
    *,
    period: str,
    time_column: str,
    run_at: str,
    commit: str | None,
) -> HistoryEntry:
    """The history entry of one window's DriftResult (feature columns only)."""
    columns = {
        c.name: ColumnPoint(
            test=c.test,
            measure=c.measure,
            statistic=c.statistic,
            p_value=c.adjusted_p_value if c.measure == "p_value" else c.p_value,
            threshold=c.threshold,
            drifted=c.drifted,
            verdict=c.verdict,
        )
        for c in result.features
    }
    return HistoryEntry(
        window=window,
        period=period,
        time_column=time_column,
        run_at=run_at,
        commit=commit,
        rows=result.current_rows,
        verdict=result.verdict,
        drift_detected=result.dataset_drift,
        drift_share=result.drift_share,
        columns=columns,
    )


class _Malformed(ValueError):
    pass


def _need(data: Mapping[str, Any], key: str, types: Any, optional: bool = False) -> Any:
    if key not in data:
        raise _Malformed(f"no {key!r}")
    value = data[key]
    if value is None and optional:
        return None
    if isinstance(value, bool) and types is not bool and bool not in _as_tuple(types):
        raise _Malformed(f"{key!r} is {value!r}, not {_names(types)}")
    if not isinstance(value, types):
        raise _Malformed(f"{key!r} is {value!r}, not {_names(types)}")
    return value


def _as_tuple(types: Any) -> tuple[Any, ...]:
    return types if isinstance(types, tuple) else (types,)


def _names(types: Any) -> str:
    return " or ".join(t.__name__ for t in _as_tuple(types))


def _number(data: Mapping[str, Any], key: str, optional: bool = True) -> float | None:
    value = _need(data, key, (int, float), optional=optional)
    return None if value is None else float(value)


def _point(name: str, data: Any) -> ColumnPoint:
    if not isinstance(data, dict):
        raise _Malformed(f"column {name!r} is not an object")
    try:
        return ColumnPoint(
            test=_need(data, "test", str, optional=True),
            measure=_need(data, "measure", str, optional=True),
            statistic=_number(data, "statistic"),
            p_value=_number(data, "p_value"),
            threshold=_number(data, "threshold"),
            drifted=_need(data, "drifted", bool),
            verdict=_need(data, "verdict", str),
        )
    except _Malformed as error:
        raise _Malformed(f"column {name!r}: {error}") from None


def entry_from_dict(data: Any) -> HistoryEntry:
    """An entry from its JSON object; ValueError (with what is wrong) when it is not one."""
    if not isinstance(data, dict):
        raise _Malformed("not a JSON object")
    if data.get("schema") != HISTORY_SCHEMA:
        raise _Malformed(f"schema is {data.get('schema')!r}, not {HISTORY_SCHEMA!r}")
    period = _need(data, "period", str)
    if period not in PERIODS:
        raise _Malformed(f"period {period!r} is not one of {', '.join(PERIODS)}")
    columns = _need(data, "columns", dict)
    share = _number(data, "drift_share")
    return HistoryEntry(
        window=_need(data, "window", str),
        period=period,
        time_column=_need(data, "time_column", str),
        run_at=_need(data, "run_at", str),
        commit=_need(data, "commit", str, optional=True),
        rows=_need(data, "rows", int),
        verdict=_need(data, "verdict", str),
        drift_detected=_need(data, "drift_detected", bool),
        drift_share=share if share is not None else 0.0,
        columns={name: _point(name, value) for name, value in columns.items()},
    )


def read_history(path: str | Path) -> list[HistoryEntry]:
    """Every entry of the file in file order; [] when the file does not exist yet.

    A malformed line is an InputError naming the file and the line: never skipped.
    """
    file = Path(path)
    if not file.exists():
        return []
    if file.is_dir():
        raise InputError(
            f"{path}: the drift history is a folder, not a file",
            "point drift.history (--history) at a .jsonl file",
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            f"{path}: the drift history cannot be read ({error})",
            "fix or remove the file; the next run writes a new one",
        ) from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(entry_from_dict(json.loads(line)))
        except ValueError as error:  # json.JSONDecodeError and _Malformed
            what = str(error).splitlines()[0]
            raise InputError(
                f"{path}:{number}: not a drift history entry ({what})",
                "fix or delete that line (each line is one JSON object written by "
                "mlci drift check --window); mlci leaves the file alone while it is malformed",
            ) from None
    return entries


def merge_entries(
    older: Iterable[HistoryEntry],
    newer: Iterable[HistoryEntry],
    caps: Mapping[str, int] | None = None,
) -> list[HistoryEntry]:
    """One entry per (period, time column, window): the later one wins (`newer` over
    `older`, a later line over an earlier one), in window order per period and time
    column, each group capped to its newest `caps[period]` windows."""
    caps = CAPS if caps is None else caps
    latest: dict[tuple[str, str, str], HistoryEntry] = {}
    for entry in [*older, *newer]:
        latest.pop(entry.key, None)  # re-inserted: dict order follows the newest write
        latest[entry.key] = entry
    groups: dict[tuple[str, str], list[HistoryEntry]] = {}
    for entry in latest.values():
        groups.setdefault((entry.period, entry.time_column), []).append(entry)
    merged: list[HistoryEntry] = []
    for (period, _), group in sorted(groups.items()):
        group.sort(key=lambda e: e.window)  # ISO labels sort in time order
        cap = caps.get(period)
        merged.extend(group[-cap:] if cap else group)
    return merged


def render_history(entries: Iterable[HistoryEntry]) -> str:
    """The file's text: one compact JSON object per line."""
    lines = [
        json.dumps(e.to_dict(), separators=(",", ":"), allow_nan=False, sort_keys=False)
        for e in entries
    ]
    return "".join(line + "\n" for line in lines)


def write_history(path: str | Path, entries: Iterable[HistoryEntry], option: str | None) -> Path:
    """Write the whole history (atomically, through mlci.output.write_file)."""
    from mlci.output import write_file

    return write_file(path, render_history(entries), option=option)


def append_history(
    path: str | Path,
    entries: Iterable[HistoryEntry],
    *,
    option: str | None = "--history",
    caps: Mapping[str, int] | None = None,
) -> list[HistoryEntry]:
    """Merge `entries` into the file at `path` (read again now: see `merge_entries`),
    write it and return everything it holds."""
    merged = merge_entries(read_history(path), entries, caps)
    write_history(path, merged, option)
    return merged
