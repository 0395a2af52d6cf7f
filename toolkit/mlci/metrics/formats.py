"""Parsers for metric and param files, chosen by file suffix (a small registry).

Each parser turns the file's text into a nested structure; `flatten` does the rest.
A parser raises ValueError with a short reason when the text is malformed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from mlci.documents import parse_json_text, parse_yaml_text

Parser = Callable[[str], Any]

PARSERS: dict[str, Parser] = {}


def parser(*suffixes: str) -> Callable[[Parser], Parser]:
    def register(function: Parser) -> Parser:
        for suffix in suffixes:
            PARSERS[suffix] = function
        return function

    return register


def parser_for(path: str) -> Parser:
    """The parser of a file by suffix; unknown suffixes are tried as YAML (a JSON superset)."""
    lower = path.lower()
    for suffix, function in PARSERS.items():
        if lower.endswith(suffix):
            return function
    return PARSERS[".yaml"]


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
