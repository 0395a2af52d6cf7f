"""Run the data checks of mlci.yaml over a CSV or Parquet file, batch by batch.

Every failure is collected, never just the first: each (check, column) pair gets a
count of failing rows, a few failing values and the rows they are on. Row numbers are
1-based data rows (the header is not counted), the same in every batch size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.config.schema import DataChecksConfig
from mlci.data.engine import build_schema, failure_cases
from mlci.data.spec import NUMERIC_TYPES, CheckPlan, ColumnPlan, load_user_schema
from mlci.errors import ConfigError
from mlci.tables import iter_batches

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# The order failures are listed in within one column.
CHECK_ORDER = (
    "required",
    "unexpected",
    "type",
    "not_null",
    "max_null_share",
    "min",
    "max",
    "allowed",
    "regex",
    "unique",
    "unique_key",
    "rows",
    "freshness",
    "schema",
)
_TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "number": "a number",
    "bool": "true or false",
    "datetime": "an ISO 8601 date or timestamp",
    "string": "a string",
}
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class CheckFailure:
    """One check that failed: how often, on which values, on which rows."""

    check: str
    column: str | None
    count: int
    message: str
    sample: tuple[str, ...] = ()
    rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class QualityReport:
    """The outcome of `run_checks` on one file."""

    path: str
    rows: int
    columns: tuple[str, ...]
    checks: int
    failures: tuple[CheckFailure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def failed_checks(self) -> int:
        return len(self.failures)


class _Tally:
    """Counts, distinct sample values and sample rows per (check, column)."""

    def __init__(self, sample: int) -> None:
        self.sample = sample
        self.entries: dict[tuple[str, str | None], dict[str, Any]] = {}

    def add(
        self,
        check: str,
        column: str | None,
        message: str,
        count: int,
        values: Any = (),
        rows: Any = (),
    ) -> None:
        if count <= 0:
            return
        entry = self.entries.setdefault(
            (check, column), {"message": message, "count": 0, "sample": [], "rows": []}
        )
        entry["count"] += count
        for value in values:
            if len(entry["sample"]) >= self.sample:
                break
            text = _show(value)
            if text not in entry["sample"]:
                entry["sample"].append(text)
        for row in rows:
            if len(entry["rows"]) >= self.sample:
                break
            entry["rows"].append(int(row) + 1)

    def add_mask(
        self, check: str, column: str | None, message: str, series: pd.Series, mask: Any
    ) -> None:
        count = int(mask.sum())
        if count:
            failing = series[mask]
            head = failing.iloc[: self.sample * 20]  # enough to find `sample` distinct values
            self.add(check, column, message, count, head.tolist(), failing.index[: self.sample])

    def failures(self, order: dict[str, int]) -> tuple[CheckFailure, ...]:
        def key(item: tuple[tuple[str, str | None], dict[str, Any]]) -> tuple[int, int, str]:
            (check, column), _ = item
            position = -1 if column is None else order.get(column, len(order))
            rank = CHECK_ORDER.index(check) if check in CHECK_ORDER else len(CHECK_ORDER)
            return position, rank, column or ""

        return tuple(
            CheckFailure(
                check=check,
                column=column,
                count=entry["count"],
                message=entry["message"],
                sample=tuple(entry["sample"]),
                rows=tuple(entry["rows"]),
            )
            for (check, column), entry in sorted(self.entries.items(), key=key)
        )


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an int column read with nulls is float: show 3, not 3.0
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse_values(series: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """`series` converted to `kind`, and the mask of non-null values that could not be."""
    import pandas as pd
    from pandas.api import types

    present = series.notna()
    if kind in NUMERIC_TYPES:
        if types.is_numeric_dtype(series) and not types.is_bool_dtype(series):
            parsed = series
        else:
            parsed = pd.to_numeric(series, errors="coerce")
            if types.is_bool_dtype(series):  # True is not a number a user meant
                parsed = pd.Series(float("nan"), index=series.index)
        bad = present & parsed.isna()
        if kind == "int":
            fractional = parsed.notna() & ((parsed % 1) != 0)
            bad = bad | fractional
            parsed = parsed.where(~fractional)
        return parsed, bad
    if kind == "bool":
        if types.is_bool_dtype(series):
            return series, present & False
        words = series.astype(str).str.strip().str.lower()
        parsed = words.map(lambda w: True if w in _TRUE else (False if w in _FALSE else None))
        return parsed, present & parsed.isna()
    if kind == "datetime":
        if types.is_datetime64_any_dtype(series):
            # Naive stamps (Parquet often has them) are read as UTC, like parsed text.
            utc = series.dt.tz_convert("UTC") if series.dt.tz else series.dt.tz_localize("UTC")
            return utc, present & False
        parsed = pd.to_datetime(
            series.astype("string"), errors="coerce", utc=True, format="ISO8601"
        )
        return parsed, present & parsed.isna()
    return series, present & False  # string: any value can be read as text


class _KeyTracker:
    """Finds rows whose key repeats an earlier row's, across batches, by 64-bit hashes."""

    def __init__(self) -> None:
        import numpy as np

        self.seen: np.ndarray = np.empty(0, dtype="uint64")

    def repeats(self, keys: pd.DataFrame) -> Any:
        import numpy as np
        import pandas as pd
        from pandas.api import types

        complete = keys.notna().all(axis=1).to_numpy()
        # 1 and 1.0 must hash alike, whichever dtype a CSV chunk got.
        normal = keys.apply(
            lambda c: (
                c.astype("float64")
                if types.is_numeric_dtype(c) and not types.is_bool_dtype(c)
                else c.astype(str)
            )
        )
        hashes = pd.util.hash_pandas_object(normal, index=False).to_numpy()
        repeated = np.zeros(len(keys), dtype=bool)
        idx = np.flatnonzero(complete)
        subset = hashes[idx]
        # Sorting beats hash sets here: a stable sort keeps the first of equal keys
        # first, so "equal to its sorted predecessor" marks exactly the later repeats.
        order = np.argsort(subset, kind="stable")
        ordered = subset[order]
        later = np.zeros(len(ordered), dtype=bool)
        later[1:] = ordered[1:] == ordered[:-1]
        within = np.empty(len(ordered), dtype=bool)
        within[order] = later
        before = np.zeros(len(subset), dtype=bool)
        if len(self.seen):
            spot = np.minimum(np.searchsorted(self.seen, subset), len(self.seen) - 1)
            before = self.seen[spot] == subset
        repeated[idx] = within | before
        self.seen = np.sort(np.concatenate([self.seen, ordered[~later]]))
        return repeated


