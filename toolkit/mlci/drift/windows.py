"""Drift over time: rows cut into daily or weekly windows of a timestamp column.

`assign` labels each row with its window (the profiling kernel calls it to split
batches); `windowed_check` checks each window of the current data against the
reference, joins this run's windows with the drift history of earlier runs
(`mlci.drift.history`) and says, per column and for the dataset, when the latest
stretch of drifted windows began. Renderings: `to_dict` (JSON), `to_markdown` (a
table per window and a Mermaid line chart) and `to_html` (inline SVG, no script).

Window labels are ISO: `2026-11-24` for a day, `2026-W48` for an ISO week (Monday to
Sunday; the week belongs to the year of its Thursday, so 2027-01-01 is in 2026-W53).
They sort as strings in time order. Timestamps with a time zone are windowed in UTC,
so files written in different zones agree on which day a row belongs to.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from html import escape
from os import PathLike
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from mlci.drift.history import PERIODS, ColumnPoint, HistoryEntry, entry_from_result, merge_entries
from mlci.errors import InputError

if TYPE_CHECKING:
    from mlci.config.schema import DriftConfig, RetrainRule
    from mlci.drift.readers import Progress
    from mlci.drift.result import DriftResult

WINDOWED_SCHEMA = "mlci.drift-windows/v1"
EPOCH = date(1970, 1, 1)
_UNIT_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
# Columns drawn in the trend charts: the most drifted ones.
CHART_COLUMNS = 5
# Windows of this run whose full column table the markdown carries (newest first).
DETAILED_WINDOWS = 8


class WindowSpec(Protocol):
    """What a window needs (kernel.Window is one): a timestamp column and a period."""

    @property
    def column(self) -> str: ...

    @property
    def period(self) -> str: ...


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise InputError(
            f"window period {period!r} is not one of {', '.join(PERIODS)}",
            "use --window daily or --window weekly (drift.window in mlci.yaml)",
        )


def _days(array: Any) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 (int64, floor) and a null mask, from any timestamp array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = array.type
    valid = np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_dictionary(kind):
        # Parquet strings are read as dictionaries: parse each distinct value once.
        values, dictionary_valid = _days(array.dictionary)
        indices = np.asarray(pc.fill_null(array.indices, 0).to_numpy(zero_copy_only=False))
        indices = indices.astype(np.int64)
        if len(values) == 0:
            return np.zeros(len(array), dtype=np.int64), np.zeros(len(array), dtype=bool)
        return values[indices], valid & dictionary_valid[indices]
    if pa.types.is_timestamp(kind):
        raw = pc.fill_null(array.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
        return np.floor_divide(raw.astype(np.int64), _UNIT_PER_DAY[kind.unit]), valid
    if pa.types.is_date32(kind):
        raw = pc.fill_null(array.cast(pa.int32()), 0).to_numpy(zero_copy_only=False)
        return raw.astype(np.int64), valid
    if pa.types.is_date64(kind):
        raw = pc.fill_null(array.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
        return np.floor_divide(raw.astype(np.int64), _UNIT_PER_DAY["ms"]), valid
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _string_days(array, valid)
    raise InputError(
        f"the time column is {kind}, not a timestamp",
        "name a column of timestamps, dates or ISO 8601 strings (--time-column, drift.time_column)",
    )


def _string_days(array: Any, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    values = array.to_pandas()
    try:
        stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        bad = _first_unparsable(values)
        raise InputError(
            f"the time column has {bad!r}, which is not an ISO 8601 date or timestamp",
            "write times as 2026-11-24 or 2026-11-24T08:30:00Z, or store them as timestamps",
        ) from None
    ns = stamps.to_numpy(dtype="datetime64[ns]").view(np.int64)
    parsed = ~pd.isna(stamps).to_numpy()
    days = np.floor_divide(np.where(parsed, ns, 0), _UNIT_PER_DAY["ns"])
    return days.astype(np.int64), valid & parsed


def _first_unparsable(values: Any) -> str:
    import pandas as pd

    for value in values:
        if value is None:
            continue
        try:
            pd.to_datetime(value, utc=True, format="ISO8601")
        except (ValueError, TypeError, OverflowError):
            return str(value)[:40]
    return "?"


def day_label(day: int) -> str:
    return (EPOCH + timedelta(days=int(day))).isoformat()


def week_label(day: int) -> str:
    """The ISO week of a day since the epoch, e.g. 2026-W48 (year of its Thursday)."""
    year, week, _ = (EPOCH + timedelta(days=int(day))).isocalendar()
    return f"{year}-W{week:02d}"


def label_of(moment: date | datetime, period: str) -> str:
    """The window label of a date or datetime (an aware one is taken in UTC)."""
    _check_period(period)
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc)
        moment = moment.date()
    day = (moment - EPOCH).days
    return day_label(day) if period == "daily" else week_label(day)


def assign(array: Any, period: str) -> tuple[list[str], np.ndarray]:
    """The window labels present in `array` (in time order) and, per row, the index of
    its label (-1 for a null timestamp).

    `array`: a pyarrow Array or ChunkedArray of timestamps (any unit, with or without a
    time zone), dates, or ISO 8601 strings (plain or dictionary-encoded). A column of
    another type is an InputError.
    """
    import pyarrow as pa

    _check_period(period)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks else pa.array([], array.type)
    days, valid = _days(array)
    index = np.full(len(days), -1, dtype=np.int64)
    if not valid.any():
        return [], index
    if period == "weekly":
        # Monday of the row's ISO week: 1970-01-01 was a Thursday (weekday 3).
        days = days - (days + 3) % 7
    try:
        starts, inverse = np.unique(days[valid], return_inverse=True)
        namer = day_label if period == "daily" else week_label
        labels = [namer(int(d)) for d in starts]
    except (OverflowError, ValueError):
        raise InputError(
            "the time column has dates outside years 1-9999",
            "check the column's unit; store times as timestamps",
        ) from None
    index[valid] = inverse.reshape(-1)
    return labels, index


@dataclass(frozen=True)
class TrendPoint:
    window: str
    point: ColumnPoint | None  # None: the column was not in that window's entry

    @property
    def drifted(self) -> bool:
        return self.point is not None and self.point.drifted

    def to_dict(self) -> dict[str, Any]:
        if self.point is None:
            return {"window": self.window, "verdict": "absent", "drifted": False}
        score = self.point.score
        return {
            "window": self.window,
            **self.point.to_dict(),
            "score": score if score is None or math.isfinite(score) else None,
        }


@dataclass(frozen=True)
class Streak:
    """The latest stretch of consecutive drifted windows."""

    began: str | None  # its first window; None when no window drifted
    windows: int  # how many windows it spans
    ongoing: bool  # it reaches the newest window

    def to_dict(self) -> dict[str, Any]:
        return {"began": self.began, "windows": self.windows, "ongoing": self.ongoing}


def latest_streak(windows: Sequence[str], drifted: Sequence[bool]) -> Streak:
    """The last maximal run of drifted windows (windows without data do not break it)."""
    end = max((i for i, d in enumerate(drifted) if d), default=-1)
    if end < 0:
        return Streak(None, 0, False)
    start = end
    while start > 0 and drifted[start - 1]:
        start -= 1
    return Streak(windows[start], end - start + 1, end == len(windows) - 1)


@dataclass(frozen=True)
class ColumnTrend:
    name: str
    points: tuple[TrendPoint, ...]
    streak: Streak

    @property
    def peak(self) -> float:
        scores = [p.point.score for p in self.points if p.point and p.point.score is not None]
        return max((s for s in scores if math.isfinite(s)), default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **self.streak.to_dict(),
            "points": [p.to_dict() for p in self.points],
        }


@dataclass(frozen=True)
class WindowedResult:
    """This run's per-window results, and the trend over them and the history."""

    column: str
    period: str
    windows: tuple[tuple[str, DriftResult], ...]  # this run, in time order
    timeline: tuple[HistoryEntry, ...]  # earlier runs and this one, one per window
    trend: tuple[ColumnTrend, ...]  # per feature column, across the timeline
    streak: Streak  # of the dataset verdict, across the timeline
    history_windows: int = 0  # timeline windows that came from earlier runs only
    notes: tuple[str, ...] = ()

    @property
    def latest(self) -> DriftResult:
        """The newest window's result: the one the retraining decision rests on."""
        return self.windows[-1][1]

    @property
    def began(self) -> str | None:
        return self.streak.began

    def column_trend(self, name: str) -> ColumnTrend | None:
        return next((t for t in self.trend if t.name == name), None)

    def began_line(self) -> str | None:
        """'Drift began in week 2026-W45 (first of 3 drifted windows in a row)'."""
        streak = self.streak
        if streak.began is None:
            return None
        when = f"in week {streak.began}" if self.period == "weekly" else f"on {streak.began}"
        if streak.windows == 1:
            text = f"Drift began {when} (a single drifted window"
        else:
            text = f"Drift began {when} (first of {streak.windows} drifted windows in a row"
        if not streak.ongoing:
            text += f"; the newest window, {self.timeline[-1].window}, did not drift"
        return text + ")"

    def to_dict(self) -> dict[str, Any]:
        from mlci.drift.result import json_safe

        return json_safe(
            {
                "schema": WINDOWED_SCHEMA,
                "window": {"column": self.column, "period": self.period},
                "dataset": {
                    **self.streak.to_dict(),
                    "began_line": self.began_line(),
                    "windows": [
                        {
                            "window": e.window,
                            "rows": e.rows,
                            "verdict": e.verdict,
                            "drift_detected": e.drift_detected,
                            "drift_share": e.drift_share,
                            "run_at": e.run_at,
                            "commit": e.commit,
                            "this_run": e.window in self._labels,
                        }
                        for e in self.timeline
                    ],
                },
                "trend": [t.to_dict() for t in self.trend],
                "latest": self.windows[-1][0],
                "retrain": self.latest.retrain.to_dict(),
                "windows": [
                    {"window": label, "result": result.to_dict()} for label, result in self.windows
                ],
                "history_windows": self.history_windows,
                "notes": list(self.notes),
            }
        )

    @property
    def _labels(self) -> set[str]:
        return {label for label, _ in self.windows}


