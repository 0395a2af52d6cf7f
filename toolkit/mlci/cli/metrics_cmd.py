"""`mlci metrics diff`: compare metrics between a base and a head (git refs or files)."""

from __future__ import annotations

from typing import Any

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, output_option


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
                "--base-branch",
                "base_name",
                default=None,
                help="Name of the base branch, when --base is a commit SHA.",
            ),
            click.option(
                "--head",
                default=None,
                help="Git ref or file of the head side (default: the work tree).",
            ),
            output_option("md", "a GitHub markdown table"),
            output_option("json", "the diff as JSON"),
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
    base_name: str | None,
    head: str | None,
    md_out: str | None,
    json_out: str | None,
    show_all: bool,
    precision: int | None,
    config_path: str | None,
) -> None:
    """Load both sides, print the diff, exit 2 when a file is malformed."""
    from pathlib import Path

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.errors import InputError
    from mlci.metrics.diff import diff_metrics, diff_params
    from mlci.metrics.render import render_json, render_markdown, render_text
    from mlci.metrics.sides import load_side, side_exists

    cwd = Path.cwd()
    if not side_exists(head, cwd):
        raise InputError(
            f"--head: '{head}' is neither a file nor a git ref in {cwd}",
            "pass a branch, tag or commit (e.g. main) or the path of a metrics file",
        )
    config = load_config(config_path)
    # The records branch holds the files of train.metrics/train.params only.
    configured = not paths
    if not paths:
        if kind == "metrics":
            paths = config.train.metrics
        else:
            paths = (config.train.params,) if config.train.params else ()
    sides = [spec for spec in (base, head) if spec and (cwd / spec).is_file()]
    outputs = [("--md", md_out), ("--json", json_out)]
    printing = prepare_outputs(outputs, [config_path, *(cwd / p for p in (*paths, *sides))])
    base_set, base_note = _base_side(kind, config, base, paths, cwd, base_name, configured)
    head_set = load_side(head, paths, cwd, kind)
    if kind == "metrics":
        diff = diff_metrics(base_set, head_set, config.metrics)
    else:
        diff = diff_params(base_set, head_set)
    digits = precision or config.metrics.precision
    if not printing:
        click.echo(render_text(diff, precision=digits, show_all=show_all))
    write_outputs(
        [
            ("--md", md_out, render_markdown(diff, precision=digits, show_all=show_all)),
            ("--json", json_out, render_json(diff, show_all=show_all)),
        ]
    )
    for note in (*diff.missing, *(base_note.splitlines() if base_note else [])):
        click.echo(f"note: {note}", err=True)
    if diff.errors:
        raise InputError("; ".join(diff.errors), "fix the file's syntax or pass the right path")


def _base_side(kind, config, base, paths, cwd, base_name, configured):  # type: ignore[no-untyped-def]
    """The base side through the one baseline resolver: the base commit's record on the
    records branch (for the configured files), else the files as committed; never the
    local run records (`--base HEAD` compares with the committed files). An unknown
    ref or a malformed file given as --base exits 2, never "no baseline"."""
    from mlci.metrics.load import MetricSet
    from mlci.metrics.sides import WORKSPACE, load_side
    from mlci.validate.baseline import resolve_baseline

    if base == WORKSPACE:
        return load_side(base, paths, cwd, kind), None
    is_file = (cwd / base).is_file()
    baseline = resolve_baseline(
        config,
        cwd,
        None if is_file else base,
        base if is_file else None,
        metrics_paths=paths,
        params_paths=(),
        records=False,
        records_branch=configured,
        kind=kind,
        base_name=base_name,
    )
    if baseline.source == "records-branch":
        click.echo(f"note: base: {baseline.description}", err=True)
    if kind == "params" and baseline.record is not None:
        return baseline.record.param_set(), None
    if baseline.metrics is None:  # a ref without the files: say which, as notes
        notes = baseline.notes or (baseline.description,)
        return MetricSet((), base), "\n".join(f"base: {n}" for n in notes)
    return baseline.metrics, None


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
