"""The versioned schema names of the JSON files mlci writes, and the check of those it reads.

One style for every JSON document mlci writes (profile, run record, report, drift result,
retraining decision, manifest, data check, fairness, validation): its first key is
`"schema": "mlci.<kind>/v<N>"`. N goes up when a field is removed or its meaning changes;
adding an optional field keeps N. The JSON Schema (draft 2020-12) of each kind ships in
`mlci/schemas/<kind>.schema.json` and covers every version up to the current one.

Readers call `validate_document`: it refuses a file of another kind or of a newer version
(written by a newer mlci), then checks the JSON Schema and names the JSON path of the
first error (`columns.age.edges[2]`). Files written before the `schema` key existed read
as version 1 (run records kept their version in an integer `schema`, manifests in
`version`), so stored profiles, records and manifests keep working.

Standard library only at import time; jsonschema is imported when a document is checked.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from mlci.documents import type_name
from mlci.errors import InputError

SCHEMA_KEY = "schema"
SCHEMA_DIR = Path(__file__).parent / "schemas"

# kind -> (current version, what a person calls it, the command that writes it)
KINDS: dict[str, tuple[int, str, str]] = {
    "profile": (1, "drift profile", "`mlci drift profile build`"),
    "drift-result": (1, "drift result", "`mlci drift check --json`"),
    "retrain-decision": (1, "retraining decision", "`mlci drift check --decision`"),
    "run-record": (2, "run record", "`mlci train`"),
    "manifest": (1, "data manifest", "`mlci data manifest`"),
    "data-check": (1, "data check result", "`mlci data check --json`"),
    "fairness": (1, "fairness report", "`mlci fairness check --json`"),
    "report": (1, "report", "`mlci report`"),
    "validation": (1, "validation result", "`mlci validate --json`"),
}
# How to mend a file of the right kind whose content is wrong, where "write it again
# with COMMAND" is not the advice (a run record cannot be made again).
_DAMAGED_FIX = {"run-record": "delete the file or restore it from git"}


def _other_file_fix(kind: str) -> str:
    """The fix when the file is not a `kind` document at all."""
    _, description, command = KINDS[kind]
    return f"pass a {description} (written by {command})"


def _damaged_fix(kind: str) -> str:
    return _DAMAGED_FIX.get(kind, f"write it again with {KINDS[kind][2]}")


# Names the previous release wrote, read as these kinds and versions.
LEGACY_NAMES: dict[str, tuple[str, int]] = {
    "mlci.drift-profile/1": ("profile", 1),
    "mlci.drift-result/1": ("drift-result", 1),
    "mlci.drift-decision/1": ("retrain-decision", 1),
}

_NAME = re.compile(r"mlci\.([a-z][a-z0-9-]*)/v([0-9]+)")


def schema_name(kind: str) -> str:
    """The name written into new files of `kind`, e.g. `mlci.profile/v1`."""
    return f"mlci.{kind}/v{KINDS[kind][0]}"


def stamped(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with its `schema` name as the first key (an older `schema` value replaced)."""
    return {SCHEMA_KEY: schema_name(kind), **{k: v for k, v in data.items() if k != SCHEMA_KEY}}


def _legacy_version(data: dict[str, Any], kind: str) -> int:
    """The version of a file written before the `schema` name existed."""
    if kind == "run-record" and isinstance(data.get(SCHEMA_KEY), int):
        return int(data[SCHEMA_KEY])  # records kept their version as an integer `schema`
    if kind == "manifest" and isinstance(data.get("version"), int):
        return int(data["version"])
    return 1


