"""What the types of mlci.yaml cannot say, checked once, when the file is loaded.

The loader (`mlci.config.loader.parse_config`) builds the dataclasses from the type
hints, then runs `check_config`: names that must be known (fairness metrics, drift
tests), values GitHub or Kubernetes would refuse only later (a cron line, a ref, a
scale set name), and rules between keys (min below max). Every problem is a
`ConfigProblem` with the key path; the loader adds the file and the line. Commands use
the loaded config and never check these again, so `mlci config validate` agrees with
every command. The parse of `data.checks` into its plan lives in `mlci.data.spec`
(`compile_checks`), which the loader calls.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from typing import Any

from mlci.config.schema import (
    DriftConfig,
    FairnessConfig,
    GitHubConfig,
    GpuClassConfig,
    MlciConfig,
    RunnersConfig,
)
from mlci.errors import ConfigError
from mlci.gitutil import branch_problem


class ConfigProblem(ConfigError):
    """One wrong value: its key path (`data.checks.columns.age.min`), what is wrong, the fix.

    The loader turns it into a ConfigError that names the file and line too; raised
    elsewhere (a config built in code, a command-line override) it reads `path: problem`.
    """

    def __init__(self, path: str, problem: str, hint: str) -> None:
        super().__init__(f"{path}: {problem}", hint)
        self.path = path
        self.problem = problem
        self.hint = hint


# --- fairness -------------------------------------------------------------------------

FAIRNESS = "validate.fairness"
FAIRNESS_BOUNDS = ("min", "max", "max_difference", "min_ratio")


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    guess = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {guess[0]!r}?" if guess else f"use one of: {', '.join(known)}"


def check_fairness(config: FairnessConfig, drift_target: str | None = None) -> None:
    """Metric names, bound kinds, and the columns a configured fairness check needs."""
    from mlci.fairness.metrics import DISPARITY_METRICS, GROUP_METRICS

    known = DISPARITY_METRICS + GROUP_METRICS
    for i, name in enumerate(config.metrics):
        if name not in known:
            raise ConfigProblem(
                f"{FAIRNESS}.metrics[{i}]", f"unknown metric {name!r}", _did_you_mean(name, known)
            )
    for name, gate in config.gates.items():
        if name not in known:
            raise ConfigProblem(
                f"{FAIRNESS}.gates.{name}", "unknown metric", _did_you_mean(name, known)
            )
        if name in DISPARITY_METRICS:
            for bound in ("max_difference", "min_ratio"):
                if getattr(gate, bound) is not None:
                    raise ConfigProblem(
                        f"{FAIRNESS}.gates.{name}.{bound}",
                        f"{name} is already a single number across groups",
                        "use min or max",
                    )
        if all(getattr(gate, b) is None for b in FAIRNESS_BOUNDS):
            raise ConfigProblem(
                f"{FAIRNESS}.gates.{name}",
                "no bound given",
                "set min, max, max_difference or min_ratio",
            )
    if (config.gates or config.data) and not config.sensitive:
        raise ConfigProblem(
            f"{FAIRNESS}.sensitive", "missing", "list the sensitive feature columns"
        )
    if config.sensitive and not (config.label or drift_target):
        raise ConfigProblem(f"{FAIRNESS}.label", "missing", "name the true label column")


# --- drift ----------------------------------------------------------------------------


def check_drift_tests(config: DriftConfig) -> None:
    """Test names of `drift.tests`, their fit to declared column types, and thresholds."""
    if config.tests:
        from mlci.drift import stats

        for column, name in config.tests.items():
            spec = stats.REGISTRY.get(name)
            if spec is None:
                raise ConfigProblem(
                    f"drift.tests.{column}",
                    f"unknown test {name!r}",
                    f"use one of: {', '.join(sorted(stats.REGISTRY))}",
                )
            kind = config.types.get(column)
            if kind is not None and kind not in spec.kinds:
                fitting = sorted(n for n, s in stats.REGISTRY.items() if kind in s.kinds)
                raise ConfigProblem(
                    f"drift.tests.{column}",
                    f"{name} does not apply to {kind} columns",
                    f"use one of: {', '.join(fitting)}",
                )
    p_value_tests = ("ks", "chi2", "z")
    for column, threshold in config.thresholds.items():
        test = config.tests.get(column)
        if test in p_value_tests and not 0 < threshold <= 1:
            raise ConfigProblem(
                f"drift.thresholds.{column}",
                f"{threshold:g} is out of range for the p-value test {test}",
                "set a p-value level above 0 and at most 1, e.g. 0.05",
            )
        if not math.isfinite(threshold) or threshold <= 0:
            raise ConfigProblem(
                f"drift.thresholds.{column}",
                f"{threshold:g} is out of range",
                "set a number above 0 (a p-value level for ks/chi2/z, a distance otherwise)",
            )
    overlap = sorted(set(config.columns.include) & set(config.columns.exclude))
    if overlap:
        raise ConfigProblem(
            "drift.columns.exclude",
            f"{overlap[0]!r} is also in drift.columns.include",
            "list each column in one of the two",
        )


# --- cron -----------------------------------------------------------------------------

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, lowest, highest, names for lowest..): POSIX cron as GitHub reads it.
_CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)


def _cron_value(text: str, low: int, names: tuple[str, ...]) -> int | None:
    if text.isdigit():
        return int(text)
    upper = text.upper()
    return names.index(upper) + low if upper in names else None


def cron_problem(line: str) -> str | None:
    """Why `line` is no cron schedule GitHub accepts (five fields, each in range), or None."""
    fields = line.split()
    if len(fields) != 5:
        return f"{line!r} is not a cron line of five fields"
    for text, (what, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for part in text.split(","):
            body, slash, step = part.partition("/")
            if slash and (not step.isdigit() or int(step) < 1):
                return f"{line!r}: the {what} step {step!r} is not a whole number above 0"
            if body == "*":
                continue
            start, dash, end = body.partition("-")
            for value_text in (start, end) if dash else (start,):
                value = _cron_value(value_text, low, names)
                if value is None:
                    return f"{line!r}: the {what} {value_text!r} is not a number"
                if not low <= value <= high:
                    return f"{line!r}: the {what} {value} is out of range {low}-{high}"
            if dash:
                first, last = _cron_value(start, low, names), _cron_value(end, low, names)
                if first is not None and last is not None and first > last:
                    return f"{line!r}: the {what} range {body} runs backwards"
    return None


# --- the generated workflows ----------------------------------------------------------

_REF = re.compile(r"^[A-Za-z0-9._/-]+$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")
# Labels of GitHub-hosted runners (ubuntu-latest, ubuntu-24.04-arm, windows-2022, ...).
_GITHUB_HOSTED = re.compile(r"^(ubuntu|windows|macos)-[a-z0-9._-]+$", re.IGNORECASE)


def check_build_test(test: str | None) -> None:
    """An empty `build.test` would render an empty `run:` step, which GitHub refuses."""
    if test is not None and not test.strip():
        raise ConfigProblem(
            "build.test",
            "is empty",
            "use null for no tests (build.test: null), or give the command that runs them",
        )


def check_workflow_settings(config: MlciConfig) -> None:
    """Values that end up in the generated workflows, which GitHub would refuse on a run."""
    check_build_test(config.build.test)
    for key, labels in (
        ("build.runner", config.build.runner),
        ("train.runner", config.train.runner),
    ):
        if not labels or any(not label.strip() for label in labels):
            raise ConfigProblem(
                key,
                "needs at least one non-empty runner label",
                "list the labels, e.g. [ubuntu-latest]",
            )
    not_hosted = [label for label in config.build.runner if not _GITHUB_HOSTED.match(label)]
    if not_hosted:
        # build.runner runs mlci-ci.yml on pull_request, whose workflow files a fork
        # controls: no condition written there keeps fork code off a self-hosted runner.
        raise ConfigProblem(
            "build.runner",
            "self-hosted runners would run fork code from pull_request workflows"
            f" ({not_hosted[0]!r} is no GitHub-hosted label)",
            "use GitHub-hosted labels, e.g. [ubuntu-latest]; only the training job"
            " (train.runner) runs on self-hosted runners, from pull_request_target",
        )
    if not config.build.python:
        raise ConfigProblem(
            "build.python", "needs at least one Python version", 'list the versions, e.g. ["3.11"]'
        )
    problem = cron_problem(config.drift.schedule)
    if problem:
        raise ConfigProblem(
            "drift.schedule",
            problem,
            'write minute hour day month weekday, e.g. "0 6 * * 1" (Mondays 06:00 UTC)',
        )
    github = config.github
    if not _REF.match(github.actions_ref):
        raise ConfigProblem(
            "github.actions_ref",
            f"{github.actions_ref!r} is not a tag, branch or commit",
            "use a release tag of mlci, e.g. v0",
        )
    problem = branch_problem(github.default_branch)
    if problem:
        raise ConfigProblem(
            "github.default_branch",
            f"{github.default_branch!r} is not a branch name: it {problem}",
            "set the repository's default branch, e.g. main",
        )
    if not github.fork_label.strip():
        raise ConfigProblem("github.fork_label", "is empty", "name the label, e.g. safe-to-train")
    key = github.comment_key
    if not key.strip() or key != key.strip() or any(c in key for c in "<>\r\n"):
        # `mlci comment --key` refuses it too: it would break the hidden marker.
        raise ConfigProblem(
            "github.comment_key",
            f"{key!r} cannot be a comment key",
            "use a non-empty word without <, > or line breaks, e.g. report",
        )
    for key, branch in (
        ("retrain.branch", config.retrain.branch),
        ("retrain.base", config.retrain.base),
    ):
        problem = branch_problem(branch) if branch is not None else None
        if problem:
            raise ConfigProblem(
                key, f"{branch!r} is not a branch name: it {problem}", "use e.g. mlci/retrain"
            )
    if config.retrain.branch == (config.retrain.base or github.default_branch):
        raise ConfigProblem(
            "retrain.branch",
            f"{config.retrain.branch!r} is the base branch of the retraining pull request",
            "use a branch of its own, e.g. mlci/retrain",
        )
    check_pins(github)


def check_pins(github: GitHubConfig) -> None:
    """`github.actions_repo` and `github.pins`, which `resolve_actions` turns into `uses:`."""
    if not _REPO.match(github.actions_repo):
        raise ConfigProblem(
            "github.actions_repo",
            f"{github.actions_repo!r} is not owner/name",
            "write it like mlci-dev/mlci",
        )
    for action, sha in github.pins.items():
        if not _SHA.match(sha):
            raise ConfigProblem(
                f"github.pins.{action}",
                f"{sha!r} is not a full 40-character commit SHA",
                "copy the commit SHA of the release from the action's repository",
            )
    if github.pin_actions and github.actions_repo not in github.pins:
        raise ConfigProblem(
            "github.pins",
            f"no commit SHA for {github.actions_repo} while github.pin_actions is true",
            f"add `{github.actions_repo}: <commit SHA of {github.actions_ref}>` under"
            " github.pins, or set github.pin_actions to false",
        )


# --- runners --------------------------------------------------------------------------

# ARC's chart refuses scale set names over 45 characters; Kubernetes wants DNS labels.
MAX_SCALE_SET_NAME = 45
_SCALE_SET_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_CONFIG_URL = re.compile(r"^https?://[^/\s]+/[^\s]+$")


def runner_labels(
    runner_labels: Sequence[str], class_labels: Sequence[str], name: str
) -> tuple[str, ...]:
    """The labels of a scale set: train.runner, the class's own, the class name; no repeats."""
    seen: dict[str, str] = {}
    for label in (*runner_labels, *class_labels, name):
        seen.setdefault(label.lower(), label)  # GitHub compares labels case-insensitively
    return tuple(seen.values())


