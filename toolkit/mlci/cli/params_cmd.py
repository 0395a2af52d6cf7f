"""`mlci params diff`: compare params between a base and a head (git refs or files)."""

from __future__ import annotations

from typing import Any

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
def diff(**options: Any) -> None:
    """Show which params changed from BASE to HEAD (default: HEAD commit to work tree).

    PATHS default to train.params of mlci.yaml. Nested keys read as a.b.c.

    \b
    Example:
      mlci params diff --base main
      mlci params diff --base main --md
    """
    run_diff("params", **options)
