"""How `mlci init` and `mlci generate` report the files they wrote."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from mlci.errors import UsageError


def echo_changes(changes: Iterable[Any], root: Path) -> None:
    """One line per file; raise UsageError (exit 2) when files were kept."""
    changes = list(changes)
    shown = [c for c in changes if c.status != "unchanged"]
    for change in shown:
        reason = f" ({change.reason})" if change.reason else ""
        click.echo(f"{change.status:<11} {change.path}{reason}")
    unchanged = len(changes) - len(shown)
    if unchanged:
        click.echo(f"{unchanged} file(s) already up to date")
    kept = [c.path for c in changes if c.status == "kept"]
    if kept:
        raise UsageError(
            f"{len(kept)} file(s) kept because they were edited or not made by mlci: "
            + ", ".join(kept),
            "merge your edits into mlci.yaml, or rerun with --force to overwrite them",
        )