def _check_columns(frame: pd.DataFrame, plan: CheckPlan, tally: _Tally) -> None:
    known = {c.name for c in plan.columns}
    for column in plan.columns:
        if column.name not in frame.columns and column.required:
            tally.add("required", column.name, "required column is missing", 1)
    # A key with a missing column cannot be checked; saying nothing would pass it.
    for key in plan.unique_keys:
        missing = [name for name in key if name not in frame.columns]
        if missing:
            tally.add("unique_key", ", ".join(key), f"key column {missing[0]} is missing", 1)
    if plan.strict:
        for name in frame.columns:
            if str(name) not in known:
                tally.add("unexpected", str(name), "column is not listed in data.checks", 1)


def _check_batch(
    frame: pd.DataFrame,
    present: list[ColumnPlan],
    tally: _Tally,
    nulls: dict[str, int],
) -> pd.DataFrame:
    """Null and type checks; returns the frame with typed columns parsed."""
    for column in present:
        series = frame[column.name]
        missing = series.isna()
        nulls[column.name] += int(missing.sum())
        if not column.nullable:
            tally.add(
                "not_null",
                column.name,
                "null value",
                int(missing.sum()),
                (),
                missing[missing].index,
            )
        if column.type is not None:
            parsed, bad = parse_values(series, column.type)
            tally.add_mask(
                "type", column.name, f"value is not {_TYPE_WORDS[column.type]}", series, bad
            )
            frame[column.name] = parsed
        if column.regex is not None and frame[column.name].dtype != object:
            frame[column.name] = frame[column.name].astype("string")
    return frame