def check_gpu_class(
    where: str, name: str, gpu_class: GpuClassConfig, labels: Sequence[str]
) -> None:
    """One GPU class: its scale set name (`name`, prefix included), counts and labels."""
    if not _SCALE_SET_NAME.match(name) or len(name) > MAX_SCALE_SET_NAME:
        raise ConfigProblem(
            where,
            f"scale set name {name!r} is not a valid name",
            f"use at most {MAX_SCALE_SET_NAME} lower-case letters, digits and '-' "
            "(prefix included), starting and ending with a letter or digit",
        )
    for key in ("gpus", "min_runners", "max_runners"):
        if getattr(gpu_class, key) < 0:
            raise ConfigProblem(f"{where}.{key}", "must not be negative", f"set {key} to 0 or more")
    if gpu_class.min_runners > gpu_class.max_runners:
        raise ConfigProblem(
            where,
            f"min_runners ({gpu_class.min_runners}) is above max_runners ({gpu_class.max_runners})",
            "the chart requires maxRunners >= minRunners",
        )
    for label in labels:
        if not label or len(label) >= 256:
            raise ConfigProblem(
                f"{where}.labels",
                f"{label!r} is not a valid label",
                "each label must be a non-empty string of less than 256 characters",
            )


def check_config_url(url: str, key: str = "runners.github_config_url") -> None:
    if not _CONFIG_URL.match(url):
        raise ConfigProblem(
            key,
            f"{url!r} is not a repository or organisation URL",
            "use https://github.com/OWNER/REPO or https://github.com/ORG",
        )


