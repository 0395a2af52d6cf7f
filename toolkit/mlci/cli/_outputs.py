"""A command's outputs: checked before its work starts, written through `mlci.output`.

Every command names its outputs as (option, path) pairs, path None when not asked for
and "-" for standard output (`--json` with no value). `prepare_outputs` refuses, before
anything is read in bulk or written: an output that is a folder, one that is an input
of the command (data, profile, config, metrics, run record), two outputs naming one
file, and two outputs that would both print. `write_outputs` then writes each through
`write_output` (parent folders made, atomic, never over an input).

The rule for the human-readable text: it goes to standard output unless an output
does (then stdout carries that output alone, so `mlci ... --json | jq` works).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from mlci.errors import UsageError
from mlci.output import STDOUT, check_distinct_outputs, check_output_path, write_output

PathLike = str | Path


def prepare_outputs(
    outputs: Sequence[tuple[str, PathLike | None]],
    inputs: Iterable[PathLike | None] = (),
) -> bool:
    """Refuse bad output paths before the work starts; True when one prints to stdout."""
    sources = [p for p in inputs if p is not None and str(p) != ""]
    named = [(option, path) for option, path in outputs if path is not None]
    for option, path in named:
        check_output_path(path, inputs=sources, option=option)
    check_distinct_outputs(named)
    printing = [option for option, path in named if str(path) == STDOUT]
    if len(printing) > 1:
        raise UsageError(
            f"{printing[0]} and {printing[1]} both print to standard output",
            "give one of them a PATH to write to",
        )
    return bool(printing)


def write_outputs(
    outputs: Sequence[tuple[str, PathLike | None, str | bytes]],
    inputs: Iterable[PathLike | None] = (),
) -> list[Path]:
    """Write each (option, path, content) whose path is given; the files written."""
    sources = [p for p in inputs if p is not None and str(p) != ""]
    written = []
    for option, path, content in outputs:
        if path is None:
            continue
        target = write_output(path, content, inputs=sources, option=option)
        if target is not None:
            written.append(target)
    return written
