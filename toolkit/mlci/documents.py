"""The one parser of JSON and YAML documents a user gives mlci (config, metrics, params,
profiles, run records, manifests, lock files).

Both parsers refuse what would make a command hang or crash instead of answer:
YAML duplicate keys (PyYAML keeps the last one and silently drops the first section),
alias bombs (a few lines that expand to billions of nodes), and nesting deeper than any
real file has (Python's recursion limit would end the command with a traceback).
Errors are `ValueError` with a short reason; callers add the file name and the fix,
or use `read_document`, which does both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlci.errors import InputError

# Far deeper than any config, metrics file, profile or run record mlci reads.
MAX_DEPTH = 64
# Alias uses per YAML document; real files use a handful (`<<: *defaults`).
MAX_ALIASES = 100
# Nodes a YAML document may stand for once its aliases are expanded: an alias bomb
# (nine lists of nine aliases of the one before) stands for hundreds of millions.
MAX_EXPANDED_NODES = 1_000_000


def type_name(value: Any) -> str:
    """How a wrong value is named in an error: "null", "a number", "a list", "a mapping"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def check_depth(data: Any, limit: int = MAX_DEPTH) -> None:
    """Raise ValueError when lists/mappings nest deeper than `limit`; iterative, never recursive."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            raise ValueError(f"nested more than {limit} levels deep")
        stack.extend((child, depth + 1) for child in children)


def _json_depth_before_parsing(text: str, limit: int) -> None:
    """Count brackets outside strings, so json.loads never recurses past the limit."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                raise ValueError(f"nested more than {limit} levels deep")
        elif char in "]}":
            depth -= 1


def parse_json_text(text: str) -> Any:
    """JSON text to data. Python's json accepts NaN and Infinity, which training scripts write."""
    _json_depth_before_parsing(text, MAX_DEPTH)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON at line {error.lineno} column {error.colno}") from None
    except RecursionError:  # pragma: no cover - the bracket count above comes first
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None


def _strict_loader() -> type:
    """A SafeLoader that refuses duplicate keys, alias bombs and absurd nesting."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        aliases_seen = 0
        expanded_nodes = 0

        def _expanded_size(self, node: Any) -> int:
            """Nodes `node` stands for with aliases expanded; memoised, so linear."""
            sizes: dict[int, int] = self.__dict__.setdefault("_sizes", {})
            order, stack = [], [node]
            while stack:  # iterative post-order, never recursive
                item = stack.pop()
                if id(item) in sizes:
                    continue
                order.append(item)
                if isinstance(item, yaml.SequenceNode):
                    stack.extend(item.value)
                elif isinstance(item, yaml.MappingNode):
                    stack.extend(part for pair in item.value for part in pair)
            for item in reversed(order):
                if isinstance(item, yaml.SequenceNode):
                    children = item.value
                elif isinstance(item, yaml.MappingNode):
                    children = [part for pair in item.value for part in pair]
                else:
                    children = []
                sizes[id(item)] = 1 + sum(sizes.get(id(child), 1) for child in children)
            return sizes[id(node)]

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                self.aliases_seen += 1
                mark = self.peek_event().start_mark
                if self.aliases_seen > MAX_ALIASES:
                    raise yaml.YAMLError(
                        f"line {mark.line + 1}: more than {MAX_ALIASES} aliases (*name); "
                        "an alias bomb or a generated file"
                    )
                node = super().compose_node(parent, index)
                self.expanded_nodes += self._expanded_size(node)
                if self.expanded_nodes > MAX_EXPANDED_NODES:
                    raise yaml.YAMLError(
                        f"line {mark.line + 1}: its aliases expand to more than "
                        f"{MAX_EXPANDED_NODES:,} values; an alias bomb"
                    )
                return node
            self._depth = getattr(self, "_depth", 0) + 1
            try:
                if self._depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark
                    raise yaml.YAMLError(
                        f"line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep"
                    )
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, int] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        first = seen.get(key)
                    except TypeError:  # an unhashable key; the base class reports it
                        continue
                    if first is not None:
                        raise yaml.YAMLError(
                            f"line {key_node.start_mark.line + 1}: duplicate key '{key}' "
                            f"(first at line {first}); YAML would silently keep only the last"
                        )
                    seen[key] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def parse_yaml_text(text: str) -> Any:
    """YAML text to data, refusing duplicate keys, alias bombs and absurd nesting."""
    import yaml

    try:
        data = yaml.load(text, Loader=_strict_loader())  # a SafeLoader subclass
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None)
        if problem is None:  # our own refusals carry their line in the message
            raise ValueError(str(error)) from None
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ValueError(f"{where}invalid YAML ({problem})") from None
    check_depth(data)
    return data


def parse_document(text: str, source: str) -> Any:
    """JSON for .json files, YAML (a JSON superset) for everything else."""
    if str(source).lower().endswith(".json"):
        return parse_json_text(text)
    return parse_yaml_text(text)


def read_document(
    path: str | Path,
    *,
    unreadable: str = "not readable",
    hint: str = "check the file",
    json_only: bool = False,
) -> Any:
    """The parsed content of the JSON or YAML file `path`, or a one-line InputError.

    A missing file says "file not found"; any other failure says
    "`path`: `unreadable` (why)" with `hint` as the fix. `json_only` reads JSON whatever
    the file's name (profiles, manifests and results mlci wrote itself).
    """
    from mlci.output import remember_input

    file = Path(path)
    remember_input(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{file}: file not found", "check the path") from None
    except IsADirectoryError:
        raise InputError(f"{file}: is a folder, not a file", "pass the path of a file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{file}: {unreadable} ({error})", hint) from None
    try:
        return parse_json_text(text) if json_only else parse_document(text, str(file))
    except ValueError as error:
        raise InputError(f"{file}: {unreadable} ({error})", hint) from None
