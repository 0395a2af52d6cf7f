"""Load mlci.yaml and validate it against `mlci.config.schema`, in one pass.

Validation is driven by the dataclasses' type hints, then `mlci.config.checks` checks
what types cannot say (and `DataChecksConfig` parses its checks into their plan), so
every command that loads the file gets a config no later step refuses. Errors name
the file, the line (where YAML knows it), the key path (`train.runner[1]`) and a fix.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from mlci.config.checks import ConfigProblem, check_config
from mlci.config.schema import MlciConfig
from mlci.errors import ConfigError

CONFIG_FILE = "mlci.yaml"

_TYPE_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return repr(value)


def yaml_fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    """The fields of a config class that are keys of mlci.yaml (not derived ones)."""
    return {f.name: f for f in dataclasses.fields(cls) if f.init}


class _Validator:
    def __init__(self, source: str, lines: dict[str, int]) -> None:
        self.source = source
        self.lines = lines

    def line_of(self, path: str) -> int | None:
        """The line of `path`, else of the nearest key above it that the file has."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None

    def fail(self, path: str, problem: str, hint: str) -> typing.NoReturn:
        line = self.line_of(path)
        where = f"{self.source} line {line}" if line else self.source
        raise ConfigError(f"{where}: {path or '(top level)'}: {problem}", hint)

    def build(self, cls: type, value: Any, path: str) -> Any:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {_describe(value)}", "write it as key: value")
        hints = typing.get_type_hints(cls)
        fields = yaml_fields(cls)
        kwargs: dict[str, Any] = {}
        for key, item in value.items():
            key_path = f"{path}.{key}" if path else str(key)
            if key not in fields:
                guess = difflib.get_close_matches(str(key), list(fields), n=1)
                hint = (
                    f"did you mean '{guess[0]}'?"
                    if guess
                    else f"known keys here: {', '.join(sorted(fields))}"
                )
                self.fail(key_path, "unknown key", hint)
            kwargs[key] = self.convert(hints[key], item, key_path)
            self.check_range(fields[key].metadata, kwargs[key], key_path)
        return cls(**kwargs)

    def check_range(self, metadata: typing.Mapping[str, Any], value: Any, path: str) -> None:
        """Numbers outside the range a field's metadata declares (e.g. a negative timeout)."""
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return
        low, high = metadata.get("minimum"), metadata.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                wanted = f"between {low:g} and {high:g}"
            elif low is not None:
                wanted = f"at least {low:g}"
            else:
                wanted = f"at most {high:g}"
            self.fail(path, f"{value:g} is out of range", f"set it to a number {wanted}")

    def convert(self, tp: Any, value: Any, path: str) -> Any:
        origin = get_origin(tp)
        if origin in (Union, types.UnionType):
            options = [a for a in get_args(tp) if a is not type(None)]
            if value is None and len(options) < len(get_args(tp)):
                return None
            if len(options) > 1:
                return self.convert(self.pick(options, value, path), value, path)
            return self.convert(options[0], value, path)
        if origin is Literal:
            allowed = get_args(tp)
            if value not in allowed:
                self.fail(
                    path,
                    f"expected one of {', '.join(map(str, allowed))}, got {_describe(value)}",
                    f"use one of: {', '.join(map(str, allowed))}",
                )
            return value
        if origin is tuple:
            (item_type, _) = get_args(tp)
            items = value if isinstance(value, list) else [value]
            if value is None:
                items = []
            return tuple(self.convert(item_type, v, f"{path}[{i}]") for i, v in enumerate(items))
        if origin is dict:
            _, value_type = get_args(tp)
            if value is None:
                return {}
            if not isinstance(value, dict):
                self.fail(path, f"expected a mapping, got {_describe(value)}", "write name: value")
            return {str(k): self.convert(value_type, v, f"{path}.{k}") for k, v in value.items()}
        if dataclasses.is_dataclass(tp):
            return self.build(typing.cast(type, tp), value, path)
        return self.scalar(tp, value, path)

    def pick(self, options: list[Any], value: Any, path: str) -> Any:
        """The option of a union (`train.sweep`: a grid or a list) that fits `value`'s shape.

        A mapping takes a dict or dataclass option, a list a tuple one; a scalar the first
        scalar type it is (int before float keeps 4 an integer), else a tuple (one value
        for a list of one).
        """
        kinds = {
            "mapping": [o for o in options if get_origin(o) is dict or dataclasses.is_dataclass(o)],
            "list": [o for o in options if get_origin(o) is tuple],
        }
        if isinstance(value, dict) and kinds["mapping"]:
            return kinds["mapping"][0]
        if isinstance(value, list) and kinds["list"]:
            return kinds["list"][0]
        if not isinstance(value, (dict, list)):
            for option in options:
                if option in _TYPE_WORDS and _is_scalar(option, value):
                    return option
            scalar_lists = [o for o in kinds["list"] if _scalar_items(o)]
            if scalar_lists:
                return scalar_lists[0]
        words = [
            "a mapping"
            if o in kinds["mapping"]
            else "a list"
            if o in kinds["list"]
            else _TYPE_WORDS.get(o, str(o))
            for o in options
        ]
        unique = list(dict.fromkeys(words))
        wanted = ", ".join(unique[:-1]) + " or " + unique[-1] if len(unique) > 1 else unique[0]
        self.fail(path, f"expected {wanted}, got {_describe(value)}", f"set it to {wanted}")

    def scalar(self, tp: Any, value: Any, path: str) -> Any:
        ok = _is_scalar(tp, value)
        if ok and tp is float and not math.isfinite(value):
            # YAML's .nan and .inf are numbers, but no bound or threshold means anything with them.
            self.fail(path, f"{value} is not a finite number", "set it to a finite number")
        if ok:
            return float(value) if tp is float else value
        hint = f"set it to {_TYPE_WORDS[tp]}"
        if tp is str and isinstance(value, (int, float)):
            hint = f'quote it, e.g. "{value}" (YAML reads 3.10 as the number 3.1)'
        self.fail(path, f"expected {_TYPE_WORDS[tp]}, got {_describe(value)}", hint)


