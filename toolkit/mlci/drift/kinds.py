"""Column types for drift: inferred from the storage type and a peek at the data.

numeric and datetime columns are compared as distributions, categorical and boolean
ones by category shares; text (free-form strings, identifiers) is skipped with a note.
`drift.types` in mlci.yaml overrides any inference.
"""

from __future__ import annotations

from typing import Any

KINDS = ("numeric", "categorical", "boolean", "datetime", "text")
# A string column is text when at least this share of a peek's values are distinct.
TEXT_DISTINCT_SHARE = 0.5
TEXT_MIN_VALUES = 50


def _looks_like_dates(values: Any) -> bool:
    import pandas as pd

    sample = values.head(100).astype(str)
    if sample.empty or not sample.str.match(r"^\d{4}-\d{2}-\d{2}").all():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().all())


def infer_kind(storage: str, peek: Any | None) -> str:
    """The drift kind of a column from its storage kind and its first non-null values."""
    if storage in ("numeric", "boolean", "datetime"):
        return storage
    if storage != "string" or peek is None:
        return "text"
    values = peek.dropna()
    if values.empty:
        return "categorical"
    if _looks_like_dates(values):
        return "datetime"
    if len(values) >= TEXT_MIN_VALUES and values.nunique() >= TEXT_DISTINCT_SHARE * len(values):
        return "text"
    return "categorical"


def infer_kinds(storage: dict[str, str], peek: Any, overrides: dict[str, str]) -> dict[str, str]:
    kinds = {}
    for name, stored in storage.items():
        if name in overrides:
            kinds[name] = overrides[name]
        else:
            column = peek[name] if peek is not None and name in peek.columns else None
            kinds[name] = infer_kind(stored, column)
    return kinds
