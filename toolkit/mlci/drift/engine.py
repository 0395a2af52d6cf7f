"""`run_check`: compare current data with a reference (data or profile) column by column."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlci.config.schema import DriftConfig, RetrainConfig, RetrainRule
from mlci.drift import stats
from mlci.drift.build import (
    NUMERIC,
    Accuracy,
    CategoryCounter,
    profile_with_config,
    select_columns,
)
from mlci.drift.profile import ColumnProfile, DatasetProfile, is_profile_file, load_profile
from mlci.drift.readers import (
    DEFAULT_BATCH_ROWS,
    CategoryChunk,
    FrameSource,
    MismatchChunk,
    NullChunk,
    NumericChunk,
    Progress,
    Source,
    open_source,
)
from mlci.drift.result import ColumnResult, DriftResult, Finding, Severity, Side
from mlci.drift.retrain import decide
from mlci.drift.sketch import BinCounts, decile_cuts
from mlci.errors import ConfigError, InputError

# Null-rate findings: a two-proportion z-test at this level and at least this change.
NULL_ALPHA = 0.001
NULL_MIN_CHANGE = 0.01
# New or vanished categories count as drift from this share and count on.
CATEGORY_MIN_SHARE = 0.01
CATEGORY_MIN_COUNT = 10

Data = str | Path | Any  # a path, a pandas DataFrame or (reference only) a DatasetProfile


@dataclass(eq=False)
class _Current:
    rows: int = 0
    numeric: dict[str, BinCounts] = field(default_factory=dict)
    values: dict[str, list[np.ndarray]] = field(default_factory=dict)
    categories: dict[str, CategoryCounter] = field(default_factory=dict)
    mismatched: dict[str, str] = field(default_factory=dict)
    accuracy: Accuracy = field(default_factory=Accuracy)


def _as_source(data: Data, role: str) -> Source:
    if isinstance(data, (str, Path)):
        return open_source(data)
    if hasattr(data, "columns") and hasattr(data, "iloc"):
        return FrameSource(data, f"<{role} DataFrame>")
    raise InputError(
        f"{role}: expected a file path or a DataFrame, got {type(data).__name__}",
        "pass the path of a CSV or Parquet file, or a pandas DataFrame",
    )


def _reference(
    reference: Data,
    config: DriftConfig,
    batch_rows: int,
    sample: float | None,
    seed: int,
    progress: Progress | None,
) -> tuple[DatasetProfile, dict[str, np.ndarray], str]:
    if isinstance(reference, DatasetProfile):
        return reference, {}, reference.source or "<profile>"
    if isinstance(reference, (str, Path)) and is_profile_file(reference):
        return load_profile(reference), {}, str(reference)
    source = _as_source(reference, "reference")
    profile, values = profile_with_config(
        source,
        config,
        batch_rows=batch_rows,
        sample=sample,
        seed=seed,
        progress=progress,
        keep_values=True,
    )
    return profile, values, source.label


def _stream_current(
    source: Source,
    columns: list[ColumnProfile],
    *,
    keep_values: bool,
    batch_rows: int,
    sample: float | None,
    seed: int,
    rowwise: tuple[str, ...],
    progress: Progress | None,
) -> _Current:
    state = _Current()
    wanted: dict[str, str] = {}
    for column in columns:
        wanted[column.name] = column.kind
        if column.kind in NUMERIC:
            edges = column.numeric.edges if column.numeric is not None else np.empty(0)
            state.numeric[column.name] = BinCounts(edges=edges)
            state.values[column.name] = []
        else:
            state.categories[column.name] = CategoryCounter()
    total = source.num_rows()
    # numpy's sort and reductions release the GIL: numeric columns are counted in
    # parallel threads, one column per task.
    pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
    try:
        for batch in source.batches(
            wanted, batch_rows=batch_rows, sample=sample, seed=seed, rowwise=rowwise
        ):
            _count_batch(state, batch, pool, keep_values, rowwise)
            if progress:
                progress(state.rows, total)
    finally:
        pool.shutdown()
    return state


def _count_batch(
    state: _Current,
    batch: Any,
    pool: ThreadPoolExecutor,
    keep_values: bool,
    rowwise: tuple[str, ...],
) -> None:
    state.rows += batch.rows
    numeric = [(n, c) for n, c in batch.chunks.items() if isinstance(c, NumericChunk)]
    jobs = [pool.submit(state.numeric[n].add, c.values, c.nulls) for n, c in numeric]
    if keep_values:
        for name, chunk in numeric:
            state.values[name].append(chunk.values)
    for name, chunk in batch.chunks.items():
        if isinstance(chunk, CategoryChunk):
            state.categories[name].add(chunk)
        elif isinstance(chunk, NullChunk):
            target = state.numeric.get(name) or state.categories[name]
            target.nulls += chunk.nulls
        elif isinstance(chunk, MismatchChunk):
            state.mismatched[name] = chunk.observed
            target = state.numeric.get(name) or state.categories[name]
            target.nulls += chunk.rows
    if rowwise:
        state.accuracy.add(batch.rowwise[rowwise[0]], batch.rowwise[rowwise[1]])
    for job in jobs:
        job.result()


def _null_finding(ref: Side, cur: Side) -> Finding | None:
    if not ref.rows or not cur.rows:
        return None
    p0, p1 = ref.null_share, cur.null_share
    if abs(p1 - p0) < NULL_MIN_CHANGE:
        return None
    _, p = stats.two_proportion_z(
        np.array([ref.nulls, ref.rows - ref.nulls]), np.array([cur.nulls, cur.rows - cur.nulls])
    )
    if p >= NULL_ALPHA:
        return None
    return Finding("null_rate_change", "drift", f"null share changed from {p0:.1%} to {p1:.1%}")


def _category_findings(
    ref: ColumnProfile, cur: CategoryCounter
) -> tuple[list[Finding], tuple[str, ...], np.ndarray, np.ndarray]:
    """Findings on new/vanished categories, and the aligned count vectors for the tests."""
    findings = []
    labels = list(ref.categories)
    ref_counts = list(ref.categories.values())
    cur_counts = [cur.counts.get(k, 0) for k in labels]
    new = {k: v for k, v in cur.counts.items() if k not in ref.categories}
    if ref.other:
        # The reference pooled its rarest categories: unseen labels may be those.
        labels.append("(other)")
        ref_counts.append(ref.other)
        cur_counts.append(sum(new.values()))
    elif new:
        labels.extend(new)
        ref_counts.extend([0] * len(new))
        cur_counts.extend(new.values())
        count = sum(new.values())
        share = count / cur.count if cur.count else 0.0
        names = ", ".join(sorted(new, key=lambda k: -new[k])[:10])
        big = share >= CATEGORY_MIN_SHARE and count >= CATEGORY_MIN_COUNT
        severity: Severity = "drift" if big else "info"
        findings.append(
            Finding("new_categories", severity, f"{len(new)} new ({share:.1%} of rows): {names}")
        )
    if cur.count and ref.count:
        vanished = [
            k
            for k, v in ref.categories.items()
            if cur.counts.get(k, 0) == 0 and v / ref.count * cur.count >= CATEGORY_MIN_COUNT
        ]
        if vanished:
            share = sum(ref.categories[k] for k in vanished) / ref.count
            severity = "drift" if share >= CATEGORY_MIN_SHARE else "info"
            findings.append(
                Finding(
                    "vanished_categories",
                    severity,
                    f"{len(vanished)} gone ({share:.1%} of reference rows): "
                    + ", ".join(vanished[:10]),
                )
            )
    return findings, tuple(labels), np.array(ref_counts), np.array(cur_counts)


def _test_for(column: ColumnProfile, config: DriftConfig, categories: int) -> stats.TestSpec:
    if column.name in config.tests:
        name = config.tests[column.name]
    else:
        small = column.count <= config.small_reference
        name = stats.default_test(column.kind, small, categories)
    spec = stats.REGISTRY.get(name)
    if spec is None:
        raise ConfigError(
            f"drift.tests.{column.name}: unknown test {name!r}",
            f"use one of: {', '.join(sorted(stats.REGISTRY))}",
        )
    if column.kind not in spec.kinds:
        fitting = sorted(n for n, s in stats.REGISTRY.items() if column.kind in s.kinds)
        raise ConfigError(
            f"drift.tests.{column.name}: {name} does not apply to {column.kind} columns",
            f"use one of: {', '.join(fitting)}",
        )
    if name == "z" and categories > 2:
        raise ConfigError(
            f"drift.tests.{column.name}: the z-test needs two categories, "
            f"the column has {categories}",
            "use chi2 or jensenshannon",
        )
    return spec


def _plot(pair: stats.Pair) -> dict[str, Any]:
    if isinstance(pair, stats.CategoricalPair):
        return {
            "labels": list(pair.labels),
            "reference": pair.reference.tolist(),
            "current": pair.current.tolist(),
        }
    ref, cur = pair.reference, pair.current
    _, ref_upto = ref.cumulative()
    _, cur_upto = cur.cumulative()
    return {
        "edges": ref.edges.tolist(),
        "reference": np.diff(np.concatenate([[0], ref_upto, [ref.count]])).tolist(),
        "current": np.diff(np.concatenate([[0], cur_upto, [cur.count]])).tolist(),
        "low": min(ref.minimum, cur.minimum),
        "high": max(ref.maximum, cur.maximum),
    }


def _compare(
    column: ColumnProfile,
    current: _Current,
    ref_values: dict[str, np.ndarray],
    config: DriftConfig,
    cdf_error: float,
) -> ColumnResult:
    """One column's test, PSI and findings (before the multiple-testing correction)."""
    name, kind = column.name, column.kind
    ref_side = Side(column.rows, column.count, column.nulls)
    if column.numeric is not None and column.count:
        ref_side = Side(
            column.rows, column.count, column.nulls, column.numeric.mean, column.numeric.std
        )
    numeric = current.numeric.get(name)
    counter = current.categories.get(name)
    cur_count = numeric.count if numeric is not None else counter.count if counter else 0
    cur_nulls = numeric.nulls if numeric is not None else counter.nulls if counter else 0
    cur_side = Side(current.rows, cur_count, cur_nulls)
    if numeric is not None and numeric.count:
        cur_side = Side(current.rows, cur_count, cur_nulls, numeric.mean, numeric.std)
    findings: list[Finding] = []
    base = ColumnResult(name, kind, reference=ref_side, current=cur_side)
    if name in current.mismatched:
        findings.append(
            Finding(
                "type_change",
                "drift",
                f"reference is {kind}, current has {current.mismatched[name]} values",
            )
        )
    if column.count == 0:
        code = "empty_reference" if column.rows == 0 else "all_null_reference"
        findings.append(Finding(code, "warning", "the reference has no values: not compared"))
        return _with(base, findings)
    if current.rows == 0:
        findings.append(Finding("empty_current", "warning", "the current data has no rows"))
        return _with(base, findings)
    if cur_count == 0:
        if name not in current.mismatched:
            findings.append(Finding("all_null_current", "drift", "every current value is null"))
        return _with(base, findings)
    null_change = _null_finding(ref_side, cur_side)
    if null_change:
        findings.append(null_change)
    pair: stats.Pair
    if numeric is not None:
        assert column.numeric is not None
        raw_ref = ref_values.get(name)
        raw_cur = np.concatenate(current.values[name]) if current.values.get(name) else None
        pair = stats.NumericPair(
            column.numeric, numeric, raw_ref, raw_cur if raw_ref is not None else None
        )
        categories = int(decile_cuts(column.numeric).size + 1)
    else:
        assert counter is not None
        more, labels, ref_counts, cur_counts = _category_findings(column, counter)
        findings.extend(more)
        pair = stats.CategoricalPair(labels, ref_counts, cur_counts)
        categories = len(labels)
    spec = _test_for(column, config, categories)
    outcome = spec.run(pair)
    bound = outcome.error_bound
    if cdf_error and isinstance(pair, stats.NumericPair) and pair.reference_values is None:
        bound += cdf_error * (1.0 if spec.name == "ks" else _span(pair))
    threshold = config.thresholds.get(name)
    if threshold is None:
        threshold = config.alpha if spec.measure == "p_value" else spec.default_threshold
    drifted = spec.measure == "distance" and outcome.statistic >= threshold
    return ColumnResult(
        name,
        kind,
        test=spec.name,
        measure=spec.measure,
        statistic=outcome.statistic,
        p_value=outcome.p_value,
        threshold=threshold,
        error_bound=bound,
        test_drifted=drifted,
        psi=stats.psi_counts(*pair.coarse()),
        reference=ref_side,
        current=cur_side,
        findings=tuple(findings),
        plot=_plot(pair),
    )