def _scalar_items(tp: Any) -> bool:
    """Whether the tuple type `tp` holds scalars (so one scalar may stand for the list)."""
    item = get_args(tp)[0]
    if get_origin(item) in (Union, types.UnionType):
        return all(a in _TYPE_WORDS or a is type(None) for a in get_args(item))
    return item in _TYPE_WORDS or get_origin(item) is Literal


def _is_scalar(tp: Any, value: Any) -> bool:
    """Whether `value` is of the scalar type `tp` as YAML gives it (a bool is no number)."""
    return {
        str: isinstance(value, str),
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, (int, float)) and not isinstance(value, bool),
    }[tp]


def _line_index(text: str) -> dict[str, int]:
    """Key path -> 1-based line of its key, from YAML's node tree.

    Called only on text `parse_yaml_text` accepted (no alias bomb, no deep nesting);
    a node reached again through an alias is not walked again.
    """
    import yaml

    index: dict[str, int] = {}
    seen: set[int] = set()

    def walk(node: Any, path: str) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key_path = f"{path}.{key_node.value}" if path else str(key_node.value)
                index.setdefault(key_path, key_node.start_mark.line + 1)
                walk(value_node, key_path)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                index.setdefault(f"{path}[{i}]", item.start_mark.line + 1)
                walk(item, f"{path}[{i}]")

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return index
    if root is not None:
        walk(root, "")
    return index


def _yaml_error(source: str, reason: str) -> ConfigError:
    """`parse_yaml_text`'s reason ("line 3: duplicate key ...") as a config error."""
    where = source
    head, sep, rest = reason.partition(": ")
    if sep and head.startswith("line ") and head[5:].isdigit():
        where, reason = f"{source} {head}", rest
    if "duplicate key" in reason:
        problem, _, _ = reason.partition("; ")
        return ConfigError(
            f"{where}: {problem}",
            "keep one of the two: YAML would silently drop the first and keep the last",
        )
    if "alias" in reason or "nested" in reason:
        return ConfigError(f"{where}: {reason}", "write the values out; mlci.yaml needs neither")
    return ConfigError(f"{where}: {reason}", "fix the YAML syntax (indentation, colons, quotes)")


def parse_config(text: str, source: str = CONFIG_FILE) -> MlciConfig:
    """Validate YAML text into an MlciConfig; `source` names the file in errors.

    One pass: the YAML (through `mlci.documents.parse_yaml_text`), the types and
    ranges of every key, then every check beyond types (`mlci.config.checks`).
    """
    from mlci.documents import parse_yaml_text

    try:
        data = parse_yaml_text(text)
    except ValueError as error:
        raise _yaml_error(source, str(error)) from None
    validator = _Validator(source, _line_index(text))
    try:
        config = typing.cast(MlciConfig, validator.build(MlciConfig, data, ""))
        check_config(config)
    except ConfigProblem as problem:
        validator.fail(problem.path, problem.problem, problem.hint or "")
    return config


def load_config(path: str | Path | None = None, *, required: bool = False) -> MlciConfig:
    """Load `path` (default ./mlci.yaml); without a file, the defaults unless required."""
    from mlci.output import remember_input

    explicit = path is not None
    file = Path(path) if path is not None else Path(CONFIG_FILE)
    if not file.exists():
        if explicit or required:
            raise ConfigError(
                f"{file}: file not found",
                "run `mlci init` to create one, or pass --config with the right path",
            )
        return MlciConfig()
    if file.is_dir():
        raise ConfigError(f"{file}: is a folder, not a file", "pass the path of mlci.yaml")
    remember_input(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{file}: cannot be read ({error})", "check the file") from None
    return parse_config(text, str(file))


def config_to_dict(config: Any) -> Any:
    """Plain dict/list/scalar form of a config object, for YAML and JSON output."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {name: config_to_dict(getattr(config, name)) for name in yaml_fields(type(config))}
    if isinstance(config, dict):
        return {k: config_to_dict(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [config_to_dict(v) for v in config]
    return config
