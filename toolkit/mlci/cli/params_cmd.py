"""`mlci params diff`: compare params between a base and a head (git refs or files)."""

from __future__ import annotations

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli.metrics_cmd import diff_options, run_diff


@click.group(cls=GuardedGroup)
def params() -> None:
    """Compare training params between git refs or files.

    \b
    Example:
      mlci params diff --base main
    """


@params.command("diff")
@diff_options
def diff(
    paths: tuple[str, ...],
    base: str,
    head: str | None,
    as_md: bool,
    as_json: bool,
    show_all: bool,
    precision: int | None,
    config_path: str | None,
) -> None:
    """Show which params changed from BASE to HEAD (default: HEAD commit to work tree).

    PATHS default to train.params of mlci.yaml. Nested keys read as a.b.c.

    \b
    Example:
      mlci params diff --base main
      mlci params diff --base main --md
    """
    run_diff("params", paths, base, head, as_md, as_json, show_all, precision, config_path)
