"""`mlci fairness check`: fairness metrics per group and the gates on them."""

from __future__ import annotations

from pathlib import Path

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps


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
@click.option("--md", "md_path", type=click.Path(dir_okay=False), help="Write a markdown report.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write a JSON report.")
def check(
    data_path: str | None, config_path: str | None, md_path: str | None, json_path: str | None
) -> None:
    """Compute the metrics of validate.fairness with fairlearn and check its gates.

    Prints disparity metrics (e.g. demographic parity difference) and a per-group
    table (e.g. accuracy, recall, selection rate) for each sensitive feature.
    Exits 1 when a gate is violated, 2 when the config or the data is wrong.

    \b
    Example:
      mlci fairness check --data predictions.csv --md fairness.md
    """
    from mlci.config import CONFIG_FILE, load_config
    from mlci.data.reader import read_table
    from mlci.errors import GateFailed, UsageError
    from mlci.fairness.gates import check_fairness, validate_fairness_config
    from mlci.fairness.render import report_json, report_markdown, report_text
    from mlci.gha import ActionsRuntime

    config = load_config(config_path)
    settings = config.validate.fairness
    source = config_path or CONFIG_FILE
    validate_fairness_config(settings, source)
    path = data_path or settings.data
    if path is None:
        raise UsageError(
            "no data with predictions given",
            "pass --data FILE, or set validate.fairness.data in mlci.yaml",
        )
    columns = list(dict.fromkeys([settings.label or "", settings.prediction, *settings.sensitive]))
    frame = read_table(path, columns=columns)
    report = check_fairness(frame, settings, source)
    click.echo(report_text(report))
    markdown = report_markdown(report)
    if md_path:
        Path(md_path).write_text(markdown, encoding="utf-8")
    if json_path:
        Path(json_path).write_text(json_dumps(report_json(report)) + "\n", encoding="utf-8")
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
