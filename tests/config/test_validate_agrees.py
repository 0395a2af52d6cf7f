"""`mlci config validate` and the command that uses a setting refuse it alike.

Each bad config below used to pass `mlci config validate` and fail only when `mlci
generate`, `mlci data check`, `mlci drift check`, `mlci fairness check`, `mlci runners
arc-values` or `mlci validate` ran (or, for a cron like "61 * * * *", not at all). Now
the loader refuses it: both give exit 2 and the same one-line message.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli

GENERATE = ["generate"]
DATA = ["data", "check", "ref.csv"]
DRIFT = ["drift", "check", "--reference", "ref.csv", "--current", "cur.csv"]
FAIRNESS = ["fairness", "check", "--data", "preds.csv"]
RUNNERS = ["runners", "arc-values", "--github-config-url", "https://github.com/acme/churn"]
GATES = ["validate"]
FAIR = "validate:\n  fairness:\n    sensitive: [gender]\n    label: churned\n"

# (id, mlci.yaml, the command that used to catch it, the message both print)
BAD = [
    (
        "data-min-above-max",
        "data:\n  checks:\n    columns:\n      age: {min: 10, max: 1}\n",
        DATA,
        "mlci.yaml line 4: data.checks.columns.age.min: min (10) is above max (1). "
        "Fix: swap them or fix one of them",
    ),
    (
        "data-bad-regex",
        "data:\n  checks:\n    columns:\n      code: {regex: '(['}\n",
        DATA,
        "mlci.yaml line 4: data.checks.columns.code.regex: not a valid regular expression "
        "(unterminated character set at position 1). "
        "Fix: fix the pattern; quote it in YAML with single quotes",
    ),
    (
        "data-allowed-not-numbers",
        "data:\n  checks:\n    columns:\n      n: {type: int, allowed: ['1', two]}\n",
        DATA,
        "mlci.yaml line 4: data.checks.columns.n.allowed[1]: 'two' is not a number, but the "
        "column's type is int. Fix: list numbers, or change the type",
    ),
    (
        "data-null-share",
        "data:\n  checks:\n    columns:\n      x: {max_null_share: 1.5}\n",
        DATA,
        "mlci.yaml line 4: data.checks.columns.x.max_null_share: must be a share between 0 "
        "and 1, got 1.5. Fix: write e.g. 0.05 for 5%",
    ),
    (
        "data-freshness-without-age",
        "data:\n  checks:\n    freshness: {column: ts}\n",
        DATA,
        "mlci.yaml line 3: data.checks.freshness.max_age_days: missing. "
        "Fix: say how old the newest row may be",
    ),
    (
        "data-rows-min-above-max",
        "data:\n  checks:\n    rows: {min: 9, max: 2}\n",
        DATA,
        "mlci.yaml line 3: data.checks.rows.min: min (9) is above max (2). Fix: swap them",
    ),
    (
        "fairness-unknown-metric",
        FAIR + "    metrics: [accuracy, recal]\n",
        FAIRNESS,
        "mlci.yaml line 5: validate.fairness.metrics[1]: unknown metric 'recal'. "
        "Fix: did you mean 'recall'?",
    ),
    (
        "fairness-unknown-gate",
        FAIR + "    gates:\n      acuracy: {min: 0.5}\n",
        FAIRNESS,
        "mlci.yaml line 6: validate.fairness.gates.acuracy: unknown metric. "
        "Fix: did you mean 'accuracy'?",
    ),
    (
        "fairness-ratio-of-a-disparity",
        FAIR + "    gates:\n      demographic_parity_difference: {min_ratio: 0.8}\n",
        FAIRNESS,
        "mlci.yaml line 6: validate.fairness.gates.demographic_parity_difference.min_ratio: "
        "demographic_parity_difference is already a single number across groups. "
        "Fix: use min or max",
    ),
    (
        "fairness-gate-without-bound",
        FAIR + "    gates:\n      recall: {}\n",
        FAIRNESS,
        "mlci.yaml line 6: validate.fairness.gates.recall: no bound given. "
        "Fix: set min, max, max_difference or min_ratio",
    ),
    (
        "drift-unknown-test",
        "drift:\n  tests: {age: kolmogorov}\n",
        DRIFT,
        "mlci.yaml line 2: drift.tests.age: unknown test 'kolmogorov'. "
        "Fix: use one of: chi2, hellinger, jensenshannon, ks, psi, wasserstein, z",
    ),
    (
        "drift-test-of-another-kind",
        "drift:\n  types: {plan: categorical}\n  tests: {plan: ks}\n",
        DRIFT,
        "mlci.yaml line 3: drift.tests.plan: ks does not apply to categorical columns. "
        "Fix: use one of: chi2, hellinger, jensenshannon, psi, z",
    ),
    (
        "drift-threshold-negative",
        "drift:\n  thresholds: {age: -0.1}\n",
        DRIFT,
        "mlci.yaml line 2: drift.thresholds.age: -0.1 is out of range. Fix: set a number "
        "above 0 (a p-value level for ks/chi2/z, a distance otherwise)",
    ),
    (
        "drift-p-value-threshold-above-1",
        "drift:\n  tests: {age: ks}\n  thresholds: {age: 5}\n",
        DRIFT,
        "mlci.yaml line 3: drift.thresholds.age: 5 is out of range for the p-value test ks. "
        "Fix: set a p-value level above 0 and at most 1, e.g. 0.05",
    ),
    (
        "cron-minute-61",
        'drift:\n  schedule: "61 * * * *"\n',
        GENERATE,
        "mlci.yaml line 2: drift.schedule: '61 * * * *': the minute 61 is out of range 0-59. "
        'Fix: write minute hour day month weekday, e.g. "0 6 * * 1" (Mondays 06:00 UTC)',
    ),
    (
        "cron-weekday-8",
        'drift:\n  schedule: "0 6 * * 8"\n',
        GENERATE,
        "mlci.yaml line 2: drift.schedule: '0 6 * * 8': the day of week 8 is out of range "
        '0-6. Fix: write minute hour day month weekday, e.g. "0 6 * * 1" (Mondays 06:00 UTC)',
    ),
    (
        "cron-words",
        "drift:\n  schedule: every day\n",
        GENERATE,
        "mlci.yaml line 2: drift.schedule: 'every day' is not a cron line of five fields. "
        'Fix: write minute hour day month weekday, e.g. "0 6 * * 1" (Mondays 06:00 UTC)',
    ),
    (
        "workflow-actions-ref",
        "github:\n  actions_ref: v0 x\n",
        GENERATE,
        "mlci.yaml line 2: github.actions_ref: 'v0 x' is not a tag, branch or commit. "
        "Fix: use a release tag of mlci, e.g. v0",
    ),
    (
        "workflow-empty-runner",
        "train:\n  runner: []\n",
        GENERATE,
        "mlci.yaml line 2: train.runner: needs at least one non-empty runner label. "
        "Fix: list the labels, e.g. [ubuntu-latest]",
    ),
    (
        "workflow-retrain-on-base",
        "retrain:\n  branch: main\n",
        GENERATE,
        "mlci.yaml line 2: retrain.branch: 'main' is the base branch of the retraining pull "
        "request. Fix: use a branch of its own, e.g. mlci/retrain",
    ),
    (
        "workflow-short-pin",
        "github:\n  pins: {actions/checkout: abc123}\n",
        GENERATE,
        "mlci.yaml line 2: github.pins.actions/checkout: 'abc123' is not a full 40-character "
        "commit SHA. Fix: copy the commit SHA of the release from the action's repository",
    ),
    (
        "workflow-pin-without-mlci-sha",
        "github:\n  pin_actions: true\n",
        GENERATE,
        "mlci.yaml line 1: github.pins: no commit SHA for mlci-dev/mlci while "
        "github.pin_actions is true. Fix: add `mlci-dev/mlci: <commit SHA of v0>` under "
        "github.pins, or set github.pin_actions to false",
    ),
    (
        "runner-class-min-above-max",
        "runners:\n  classes:\n    a100: {min_runners: 3, max_runners: 1}\n",
        RUNNERS,
        "mlci.yaml line 3: runners.classes.a100: min_runners (3) is above max_runners (1). "
        "Fix: the chart requires maxRunners >= minRunners",
    ),
    (
        "runner-class-bad-name",
        "runners:\n  classes:\n    A_100: {gpus: 1}\n",
        RUNNERS,
        "mlci.yaml line 3: runners.classes.A_100: scale set name 'mlci-A_100' is not a valid "
        "name. Fix: use at most 45 lower-case letters, digits and '-' (prefix included), "
        "starting and ending with a letter or digit",
    ),
    (
        "runner-config-url",
        "runners:\n  github_config_url: acme/churn\n",
        ["runners", "arc-values"],
        "mlci.yaml line 2: runners.github_config_url: 'acme/churn' is not a repository or "
        "organisation URL. Fix: use https://github.com/OWNER/REPO or https://github.com/ORG",
    ),
    (
        "duplicate-top-level-key",
        "project: a\ndrift:\n  alpha: 0.1\nproject: b\n",
        GATES,
        "mlci.yaml line 4: duplicate key 'project' (first at line 1). "
        "Fix: keep one of the two: YAML would silently drop the first and keep the last",
    ),
]

GOOD = [
    ("defaults", ""),
    ("cron-names-and-steps", 'drift:\n  schedule: "*/15 0-23/2 1,15 JAN-JUN MON-FRI"\n'),
    ("fairness", FAIR + "    gates:\n      recall: {min_ratio: 0.8}\n"),
    ("drift-tests", "drift:\n  tests: {age: psi}\n  thresholds: {age: 0.2}\n"),
    ("runner-class", "runners:\n  classes:\n    a100: {gpus: 1, max_runners: 4}\n"),
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(args: list[str]):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.mark.parametrize(
    ("text", "command", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_validate_and_the_command_refuse_alike(
    repo: Path, text: str, command: list[str], message: str
) -> None:
    (repo / "mlci.yaml").write_text(text)
    validated = invoke(["config", "validate"])
    used = invoke(command)
    assert (validated.exit_code, validated.output) == (2, f"Error: {message}\n")
    assert (used.exit_code, used.output) == (2, f"Error: {message}\n")
    assert not (repo / ".github").exists()


@pytest.mark.parametrize("text", [g[1] for g in GOOD], ids=[g[0] for g in GOOD])
def test_a_good_config_is_valid_and_generates(repo: Path, text: str) -> None:
    (repo / "mlci.yaml").write_text(text)
    validated = invoke(["config", "validate"])
    assert (validated.exit_code, validated.output) == (0, "mlci.yaml: valid\n")
    generated = invoke(GENERATE)
    assert generated.exit_code == 0, generated.output


def test_an_alias_bomb_is_refused_fast(repo: Path) -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    (repo / "mlci.yaml").write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    result = invoke(["config", "validate"])
    assert time.monotonic() - started < 1.0
    assert result.exit_code == 2
    assert result.output.startswith("Error: mlci.yaml line ")
    assert "alias" in result.output


def test_absurd_nesting_is_refused(repo: Path) -> None:
    (repo / "mlci.yaml").write_text("project: " + "[" * 200 + "]" * 200 + "\n")
    result = invoke(["config", "validate"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: mlci.yaml line 1: nested more than 64 levels deep.")
