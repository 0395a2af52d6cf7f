"""`mlci validate`: check the metrics against the gates of mlci.yaml."""

from __future__ import annotations

import click

from mlci.cli._options import config_option, json_dumps, output_option


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
    help="Git ref of the baseline: its record on the records branch (or a near ancestor's), "
    "its local run record, else its committed metrics.",
)
@click.option(
    "--base-branch",
    "base_name",
    default=None,
    help="Name of the base branch, when --base is a commit SHA (shown as `main (3f2a1b2)`).",
)
@output_option("json", "the results as JSON")
@config_option
def validate(
    baseline_file: str | None,
    base_ref: str | None,
    base_name: str | None,
    json_out: str | None,
    config_path: str | None,
) -> None:
    """Check metrics against validate.gates; exit 1 when a gate fails.

    Gates: min, max, max_drop and max_drop_relative (worsening vs the baseline,
    direction-aware), max_rise, required. The baseline is, in order: --baseline (a
    file, or mlflow:models:/NAME@ALIAS), the run record of --base's commit (or its
    nearest ancestor's) on the records branch, its run record in .mlci/runs/, the
    metrics file committed at --base. A gate
    that needs a baseline and has no usable one exits 2 naming why, unless it sets
    allow_missing_baseline: true (then it is skipped and said so). A value that is no
    finite number fails. Failing gates become error annotations.

    \b
    Example:
      mlci validate
      mlci validate --base main
      mlci validate --base "$BEFORE_SHA" --base-branch main --json validation.json
      mlci validate --baseline baseline-metrics.json
    """
    from dataclasses import asdict
    from pathlib import Path

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.errors import GateFailed, InputError
    from mlci.gha import ActionsRuntime
    from mlci.gitutil import git_state
    from mlci.metrics.load import load_metrics
    from mlci.metrics.render import json_value
    from mlci.validate.run import validate as run_validation

    config = load_config(config_path)
    metrics = [Path.cwd() / path for path in config.train.metrics]
    printing = prepare_outputs([("--json", json_out)], [config_path, baseline_file, *metrics])
    head = load_metrics(config.train.metrics, Path.cwd())
    result = run_validation(config, Path.cwd(), base_ref, baseline_file, head, base_name=base_name)
    problem = result.head_problem(config)
    if problem is not None:
        raise InputError(*problem)
    runtime = ActionsRuntime()
    for file in result.head.files:
        if file.missing:  # else the only sign is "X is missing from the metrics"
            click.echo(f"note: {file.error} (train.metrics in mlci.yaml)", err=True)
    from mlci.resultschema import schema_name

    results = {
        "schema": schema_name("validation"),
        "passed": result.passed,
        "baseline": result.baseline.description,
        "commit": git_state(Path.cwd()).commit,  # what later steps check it against
        "errors": list(dict.fromkeys(result.errors.values())),
        "results": [
            {**asdict(r), "value": json_value(r.value), "baseline": json_value(r.baseline)}
            for r in result.gates.results
        ],
    }
    write_outputs([("--json", json_out, json_dumps(results))])
    if not printing:
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
    if result.errors:
        raise InputError("; ".join(dict.fromkeys(result.errors.values())), _hint(result))
    if not result.passed:
        raise GateFailed(
            f"{len(result.gates.failed)} gate(s) failed: {', '.join(result.gates.failed_metrics)}",
            "improve the model, or change validate.gates in mlci.yaml if the bound is wrong",
        )


def _hint(result) -> str:  # type: ignore[no-untyped-def]
    """The fix for gates that could not be evaluated, by what went wrong first."""
    first = result.gates.invalid[0]
    if "needs a usable baseline" in first.message:
        return (
            "pass --base REF (a commit with the metric) or --baseline FILE, or set "
            f"validate.gates.{first.metric}.allow_missing_baseline: true to skip the rule"
        )
    return "write a number for the metric, or remove its gate from validate.gates in mlci.yaml"
