"""Metrics written as text lines: `accuracy: 0.93`, `Accuracy = 93.1%`, `f1 0.88`.

Training scripts (and CML examples) often write metrics with `print`/`write` rather than
json.dump. One pair a line; the separator is `:`, `=` or whitespace:

- `name: value` and `name = value`: the value is a number when it reads as one
  (`93.1%` reads as 93.1: a percentage stays the number written, never divided by 100),
  else kept as text (`model: forest`);
- `name value`: only when the value is a number.
In every form no word of the name may start with a digit, so table rows
(`0  0.93  0.95  50`) and progress lines (`Epoch 1/10 - loss: 0.5`) are never pairs.

Blank lines and comments (`#`, `//`) are skipped, and so are lines without any digit
(headings like `Results` or `=====`): they cannot hide a metric. A line that holds a
digit but is not a pair (a classification report row, a typo) is an error naming the
line, and so is a name written twice: silently dropping either would lose a metric.

Log files (`.log`) are read leniently: they interleave metrics with other output and
print a metric once per epoch, so lines that are not `name: number` pairs are skipped
and the last value of a name wins.
"""

from __future__ import annotations

import re

from mlci.metrics.flatten import Scalar

_COMMENT = ("#", "//", ";")
# A name: starts with a letter or `_`; may hold letters, digits, spaces and `_ . - / ( ) @`.
_NAME = r"[A-Za-z_][\w .\-/()@\[\]]*?"
_SEPARATED = re.compile(rf"^(?P<name>{_NAME})\s*(?P<sep>[:=])\s*(?P<value>.*?)\s*$")
_SPACED = re.compile(rf"^(?P<name>{_NAME})\s+(?P<value>\S+)\s*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SPECIAL = {"nan": float("nan"), "inf": float("inf"), "+inf": float("inf"), "-inf": -float("inf")}
_SPECIAL |= {"infinity": float("inf"), "-infinity": -float("inf")}


def number(text: str) -> int | float | None:
    """A number as written (`93.1%` is 93.1, `1e-3`, `nan`, `inf`); None when not one."""
    value = text.strip()
    if value.endswith("%"):
        value = value[:-1].rstrip()
    lowered = value.lower()
    if lowered in _SPECIAL:
        return _SPECIAL[lowered]
    if not _NUMBER.match(value):
        return None
    try:
        return int(value)
    except ValueError:
        return float(value)


def _name_ok(name: str) -> bool:
    # "epoch 3 loss", "Epoch 1/10 - loss" or "0 0.93": a word that starts with a digit
    # means a table row or a progress line, not a metric's name.
    return not any(word[:1].isdigit() for word in name.split())


def read_pair(line: str) -> tuple[str, Scalar] | None:
    """(name, value) of one line, or None when the line is not a pair."""
    separated = _SEPARATED.match(line)
    if separated and separated["value"] and _name_ok(separated["name"]):
        value = separated["value"]
        parsed = number(value)
        return separated["name"].strip(), parsed if parsed is not None else value
    spaced = _SPACED.match(line)
    if spaced and _name_ok(spaced["name"]):
        parsed = number(spaced["value"])
        if parsed is not None:
            return spaced["name"].strip(), parsed
    return None


def _content(line: str) -> str:
    stripped = line.strip()
    return "" if not stripped or stripped.startswith(_COMMENT) else stripped


def parse_pairs(text: str) -> dict[str, Scalar]:
    """Strict reading (see the module docstring); ValueError names the line."""
    out: dict[str, Scalar] = {}
    first_line: dict[str, int] = {}
    for number_, raw in enumerate(text.splitlines(), start=1):
        line = _content(raw)
        if not line:
            continue
        pair = read_pair(line)
        if pair is None:
            if any(c.isdigit() for c in line):
                raise ValueError(f"line {number_} is not a `name: value` pair: {_shown(line)}")
            continue  # a heading or a separator line
        name, value = pair
        if name in out:
            raise ValueError(
                f"line {number_}: {name!r} is written twice (first on line {first_line[name]})"
            )
        out[name], first_line[name] = value, number_
    if not out:
        raise ValueError("no `name: value` lines found")
    return out


def parse_log(text: str) -> dict[str, Scalar]:
    """Lenient reading of a log: numeric pairs only, the last value of a name wins."""
    out: dict[str, Scalar] = {}
    for raw in text.splitlines():
        pair = read_pair(_content(raw)) if _content(raw) else None
        if pair is not None and isinstance(pair[1], (int, float)):
            out.pop(pair[0], None)  # keep the order of the last values
            out[pair[0]] = pair[1]
    if not out:
        raise ValueError("no `name: number` lines found in the log")
    return out


def is_all_pairs(text: str) -> bool:
    """Whether every content line with a digit is a pair, and there is at least one pair."""
    try:
        parse_pairs(text)
    except ValueError:
        return False
    return True


def _shown(line: str, width: int = 60) -> str:
    return repr(line if len(line) <= width else line[: width - 3] + "...")
