"""A run record's params, metrics and tags as MLflow accepts them; no MLflow import.

MLflow rejects a whole batch for one bad entry, so everything is checked here first:
- keys: alphanumerics, `_ - . space /` only (colons are refused on Windows servers, so
  they are replaced too), at most 250 characters, and no name that a file path would
  normalise to another (`a//b`, `./a`, `../a`, `/a`). Other characters become `_`;
- param values are text of at most 6000 characters (a longer one is skipped, never cut:
  a truncated value would look like a real setting);
- metrics are finite numbers; text, booleans, NaN and infinities are skipped.
Whatever is changed or skipped is said in a note, so `mlci train` can warn about it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000

_NOT_ALLOWED = re.compile(r"[^\w.\- /]")


@dataclass(frozen=True)
class Prepared:
    """Values ready for one MLflow batch, and what had to be changed or left out."""

    params: dict[str, str]
    metrics: dict[str, float]
    notes: tuple[str, ...] = ()


def mlflow_key(name: str) -> str:
    """`name` with the characters MLflow refuses replaced and its path form made unique."""
    cleaned = _NOT_ALLOWED.sub("_", name)
    # Names are stored as files on some backends: "a//b", "./a" or "a/" would resolve
    # to another name, so empty, "." and ".." segments are dropped or replaced.
    parts = [
        "_" * len(part) if part in (".", "..") else part for part in cleaned.split("/") if part
    ]
    return "/".join(parts) or "_"


def param_text(value: Any) -> str:
    """A param value as MLflow stores it: text; other values as their JSON spelling,
    so `value_from_text` gives back the same number, boolean or null."""
    return value if isinstance(value, str) else json.dumps(value)


def value_from_text(text: str) -> Any:
    """A param read back from MLflow: a number, boolean or null when it spells one."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if value is None or isinstance(value, (bool, int, float)) else text


def _keyed(
    files: Mapping[str, Mapping[str, Any]], what: str, notes: list[str]
) -> dict[str, tuple[str, Any]]:
    """{MLflow key: (file, value)}; on a clash the first file's value is kept."""
    out: dict[str, tuple[str, Any]] = {}
    for file, values in files.items():
        for name, value in values.items():
            key = mlflow_key(name)
            if len(key) > MAX_KEY_LENGTH:
                notes.append(
                    f"{file}: {what} `{name[:40]}...` not logged to MLflow: its name is longer "
                    f"than {MAX_KEY_LENGTH} characters"
                )
                continue
            if key in out:
                notes.append(
                    f"{file}: {what} `{name}` not logged to MLflow: `{key}` is already "
                    f"logged from {out[key][0]}"
                )
                continue
            if key != name:
                notes.append(f"{file}: {what} `{name}` logged to MLflow as `{key}`")
            out[key] = (file, value)
    return out


def prepare(
    params: Mapping[str, Mapping[str, Any]], metrics: Mapping[str, Mapping[str, Any]]
) -> Prepared:
    """A record's params and metrics ({file: {flat name: value}}) as MLflow values."""
    notes: list[str] = []
    ready_params: dict[str, str] = {}
    for key, (file, value) in _keyed(params, "param", notes).items():
        text = param_text(value)
        if len(text) > MAX_PARAM_VALUE_LENGTH:
            notes.append(
                f"{file}: param `{key}` not logged to MLflow: its value has {len(text)} "
                f"characters, more than MLflow's {MAX_PARAM_VALUE_LENGTH}"
            )
            continue
        ready_params[key] = text
    ready_metrics: dict[str, float] = {}
    skipped: dict[str, list[str]] = {}
    for key, (file, value) in _keyed(metrics, "metric", notes).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            skipped.setdefault(file, []).append(f"`{key}` (not a number)")
        elif not math.isfinite(value):
            skipped.setdefault(file, []).append(f"`{key}` ({value})")
        else:
            ready_metrics[key] = float(value)
    for file, names in skipped.items():
        notes.append(f"{file}: metrics not logged to MLflow: {', '.join(names)}")
    return Prepared(ready_params, ready_metrics, tuple(notes))


def tag_text(value: str) -> str:
    """A tag value within MLflow's limit (tags are descriptions, so cutting is harmless)."""
    return (
        value if len(value) <= MAX_TAG_VALUE_LENGTH else value[: MAX_TAG_VALUE_LENGTH - 3] + "..."
    )
