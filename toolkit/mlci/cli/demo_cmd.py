"""`mlci demo`: the main job on the embedded example."""

from __future__ import annotations

import time

import click


@click.command()
@click.argument("directory", default="mlci-demo", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace DIR if it holds an earlier demo.")
@click.option("--verbose", "-v", is_flag=True, help="Show the training output too.")
def demo(directory: str, force: bool, verbose: bool) -> None:
    """Run the whole mlci loop on the embedded example project, offline.

    Copies a small churn-prediction project into DIR (default ./mlci-demo), makes it a
    git repository, trains a baseline on main, opens a branch that changes a
    parameter, trains again, validates the gates, compares the two and writes the
    pull-request report mlci would post, plus the model card and release plan a
    merge would publish, into DIR/.mlci/outbox/. Needs git; never touches GitHub.

    \b
    Example:
      mlci demo
      mlci demo /tmp/try-mlci --force
    """
    import os

    from mlci.demo import DemoStep, run_demo

    started = time.monotonic()
    count = 0

    def show(step: DemoStep) -> None:
        nonlocal count
        count += 1
        click.echo(f"[{count}] {step.title}" + (f": {step.detail}" if step.detail else ""))

    def show_output(line: str) -> None:
        click.echo(f"    | {line}")

    click.echo(f"mlci demo: running the whole loop in {directory}")
    result = run_demo(
        directory,
        force=force,
        on_step=show,
        on_output=show_output if verbose else None,
        env=dict(os.environ),
    )
    elapsed = time.monotonic() - started
    verdict = "passed" if result.gate_passed else f"failed ({', '.join(result.failed_gates)})"
    click.echo("")
    click.echo(f"Done in {elapsed:.1f} s. Validation gates {verdict}.")
    click.echo(f"Pull-request report: {result.report_path}")
    if result.release_card is not None:
        click.echo(f"Release a merge to main would publish: {result.release_card}")
    click.echo(f"Everything mlci would post on GitHub is in {result.report_path.parent}:")
    for path in result.outbox:
        click.echo(f"  {path.name}")
    click.echo(f"Look around: cd {directory} && git log --oneline --all")
