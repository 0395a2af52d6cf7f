"""Build a reference profile by streaming a table, with bounded memory.

Pass 1 counts categories and nulls exactly and keeps an evenly thinned sample of every
numeric column (at most `sketch_rows` values; by default the numeric columns share
`SKETCH_BYTES`), from which the quantile edges are taken. If nothing had to be thinned,
the counts come from the kept values and the profile is done; otherwise pass 2 streams
the numeric columns again and counts them exactly on those edges. Either way every
stored count is exact; only the edge positions come from a sample, so the error bounds
of `distances.py` (computed from the exact counts) hold as they do for a one-pass profile.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from mlci.config.schema import DriftConfig
from mlci.drift.kernel import NUMERIC, Plan, only
from mlci.drift.kinds import infer_kinds
from mlci.drift.profile import (
    IDENTIFIER_NOTE,
    MAX_CATEGORIES,
    ColumnProfile,
    DatasetProfile,
    distinct_integers,
    looks_like_identifier,
    numeric_column,
)
from mlci.drift.readers import DEFAULT_BATCH_ROWS, Progress, Source
from mlci.drift.sketch import DEFAULT_BINS, BinCounts, edges_from_sorted
from mlci.errors import InputError

# Memory for the pass-1 samples of all numeric columns together (the peak is about twice
# this while a sample is halved), and the fewest values a column's edges come from.
SKETCH_BYTES = 64 << 20
MIN_SKETCH_ROWS = 100_000


def select_columns(
    names: list[str], include: tuple[str, ...], exclude: tuple[str, ...]
) -> list[str]:
    chosen = [n for n in names if n in include] if include else list(names)
    return [n for n in chosen if n not in exclude]


def profile_source(
    source: Source,
    *,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    types: dict[str, str] | None = None,
    bins: int = DEFAULT_BINS,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    sketch_rows: int | None = None,
    sample: float | None = None,
    seed: int = 0,
    target: str | None = None,
    prediction: str | None = None,
    progress: Progress | None = None,
    keep_values: bool = False,
) -> tuple[DatasetProfile, dict[str, np.ndarray]]:
    """The profile of a table, and (with keep_values) every numeric column's values."""
    storage = source.kinds()
    unknown = [n for n in include if n not in storage]
    if unknown:  # a typo would write a profile of nothing
        raise InputError(
            f"{getattr(source, 'path', 'the data')}: no column {unknown[0]!r} "
            "(drift.columns.include or --columns)",
            f"use one of: {', '.join(sorted(storage)[:20])}",
        )
    names = select_columns(list(storage), include, exclude)
    if not names:  # every column excluded: a profile, and any check on it, would be empty
        raise InputError(
            f"{getattr(source, 'path', 'the data')}: the column selection leaves no column "
            f"(it has {', '.join(list(storage)[:20])}; excluded: {', '.join(exclude)})",
            "exclude fewer columns (drift.columns.exclude in mlci.yaml or --exclude)",
        )
    kinds = infer_kinds({n: storage[n] for n in names}, source.peek(), dict(types or {}))
    wanted = {n: k for n, k in kinds.items() if k != "text"}
    rowwise: tuple[str, ...] = ()
    if target and prediction and target in storage and prediction in storage:
        rowwise = (target, prediction)
    numeric_names = [n for n, k in wanted.items() if k in NUMERIC]
    if keep_values:
        limit = 2**62
    elif sketch_rows is not None:
        limit = sketch_rows
    else:
        limit = max(MIN_SKETCH_ROWS, SKETCH_BYTES // (8 * max(len(numeric_names), 1)))
    first_plan = Plan(wanted, None, limit, rowwise)
    first = only(
        source.count(
            first_plan, batch_rows=batch_rows, sample=sample, seed=seed, progress=progress
        ),
        first_plan,
    )
    rows, nulls, counters = first.rows, first.nulls, first.categories
    mismatched, accuracy, samples = first.mismatched, first.accuracy, first.samples
    kept: dict[str, np.ndarray] = {}
    edges: dict[str, np.ndarray] = {}
    distinct: dict[str, bool] = {}
    thinned = [n for n, s in samples.items() if s.stride > 1]
    for name in list(samples):
        values = samples.pop(name).values()  # pop: free each sample once used
        if name in thinned:
            ordered = np.sort(values)
            edges[name] = edges_from_sorted(ordered, bins)
            distinct[name] = kinds[name] == "numeric" and not nulls[name]
            distinct[name] = distinct[name] and distinct_integers(ordered)
            del ordered
        else:
            kept[name] = values
    exact: dict[str, BinCounts] = {}
    if thinned:  # pass 2: exact counts on the sampled edges
        second_plan = Plan({n: wanted[n] for n in thinned}, edges)
        exact = only(
            source.count(second_plan, batch_rows=batch_rows, sample=sample, seed=seed),
            second_plan,
        ).numeric
        for name in thinned:
            exact[name].nulls = nulls[name]
    columns = []
    for name in names:
        kind = kinds[name]
        note = None
        if name in mismatched:
            note = f"values that are not {kind} were found ({mismatched[name]}); counted as null"
        if kind == "text":
            columns.append(
                ColumnProfile(name, kind, 0, 0, note="text or identifier column: not compared")
            )
        elif kind in NUMERIC:
            if name in exact:
                sketch = exact[name]
                identifier = looks_like_identifier(distinct[name], sketch.nulls, sketch)
                column = ColumnProfile(
                    name,
                    kind,
                    sketch.count,
                    sketch.nulls,
                    sketch,
                    note=note or (IDENTIFIER_NOTE if identifier else None),
                    identifier=identifier,
                )
            else:
                column = numeric_column(name, kind, kept[name], nulls[name], bins, None)
                if note:
                    column = replace(column, note=note)
            columns.append(column)
        else:
            counter = counters[name]
            ranked = sorted(counter.counts.items(), key=lambda kv: (-kv[1], kv[0]))
            other = sum(v for _, v in ranked[MAX_CATEGORIES:])
            if other:
                note = f"more than {MAX_CATEGORIES} categories: the rarest are pooled as 'other'"
            columns.append(
                ColumnProfile(
                    name,
                    kind,
                    counter.count,
                    counter.nulls,
                    None,
                    dict(ranked[:MAX_CATEGORIES]),
                    other,
                    note,
                )
            )
    profile = DatasetProfile(
        rows=rows,
        columns=tuple(columns),
        bins=bins,
        source=source.label,
        performance=accuracy.result(),
        sample=sample,
    )
    return profile, (kept if keep_values else {})


def profile_with_config(
    source: Source, config: DriftConfig, **options: Any
) -> tuple[DatasetProfile, dict[str, np.ndarray]]:
    """`profile_source` with the column selection, types, bins and roles of `drift:`."""
    return profile_source(
        source,
        include=config.columns.include,
        exclude=config.columns.exclude,
        types=dict(config.types),
        bins=config.bins,
        target=config.target,
        prediction=config.prediction,
        **options,
    )
