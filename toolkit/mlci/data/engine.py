"""The pandera side of the data checks: build a schema per plan, run it on one batch.

pandera does the per-value checks (ranges, allowed values, regular expressions) and a
user's own schema, collecting every failure lazily. What needs state across batches
(null shares, uniqueness, row counts, freshness) is counted in `mlci.data.quality`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlci.data.spec import NUMERIC_TYPES, CheckPlan
from mlci.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd


def import_pandera() -> Any:
    """pandera's pandas API, or a clear message on how to install it."""
    try:
        import pandera.pandas as pa
    except ImportError:
        raise UsageError(
            "data checks need pandera, which is not installed",
            "pip install 'mlci[governance]'",
        ) from None
    return pa


@dataclass(frozen=True)
class BatchSchema:
    """A pandera schema plus what each of its checks means in mlci's words."""

    schema: Any
    # (column, check_number) -> (mlci check name, description)
    names: dict[tuple[str, int], tuple[str, str]]


def build_schema(plan: CheckPlan) -> BatchSchema | None:
    """The value checks of `plan` as one pandera schema (None when there are none)."""
    pa = import_pandera()
    columns: dict[str, Any] = {}
    names: dict[tuple[str, int], tuple[str, str]] = {}
    for column in plan.columns:
        checks: list[Any] = []
        described: list[tuple[str, str]] = []
        if column.min is not None:
            checks.append(pa.Check.ge(column.min))
            described.append(("min", f"value below {column.min:g}"))
        if column.max is not None:
            checks.append(pa.Check.le(column.max))
            described.append(("max", f"value above {column.max:g}"))
        if column.allowed:
            if column.type in NUMERIC_TYPES:
                checks.append(pa.Check.isin(list(column.allowed_numbers)))
            else:
                checks.append(pa.Check.isin(list(column.allowed)))
            described.append(("allowed", f"value not in [{', '.join(column.allowed)}]"))
        if column.regex is not None:
            # The whole value must match, as users of `regex:` expect; pandera matches a prefix.
            checks.append(pa.Check.str_matches(rf"(?:{column.regex})\Z"))
            described.append(("regex", f"value does not match '{column.regex}'"))
        if not checks:
            continue
        # Nulls are counted by mlci across batches, so pandera ignores them here.
        columns[column.name] = pa.Column(checks=checks, nullable=True, required=False)
        for number, meaning in enumerate(described):
            names[(column.name, number)] = meaning
    if not columns:
        return None
    return BatchSchema(pa.DataFrameSchema(columns), names)


def failure_cases(schema: Any, frame: pd.DataFrame) -> pd.DataFrame | None:
    """Validate lazily; pandera's failure cases (column, check, check_number,
    failure_case, index), or None when the batch passes."""
    pa = import_pandera()
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases
    return None
