"""`mlci runs list|show|compare`: the run records written by `mlci train`."""

from __future__ import annotations

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps


@click.group(cls=GuardedGroup)
def runs() -> None:
    """List, show and compare the run records in .mlci/runs/.

    \b
    Example:
      mlci runs list
      mlci runs compare 20250101T120000Z-abc1234 latest
    """


@runs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """List run records, oldest first, with their key facts.

    \b
    Example:
      mlci runs list
      mlci runs list --json
    """
    from pathlib import Path

    from mlci.train import list_runs

    records = list_runs(Path.cwd())
    if as_json:
        click.echo(json_dumps([r.to_dict() for r in records]))
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
@click.option("--md", "as_md", is_flag=True, help="Print GitHub markdown tables.")
@click.option("--all", "show_all", is_flag=True, help="Show unchanged values too.")
@config_option
def compare(base: str, head: str, as_md: bool, show_all: bool, config_path: str | None) -> None:
    """Compare two run records: metrics, params, model and data hashes.

    \b
    Example:
      mlci runs compare 20250101T120000Z-abc1234 latest
      mlci runs compare first-run.json second-run.json --md
    """
    from pathlib import Path

    from mlci.config import load_config
    from mlci.metrics.render import render_markdown, render_text
    from mlci.train import compare_runs, load_run

    config = load_config(config_path)
    a, b = load_run(Path.cwd(), base), load_run(Path.cwd(), head)
    result = compare_runs(a, b, config.metrics)
    render = render_markdown if as_md else render_text
    digits = config.metrics.precision
    click.echo(f"base {a.id} ({(a.commit or '-')[:7]}), head {b.id} ({(b.commit or '-')[:7]})")
    click.echo("")
    click.echo(render(result.metrics, precision=digits, show_all=show_all))
    click.echo("")
    click.echo(render(result.params, precision=digits, show_all=show_all))
    click.echo("")
    click.echo(
        f"model: {'changed' if result.model_changed else 'unchanged'}; data: "
        + (", ".join(result.data_changed) + " changed" if result.data_changed else "unchanged")
    )