def build_trend(
    column: str,
    period: str,
    windows: Sequence[tuple[str, DriftResult]],
    history: Sequence[HistoryEntry] = (),
    *,
    run_at: str,
    commit: str | None = None,
    notes: Sequence[str] = (),
) -> WindowedResult:
    """Join this run's windows with the history (this run wins on a shared window) and
    compute the trends and streaks."""
    if not windows:
        raise InputError(
            f"the time column {column!r} has no timestamps: no window to check",
            "check that the current data has rows with a time in --time-column",
        )
    mine = [
        entry_from_result(
            label, result, period=period, time_column=column, run_at=run_at, commit=commit
        )
        for label, result in windows
    ]
    earlier = [e for e in history if e.period == period and e.time_column == column]
    timeline = [
        e for e in merge_entries(earlier, mine) if e.period == period and e.time_column == column
    ]
    labels = [e.window for e in timeline]
    names: list[str] = []
    for entry in timeline:
        names.extend(n for n in entry.columns if n not in names)
    trend = []
    for name in names:
        points = tuple(TrendPoint(e.window, e.columns.get(name)) for e in timeline)
        streak = latest_streak(labels, [p.drifted for p in points])
        trend.append(ColumnTrend(name, points, streak))
    trend.sort(key=lambda t: (t.streak.began is None, -t.peak, t.name))
    streak = latest_streak(labels, [e.drift_detected for e in timeline])
    own = {label for label, _ in windows}
    return WindowedResult(
        column=column,
        period=period,
        windows=tuple(windows),
        timeline=tuple(timeline),
        trend=tuple(trend),
        streak=streak,
        history_windows=sum(1 for e in timeline if e.window not in own),
        notes=tuple(notes),
    )


