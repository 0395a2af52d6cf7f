"""`mlci init`: set a repository up for mlci."""

from __future__ import annotations

import click

from mlci.cli._workflow_output import echo_changes


@click.command("init")
@click.option(
    "--example",
    type=click.Choice(["sklearn", "torch"]),
    is_flag=False,
    flag_value="sklearn",
    default=None,
    help="First copy an embedded example project (sklearn when given without a value).",
)
@click.option("--force", is_flag=True, help="Overwrite files that were edited or not made by mlci.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Repository to set up.",
)
def init(example: str | None, force: bool, directory: str) -> None:
    """Set a repository up: mlci.yaml (guessed when missing) and the workflows.

    Writes mlci.yaml only when there is none, guessing it from requirements.txt or
    pyproject.toml, the training script, params.yaml, metric files and dvc.yaml. Then
    writes .github/workflows/mlci-*.yml and .github/actionlint.yaml. A file that was
    edited by hand, or not made by mlci, is kept unless --force is given.

    \b
    Example:
      mlci init
      mlci init --example          # the scikit-learn churn example, then its workflows
      mlci init --example torch --dir my-project
    """
    from pathlib import Path

    from mlci.examples import example_path
    from mlci.workflows.init import init_project

    source = example_path(example) if example else None
    root = Path(directory)
    result = init_project(root, example=source, force=force)
    for note in result.notes:
        click.echo(f"guessed {note}")
    echo_changes(result.changes, root)
    if result.self_hosted_labels:
        from mlci.config import CONFIG_FILE, load_config
        from mlci.runners.arc import gpu_workflows

        # The same list that `mlci runners audit` checks the group against.
        files = gpu_workflows(load_config(root / CONFIG_FILE, required=True))
        paths = [file if "/" in file else f".github/workflows/{file}" for file in files]
        click.echo(
            f"note: the GPU jobs run on self-hosted runners "
            f"[{', '.join(result.self_hosted_labels)}]: put them in an organisation runner "
            f"group restricted to the GPU workflows ({', '.join(paths)}) on the default "
            "branch, then check with `mlci runners audit` (README: Self-hosted GPU runners)"
        )
    if not result.in_git_repository:
        click.echo(
            f"note: {root} is not a git repository yet; run `git init` there, then commit "
            "and push to GitHub for the workflows to run"
        )
    if not result.kept:
        click.echo("Next: review mlci.yaml, commit, and push; `mlci generate` after each change.")