def _tally_cases(
    cases: pd.DataFrame, names: dict[tuple[str, int], tuple[str, str]] | None, tally: _Tally
) -> None:
    """Fold pandera's failure cases into the tally (names maps our own checks)."""
    columns = cases["column"].astype(object).where(cases["column"].notna(), None)
    numbers = cases["check_number"].astype(object)
    groups: dict[tuple[Any, Any, Any], list[int]] = {}
    for position, key in enumerate(zip(columns, cases["check"], numbers, strict=True)):
        groups.setdefault(key, []).append(position)
    for (column, check, number), positions in groups.items():
        chunk = cases.iloc[positions]
        label = None if column is None else str(column)
        if names is not None and label is not None and number is not None:
            check_name, message = names[(label, int(number))]
        else:
            check_name, message = "schema", f"pandera check {check} failed"
        rows = [r for r in chunk["index"].tolist() if r is not None and r == r]
        tally.add(
            check_name, label, message, len(chunk), chunk["failure_case"].tolist()[:200], rows
        )


def run_checks(
    path: str | Path,
    plan: CheckPlan,
    *,
    now: datetime | None = None,
    user_schema: Any = None,
) -> QualityReport:
    """Check one CSV or Parquet file against `plan` (and a user's pandera schema)."""
    import pandas as pd

    now = now or datetime.now(timezone.utc)
    tally = _Tally(plan.sample)
    batch_schema = build_schema(plan)
    trackers: dict[tuple[str, ...], _KeyTracker] = {}
    keys = [(c.name,) for c in plan.columns if c.unique] + list(plan.unique_keys)
    nulls: dict[str, int] = {c.name: 0 for c in plan.columns}
    rows = 0
    columns: tuple[str, ...] | None = None
    newest: Any = None
    for frame in iter_batches(path, batch_rows=plan.batch_rows):
        if columns is None:
            columns = tuple(str(c) for c in frame.columns)
            _check_columns(frame, plan, tally)
        rows += len(frame)
        if user_schema is not None:
            cases = failure_cases(user_schema, frame)
            if cases is not None:
                _tally_cases(cases, None, tally)
        present = [c for c in plan.columns if c.name in frame.columns]
        frame = _check_batch(frame, present, tally, nulls)
        if batch_schema is not None:
            cases = failure_cases(batch_schema.schema, frame)
            if cases is not None:
                _tally_cases(cases, batch_schema.names, tally)
        for key in keys:
            if not all(name in frame.columns for name in key):
                continue
            repeated = trackers.setdefault(key, _KeyTracker()).repeats(frame[list(key)])
            if len(key) == 1:
                tally.add_mask(
                    "unique", key[0], "value repeats an earlier row", frame[key[0]], repeated
                )
            else:
                # Only the repeated rows are turned into text: it is slow on a million.
                hits = frame.loc[repeated, list(key)].head(plan.sample * 20)
                tally.add(
                    "unique_key",
                    ", ".join(key),
                    f"key ({', '.join(key)}) repeats an earlier row",
                    int(repeated.sum()),
                    [", ".join(_show(v) for v in row) for row in hits.itertuples(index=False)],
                    hits.index[: plan.sample],
                )
        if plan.freshness_column and plan.freshness_column in frame.columns:
            stamps, _ = parse_values(frame[plan.freshness_column], "datetime")
            top = stamps.max()
            if top is not pd.NaT and top == top and (newest is None or top > newest):
                newest = top
    _finish(plan, tally, nulls, rows, columns or (), newest, now)
    order = {c.name: i for i, c in enumerate(plan.columns)}
    for i, name in enumerate(columns or ()):
        order.setdefault(name, len(plan.columns) + i)
    return QualityReport(
        path=str(path),
        rows=rows,
        columns=columns or (),
        checks=count_checks(plan),
        failures=tally.failures(order),
    )


