"""`mlci runs list|show|compare`: the run records written by `mlci train`."""

from __future__ import annotations

from typing import Any

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps, output_option


@click.group(cls=GuardedGroup)
def runs() -> None:
    """List, show and compare the run records in .mlci/runs/.

    \b
    Example:
      mlci runs list
      mlci runs compare 20250101T120000Z-abc1234 latest
    """


@runs.command("list")
@output_option("json", "the records as JSON")
def list_(json_out: str | None) -> None:
    """List run records, oldest first, with their key facts.

    \b
    Example:
      mlci runs list
      mlci runs list --json
    """
    from pathlib import Path

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.train import list_runs

    records = list_runs(Path.cwd())  # remembers every record it read as an input
    printing = prepare_outputs([("--json", json_out)])
    write_outputs([("--json", json_out, json_dumps([r.to_dict() for r in records]))])
    if printing:
        return
    if not records:
        click.echo("No run records yet: run `mlci train`.")
        return
    rows = [["ID", "STATUS", "COMMIT", "BRANCH", "DURATION", "METRICS"]]
    for r in records:
        values = [v for file in r.metrics.values() for v in file.items()]
        shown = ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values[:3]
        )
        commit = (r.commit or "-")[:7] + ("*" if r.git.get("dirty") else "")
        rows.append(
            [r.id, r.status, commit, r.git.get("branch") or "-", f"{r.duration_s:.1f}s", shown]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@runs.command("show")
@click.argument("run", default="latest")
def show(run: str) -> None:
    """Print one run record as JSON (RUN: id, id prefix, path or `latest`).

    \b
    Example:
      mlci runs show latest
    """
    from pathlib import Path

    from mlci.train import load_run

    click.echo(json_dumps(load_run(Path.cwd(), run).to_dict()))


@runs.command("compare")
@click.argument("base")
@click.argument("head", default="latest")
@output_option("md", "the comparison as GitHub markdown")
@click.option("--all", "show_all", is_flag=True, help="Show unchanged values too.")
@config_option
def compare(
    base: str, head: str, md_out: str | None, show_all: bool, config_path: str | None
) -> None:
    """Compare two run records: metrics, params, model and data hashes.

    \b
    Example:
      mlci runs compare 20250101T120000Z-abc1234 latest
      mlci runs compare first-run.json second-run.json --md
    """
    from pathlib import Path

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.metrics.render import render_markdown, render_text
    from mlci.train import compare_runs, load_run

    config = load_config(config_path)
    a, b = load_run(Path.cwd(), base), load_run(Path.cwd(), head)  # both remembered
    printing = prepare_outputs([("--md", md_out)], [config_path])
    result = compare_runs(a, b, config.metrics)
    digits = config.metrics.precision

    def page(render: Any) -> str:
        return "\n".join(
            [
                f"base {a.id} ({(a.commit or '-')[:7]}), head {b.id} ({(b.commit or '-')[:7]})",
                "",
                render(result.metrics, precision=digits, show_all=show_all),
                "",
                render(result.params, precision=digits, show_all=show_all),
                "",
                f"model: {'changed' if result.model_changed else 'unchanged'}; data: "
                + (
                    ", ".join(result.data_changed) + " changed"
                    if result.data_changed
                    else "unchanged"
                ),
            ]
        )

    if not printing:
        click.echo(page(render_text))
    write_outputs([("--md", md_out, page(render_markdown))])
