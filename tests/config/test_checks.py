"""The checks beyond types that the loader runs (`mlci.config.checks`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlci.config import load_config
from mlci.config.checks import cron_problem
from mlci.output import check_output_path, forget_inputs


@pytest.mark.parametrize(
    "line",
    ["0 6 * * 1", "*/5 * * * *", "0 0-23/2 1,15 * *", "30 5 * JAN-JUN MON,FRI", "0 0 31 12 0"],
)
def test_cron_lines_github_accepts(line: str) -> None:
    assert cron_problem(line) is None


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("61 * * * *", "'61 * * * *': the minute 61 is out of range 0-59"),
        ("0 24 * * *", "'0 24 * * *': the hour 24 is out of range 0-23"),
        ("0 0 0 * *", "'0 0 0 * *': the day of month 0 is out of range 1-31"),
        ("0 0 * 13 *", "'0 0 * 13 *': the month 13 is out of range 1-12"),
        ("0 0 * * FUN", "'0 0 * * FUN': the day of week 'FUN' is not a number"),
        ("*/0 * * * *", "'*/0 * * * *': the minute step '0' is not a whole number above 0"),
        ("0 9-5 * * *", "'0 9-5 * * *': the hour range 9-5 runs backwards"),
        ("0 6 * *", "'0 6 * *' is not a cron line of five fields"),
    ],
)
def test_cron_lines_github_refuses(line: str, problem: str) -> None:
    assert cron_problem(line) == problem


def test_load_config_remembers_the_file_it_read(tmp_path: Path) -> None:
    from mlci.errors import UsageError

    config = tmp_path / "mlci.yaml"
    config.write_text("project: x\n")
    forget_inputs()
    load_config(config)
    with pytest.raises(UsageError):
        check_output_path(config)
    forget_inputs()


# --- the merge loop: baseline, release, deploy, tracking ------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("baseline: {branch: 'bad branch'}", "baseline.branch:"),
        ("baseline: {branch: main}", "baseline.branch: 'main' is also github.default_branch"),
        ("baseline: {max_distance: -1}", "baseline.max_distance"),
        ("release: {model: 'churn model'}", "release.model: 'churn model' is not a valid name"),
        ("release: {model: '-churn'}", "release.model: '-churn' is not a valid name"),
        ("release: {stages: [prod, 'pre prod']}", "release.stages[1]: 'pre prod'"),
        ("deploy: {environment: production}", "deploy.command: is missing"),
        ("deploy: {command: ./deploy.sh}", "deploy.environment: is missing"),
        ("deploy: {environment: production, command: '  '}", "deploy.command: is empty"),
        ("deploy: {environment: 'a,b', command: x}", "deploy.environment: 'a,b'"),
        ("deploy: {environment: p, command: x, stage: qa}", "deploy.stage: 'qa' is not one of"),
        ("tracking: {mlflow: {uri: ''}}", "tracking.mlflow.uri: is empty"),
        ("tracking: {mlflow: {alias: 'my alias'}}", "tracking.mlflow.alias:"),
    ],
)
def test_merge_loop_settings_are_checked_at_load(text: str, expected: str) -> None:
    from mlci.config import parse_config
    from mlci.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_config(text + "\n")
    assert expected in caught.value.one_line()


def test_merge_loop_defaults_and_the_model_name() -> None:
    from mlci.config import parse_config

    config = parse_config("project: churn\n")
    assert config.model_name == "churn"
    assert config.baseline.branch == "mlci/records"
    assert config.deploy.environment is None and config.deploy.stage == "prod"
    assert config.tracking.mlflow.uri is None and config.tracking.mlflow.alias == "champion"
    named = parse_config(
        "project: churn\nrelease: {model: churn-clf, stages: []}\n"
        "deploy: {environment: production, command: ./deploy.sh, stage: anything}\n"
    )
    assert named.model_name == "churn-clf"
    assert named.deploy.stage == "anything"  # no stages listed: any valid name
