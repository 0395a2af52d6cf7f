"""`mlci fairness check`: fairness metrics per group and the gates on them."""

from __future__ import annotations

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps, output_option


@click.group(cls=GuardedGroup)
def fairness() -> None:
    """Measure a model's fairness across groups and gate on it.

    \b
    Example:
      mlci fairness check --data predictions.csv
    """


@fairness.command("check")
@click.option(
    "--data",
    "data_path",
    type=click.Path(dir_okay=False),
    help="CSV/Parquet with label, prediction and sensitive columns "
    "(default: validate.fairness.data).",
)
@config_option
@output_option("md", "a markdown report")
@output_option("json", "a JSON report")
def check(
    data_path: str | None, config_path: str | None, md_out: str | None, json_out: str | None
) -> None:
    """Compute the metrics of validate.fairness with fairlearn and check its gates.

    Prints disparity metrics (e.g. demographic parity difference) and a per-group
    table (e.g. accuracy, recall, selection rate) for each sensitive feature.
    Exits 1 when a gate is violated, 2 when the config or the data is wrong.

    \b
    Example:
      mlci fairness check --data predictions.csv --md fairness.md
    """
    import dataclasses

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import CONFIG_FILE, load_config
    from mlci.errors import GateFailed, UsageError
    from mlci.fairness.gates import check_fairness
    from mlci.fairness.render import report_json, report_markdown, report_text
    from mlci.gha import ActionsRuntime
    from mlci.tables import read_table

    config = load_config(config_path)  # checks validate.fairness (metrics, bounds)
    settings = config.validate.fairness
    source = config_path or CONFIG_FILE
    if not settings.sensitive:
        raise UsageError(
            f"{source}: validate.fairness.sensitive: no sensitive columns configured",
            "list the sensitive feature columns under validate.fairness.sensitive",
        )
    if not settings.label and config.drift.target:
        settings = dataclasses.replace(settings, label=config.drift.target)
    path = data_path or settings.data
    if path is None:
        raise UsageError(
            "no data with predictions given",
            "pass --data FILE, or set validate.fairness.data in mlci.yaml",
        )
    printing = prepare_outputs([("--md", md_out), ("--json", json_out)], [path, config_path])
    columns = list(dict.fromkeys([settings.label or "", settings.prediction, *settings.sensitive]))
    frame = read_table(path, columns=columns, require_rows=True)
    report = check_fairness(frame, settings, source)
    if not printing:
        click.echo(report_text(report))
    markdown = report_markdown(report)
    write_outputs(
        [("--md", md_out, markdown), ("--json", json_out, json_dumps(report_json(report)))]
    )
    runtime = ActionsRuntime()
    if runtime.in_actions:
        for gate in report.failed:
            runtime.error(gate.describe(), file=path, title="fairness gate")
        runtime.append_summary(markdown)
        runtime.set_output("fairness", "passed" if report.passed else "failed")
    if not report.passed:
        raise GateFailed(
            f"fairness gates failed: {len(report.failed)} of {len(report.gates)}",
            "see the gates above; improve the model or adjust validate.fairness.gates",
        )
