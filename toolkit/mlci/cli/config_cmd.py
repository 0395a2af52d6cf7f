"""`mlci config show|validate`."""

from __future__ import annotations

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps


@click.group(cls=GuardedGroup)
def config() -> None:
    """Show or check the mlci.yaml configuration.

    \b
    Example:
      mlci config validate
      mlci config show --json
    """


@config.command("show")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of YAML.")
def show(config_path: str | None, as_json: bool) -> None:
    """Print the effective configuration: mlci.yaml with every default filled in.

    \b
    Example:
      mlci config show
      mlci config show --config path/to/mlci.yaml --json
    """
    import yaml

    from mlci.config import config_to_dict, load_config

    data = config_to_dict(load_config(config_path))
    if as_json:
        click.echo(json_dumps(data))
    else:
        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())


@config.command("validate")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def validate(path: str | None) -> None:
    """Check a config file (default ./mlci.yaml); exit 2 naming the key when it is wrong.

    \b
    Example:
      mlci config validate
      mlci config validate other/mlci.yaml
    """
    from mlci.config import CONFIG_FILE, load_config

    load_config(path or CONFIG_FILE, required=True)
    click.echo(f"{path or CONFIG_FILE}: valid")
