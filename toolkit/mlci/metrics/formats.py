"""Parsers for metric and param files, chosen by file suffix, then by content.

Each parser turns the file's text into a nested structure; `flatten` does the rest.
A parser raises ValueError with a short reason when the text is malformed.

- `.json`: JSON (NaN and Infinity accepted); `.yaml`, `.yml`: YAML;
- `.csv`, `.tsv`: one row: the header names the metrics; several rows: a table keyed by
  its first text column; a DVCLive series (`[timestamp,] step, NAME`): NAME's value at
  the last step;
- `.txt`, `.out`, `.metrics`: by content: JSON when it starts with `{` or `[`, YAML when
  it is nested (a `key:` with indented lines under it, lists), else `name: value` lines
  (`mlci.metrics.textkv`);
- `.log`: `name: number` lines among other output, the last value of a name wins;
- any other suffix, or none: JSON or nested YAML by content, `name: value` lines when
  every line is one (`Accuracy = 93.1%`), else YAML as before.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from typing import Any

from mlci.documents import parse_json_text, parse_yaml_text
from mlci.metrics import textkv

Parser = Callable[[str], Any]

PARSERS: dict[str, Parser] = {}


def parser(*suffixes: str) -> Callable[[Parser], Parser]:
    def register(function: Parser) -> Parser:
        for suffix in suffixes:
            PARSERS[suffix] = function
        return function

    return register


def parser_for(path: str) -> Parser:
    """The parser of a file by suffix; other suffixes (and none) are read by content."""
    lower = path.lower()
    for suffix, function in PARSERS.items():
        if lower.endswith(suffix):
            return function
    return parse_sniffed


@parser(".json")
def parse_json(text: str) -> Any:
    # The one JSON parser: NaN and Infinity are accepted (training scripts write them),
    # nesting deeper than documents.MAX_DEPTH is refused.
    return parse_json_text(text)


@parser(".yaml", ".yml")
def parse_yaml(text: str) -> Any:
    # The one YAML parser: duplicate keys, alias bombs and absurd nesting are refused.
    return parse_yaml_text(text)


def _number(text: str) -> int | float | str:
    """CSV cells are text; read numbers (including nan/inf) as numbers."""
    stripped = text.strip()
    try:
        return int(stripped)
    except ValueError:
        pass
    try:
        return float(stripped)
    except ValueError:
        return stripped


def _series_last(header: list[str], body: list[list[str]]) -> dict[str, Any] | None:
    """A DVCLive metric series (`dvclive/plots/metrics/NAME.tsv`: `[timestamp,] step, NAME`,
    one row per step, see dvclive.plots.metric.Metric.dump): the metric is its value at
    the last step. None for any other table."""
    lowered = [name.strip().lower() for name in header]
    shape = lowered[:-1]
    if shape not in (["step"], ["timestamp", "step"]):
        return None
    steps = [_number(row[len(shape) - 1]) for row in body]
    values = [_number(row[-1]) for row in body]
    if not all(isinstance(v, (int, float)) for v in (*steps, *values)):
        return None
    last = max(range(len(body)), key=lambda i: (steps[i], i))  # by step, then by position
    return {header[-1].strip(): values[last]}


def _parse_delimited(text: str, delimiter: str) -> Any:
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    if not body:
        raise ValueError("a header row but no values under it")
    if any(len(row) != len(header) for row in body):
        bad = next(i for i, row in enumerate(body, start=2) if len(row) != len(header))
        raise ValueError(f"row {bad} has a different number of columns than the header")
    series = _series_last(header, body)
    if series is not None:
        return series
    if len(body) == 1:  # one row: the header names the metrics
        return {name: _number(cell) for name, cell in zip(header, body[0], strict=True)}
    # A table: rows keyed by their first column when it is text (e.g. a class name),
    # by position otherwise.
    first = [_number(row[0]) for row in body]
    by_label = all(isinstance(v, str) for v in first) and len(set(first)) == len(first)
    table: dict[str, Any] = {}
    for index, row in enumerate(body):
        cells = {name: _number(cell) for name, cell in zip(header, row, strict=True)}
        key = str(cells.pop(header[0])) if by_label else str(index)
        table[key] = cells
    return table


@parser(".csv")
def parse_csv(text: str) -> Any:
    return _parse_delimited(text, ",")


@parser(".tsv")
def parse_tsv(text: str) -> Any:
    return _parse_delimited(text, "\t")


def _json_or_yaml(text: str) -> Any:
    """A document that starts like JSON: JSON, else YAML (a flow mapping), else the JSON error."""
    try:
        return parse_json_text(text)
    except ValueError as json_error:
        try:
            return parse_yaml_text(text)
        except ValueError:
            raise json_error from None


def _nested(text: str) -> bool:
    """Whether text lines have YAML structure: a `key:` line with indented lines under it,
    list items, a `---` start. (Indentation alone is not structure: a classification
    report is indented too.)"""
    lines = [line.rstrip() for line in text.splitlines()]
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    for above, line in itertools.pairwise(lines):
        indent = len(line) - len(line.lstrip())
        if above.endswith(":") and indent > len(above) - len(above.lstrip()):
            return True
    return any(line.lstrip().startswith("- ") or line == "---" for line in lines)


@parser(".txt", ".out", ".metrics")
def parse_text(text: str) -> Any:
    """Text files hold JSON, YAML or `name: value` lines: decided by the content."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _json_or_yaml(text)
    if _nested(text):
        return parse_yaml_text(text)
    return textkv.parse_pairs(text)


@parser(".log")
def parse_log(text: str) -> Any:
    return textkv.parse_log(text)


def parse_sniffed(text: str) -> Any:
    """A file whose suffix says nothing: JSON or YAML by content, `name: value` lines when
    every line is one; anything else is read as YAML, as before (and its error shown)."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _json_or_yaml(text)
    if not _nested(text) and textkv.is_all_pairs(text):
        return textkv.parse_pairs(text)
    return parse_yaml_text(text)