def _span(pair: stats.NumericPair) -> float:
    ref = pair.reference
    scale = ref.std if ref.std > 0 else 1.0
    return (max(ref.maximum, pair.current.maximum) - min(ref.minimum, pair.current.minimum)) / scale


def _with(base: ColumnResult, findings: list[Finding]) -> ColumnResult:
    from dataclasses import replace

    return replace(base, findings=tuple(findings))


def _check_named_columns(config: DriftConfig, known: set[str], current: Any) -> None:
    """A column named in --columns, --test or --threshold that neither side has is a typo;
    ignoring it would report no drift on columns nobody compared."""
    named = [
        ("drift.columns.include (--columns)", config.columns.include),
        ("drift.tests (--test)", tuple(config.tests)),
        ("drift.thresholds (--threshold)", tuple(config.thresholds)),
    ]
    for key, names in named:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise InputError(
                f"{key}: column {unknown[0]!r} is in neither the reference nor the current "
                f"data ({current if isinstance(current, (str, Path)) else 'a DataFrame'})",
                f"use one of: {', '.join(sorted(known)[:20])}",
            )


def run_check(
    reference: Data,
    current: Data,
    config: DriftConfig | None = None,
    rule: RetrainRule | None = None,
    *,
    sample: float | None = None,
    seed: int = 0,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    model_age_days: float | None = None,
    progress: Progress | None = None,
) -> DriftResult:
    """Compare `current` with `reference` and evaluate the retraining rule.

    reference: a CSV/Parquet path, a profile path (.json written by `mlci drift
    profile`), a DatasetProfile or a pandas DataFrame. current: a path or a DataFrame.
    `sample` (0-1) keeps that random share of rows (seeded), stated in the result.
    """
    from dataclasses import replace

    config = config or DriftConfig()
    if sample is not None and not 0 < sample <= 1:
        raise InputError(f"sample: {sample} is not a share of rows", "use a number in (0, 1]")
    profile, ref_values, ref_label = _reference(
        reference, config, batch_rows, sample, seed, progress
    )
    exact = not (
        isinstance(reference, DatasetProfile)
        or (isinstance(reference, (str, Path)) and is_profile_file(reference))
    )
    source = _as_source(current, "current")
    storage = source.kinds()
    _check_named_columns(config, {c.name for c in profile.columns} | set(storage), current)
    roles = {config.target: "target", config.prediction: "prediction"}
    selected = set(
        select_columns(
            [c.name for c in profile.columns], config.columns.include, config.columns.exclude
        )
    )
    selected |= {n for n in roles if n and profile.column(n) is not None}
    ref_columns = [c for c in profile.columns if c.name in selected]
    compared = [c for c in ref_columns if c.kind != "text" and c.name in storage]
    rowwise: tuple[str, ...] = ()
    if (
        profile.performance
        and config.target
        and config.prediction
        and config.target in storage
        and config.prediction in storage
    ):
        rowwise = (config.target, config.prediction)
    state = _stream_current(
        source,
        compared,
        keep_values=bool(ref_values),
        batch_rows=batch_rows,
        sample=sample,
        seed=seed,
        rowwise=rowwise,
        progress=progress,
    )
    results: list[ColumnResult] = []
    errors: list[str] = []
    compared_names = {c.name for c in compared}
    for column in ref_columns:
        role = roles.get(column.name, "feature")
        if column.kind == "text":
            result = ColumnResult(
                column.name,
                "text",
                findings=(
                    Finding("skipped_text", "info", column.note or "text column: not compared"),
                ),
            )
        elif column.name not in compared_names:
            result = ColumnResult(
                column.name,
                column.kind,
                reference=Side(column.rows, column.count, column.nulls),
                findings=(
                    Finding(
                        "missing_column", "drift", "the column is missing from the current data"
                    ),
                ),
            )
        else:
            try:
                result = _compare(column, state, ref_values, config, profile.cdf_error)
            except (ValueError, FloatingPointError, ZeroDivisionError) as error:
                errors.append(f"{column.name}: {error}")
                result = ColumnResult(
                    column.name,
                    column.kind,
                    findings=(Finding("error", "warning", f"not compared: {error}"),),
                )
        results.append(replace(result, role=role))  # type: ignore[arg-type]
    reference_names = {c.name for c in profile.columns}
    for name in storage:
        if name not in reference_names and name in select_columns(
            [name], config.columns.include, config.columns.exclude
        ):
            results.append(
                ColumnResult(
                    name,
                    storage[name],
                    findings=(Finding("new_column", "info", "the column is not in the reference"),),
                )
            )
    results = _correct(results, config)
    features = [
        c for c in results if c.role == "feature" and c.kind != "text" and c.name in reference_names
    ]
    drifted = [c for c in features if c.drifted]
    share = len(drifted) / len(features) if features else 0.0
    performance = None
    if profile.performance and rowwise:
        now = state.accuracy.result()
        if now and now["metric"] == profile.performance.get("metric"):
            performance = {
                "metric": now["metric"],
                "reference": profile.performance["value"],
                "current": now["value"],
                "rows": now["rows"],
            }
    notes = []
    if sample is not None:
        notes.append(f"sampled: a random {sample:.0%} of the rows (seed {seed}) were compared")
    if profile.sample is not None:
        notes.append(f"the reference profile was built from a {profile.sample:.0%} sample")
    if not exact:
        notes.append(
            "reference is a profile: ks and wasserstein are estimates within "
            "the error_bound given per column; other statistics are exact"
        )
    decision = decide(
        rule if rule is not None else RetrainConfig().when,
        columns=tuple(features),
        drift_share=share,
        performance=performance,
        model_age_days=model_age_days,
    )
    return DriftResult(
        reference=ref_label,
        current=source.label,
        reference_rows=profile.rows,
        current_rows=state.rows,
        exact=exact,
        columns=tuple(results),
        drift_share=share,
        share_threshold=config.drift_share,
        dataset_drift=bool(features) and share >= config.drift_share,
        correction=config.correction,
        alpha=config.alpha,
        retrain=decision,
        compared=len(features),
        sample=sample,
        performance=performance,
        notes=tuple(notes),
        errors=tuple(errors),
    )


def _correct(results: list[ColumnResult], config: DriftConfig) -> list[ColumnResult]:
    """Adjust the p-values of all p-value tests together, then decide those columns."""
    from dataclasses import replace

    tested = [i for i, c in enumerate(results) if c.measure == "p_value" and c.p_value is not None]
    adjusted = stats.correct([results[i].p_value or 0.0 for i in tested], config.correction)
    out = list(results)
    for i, p in zip(tested, adjusted, strict=True):
        column = results[i]
        threshold = column.threshold if column.threshold is not None else config.alpha
        out[i] = replace(column, adjusted_p_value=p, test_drifted=p < threshold)
    return out