def _finish(
    plan: CheckPlan,
    tally: _Tally,
    nulls: dict[str, int],
    rows: int,
    columns: tuple[str, ...],
    newest: Any,
    now: datetime,
) -> None:
    """The checks that can only be decided once every batch has been read."""
    import pandas as pd

    for column in plan.columns:
        if column.max_null_share is None or column.name not in columns or rows == 0:
            continue
        share = nulls[column.name] / rows
        if share > column.max_null_share:
            tally.add(
                "max_null_share",
                column.name,
                f"null share {share:.2%} is above {column.max_null_share:.2%}",
                nulls[column.name],
            )
    if plan.min_rows is not None and rows < plan.min_rows:
        tally.add("rows", None, f"{rows} rows, fewer than the minimum {plan.min_rows}", 1)
    if plan.max_rows is not None and rows > plan.max_rows:
        tally.add("rows", None, f"{rows} rows, more than the maximum {plan.max_rows}", 1)
    if plan.freshness_column and plan.max_age_days is not None:
        name = plan.freshness_column
        if name not in columns:
            tally.add("freshness", name, "freshness column is missing", 1)
        elif newest is None:
            tally.add("freshness", name, "no readable timestamp in the column", 1)
        else:
            age = (pd.Timestamp(now) - newest).total_seconds() / 86400
            if age > plan.max_age_days:
                tally.add(
                    "freshness",
                    name,
                    f"newest row is {age:.1f} days old, more than {plan.max_age_days:g}",
                    1,
                    [newest.isoformat()],
                )


def count_checks(plan: CheckPlan) -> int:
    """How many individual checks a plan runs (for 'N checks, M failed')."""
    total = len(plan.unique_keys) + (plan.min_rows is not None) + (plan.max_rows is not None)
    total += bool(plan.freshness_column) + plan.strict + bool(plan.schema)
    for c in plan.columns:
        total += sum(
            (
                c.required,
                c.type is not None,
                not c.nullable,
                c.max_null_share is not None,
                c.min is not None,
                c.max is not None,
                bool(c.allowed),
                c.regex is not None,
                c.unique,
            )
        )
    return int(total)


@dataclass(frozen=True)
class DataCheckResult:
    """The reports of every file checked by `check_data`."""

    reports: tuple[QualityReport, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.reports)

    @property
    def failed_checks(self) -> int:
        return sum(r.failed_checks for r in self.reports)


def check_data(
    paths: Sequence[str | Path],
    config: DataChecksConfig,
    *,
    source: str = "mlci.yaml",
    base: Path | None = None,
    now: datetime | None = None,
    batch_rows: int | None = None,
) -> DataCheckResult:
    """Check each file against `data.checks` (its plan, made when the config was loaded).

    `source` names the config file in messages and `base` is the folder a `schema:`
    path is relative to (the config file's folder).
    """
    plan: CheckPlan = config.plan
    if plan.is_empty:
        raise ConfigError(
            f"{source}: data.checks: no checks configured",
            "add data.checks.columns (or rows, unique, freshness, schema) to mlci.yaml",
        )
    if batch_rows is not None:
        plan = replace(plan, batch_rows=batch_rows)
    user_schema = load_user_schema(plan.schema, base, source) if plan.schema else None
    return DataCheckResult(
        reports=tuple(run_checks(p, plan, now=now, user_schema=user_schema) for p in paths)
    )


__all__ = [
    "CheckFailure",
    "DataCheckResult",
    "QualityReport",
    "check_data",
    "count_checks",
    "parse_values",
    "run_checks",
]