def history_entries(result: WindowedResult) -> list[HistoryEntry]:
    """The entries this run adds to the history file: one per window it checked."""
    own = {label for label, _ in result.windows}
    return [e for e in result.timeline if e.window in own]


# -- the check ------------------------------------------------------------------------


def _window_config(config: DriftConfig, column: str) -> DriftConfig:
    """The time column itself is never compared: every window's times differ from the
    reference's by construction."""
    from mlci.config.schema import ColumnSelection

    if column in config.columns.exclude:
        return config
    selection = ColumnSelection(config.columns.include, (*config.columns.exclude, column))
    return replace(config, columns=selection)


def _current_table(current: Any, column: str) -> tuple[Any, str]:
    """The current data as one Arrow table, and its label (the fallback path)."""
    import pyarrow as pa

    from mlci import tables

    if isinstance(current, (str, bytes)) or hasattr(current, "__fspath__"):
        label = str(current)
        table = tables.open_table(current)
        names = list(table.columns)
        _require_time_column(label, names, column)
        if table.format == "parquet":
            return table.parquet.read(), label
        frame = tables.read_table(current)
        return pa.Table.from_pandas(frame, preserve_index=False), label
    if hasattr(current, "columns") and hasattr(current, "iloc"):
        _require_time_column("the current DataFrame", list(current.columns), column)
        return pa.Table.from_pandas(current, preserve_index=False), "<current DataFrame>"
    raise InputError(
        f"--sample with --window: the current data must be a file or a DataFrame, "
        f"not {getattr(current, 'label', type(current).__name__)}",
        "leave out --sample, or pass one CSV or Parquet file",
    )