def check_runners(config: RunnersConfig, train_runner: Sequence[str]) -> None:
    """`runners.*`: the URL when set and every class of `runners.classes`."""
    if config.github_config_url is not None:
        check_config_url(config.github_config_url)
    for class_name, gpu_class in config.classes.items():
        check_gpu_class(
            f"runners.classes.{class_name}",
            f"{config.name_prefix}{class_name}",
            gpu_class,
            runner_labels(train_runner, gpu_class.labels, class_name),
        )


# --- sweeps ---------------------------------------------------------------------------


def _metric_configured(name: str, config: MlciConfig) -> bool:
    """Named in validate.gates or in the metrics section (exact names or their globs)."""
    import fnmatch

    patterns = (*config.metrics.higher_is_better, *config.metrics.lower_is_better)
    leaf = name.rsplit(":", 1)[-1]
    return name in config.validate.gates or any(
        fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(leaf, p) for p in patterns
    )


def check_sweep(config: MlciConfig) -> None:
    """`train.sweep` and `train.select`: non-empty, no repeats, a metric to pick by.

    Whether each dotted key is in the params file is checked when a sweep is expanded
    (`mlci.train.sweep`), where the params file is read.
    """
    train = config.train
    if train.sweep is None:  # train.select alone picks nothing: checked once a sweep exists
        return
    sets: list[dict[str, Any]] = (
        [train.sweep] if isinstance(train.sweep, dict) else list(train.sweep)
    )
    if not sets:
        raise ConfigProblem("train.sweep", "is empty", "list at least one parameter set")
    for i, entry in enumerate(sets):
        where = "train.sweep" if isinstance(train.sweep, dict) else f"train.sweep[{i}]"
        if not entry and isinstance(train.sweep, dict):
            raise ConfigProblem(where, "is empty", "map params keys to the values to try")
        for key, values in entry.items():
            if not key.strip() or any(not part for part in key.split(".")):
                raise ConfigProblem(
                    f"{where}.{key}", "is not a params key", "write it like model.max_depth"
                )
            if isinstance(values, tuple) and not values:
                raise ConfigProblem(
                    f"{where}.{key}", "has no values", "list the values to try, e.g. [4, 6, 8]"
                )
    if isinstance(train.sweep, tuple):
        for i, entry in enumerate(train.sweep):
            if entry in train.sweep[:i]:
                raise ConfigProblem(
                    f"train.sweep[{i}]",
                    f"repeats train.sweep[{train.sweep.index(entry)}]",
                    "remove one of the two: they would train the same candidate",
                )
    if train.params is None:
        raise ConfigProblem(
            "train.params", "is null, so a sweep has no params file to set", "name the file"
        )
    metric = train.select.metric
    if metric is None:
        raise ConfigProblem(
            "train.select.metric",
            "is missing: a sweep needs a metric to pick the best candidate by",
            "e.g. train.select: {metric: roc_auc}",
        )
    if train.select.direction is None and not _metric_configured(metric, config):
        raise ConfigProblem(
            "train.select.metric",
            f"{metric!r} is neither in validate.gates nor in the metrics section",
            "add it to metrics.higher_is_better (or lower_is_better), or set "
            "train.select.direction",
        )


