"""Turn `data.checks` of mlci.yaml into a checked plan, or say which key is wrong.

`compile_checks` runs once, when the config is loaded (`DataChecksConfig` calls it).
The loader already checked types (a number where a number belongs); this module checks
what types cannot say: min above max, a regex that does not compile, allowed values
that are not numbers for a numeric column, a freshness rule without its column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlci.config.checks import ConfigProblem
from mlci.config.schema import ColumnCheck, DataChecksConfig
from mlci.errors import ConfigError

NUMERIC_TYPES = ("int", "float", "number")
PREFIX = "data.checks"


@dataclass(frozen=True)
class ColumnPlan:
    """One column's checks with the values already parsed."""

    name: str
    type: str | None
    required: bool
    nullable: bool
    max_null_share: float | None
    min: float | None
    max: float | None
    allowed: tuple[str, ...]
    allowed_numbers: tuple[float, ...]
    regex: str | None
    unique: bool


@dataclass(frozen=True)
class CheckPlan:
    columns: tuple[ColumnPlan, ...]
    unique_keys: tuple[tuple[str, ...], ...]
    min_rows: int | None
    max_rows: int | None
    freshness_column: str | None
    max_age_days: float | None
    strict: bool
    schema: str | None
    batch_rows: int
    sample: int

    @property
    def is_empty(self) -> bool:
        return not (
            self.columns
            or self.unique_keys
            or self.min_rows is not None
            or self.max_rows is not None
            or self.freshness_column
            or self.schema
            or self.strict
        )


def _fail(source: str, path: str, problem: str, hint: str) -> ConfigError:
    return ConfigError(f"{source}: {PREFIX}.{path}: {problem}", hint)


def _problem(path: str, problem: str, hint: str) -> ConfigProblem:
    return ConfigProblem(f"{PREFIX}.{path}", problem, hint)


def _column_plan(name: str, check: ColumnCheck) -> ColumnPlan:
    at = f"columns.{name}"
    kind = check.type
    if (check.min is not None or check.max is not None) and kind is None:
        kind = "number"  # a range only makes sense on numbers: parse them so
    if kind in ("string", "bool", "datetime") and (check.min is not None or check.max is not None):
        raise _problem(
            f"{at}.{'min' if check.min is not None else 'max'}",
            f"min and max apply to numbers, but the column's type is {kind}",
            "remove min/max, or use type: number (for dates use freshness)",
        )
    if check.min is not None and check.max is not None and check.min > check.max:
        raise _problem(
            f"{at}.min",
            f"min ({check.min:g}) is above max ({check.max:g})",
            "swap them or fix one of them",
        )
    if check.max_null_share is not None and not 0 <= check.max_null_share <= 1:
        raise _problem(
            f"{at}.max_null_share",
            f"must be a share between 0 and 1, got {check.max_null_share:g}",
            "write e.g. 0.05 for 5%",
        )
    numbers: list[float] = []
    if kind in NUMERIC_TYPES:
        for i, value in enumerate(check.allowed):
            try:
                numbers.append(float(value))
            except ValueError:
                raise _problem(
                    f"{at}.allowed[{i}]",
                    f"{value!r} is not a number, but the column's type is {kind}",
                    "list numbers, or change the type",
                ) from None
    if check.type == "bool" and check.allowed:
        raise _problem(f"{at}.allowed", "allowed values on a bool column", "remove them")
    if check.regex is not None:
        try:
            re.compile(check.regex)
        except re.error as error:
            raise _problem(
                f"{at}.regex",
                f"not a valid regular expression ({error})",
                "fix the pattern; quote it in YAML with single quotes",
            ) from None
    return ColumnPlan(
        name=name,
        type=kind,
        required=check.required,
        nullable=check.nullable,
        max_null_share=check.max_null_share,
        min=check.min,
        max=check.max,
        allowed=check.allowed,
        allowed_numbers=tuple(numbers),
        regex=check.regex,
        unique=check.unique,
    )


