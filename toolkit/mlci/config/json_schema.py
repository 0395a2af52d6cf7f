"""A JSON Schema of mlci.yaml for editors, made from the same dataclasses the loader reads.

It walks the type hints as the loader's validator does: a dataclass is an object with
its fields as properties and no others, `Literal` an enum, a tuple an array (a single
value is accepted too, as the loader accepts it), a dict an object whose values follow
`additionalProperties`; field metadata gives descriptions and number ranges. Checks
beyond types (`mlci.config.checks`) are not expressible here: `mlci config validate`
remains the full check. The committed copy is `mlci/schemas/mlci.schema.json`.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from mlci.config.loader import config_to_dict, yaml_fields
from mlci.config.schema import MlciConfig

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "mlci.schema.json"
SCHEMA_ID = (
    "https://raw.githubusercontent.com/mlci-dev/mlci/main/toolkit/mlci/schemas/mlci.schema.json"
)
_SCALARS = {str: "string", bool: "boolean", int: "integer", float: "number"}


def _class_doc(cls: type) -> str | None:
    doc = cls.__dict__.get("__doc__")
    if not doc or doc.startswith(f"{cls.__name__}("):  # dataclass's generated signature
        return None
    return " ".join(doc.split())


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    out = dict(schema)
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
        return out
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
        return out
    if isinstance(kind, list):
        out["type"] = [*kind, "null"]
        return out
    return {"anyOf": [schema, {"type": "null"}]}


def _type_schema(tp: Any) -> dict[str, Any]:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if len(options) > 1:  # `train.sweep`: a grid or a list; a sweep value: any scalar
            schema = {"anyOf": [_type_schema(option) for option in options]}
            return _nullable(schema) if len(options) < len(get_args(tp)) else schema
        schema = _type_schema(options[0])
        return _nullable(schema) if len(options) < len(get_args(tp)) else schema
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin is tuple:
        item = _type_schema(get_args(tp)[0])
        if isinstance(item.get("type"), str) and set(item) <= {"type"}:
            # one value stands for a list of one: `runner: gpu` is `runner: [gpu]`
            return {"type": ["array", item["type"], "null"], "items": item}
        return {"anyOf": [{"type": "array", "items": item}, item, {"type": "null"}]}
    if origin is dict:
        return {"type": ["object", "null"], "additionalProperties": _type_schema(get_args(tp)[1])}
    if dataclasses.is_dataclass(tp):
        return _class_schema(typing.cast(type, tp))
    return {"type": _SCALARS[tp]}


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return config_to_dict(field.default)
    if field.default_factory is not dataclasses.MISSING:
        return config_to_dict(field.default_factory())
    return None


def _class_schema(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    for name, field in yaml_fields(cls).items():
        schema = _type_schema(hints[name])
        meta = field.metadata
        extra: dict[str, Any] = {}
        if meta.get("doc"):
            extra["description"] = meta["doc"]
        for key in ("minimum", "maximum"):
            if meta.get(key) is not None:
                extra[key] = meta[key]
        default = _default(field)
        if not dataclasses.is_dataclass(hints[name]):
            extra["default"] = default
        properties[name] = {**extra, **schema}
    out: dict[str, Any] = {}
    doc = _class_doc(cls)
    if doc:
        out["description"] = doc
    # An empty section (`build:`) is the defaults, as for the loader.
    out.update({"type": ["object", "null"], "properties": properties})
    out["additionalProperties"] = False
    return out


def config_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of mlci.yaml."""
    body = _class_schema(MlciConfig)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "mlci.yaml",
        "description": "Configuration of mlci (https://github.com/mlci-dev/mlci). Every key "
        "is optional. Generated from mlci.config.schema by `mlci config schema`; "
        "`mlci config validate` checks more than this schema can say.",
        **{k: v for k, v in body.items() if k != "description"},
    }


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(config_json_schema(), indent=2, ensure_ascii=False) + "\n"
