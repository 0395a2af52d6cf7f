"""`run_check`: compare current data with a reference (data or profile) column by column.

Policies that keep a check from a confident wrong answer:

- Infinite values (+inf, -inf) are counted apart, like nulls, and left out of every
  statistic; their share per side is an `infinite_values` finding (a warning, or drift
  when the share changed by at least NULL_MIN_CHANGE with p < NULL_ALPHA).
- A column with fewer than `MIN_COUNT` finite values on either side is not tested: its
  verdict is "insufficient data" (an `insufficient_data` warning), it is left out of the
  drift share, and the dataset verdict is "insufficient data" unless those columns,
  all drifted, could not reach the share threshold.
- Identifier columns (see `profile.looks_like_identifier`) are skipped with the reason,
  unless drift.tests names a test for them.
- A statistic that is not a number is an error of that column ("not compared"), never ok.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlci.config.schema import DriftConfig, RetrainConfig, RetrainRule
from mlci.drift import stats
from mlci.drift.build import profile_with_config, select_columns
from mlci.drift.kernel import NUMERIC, CategoryCounter, Partial, Plan, Window, only
from mlci.drift.profile import ColumnProfile, DatasetProfile, is_profile_file, load_profile
from mlci.drift.readers import (
    DEFAULT_BATCH_ROWS,
    FrameSource,
    Progress,
    Source,
    open_source,
)
from mlci.drift.result import MIN_COUNT, ColumnResult, DriftResult, Finding, Severity, Side
from mlci.drift.retrain import decide
from mlci.drift.sketch import BinCounts, decile_cuts
from mlci.errors import ConfigError, InputError
from mlci.tables import require_shared_columns

# Null-rate findings: a two-proportion z-test at this level and at least this change.
NULL_ALPHA = 0.001
NULL_MIN_CHANGE = 0.01
# New or vanished categories count as drift from this share and count on.
CATEGORY_MIN_SHARE = 0.01
CATEGORY_MIN_COUNT = 10

Data = str | Path | Any  # a path, a pandas DataFrame or (reference only) a DatasetProfile


@dataclass(frozen=True, eq=False)
class PreparedReference:
    """A reference read once (its profile, and its raw numeric values when it was data),
    for several checks of the same reference, such as one per drift window."""

    profile: DatasetProfile
    values: dict[str, np.ndarray]
    label: str
    exact: bool


def _as_source(data: Data, role: str) -> Source:
    if isinstance(data, Source):  # a partitioned dataset or a query, opened by an engine
        return data
    if isinstance(data, (str, Path)):
        return open_source(data)
    if hasattr(data, "columns") and hasattr(data, "iloc"):
        return FrameSource(data, f"<{role} DataFrame>")
    raise InputError(
        f"{role}: expected a file path or a DataFrame, got {type(data).__name__}",
        "pass the path of a CSV or Parquet file, or a pandas DataFrame",
    )


def prepare_reference(
    reference: Data,
    config: DriftConfig,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    sample: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> PreparedReference:
    """Read a reference (data, a profile file or a DatasetProfile) once."""
    if isinstance(reference, PreparedReference):
        return reference
    profile, values, label = _reference(reference, config, batch_rows, sample, seed, progress)
    exact = not (
        isinstance(reference, DatasetProfile)
        or (isinstance(reference, (str, Path)) and is_profile_file(reference))
    )
    return PreparedReference(profile, values, label, exact)


def _reference(
    reference: Data,
    config: DriftConfig,
    batch_rows: int,
    sample: float | None,
    seed: int,
    progress: Progress | None,
) -> tuple[DatasetProfile, dict[str, np.ndarray], str]:
    if isinstance(reference, PreparedReference):
        return reference.profile, reference.values, reference.label
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


def current_plan(
    columns: list[ColumnProfile],
    *,
    keep_values: bool,
    rowwise: tuple[str, ...],
    window: Window | None = None,
) -> Plan:
    """What a check counts of the current data: each compared column on the reference's
    edges (numeric) or by category."""
    wanted = {column.name: column.kind for column in columns}
    edges = {
        column.name: column.numeric.edges if column.numeric is not None else np.empty(0)
        for column in columns
        if column.kind in NUMERIC
    }
    return Plan(wanted, edges, rowwise=rowwise, window=window, keep_values=keep_values)


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


def _infinite_finding(ref: Side, cur: Side) -> Finding | None:
    """How many values are infinite on each side (they are left out of the statistics)."""
    if not ref.infinite and not cur.infinite:
        return None
    p0, p1 = ref.infinite_share, cur.infinite_share
    severity: Severity = "warning"
    if ref.rows and cur.rows and abs(p1 - p0) >= NULL_MIN_CHANGE:
        _, p = stats.two_proportion_z(
            np.array([ref.infinite, ref.rows - ref.infinite]),
            np.array([cur.infinite, cur.rows - cur.infinite]),
        )
        if p < NULL_ALPHA:
            severity = "drift"
    return Finding(
        "infinite_values",
        severity,
        f"infinite values: {p1:.1%} of current rows ({cur.posinf} +inf, {cur.neginf} -inf), "
        f"{p0:.1%} of reference rows ({ref.posinf} +inf, {ref.neginf} -inf); "
        "left out of the statistics",
    )


def _side(rows: int, count: int, nulls: int, sketch: BinCounts | None) -> Side:
    if sketch is None:
        return Side(rows, count, nulls)
    if not count:
        return Side(rows, count, nulls, posinf=sketch.posinf, neginf=sketch.neginf)
    return Side(rows, count, nulls, sketch.mean, sketch.std, sketch.posinf, sketch.neginf)


def _finite(values: np.ndarray | None, sketch: BinCounts) -> np.ndarray | None:
    """Raw values without their infinities (the sketch counted them apart)."""
    if values is None or not sketch.infinite:
        return values
    return values[np.isfinite(values)]


def _insufficient(side: str, count: int) -> Finding:
    values = "value" if count == 1 else "values"
    return Finding(
        "insufficient_data",
        "warning",
        f"insufficient data: {count} {side} {values} (at least {MIN_COUNT} needed); "
        "not tested for drift",
    )


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
    """The test drift.tests names for the column, else its kind's significance test (the
    same at every size: drift.small_reference no longer switches to distances)."""
    if column.name in config.tests:
        name = config.tests[column.name]
    else:
        name = stats.default_test(column.kind, categories)
    spec = stats.REGISTRY[name]  # names were checked on load (mlci.config.checks)
    # What depends on the data stays here: the kind inferred from it, its categories.
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
    current: Partial,
    ref_values: dict[str, np.ndarray],
    config: DriftConfig,
    cdf_error: float,
) -> ColumnResult:
    """One column's test, PSI and findings (before the multiple-testing correction)."""
    name, kind = column.name, column.kind
    ref_side = _side(column.rows, column.count, column.nulls, column.numeric)
    numeric = current.numeric.get(name)
    counter = current.categories.get(name)
    cur_count = numeric.count if numeric is not None else counter.count if counter else 0
    cur_nulls = numeric.nulls if numeric is not None else counter.nulls if counter else 0
    cur_side = _side(current.rows, cur_count, cur_nulls, numeric)
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
    infinite = _infinite_finding(ref_side, cur_side)
    if column.count == 0:
        code = "empty_reference" if column.rows == 0 else "all_null_reference"
        what = "null or infinite" if column.infinite else "null"
        message = "the reference has no values: not compared"
        if column.rows:
            message = f"every reference value is {what}: not compared"
        findings.append(Finding(code, "warning", message))
        return _with(base, findings)
    if current.rows == 0:
        findings.append(Finding("empty_current", "warning", "the current data has no rows"))
        return _with(base, findings)
    if cur_count == 0 and current.rows < MIN_COUNT and name not in current.mismatched:
        findings.append(_insufficient("current", 0))
        return _with(base, findings)
    if cur_count == 0:
        if name not in current.mismatched:
            what = "null or infinite" if cur_side.infinite else "null"
            findings.append(Finding("all_null_current", "drift", f"every current value is {what}"))
        return _with(base, findings)
    null_change = _null_finding(ref_side, cur_side)
    if null_change:
        findings.append(null_change)
    if infinite:
        findings.append(infinite)
    if column.count < MIN_COUNT or cur_count < MIN_COUNT:
        few = ("reference", column.count) if column.count < MIN_COUNT else ("current", cur_count)
        findings.append(_insufficient(*few))
        return _with(base, findings)
    pair: stats.Pair
    if numeric is not None:
        assert column.numeric is not None
        raw_ref = _finite(ref_values.get(name), column.numeric)
        raw_cur = np.concatenate(current.values[name]) if current.values.get(name) else None
        raw_cur = _finite(raw_cur, numeric)
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
    # A named distance is the effect; significance still gates it (its kind's p-value
    # test), so that small samples do not alarm on noise.
    significance = spec
    if spec.measure == "distance":
        significance = stats.REGISTRY[stats.default_test(kind, categories)]
    threshold = config.thresholds.get(name)
    if threshold is None:
        threshold = config.alpha if spec.measure == "p_value" else spec.default_threshold
    min_effect = threshold if spec.measure == "distance" else config.min_effect
    found = stats.assess(pair, spec, significance, min_effect=min_effect, cdf_error=cdf_error)
    return ColumnResult(
        name,
        kind,
        test=spec.name,
        measure=spec.measure,
        statistic=found.statistic,
        p_value=found.p_value,
        threshold=threshold,
        error_bound=found.error_bound,
        significance_test=found.significance_test,
        effect_measure=found.effect_measure,
        effect=found.effect,
        effect_bound=found.effect_bound,
        min_effect=found.min_effect,
        psi=stats.psi_counts(*pair.coarse()),
        reference=ref_side,
        current=cur_side,
        findings=tuple(findings),
        plot=_plot(pair),
    )


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


