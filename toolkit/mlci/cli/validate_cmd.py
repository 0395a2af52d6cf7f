"""`mlci validate`: check the metrics against the gates of mlci.yaml."""

from __future__ import annotations

import click

from mlci.cli._options import config_option, json_dumps


@click.command("validate")
@click.option(
    "--baseline",
    "baseline_file",
    default=None,
    help="Metrics file or run record to compare against (first in the order).",
)
@click.option(
    "--base",
    "base_ref",
    default=None,
    help="Git ref of the baseline: its run record, else its committed metrics.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@config_option
def validate(
    baseline_file: str | None, base_ref: str | None, as_json: bool, config_path: str | None
) -> None:
    """Check metrics against validate.gates; exit 1 when a gate fails.

    Gates: min, max, max_drop and max_drop_relative (worsening vs the baseline,
    direction-aware), max_rise, required. The baseline is, in order: --baseline,
    the run record of --base's commit, the metrics file committed at --base. Without
    one, drop gates are skipped and said so. Failing gates become error annotations.

    \b
    Example:
      mlci validate
      mlci validate --base main
      mlci validate --baseline baseline-metrics.json
    """
    from dataclasses import asdict
    from pathlib import Path

    from mlci.config import load_config
    from mlci.errors import GateFailed, InputError
    from mlci.gha import ActionsRuntime
    from mlci.metrics.render import json_value
    from mlci.validate import validate as run_validation

    config = load_config(config_path)
    result = run_validation(config, Path.cwd(), base_ref, baseline_file)
    if result.errors:
        raise InputError(
            "; ".join(result.errors.values()), "fix the metrics file the training wrote"
        )
    runtime = ActionsRuntime()
    for file in result.head.files:
        if file.missing:  # else the only sign is "X is missing from the metrics"
            click.echo(f"note: {file.error} (train.metrics in mlci.yaml)", err=True)
    if as_json:
        click.echo(
            json_dumps(
                {
                    "passed": result.passed,
                    "baseline": result.baseline.description,
                    "results": [
                        {
                            **asdict(r),
                            "value": json_value(r.value),
                            "baseline": json_value(r.baseline),
                        }
                        for r in result.gates.results
                    ],
                }
            )
        )
    else:
        click.echo(f"baseline: {result.baseline.description}")
        for r in result.gates.results:
            click.echo(f"{r.status.upper():4}  {r.rule:17} {r.message}")
        if not result.gates.results:
            click.echo("no gates configured (validate.gates in mlci.yaml)")
    for r in result.gates.failed:
        runtime.error(r.message, file=config_path or "mlci.yaml", title=f"mlci gate {r.rule}")
    runtime.set_outputs(
        {
            "gate-passed": result.passed,
            "failed-gates": ",".join(result.gates.failed_metrics),
        }
    )
    if not result.passed:
        raise GateFailed(
            f"{len(result.gates.failed)} gate(s) failed: {', '.join(result.gates.failed_metrics)}",
            "improve the model, or change validate.gates in mlci.yaml if the bound is wrong",
        )
