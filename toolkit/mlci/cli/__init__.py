"""The `mlci` command: a lazy click group. Each entry below is one subcommand."""

from __future__ import annotations

import click

from mlci import __version__
from mlci.cli._lazy import LazyGroup

# Command name -> "module:attribute". Modules import only click at the top.
COMMANDS: dict[str, str] = {
    "baseline": "mlci.cli.baseline_cmd:baseline",
    "check-run": "mlci.cli.github_cmd:check_run",
    "comment": "mlci.cli.github_cmd:comment",
    "config": "mlci.cli.config_cmd:config",
    "retrain": "mlci.cli.github_cmd:retrain",
    "data": "mlci.cli.data_cmd:data",
    "demo": "mlci.cli.demo_cmd:demo",
    "drift": "mlci.cli.drift_cmd:drift",
    "fairness": "mlci.cli.fairness_cmd:fairness",
    "generate": "mlci.cli.generate_cmd:generate",
    "init": "mlci.cli.init_cmd:init",
    "metrics": "mlci.cli.metrics_cmd:metrics",
    "params": "mlci.cli.params_cmd:params",
    "promote": "mlci.cli.release_cmd:promote",
    "publish-images": "mlci.cli.report_cmd:publish_images",
    "release": "mlci.cli.release_cmd:release",
    "releases": "mlci.cli.release_cmd:releases",
    "report": "mlci.cli.report_cmd:report",
    "runs": "mlci.cli.runs_cmd:runs",
    "sweep": "mlci.cli.sweep_cmd:sweep",
    "train": "mlci.cli.train_cmd:train",
    "validate": "mlci.cli.validate_cmd:validate",
    "runner": "mlci.cli.runner_cmd:runner",
    "runners": "mlci.cli.runners_cmd:runners",
}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", "-V", prog_name="mlci")
def cli() -> None:
    """mlci: DevOps and MLOps in one CI loop on GitHub.

    Builds and tests the code, trains and validates models, compares metrics on
    every pull request and watches production data for drift.

    \b
    Example:
      mlci demo            # the whole loop on an embedded example project
      mlci config show     # the effective configuration of this repository
    """


def main() -> None:
    try:
        cli(prog_name="mlci")
    finally:
        _flush_quietly()


def _flush_quietly() -> None:
    """A closed pipe found only at exit (`mlci ... | head`) ends quietly, not in a traceback."""
    import contextlib
    import os
    import sys

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
