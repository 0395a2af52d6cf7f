"""`mlci metrics diff`: compare metrics between a base and a head (git refs or files)."""

from __future__ import annotations

from typing import Any

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option


def diff_options(function):  # type: ignore[no-untyped-def]
    """Options shared by `metrics diff` and `params diff`."""
    for option in reversed(
        [
            click.argument("paths", nargs=-1),
            click.option(
                "--base",
                default="HEAD",
                show_default=True,
                help="Git ref or file of the base side.",
            ),
            click.option(
                "--head",
                default=None,
                help="Git ref or file of the head side (default: the work tree).",
            ),
            click.option("--md", "as_md", is_flag=True, help="Print a GitHub markdown table."),
            click.option("--json", "as_json", is_flag=True, help="Print JSON."),
            click.option("--all", "show_all", is_flag=True, help="Show unchanged values too."),
            click.option(
                "--precision",
                type=click.IntRange(1, 17),
                default=None,
                help="Significant digits (default: metrics.precision, 4).",
            ),
            config_option,
        ]
    ):
        function = option(function)
    return function


def run_diff(
    kind: str,
    *,
    paths: tuple[str, ...],
    base: str,
    head: str | None,
    as_md: bool,
    as_json: bool,
    show_all: bool,
    precision: int | None,
    config_path: str | None,
) -> None:
    """Load both sides, print the diff, exit 2 when a file is malformed."""
    from pathlib import Path

    from mlci.config import load_config
    from mlci.errors import InputError
    from mlci.metrics.diff import diff_metrics, diff_params
    from mlci.metrics.render import render_json, render_markdown, render_text
    from mlci.metrics.sides import load_side, side_exists

    if as_md and as_json:
        raise InputError("--md and --json cannot be used together", "pass one of them")
    cwd = Path.cwd()
    for option, spec in (("--base", base), ("--head", head)):
        if not side_exists(spec, cwd):
            raise InputError(
                f"{option}: '{spec}' is neither a file nor a git ref in {cwd}",
                "pass a branch, tag or commit (e.g. main) or the path of a metrics file",
            )
    config = load_config(config_path)
    if not paths:
        if kind == "metrics":
            paths = config.train.metrics
        else:
            paths = (config.train.params,) if config.train.params else ()
    base_set, head_set = load_side(base, paths, cwd), load_side(head, paths, cwd)
    if kind == "metrics":
        diff = diff_metrics(base_set, head_set, config.metrics)
    else:
        diff = diff_params(base_set, head_set)
    digits = precision or config.metrics.precision
    if as_json:
        click.echo(render_json(diff, show_all=show_all))
    elif as_md:
        click.echo(render_markdown(diff, precision=digits, show_all=show_all))
    else:
        click.echo(render_text(diff, precision=digits, show_all=show_all))
    for note in diff.missing:
        click.echo(f"note: {note}", err=True)
    if diff.errors:
        raise InputError("; ".join(diff.errors), "fix the file's syntax or pass the right path")


@click.group(cls=GuardedGroup)
def metrics() -> None:
    """Compare metrics between git refs or files.

    \b
    Example:
      mlci metrics diff --base main
    """


@metrics.command("diff")
@diff_options
def diff(**options: Any) -> None:
    """Show how metrics changed from BASE to HEAD (default: HEAD commit to work tree).

    PATHS default to train.metrics of mlci.yaml. Each side is a git ref (read with
    `git show`, no checkout) or a file. Direction (higher or lower is better) comes
    from the `metrics:` section, then from the name (loss, error, rmse... are lower).
    Unchanged metrics are hidden unless --all. Exit 2 when a file is malformed.

    \b
    Example:
      mlci metrics diff --base main
      mlci metrics diff --base main --md --all
      mlci metrics diff --base old_metrics.json --json
    """
    run_diff("metrics", **options)
