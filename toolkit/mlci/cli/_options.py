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


def json_dumps(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, sort_keys=False, default=str)