def document_version(data: Any, kind: str, source: str) -> int:
    """The version of `kind` that `data` says it is; InputError when mlci cannot read it."""
    current, description, _ = KINDS[kind]
    fix = _other_file_fix(kind)
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: not a {description} (the top level is {type_name(data)}, not an object)",
            fix,
        )
    name = data.get(SCHEMA_KEY)
    if name is None or (kind == "run-record" and isinstance(name, int)):
        version = _legacy_version(data, kind)
        name = f"mlci.{kind}/v{version}"
    elif not isinstance(name, str):
        raise InputError(
            f"{source}: schema: expected a name like {schema_name(kind)}, found {type_name(name)}",
            fix,
        )
    elif name in LEGACY_NAMES:
        found, version = LEGACY_NAMES[name]
        if found != kind:
            raise InputError(f"{source}: a {KINDS[found][1]} ({name}), not a {description}", fix)
    else:
        match = _NAME.fullmatch(name)
        if match is None or int(match.group(2)) < 1:
            raise InputError(f"{source}: not a {description} (schema is {name!r})", fix)
        found, version = match.group(1), int(match.group(2))
        if found != kind:
            if found in KINDS:
                raise InputError(
                    f"{source}: a {KINDS[found][1]} ({name}), not a {description}", fix
                )
            raise InputError(
                f"{source}: written by a newer mlci ({name}); this mlci reads "
                f"mlci.{kind} up to v{current}",
                "upgrade mlci",
            )
    if version > current:
        raise InputError(
            f"{source}: written by a newer mlci ({name}); this mlci reads up to v{current}",
            "upgrade mlci",
        )
    if version < 1:
        raise InputError(f"{source}: not a {description} (schema is {name!r})", fix)
    return version


@cache
def load_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of `kind`, as shipped in `mlci/schemas/`."""
    if kind not in KINDS:
        raise KeyError(kind)
    path = SCHEMA_DIR / f"{kind}.schema.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def _validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(kind))


def json_path(parts: Any) -> str:
    """`columns.age.edges[2]` from the keys and indexes leading to a value."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", str(part)):
            text += f".{part}" if text else str(part)
        else:
            text += f"[{json.dumps(str(part))}]"
    return text or "(top level)"


def _describe(error: Any) -> str:
    """A short reason for one jsonschema error, without repeating the whole value."""
    if error.validator == "type":
        wanted = error.validator_value
        names = wanted if isinstance(wanted, list) else [wanted]
        return f"expected {' or '.join(names)}, found {type_name(error.instance)}"
    if error.validator == "required":
        return "missing"
    if error.validator == "additionalProperties":
        return error.message
    if error.validator in ("enum", "const"):
        allowed = error.validator_value
        choices = allowed if isinstance(allowed, list) else [allowed]
        return f"{error.instance!r} is not one of {', '.join(repr(c) for c in choices)}"
    message = str(error.message)
    return message if len(message) <= 120 else message[:117] + "..."


# Lists longer than this whose items are all plain numbers are checked by a quick scan
# and shown to the JSON Schema shortened: a profile holds thousands of bin edges and
# counts, and jsonschema's per-item checks took 0.1 s of every drift check.
_SCAN_ABOVE = 8


def _shortened(data: Any) -> Any:
    """`data` with every long all-number list cut to its first items (a new structure)."""
    if isinstance(data, dict):
        return {key: _shortened(value) for key, value in data.items()}
    if isinstance(data, list):
        if len(data) > _SCAN_ABOVE and all(type(item) in (int, float) for item in data):
            # The extremes and one item of each type stand for the rest: what item
            # schemas constrain is the type and the range.
            kinds = {type(item): item for item in reversed(data)}
            return [*data[:_SCAN_ABOVE], min(data), max(data), *kinds.values()]
        return [_shortened(item) for item in data]
    return data


def validate_document(data: Any, kind: str, source: str) -> None:
    """Refuse `data` (read from `source`) unless it is a `kind` document this mlci reads.

    Raises InputError naming the file, the JSON path of the first error and a fix.
    """
    from jsonschema.exceptions import best_match

    document_version(data, kind, source)
    validator = _validator(kind)
    error = best_match(validator.iter_errors(_shortened(data)))
    if error is not None:  # again on the whole document, for the exact path of the error
        error = best_match(validator.iter_errors(data)) or error
    if error is None:
        return
    parts = list(error.absolute_path)
    if error.validator == "required":  # name the missing key itself: `files: missing`
        parts += [k for k in error.validator_value if k not in error.instance][:1]
    where = json_path(parts)
    raise InputError(
        f"{source}: {where}: {_describe(error)} (not a valid {KINDS[kind][1]})", _damaged_fix(kind)
    )
