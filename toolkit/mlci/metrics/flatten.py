"""Nested mappings to flat `a.b.c` keys, the way DVC names nested metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What a metric or param value can be once flattened.
Scalar = int | float | str | bool | None


def flatten(data: Any, prefix: str = "") -> dict[str, Scalar]:
    """Flatten mappings (and lists, by index) into {"a.b.0": value}.

    A scalar at the top level becomes the single key `prefix` (or "value").
    Keys keep the file's order so tables read like the file.
    """
    out: dict[str, Scalar] = {}
    _walk(data, prefix, out)
    return out


def _walk(node: Any, path: str, out: dict[str, Scalar]) -> None:
    if isinstance(node, Mapping):
        if not node and path:
            out[path] = None
        for key, value in node.items():
            _walk(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(node, (list, tuple)):
        if not node and path:
            out[path] = None
        for index, value in enumerate(node):
            _walk(value, f"{path}.{index}" if path else str(index), out)
    elif node is None or isinstance(node, (int, float, str, bool)):
        out[path or "value"] = node
    else:  # dates and other YAML types: keep them readable
        out[path or "value"] = str(node)
