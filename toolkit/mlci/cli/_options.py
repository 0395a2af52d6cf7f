"""Options shared by several commands."""

from __future__ import annotations

from typing import Any

import click

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Path of mlci.yaml (default: ./mlci.yaml).",
)


def output_option(name: str, what: str, *, stdout: bool = True) -> Any:
    """`--json [PATH]`, `--md [PATH]`: one meaning in every command.

    With a path the output is written there (through `mlci.output.write_output`: parent
    folders made, atomic, never over an input); with no value, or `-`, it goes to
    standard output. Put the option last, or write `--json -`, when a positional
    argument would follow it.
    """
    from mlci.output import STDOUT

    dest = f"{name}_out"
    if not stdout:
        return click.option(
            f"--{name}",
            dest,
            type=click.Path(dir_okay=False),
            default=None,
            metavar="PATH",
            help=f"Write {what} to PATH.",
        )
    return click.option(
        f"--{name}",
        dest,
        is_flag=False,
        flag_value=STDOUT,
        default=None,
        metavar="[PATH]",
        help=f"Write {what} to PATH, or print it when no PATH (or -) is given.",
    )


def json_dumps(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, sort_keys=False, default=str)