def _not_compared(column: ColumnProfile, finding: Finding) -> ColumnResult:
    """A reference column the check does not test, with the finding that says why."""
    return ColumnResult(
        column.name,
        column.kind,
        reference=Side(column.rows, column.count, column.nulls),
        findings=(finding,),
    )


@dataclass(frozen=True, eq=False)
class _Selection:
    storage: dict[str, str]
    roles: dict[str | None, str]
    ref_columns: list[ColumnProfile]
    skipped_ids: set[str]
    compared: list[ColumnProfile]
    rowwise: tuple[str, ...]


def _select(
    prepared: PreparedReference, source: Source, config: DriftConfig, current: Data
) -> _Selection:
    """The reference columns a check compares with this source, and why others are not."""
    profile, exact = prepared.profile, prepared.exact
    storage = source.kinds()
    # A current table that shares no column (e.g. read with the wrong delimiter) would
    # report every reference column as missing: 100% drift, "retrain".
    require_shared_columns(
        source.label,
        list(storage),
        [c.name for c in profile.columns],
        "the reference data" if exact else "the reference profile",
    )
    _check_named_columns(config, {c.name for c in profile.columns} | set(storage), current)
    roles = {config.target: "target", config.prediction: "prediction"}
    selected = set(
        select_columns(
            [c.name for c in profile.columns], config.columns.include, config.columns.exclude
        )
    )
    selected |= {n for n in roles if n and profile.column(n) is not None}
    if not selected:
        raise InputError(
            f"{source.label}: the column selection leaves no column to compare "
            f"(the reference has {', '.join(c.name for c in profile.columns[:20])})",
            "exclude fewer columns (drift.columns in mlci.yaml, --columns or --exclude)",
        )
    ref_columns = [c for c in profile.columns if c.name in selected]
    skipped_ids = {c.name for c in ref_columns if c.identifier and c.name not in config.tests}
    compared = [
        c
        for c in ref_columns
        if c.kind != "text" and c.name in storage and c.name not in skipped_ids
    ]
    rowwise: tuple[str, ...] = ()
    if (
        profile.performance
        and config.target
        and config.prediction
        and config.target in storage
        and config.prediction in storage
    ):
        rowwise = (config.target, config.prediction)
    return _Selection(storage, roles, ref_columns, skipped_ids, compared, rowwise)