def compile_checks(config: DataChecksConfig) -> CheckPlan:
    """Parse `data.checks` into its plan, checking what its types cannot say.

    Called once per config, when `DataChecksConfig` is made (so on load: the loader
    adds the file and line to the ConfigProblem); commands use `config.plan`.
    """
    columns = tuple(_column_plan(name, check) for name, check in config.columns.items())
    for i, key in enumerate(config.unique):
        if not key:
            raise _problem(f"unique[{i}]", "an empty key", "list one or more columns")
        if len(set(key)) != len(key):
            raise _problem(f"unique[{i}]", "a column is listed twice", "list each once")
    rows = config.rows
    for name, value in (("min", rows.min), ("max", rows.max)):
        if value is not None and value < 0:
            raise _problem(f"rows.{name}", f"must not be negative, got {value}", "use 0 or more")
    if rows.min is not None and rows.max is not None and rows.min > rows.max:
        raise _problem("rows.min", f"min ({rows.min}) is above max ({rows.max})", "swap them")
    fresh = config.freshness
    if fresh.column is not None and fresh.max_age_days is None:
        raise _problem("freshness.max_age_days", "missing", "say how old the newest row may be")
    if fresh.max_age_days is not None:
        if fresh.column is None:
            raise _problem("freshness.column", "missing", "name the timestamp column")
        if fresh.max_age_days <= 0:
            raise _problem(
                "freshness.max_age_days",
                f"must be above 0, got {fresh.max_age_days:g}",
                "use a number of days, e.g. 7",
            )
        declared = config.columns.get(fresh.column)
        if declared is not None and declared.type not in (None, "datetime"):
            raise _problem(
                f"columns.{fresh.column}.type",
                f"is {declared.type}, but the column is the freshness timestamp",
                "use type: datetime",
            )
    return CheckPlan(
        columns=columns,
        unique_keys=config.unique,
        min_rows=rows.min,
        max_rows=rows.max,
        freshness_column=fresh.column,
        max_age_days=fresh.max_age_days,
        strict=config.strict,
        schema=config.schema,
        batch_rows=config.batch_rows,
        sample=config.sample,
    )


def load_user_schema(reference: str, base: Path | None = None, source: str = "mlci.yaml") -> object:
    """A user's own pandera schema: `file.yaml` (pandera's YAML) or `file.py:NAME`."""
    from mlci.data.engine import import_pandera

    pa = import_pandera()
    file_part, _, attribute = reference.partition(":")
    file = Path(file_part)
    if base is not None and not file.is_absolute():
        file = base / file
    if not file.is_file():
        raise _fail(
            source, "schema", f"{file_part}: file not found", "give a path relative to mlci.yaml"
        )
    if file.suffix in (".yaml", ".yml"):
        try:
            return pa.DataFrameSchema.from_yaml(file)
        except Exception as error:  # pandera raises many kinds; all mean a bad schema file
            raise _fail(
                source, "schema", f"{file}: not a pandera YAML schema ({error})", "check the file"
            ) from None
    if file.suffix != ".py":
        raise _fail(source, "schema", f"{file}: unknown kind", "use file.py:NAME or file.yaml")
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"mlci_user_schema_{file.stem}", file)
    if spec is None or spec.loader is None:
        raise _fail(source, "schema", f"{file}: cannot be imported", "check the file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # the user's code: any failure is theirs to fix
        raise _fail(
            source, "schema", f"{file}: importing it failed ({error!r})", "fix the module"
        ) from None
    name = attribute or "schema"
    schema = getattr(module, name, None)
    if schema is None:
        raise _fail(source, "schema", f"{file} has no attribute {name!r}", "write file.py:NAME")
    to_schema = getattr(schema, "to_schema", None)  # a DataFrameModel class
    if callable(to_schema):
        schema = to_schema()
    if not isinstance(schema, pa.DataFrameSchema):
        raise _fail(
            source,
            "schema",
            f"{file}:{name} is not a pandera DataFrameSchema or DataFrameModel",
            "point at a pandera schema object",
        )
    return schema
