"""`mlci config show|validate|schema`."""

from __future__ import annotations

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps, output_option


@click.group(cls=GuardedGroup)
def config() -> None:
    """Show, check or describe the mlci.yaml configuration.

    \b
    Example:
      mlci config validate
      mlci config show --json
      mlci config schema -o mlci.schema.json
    """


@config.command("show")
@config_option
@output_option("json", "the configuration as JSON")
def show(config_path: str | None, json_out: str | None) -> None:
    """Print the effective configuration: mlci.yaml with every default filled in.

    \b
    Example:
      mlci config show
      mlci config show --config path/to/mlci.yaml --json
    """
    import yaml

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import config_to_dict, load_config

    data = config_to_dict(load_config(config_path))  # remembers mlci.yaml as an input
    printing = prepare_outputs([("--json", json_out)], [config_path])
    if not printing:
        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())
    write_outputs([("--json", json_out, json_dumps(data))])


@config.command("validate")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def validate(path: str | None) -> None:
    """Check a config file (default ./mlci.yaml); exit 2 naming the key when it is wrong.

    Runs every check the commands rely on (types and ranges, data checks, fairness
    metrics and gates, drift tests and thresholds, the cron schedule, workflow and
    runner settings), so a file it calls valid is not refused later by `mlci
    generate`, `mlci data check`, `mlci drift check` or `mlci fairness check`.

    \b
    Example:
      mlci config validate
      mlci config validate other/mlci.yaml
    """
    from mlci.config import CONFIG_FILE, load_config

    load_config(path or CONFIG_FILE, required=True)
    click.echo(f"{path or CONFIG_FILE}: valid")


@config.command("schema")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the schema to this file instead of standard output.",
)
def schema(output: str | None) -> None:
    """Print the JSON Schema of mlci.yaml, for editors (completion, hover, checks).

    Point an editor at it with a first line in mlci.yaml such as
    `# yaml-language-server: $schema=mlci.schema.json`. The schema checks
    keys, types and ranges; `mlci config validate` checks everything.

    \b
    Example:
      mlci config schema
      mlci config schema -o .vscode/mlci.schema.json
    """
    from mlci.config import CONFIG_FILE
    from mlci.config.json_schema import schema_text
    from mlci.output import STDOUT, write_output

    # Never over mlci.yaml: `-o mlci.yaml` is a slip for `-o mlci.schema.json`.
    target = write_output(output or STDOUT, schema_text(), inputs=[CONFIG_FILE], option="--output")
    if target is not None:
        click.echo(f"wrote {target}", err=True)