def run_check_counts(
    reference: Data,
    current: Data | Source,
    config: DriftConfig | None = None,
    rule: RetrainRule | None = None,
    *,
    window: Window,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    model_age_days: float | None = None,
    progress: Progress | None = None,
) -> dict[str, DriftResult]:
    """One check per window of `window.column`: the current rows are counted once,
    grouped by window, and each window is judged against the same reference."""
    config = config or DriftConfig()
    prepared = prepare_reference(reference, config, batch_rows=batch_rows, progress=progress)
    source = current if isinstance(current, Source) else _as_source(current, "current")
    storage = source.kinds()
    if window.column not in storage:
        raise InputError(
            f"{source.label}: no time column {window.column!r} for drift windows "
            "(drift.time_column or --time-column)",
            f"use one of: {', '.join(sorted(storage)[:20])}",
        )
    chosen = _select(prepared, source, config, current)
    plan = current_plan(
        chosen.compared,
        keep_values=bool(prepared.values),
        rowwise=chosen.rowwise,
        window=window,
    )
    counts = source.count(plan, batch_rows=batch_rows, progress=progress)
    return {
        str(key): run_check(
            prepared,
            source,
            config,
            rule,
            model_age_days=model_age_days,
            counted=partial,
        )
        for key, partial in counts.items()
    }


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
    counted: Partial | None = None,
) -> DriftResult:
    """Compare `current` with `reference` and evaluate the retraining rule.

    reference: a CSV/Parquet path, a profile path (.json written by `mlci drift
    profile`), a DatasetProfile or a pandas DataFrame. current: a path or a DataFrame.
    `sample` (0-1) keeps that random share of rows (seeded), stated in the result.
    `counted`: the current data's counts, already taken (see `run_check_counts`).
    """
    from dataclasses import replace

    config = config or DriftConfig()
    if sample is not None and not 0 < sample <= 1:
        raise InputError(f"sample: {sample} is not a share of rows", "use a number in (0, 1]")
    prepared = prepare_reference(
        reference, config, batch_rows=batch_rows, sample=sample, seed=seed, progress=progress
    )
    profile, ref_values, ref_label, exact = (
        prepared.profile,
        prepared.values,
        prepared.label,
        prepared.exact,
    )
    source = current if isinstance(current, Source) else _as_source(current, "current")
    chosen = _select(prepared, source, config, current)
    storage, roles, ref_columns = chosen.storage, chosen.roles, chosen.ref_columns
    skipped_ids, compared, rowwise = chosen.skipped_ids, chosen.compared, chosen.rowwise
    plan = current_plan(compared, keep_values=bool(ref_values), rowwise=rowwise)
    if counted is not None:
        state = counted
    else:
        state = only(
            source.count(plan, batch_rows=batch_rows, sample=sample, seed=seed, progress=progress),
            plan,
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
        elif column.name in skipped_ids:
            result = _not_compared(
                column,
                Finding(
                    "identifier",
                    "info",
                    "looks like an identifier: every value is unique; not compared "
                    f"(name a test in drift.tests.{column.name} to compare it)",
                ),
            )
        elif column.name not in compared_names:
            result = _not_compared(
                column,
                Finding("missing_column", "drift", "the column is missing from the current data"),
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
        c
        for c in results
        if c.role == "feature"
        and c.kind != "text"
        and c.name in reference_names
        and c.name not in skipped_ids
    ]
    undecidable = [c for c in features if c.undecidable]
    insufficient = [c for c in features if c.insufficient and not c.undecidable]
    judged = [c for c in features if not c.insufficient]
    drifted = [c for c in judged if c.drifted]
    share = len(drifted) / len(judged) if judged else 0.0
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
    if insufficient:
        notes.append(
            f"insufficient data: {len(insufficient)} column(s) have fewer than {MIN_COUNT} "
            f"values on a side ({', '.join(c.name for c in insufficient[:10])}); they were "
            "not tested and are not counted in the drift share"
        )
    if undecidable:
        notes.append(
            f"undecidable from the profile: {len(undecidable)} column(s) are significant "
            "but their effect's estimate and error bound straddle the minimum "
            f"({', '.join(c.name for c in undecidable[:10])}); they are not counted in the "
            "drift share"
        )
    if not exact:
        notes.append(
            "reference is a profile: ks and wasserstein are conservative estimates "
            "(never above the exact value) within the error_bound given per column; "
            "other statistics are exact"
        )
    decision = decide(
        rule if rule is not None else RetrainConfig().when,
        columns=tuple(features),
        drift_share=share,
        performance=performance,
        model_age_days=model_age_days,
        default_share=config.drift_share,
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
        dataset_drift=bool(judged) and share >= config.drift_share,
        correction=config.correction,
        alpha=config.alpha,
        retrain=decision,
        compared=len(judged),
        sample=sample,
        performance=performance,
        notes=tuple(notes),
        errors=tuple(errors),
        insufficient=tuple(c.name for c in insufficient),
        undecidable=tuple(c.name for c in undecidable),
        min_effect=config.min_effect,
    )


def _correct(results: list[ColumnResult], config: DriftConfig) -> list[ColumnResult]:
    """Adjust the p-values of all tested columns together, then decide each: drift when
    significant and the effect reaches its minimum; undecidable from the profile when
    significant and the effect's estimate and bound straddle the minimum."""
    from dataclasses import replace

    tested = [
        i
        for i, c in enumerate(results)
        if c.p_value is not None and c.effect is not None and c.test is not None
    ]
    found = [_assessment(results[i]) for i in tested]
    levels = [_level(results[i], config) for i in tested]
    out = list(results)
    for i, verdict in zip(tested, stats.decide(found, levels, config.correction), strict=True):
        column = results[i]
        findings = column.findings
        if verdict.undecidable:
            findings = (*findings, _undecidable(column))
        out[i] = replace(
            column,
            adjusted_p_value=verdict.adjusted_p_value,
            significant=verdict.significant,
            test_drifted=verdict.drifted,
            findings=findings,
        )
    return out


def _assessment(column: ColumnResult) -> stats.Assessment:
    return stats.Assessment(
        test=column.test or "",
        measure=column.measure or "p_value",
        statistic=column.statistic or 0.0,
        p_value=column.p_value if column.p_value is not None else 1.0,
        error_bound=column.error_bound or 0.0,
        significance_test=column.significance_test or "",
        effect_measure=column.effect_measure or "",
        effect=column.effect or 0.0,
        effect_bound=column.effect_bound or 0.0,
        min_effect=column.min_effect or 0.0,
    )


def _level(column: ColumnResult, config: DriftConfig) -> float:
    """The p-value level: drift.thresholds of a p-value test, else alpha."""
    if column.measure == "p_value" and column.threshold is not None:
        return column.threshold
    return config.alpha


def _undecidable(column: ColumnResult) -> Finding:
    effect, bound = column.effect or 0.0, column.effect_bound or 0.0
    return Finding(
        "undecidable",
        "warning",
        f"undecidable from the profile: significant, but {column.effect_measure} "
        f"{effect:.4g} (up to {effect + bound:.4g}) straddles its minimum "
        f"{column.min_effect:g}; check against the reference data, or rebuild the profile "
        "with more bins (drift.bins)",
    )
