"""`mlci generate`: render the workflows from mlci.yaml."""

from __future__ import annotations

import click

from mlci.cli._options import config_option
from mlci.cli._workflow_output import echo_changes


@click.command("generate")
@config_option
@click.option("--check", is_flag=True, help="Write nothing; show a diff and exit 1 when stale.")
@click.option("--force", is_flag=True, help="Overwrite files that were edited by hand.")
def generate(config_path: str | None, check: bool, force: bool) -> None:
    """Render .github/workflows/mlci-*.yml and .github/actionlint.yaml from mlci.yaml.

    With --check it writes nothing: it prints a diff of every file that differs from
    a fresh render and exits 1, so CI can tell when mlci.yaml and the workflows
    disagree. Files edited by hand are kept unless --force is given.

    \b
    Example:
      mlci generate
      mlci generate --check
    """
    from pathlib import Path

    from mlci.config import CONFIG_FILE, load_config
    from mlci.errors import GateFailed
    from mlci.workflows.files import compare_generated, write_generated
    from mlci.workflows.render import render_files

    config_file = Path(config_path or CONFIG_FILE)
    config = load_config(config_file, required=True)
    root = config_file.resolve().parent
    files = render_files(config)
    if check:
        differences = compare_generated(root, files)
        for difference in differences:
            click.echo(difference.diff, nl=False)
        if differences:
            raise GateFailed(
                f"{len(differences)} generated file(s) differ from mlci.yaml: "
                + ", ".join(d.path for d in differences),
                "run `mlci generate` and commit the result",
            )
        click.echo(f"{len(files)} generated file(s) match mlci.yaml")
        return
    echo_changes(write_generated(root, files, force=force).changes, root)