# --- the whole file -------------------------------------------------------------------


def check_merge_loop(config: MlciConfig) -> None:
    """`baseline`, `release`, `deploy` and `tracking`: names GitHub and GTO accept."""
    from mlci.release.versions import name_problem

    problem = branch_problem(config.baseline.branch)
    if problem:
        raise ConfigProblem("baseline.branch", problem, "use a branch name such as mlci/records")
    if config.baseline.branch in (config.github.default_branch, config.retrain.branch):
        raise ConfigProblem(
            "baseline.branch",
            f"{config.baseline.branch!r} is also github.default_branch or retrain.branch",
            "the records branch holds only run records: give it its own name (mlci/records)",
        )
    problem = branch_problem(config.github.assets_branch)
    if problem:
        raise ConfigProblem(
            "github.assets_branch", problem, "use a branch name such as mlci/assets"
        )
    others = (config.github.default_branch, config.retrain.branch, config.baseline.branch)
    if config.github.assets_branch in others:
        raise ConfigProblem(
            "github.assets_branch",
            f"{config.github.assets_branch!r} is also the default, retraining or records branch",
            "the assets branch holds only report images: give it its own name (mlci/assets)",
        )
    if config.release.model is not None and (problem := name_problem(config.release.model)):
        raise ConfigProblem("release.model", problem, "e.g. release.model: churn-model")
    for i, stage in enumerate(config.release.stages):
        if problem := name_problem(stage):
            raise ConfigProblem(f"release.stages[{i}]", problem, "e.g. stages: [dev, prod]")
    deploy = config.deploy
    if deploy.command is not None and not deploy.command.strip():
        raise ConfigProblem(
            "deploy.command", "is empty", "give the command, or remove deploy.command"
        )
    if (deploy.environment is None) != (deploy.command is None):
        missing = "deploy.command" if deploy.command is None else "deploy.environment"
        raise ConfigProblem(
            missing,
            "is missing: the deploy job needs both an environment and a command",
            "set deploy.environment (e.g. production) and deploy.command together",
        )
    if deploy.environment is not None and not re.fullmatch(
        r"[^'\"`,;\s\\][^'\"`,;\\]*", deploy.environment
    ):
        raise ConfigProblem(
            "deploy.environment",
            f"{deploy.environment!r} is not a valid environment name",
            "use letters, digits, spaces, '-', '_' and '.', e.g. production",
        )
    if deploy.stage is not None:
        if problem := name_problem(deploy.stage):
            raise ConfigProblem("deploy.stage", problem, "e.g. deploy.stage: prod")
        if config.release.stages and deploy.stage not in config.release.stages:
            raise ConfigProblem(
                "deploy.stage",
                f"{deploy.stage!r} is not one of release.stages "
                f"({', '.join(config.release.stages)})",
                "add it to release.stages, or pick one of them",
            )
    mlflow = config.tracking.mlflow
    if mlflow.uri is not None and not mlflow.uri.strip():
        raise ConfigProblem(
            "tracking.mlflow.uri", "is empty", "e.g. http://mlflow.internal:5000, or remove it"
        )
    if not mlflow.alias or (problem := name_problem(mlflow.alias)):
        raise ConfigProblem(
            "tracking.mlflow.alias",
            problem or "is empty",
            "e.g. alias: champion",
        )


def check_config(config: MlciConfig) -> None:
    """Every check beyond types, section by section; raises the first ConfigProblem."""
    check_workflow_settings(config)
    check_merge_loop(config)
    check_fairness(config.validate.fairness, config.drift.target)
    check_drift_tests(config.drift)
    check_runners(config.runners, config.train.runner)
    check_sweep(config)
