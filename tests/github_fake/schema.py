"""GitHub's own OpenAPI schemas, used to build and to check everything the fake serves.

`tests/data/github/openapi-ops.json` holds the operations the fake implements, cut
from @octokit/openapi (MIT; see `tests/data/github/cut_openapi.py`). The schemas are
OpenAPI 3.0 (`nullable: true`), converted here to plain JSON Schema for jsonschema.

`build()` fills every required field a schema asks for (placeholders where the fake
has nothing better), so a payload is as complete as GitHub's schema demands and no
more; `Schemas.check_response` / `check_request` then validate what actually goes
over the wire, so a wrong override or a sloppy PyGithub body is caught.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

OPS_FILE = Path(__file__).resolve().parents[1] / "data" / "github" / "openapi-ops.json"
# Operations missing from the cut, hand-written from GitHub's REST docs (each naming its
# page); empty while the cut covers everything the fake serves.
EXTRA_OPS_FILE = OPS_FILE.with_name("extra-ops.json")
PLACEHOLDER_TIME = "2024-01-01T00:00:00Z"


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema (nullable becomes a null alternative)."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: to_json_schema(value)
        for key, value in node.items()
        if key not in ("nullable", "example", "examples", "description", "x-github")
    }
    if "enum" in out and node.get("nullable"):
        out["enum"] = [*out["enum"], None]
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


class Schemas:
    """Validators per operation key ("METHOD /path") and status code."""

    def __init__(self, path: Path = OPS_FILE, extra: tuple[Path, ...] = (EXTRA_OPS_FILE,)) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.source = data["source"]
        self.operations: dict[str, dict[str, Any]] = data["operations"]
        for more in extra:
            added = json.loads(more.read_text(encoding="utf-8"))["operations"]
            twice = sorted(set(added) & set(self.operations))
            if twice:
                raise ValueError(f"{more.name}: already in {path.name}: {', '.join(twice)}")
            self.operations.update(added)
        self._validators: dict[tuple[str, str], jsonschema.Draft7Validator | None] = {}

    def response_schema(self, op: str, status: int) -> dict[str, Any] | None:
        response = self.operations[op]["responses"].get(str(status))
        return response["schema"] if response else None

    def _validator(self, op: str, which: str) -> jsonschema.Draft7Validator | None:
        key = (op, which)
        if key not in self._validators:
            if which == "request":
                raw = self.operations[op].get("requestBody")
            else:
                raw = self.response_schema(op, int(which))
            self._validators[key] = (
                jsonschema.Draft7Validator(to_json_schema(raw)) if raw is not None else None
            )
        return self._validators[key]

    def _errors(self, op: str, which: str, data: Any) -> list[str]:
        validator = self._validator(op, which)
        if validator is None:
            return []
        return [
            f"{op} {which}: {'/'.join(map(str, error.absolute_path)) or '<root>'}: "
            f"{error.message[:300]}"
            for error in validator.iter_errors(data)
        ]

    def check_response(self, op: str, status: int, data: Any) -> list[str]:
        if str(status) not in self.operations[op]["responses"]:
            # GitHub documents error statuses per operation only partly; errors that
            # are undocumented for an operation must still look like GitHub errors.
            if status >= 400:
                return _check_basic_error(op, status, data)
            return [f"{op}: status {status} is not documented for this operation"]
        return self._errors(op, str(status), data)

    def check_request(self, op: str, data: Any) -> list[str]:
        return self._errors(op, "request", data)

    def check_query(self, op: str, query: dict[str, list[str]]) -> list[str]:
        """Required query parameters present, values of the documented type and enum.

        Unknown parameters are fine (GitHub ignores them); so are the pagination ones.
        """
        documented = self.operations[op].get("query") or {}
        out = []
        for name, param in documented.items():
            values = query.get(name)
            if not values:
                if param["required"]:
                    out.append(f"{op} query: {name!r} is required")
                continue
            schema = param["schema"]
            for value in values:
                if schema.get("type") == "integer" and not value.lstrip("-").isdigit():
                    out.append(f"{op} query: {name}={value!r} is not an integer")
                if "enum" in schema and value not in map(str, schema["enum"]):
                    out.append(f"{op} query: {name}={value!r} is not one of {schema['enum']}")
        return out

    def build(self, op: str, status: int, values: Any, base_url: str) -> Any:
        schema = self.response_schema(op, status)
        if schema is None:
            return values
        return build(schema, values, base_url)


def _check_basic_error(op: str, status: int, data: Any) -> list[str]:
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return [f"{op} {status}: an error body needs a string 'message'"]
    return []


# Keyed by id(): the schemas come from the one cached `Schemas` and live as long.
_VALIDATORS: dict[int, tuple[dict[str, Any], jsonschema.Draft7Validator]] = {}


def _valid(schema: dict[str, Any], value: Any) -> bool:
    entry = _VALIDATORS.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, jsonschema.Draft7Validator(to_json_schema(schema)))
        _VALIDATORS[id(schema)] = entry
    return entry[1].is_valid(value)


@lru_cache(maxsize=1)
def shared_schemas() -> Schemas:
    """One parsed copy per process (the file is 700 kB)."""
    return Schemas()


_MISSING = object()


def build(schema: dict[str, Any], value: Any, base_url: str) -> Any:
    """A value for `schema`: `value` where given, placeholders for required fields."""
    if schema.get("nullable") and (value is None or value is _MISSING):
        return None
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.setdefault("properties", {}).update(part.get("properties", {}))
            merged.setdefault("required", []).extend(part.get("required", []))
            if "type" in part:
                merged["type"] = part["type"]
        return build(merged, value, base_url)
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            variants = [v for v in schema[combinator] if _shape_fits(v, value)]
            variants = variants or schema[combinator]
            candidates = [build(variant, value, base_url) for variant in variants]
            for candidate in candidates:
                if _valid(schema, candidate):
                    return candidate
            return candidates[0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return _build_object(schema, value, base_url)
    if kind == "array":
        items = schema.get("items", {})
        return [build(items, item, base_url) for item in ([] if value is _MISSING else value or [])]
    if value is not None and value is not _MISSING:
        return value
    if schema.get("nullable"):
        return None
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return PLACEHOLDER_TIME
        if fmt == "uri":
            return f"{base_url}/_placeholder"
        if fmt == "email":
            return "placeholder@example.com"
        return ""
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return None


def _shape_fits(schema: dict[str, Any], value: Any) -> bool:
    """A variant of a oneOf can hold `value`: a dict is no array, a list no object
    (the contents endpoint answers a file or a directory listing)."""
    kind = schema.get("type")
    if isinstance(value, dict):
        return kind != "array"
    if isinstance(value, list):
        return kind in (None, "array")
    return True


def _build_object(schema: dict[str, Any], value: Any, base_url: str) -> Any:
    given = value if isinstance(value, dict) else {}
    properties = schema.get("properties", {})
    out: dict[str, Any] = {}
    for name in schema.get("required", []):
        prop = properties.get(name, {})
        out[name] = build(prop, given.get(name, _MISSING), base_url)
    for name, item in given.items():
        if name in properties:
            out[name] = build(properties[name], item, base_url)
        else:
            out[name] = item
    return out


def placeholder_fields(data: Any) -> int:
    """How many placeholder URIs a payload carries (for sanity checks in tests)."""
    return len(re.findall(r"/_placeholder", json.dumps(data)))