def _require_time_column(label: str, names: Sequence[str], column: str) -> None:
    if column not in names:
        shown = ", ".join(names[:20])
        raise InputError(
            f"{label}: time column {column!r} (--time-column, drift.time_column) is not "
            "in the data",
            f"use one of: {shown}",
        )


def _split_windows(table: Any, column: str, period: str, label: str) -> tuple[list, int]:
    """(window label, pandas frame) per window, in time order, and the rows left out."""
    try:
        labels, index = assign(table.column(column), period)
    except InputError as error:
        raise InputError(f"{label}: column {column!r}: {error.message}", error.hint) from None
    frame = table.to_pandas()
    parts = [(name, frame[index == i].reset_index(drop=True)) for i, name in enumerate(labels)]
    return parts, int((index < 0).sum())


def windowed_check(
    reference: Any,
    current: Any,
    config: DriftConfig | None = None,
    rule: RetrainRule | None = None,
    window: WindowSpec | None = None,
    *,
    history: Sequence[HistoryEntry] = (),
    sample: float | None = None,
    seed: int = 0,
    model_age_days: float | None = None,
    progress: Progress | None = None,
    run_at: datetime | None = None,
    commit: str | None = None,
) -> WindowedResult:
    """Check each window of `current` against `reference` and build the trend.

    Uses `engine.run_check_counts` (one pass over the data, counts per window);
    with `sample` (which that pass does not take) each window's rows are read into
    memory and checked with `run_check`.
    `history`: entries of earlier runs (`history.read_history`). `run_at` and
    `commit` are recorded with this run's entries.
    """
    from mlci.config.schema import DriftConfig
    from mlci.drift import engine

    if window is None:
        raise InputError("no window given", "pass --window daily|weekly and --time-column")
    _check_period(window.period)
    config = _window_config(config or DriftConfig(), window.column)
    stamp = (run_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    notes = [
        f"windows: {window.period} by {window.column!r} (UTC); the time column is not compared"
    ]
    counted = getattr(engine, "run_check_counts", None)
    if counted is not None and sample is None:
        label = str(current) if isinstance(current, (str, PathLike)) else None
        try:
            by_label = counted(
                reference,
                current,
                config,
                rule,
                window=window,
                model_age_days=model_age_days,
                progress=progress,
            )
        except InputError as error:
            # `assign` runs inside the kernel and knows no file: name it here.
            if not error.message.startswith("the time column"):
                raise
            where = label or getattr(current, "label", None) or "the current data"
            raise InputError(
                f"{where}: column {window.column!r}: {error.message}", error.hint
            ) from None
        windows = [
            (name, replace(result, current=f"{label or result.current} [{name}]"))
            for name, result in sorted(by_label.items())
        ]
    else:
        table, label = _current_table(current, window.column)
        parts, undated = _split_windows(table, window.column, window.period, label)
        windows = []
        for name, frame in parts:
            result = engine.run_check(
                reference,
                frame,
                config,
                rule,
                sample=sample,
                seed=seed,
                model_age_days=model_age_days,
                progress=progress,
            )
            windows.append((name, replace(result, current=f"{label} [{name}]")))
        if undated:
            notes.append(f"{undated:,} rows with no {window.column!r} were left out")
    return build_trend(
        window.column,
        window.period,
        windows,
        history,
        run_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        commit=commit,
        notes=notes,
    )


# -- renderings -----------------------------------------------------------------------


def _mermaid_text(text: str) -> str:
    """A Mermaid quoted string: no double quote, bracket, backtick or line break can end it."""
    cleaned = "".join(" " if ch in '"`[]{}<>;\r\n\t#' else ch for ch in str(text))
    return " ".join(cleaned.split())[:60] or "?"


def _charted(result: WindowedResult, limit: int = CHART_COLUMNS) -> list[ColumnTrend]:
    drifted = [t for t in result.trend if any(p.drifted for p in t.points)]
    return (drifted or list(result.trend))[:limit]


def _score(point: TrendPoint) -> float:
    score = point.point.score if point.point else None
    return round(score, 4) if score is not None and math.isfinite(score) else 0.0


def mermaid_chart(result: WindowedResult, limit: int = CHART_COLUMNS) -> str:
    """A Mermaid xychart-beta: the drift score (1 = threshold) of the top columns per window."""
    columns = _charted(result, limit)
    labels = ", ".join(f'"{_mermaid_text(e.window)}"' for e in result.timeline)
    peak = max([1.0, *(_score(p) for t in columns for p in t.points)])
    unit = "week" if result.period == "weekly" else "day"
    lines = [
        "```mermaid",
        "xychart-beta",
        f'    title "Drift score per {unit} (1 = threshold)"',
        f"    x-axis [{labels}]",
        f'    y-axis "score" 0 --> {math.ceil(peak * 1.1 * 10) / 10:g}',
    ]
    for trend in columns:
        values = ", ".join(f"{_score(p):g}" for p in trend.points)
        lines.append(f'    line "{_mermaid_text(trend.name)}" [{values}]')
    lines.append("```")
    return "\n".join(lines)


def to_markdown(result: WindowedResult, limit: int = 50) -> str:
    """The PR body / step summary: when drift began, the trend chart, a table of the
    windows, then each window of this run as the usual drift table (collapsed)."""
    from mlci.drift import render
    from mlci.markdown import markdown_table

    latest = result.latest
    unit = "week" if result.period == "weekly" else "day"
    lines = [
        f"## Data drift per {unit}",
        "",
        f"{render.icon(latest)} **{result.windows[-1][0]}: {render.headline(latest)}**",
        "",
    ]
    began = result.began_line()
    lines += [f"**{began}**" if began else "No window drifted.", ""]
    for trend in result.trend:
        if trend.streak.began is not None:
            lines.append(
                f"- `{trend.name}` drifted from {trend.streak.began} "
                f"({trend.streak.windows} window{'s' if trend.streak.windows != 1 else ''}"
                f"{'' if trend.streak.ongoing else ', not in the newest'})"
            )
    if any(t.streak.began for t in result.trend):
        lines.append("")
    if result.history_windows:
        lines += [
            f"The trend includes {result.history_windows} earlier window(s) from the drift "
            "history.",
            "",
        ]
    shown = [t.name for t in _charted(result)]
    lines += [
        mermaid_chart(result),
        "",
        f"Lines: {', '.join(f'`{n}`' for n in shown)} (score = statistic relative to the "
        "column's threshold; above 1 is drift).",
        "",
    ]
    rows = []
    own = result._labels
    for entry in result.timeline:
        drifted = [n for n, p in entry.columns.items() if p.drifted]
        rows.append(
            [
                entry.window + ("" if entry.window in own else " (history)"),
                f"{entry.rows:,}",
                "**drift**" if entry.drift_detected else entry.verdict,
                f"{entry.drift_share:.0%}",
                ", ".join(f"`{n}`" for n in drifted[:10]) or "-",
            ]
        )
    lines.append(markdown_table(["window", "rows", "verdict", "drift share", "drifted"], rows))
    for label, window_result in list(reversed(result.windows))[:DETAILED_WINDOWS]:
        body = render.to_markdown(window_result, limit=limit)
        body = body.replace("## Data drift", f"### {label}", 1)
        lines += ["", f"<details><summary>{escape(label)}</summary>", "", body, "</details>"]
    for note in result.notes:
        lines.append(f"\n_Note: {note}_")
    return "\n".join(lines) + "\n"


WIDTH, HEIGHT, PAD = 640, 220, 36
PALETTE = ("#DD8452", "#4C72B0", "#55A868", "#C44E52", "#8172B3", "#937860")


def trend_svg(result: WindowedResult, limit: int = CHART_COLUMNS) -> str:
    """An inline SVG line chart of the top columns' scores, with the threshold at 1."""
    columns = _charted(result, limit)
    count = len(result.timeline)
    peak = max([1.0, *(_score(p) for t in columns for p in t.points)]) * 1.1
    step = (WIDTH - 2 * PAD) / max(count - 1, 1)

    def x(i: int) -> float:
        return PAD + i * step if count > 1 else WIDTH / 2

    def y(score: float) -> float:
        return HEIGHT - PAD - score / peak * (HEIGHT - 2 * PAD)

    pieces = [
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#888"/>',
        f'<line x1="{PAD}" y1="{y(1.0):.1f}" x2="{WIDTH - PAD}" y2="{y(1.0):.1f}" '
        'stroke="#999" stroke-dasharray="4 3"/>',
        f'<text x="{WIDTH - PAD}" y="{y(1.0) - 3:.1f}" font-size="9" text-anchor="end">'
        "threshold</text>",
    ]
    every = max(1, math.ceil(count / 8))
    for i, entry in enumerate(result.timeline):
        if i % every == 0 or i == count - 1:
            pieces.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - PAD + 14}" font-size="9" '
                f'text-anchor="middle">{escape(entry.window)}</text>'
            )
    for k, trend in enumerate(columns):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(_score(p)):.1f}" for i, p in enumerate(trend.points))
        pieces.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}">'
            f"<title>{escape(trend.name)}</title></polyline>"
        )
        pieces.append(
            f'<text x="{PAD + k * 110}" y="14" font-size="10" fill="{colour}">'
            f"■ {escape(trend.name[:16])}</text>"
        )
    began = result.streak.began
    if began is not None:
        i = [e.window for e in result.timeline].index(began)
        pieces.append(
            f'<line x1="{x(i):.1f}" y1="{PAD}" x2="{x(i):.1f}" y2="{HEIGHT - PAD}" '
            'stroke="#C44E52" stroke-dasharray="2 2"/>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{"".join(pieces)}</svg>'
    )


