"""Checks of the mlci.yaml values that end up in the generated workflows.

The config loader checks types; these check what GitHub would refuse only when the
workflow runs (an empty `runs-on`, a cron it cannot parse, a ref with a space), so
`mlci generate` stops with exit 2 instead of writing a workflow that fails later.
"""

from __future__ import annotations

import re

from mlci.config.schema import MlciConfig
from mlci.errors import ConfigError
from mlci.gitutil import branch_problem

# GitHub's schedule is POSIX cron: five fields of digits, names, * , - and /.
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*,/-]+$")
_REF = re.compile(r"^[A-Za-z0-9._/-]+$")


def _fail(key: str, problem: str, fix: str) -> ConfigError:
    return ConfigError(f"mlci.yaml: {key}: {problem}", fix)


def check_workflow_settings(config: MlciConfig, *, drift: bool) -> None:
    """Raise ConfigError for the first value a generated workflow cannot use."""
    for key, labels in (
        ("build.runner", config.build.runner),
        ("train.runner", config.train.runner),
    ):
        if not labels or any(not label.strip() for label in labels):
            raise _fail(
                key,
                "needs at least one non-empty runner label",
                "list the labels, e.g. [ubuntu-latest]",
            )
    if not config.build.python:
        raise _fail(
            "build.python", "needs at least one Python version", 'list the versions, e.g. ["3.11"]'
        )
    # Timeouts below one minute are refused by the config loader (field minimum).
    if drift:
        fields = config.drift.schedule.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise _fail(
                "drift.schedule",
                f"{config.drift.schedule!r} is not a cron line of five fields",
                'write minute hour day month weekday, e.g. "0 6 * * 1" (Mondays 06:00 UTC)',
            )
    github = config.github
    if not _REF.match(github.actions_ref):
        raise _fail(
            "github.actions_ref",
            f"{github.actions_ref!r} is not a tag, branch or commit",
            "use a release tag of mlci, e.g. v0",
        )
    problem = branch_problem(github.default_branch)
    if problem:
        raise _fail(
            "github.default_branch",
            f"{github.default_branch!r} is not a branch name: it {problem}",
            "set the repository's default branch, e.g. main",
        )
    if not github.fork_label.strip():
        raise _fail("github.fork_label", "is empty", "name the label, e.g. safe-to-train")
    key = github.comment_key
    if not key.strip() or key != key.strip() or any(c in key for c in "<>\r\n"):
        # `mlci comment --key` refuses it too: it would break the hidden marker.
        raise _fail(
            "github.comment_key",
            f"{key!r} cannot be a comment key",
            "use a non-empty word without <, > or line breaks, e.g. report",
        )
    if drift and config.retrain.branch == (config.retrain.base or github.default_branch):
        raise _fail(
            "retrain.branch",
            f"{config.retrain.branch!r} is the base branch of the retraining pull request",
            "use a branch of its own, e.g. mlci/retrain",
        )