def to_html_section(result: WindowedResult) -> str:
    """The trend as an HTML fragment (every text escaped): began line, chart, table."""
    began = result.began_line() or "No window drifted."
    rows = []
    own = result._labels
    for entry in result.timeline:
        drifted = ", ".join(n for n, p in entry.columns.items() if p.drifted) or "-"
        verdict = "<b>drift</b>" if entry.drift_detected else escape(entry.verdict)
        where = "" if entry.window in own else " (history)"
        rows.append(
            f"<tr><td>{escape(entry.window + where)}</td><td>{entry.rows:,}</td>"
            f"<td>{verdict}</td><td>{entry.drift_share:.0%}</td><td>{escape(drifted)}</td></tr>"
        )
    unit = "week" if result.period == "weekly" else "day"
    return (
        f'<section class="mlci-drift-trend"><h2>Drift per {unit}</h2>'
        f"<p><b>{escape(began)}</b></p>"
        f"<figure><figcaption>Drift score per {unit} (1 = threshold)</figcaption>"
        f"{trend_svg(result)}</figure>"
        "<table><tr><th>window</th><th>rows</th><th>verdict</th><th>drift share</th>"
        f"<th>drifted columns</th></tr>{''.join(rows)}</table></section>"
    )


def to_html(result: WindowedResult) -> str:
    """The newest window's drift report with the trend section above its plots."""
    from mlci.drift.html import to_html as window_html

    page = window_html(result.latest)
    marker = "<h2>Most drifted columns</h2>"
    section = to_html_section(result)
    if marker in page:
        return page.replace(marker, section + "\n" + marker, 1)
    return page.replace("</body>", section + "\n</body>", 1)
