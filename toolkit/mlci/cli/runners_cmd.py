"""`mlci runners arc-values|status|audit`: scale GPU runners out, see them, audit access."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps, output_option

if TYPE_CHECKING:
    from mlci.runners.status import RunnerStatus


@click.group(cls=GuardedGroup)
def runners() -> None:
    """Self-hosted runners: Helm values for ARC, and the repository's runners.

    \b
    Example:
      mlci runners arc-values --gpu-class a100:1:0:4 --out arc/
      mlci runners status
      mlci runners audit
    """


@runners.command("arc-values")
@config_option
@click.option(
    "--gpu-class",
    "gpu_classes",
    multiple=True,
    metavar="NAME:GPUS:MIN:MAX",
    help="A scale set: class name, GPUs per runner, min and max runners. Repeatable; "
    "replaces runners.classes of mlci.yaml.",
)
@click.option(
    "--github-config-url",
    default=None,
    help="Repository or organisation URL (default: runners.github_config_url, "
    "else the current repository in Actions).",
)
@click.option(
    "--secret", default=None, help="Kubernetes secret name (default: runners.github_config_secret)."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Write one NAME.values.yaml per scale set here (default: all to stdout).",
)
@click.option(
    "--repo",
    "repository",
    default=None,
    help="owner/name whose GPU workflows may use the runner group "
    "(default: the repository URL, else $GITHUB_REPOSITORY).",
)
@click.option(
    "--cache-claim",
    default=None,
    metavar="NAME",
    help="With train.cache: a PersistentVolumeClaim for the runner cache "
    "(default: a folder on the node, /var/cache/mlci).",
)
def arc_values(
    config_path: str | None,
    gpu_classes: tuple[str, ...],
    github_config_url: str | None,
    secret: str | None,
    out_dir: str | None,
    repository: str | None,
    cache_claim: str | None,
) -> None:
    """Write Helm values for actions-runner-controller, one scale set per GPU class.

    Each scale set (chart gha-runner-scale-set, ARC 0.14 or later) scales from
    minRunners (0: nothing runs while idle) to maxRunners ephemeral runners, limits
    the runner container to the class's nvidia.com/gpu count, and carries the
    train.runner labels of mlci.yaml plus the class name, so the training job's
    runs-on reaches it. The GitHub credentials stay in a Kubernetes secret.

    With train.cache set, each runner mounts a cache volume at /mlci-cache (a folder on
    the node, or --cache-claim) and gets MLCI_CACHE_DIR, so datasets and weights
    survive the ephemeral runner.

    Every scale set joins the runner group runners.runner_group (default mlci-gpu;
    organisation or enterprise URLs only). After the values, it prints the `gh api`
    commands that restrict that group to the GPU workflows (retrain.workflow and
    mlci-release.yml) on github.default_branch of the repository, with no public
    repositories (to stderr when the values go to stdout).

    \b
    Example:
      mlci runners arc-values --gpu-class a100:1:0:4 --gpu-class h100:8:0:2 --out arc/
      mlci runners arc-values --github-config-url https://github.com/acme/churn
    """
    import dataclasses
    import os
    from pathlib import Path

    from mlci.config import load_config
    from mlci.output import check_output_path, write_output
    from mlci.runners.arc import (
        build_scale_sets,
        gpu_workflows,
        parse_gpu_class,
        render_all,
        render_values,
        runner_group_setup,
    )

    config = load_config(config_path)
    settings = config.runners
    if secret:
        settings = dataclasses.replace(settings, github_config_secret=secret)
    classes = dict(parse_gpu_class(spec) for spec in gpu_classes) if gpu_classes else None
    url = github_config_url or settings.github_config_url
    if not url and os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        url = f"{server}/{os.environ['GITHUB_REPOSITORY']}"
    from mlci.runners.arc_cache import cache_volume_for, cache_volume_warnings

    scale_sets = build_scale_sets(
        settings,
        config.train.runner,
        classes,
        github_config_url=url,
        cache_volume=cache_volume_for(config, cache_claim),
    )
    for warning in cache_volume_warnings(config):
        click.echo(f"warning: {warning}", err=True)
    group = runner_group_setup(
        settings,
        str(scale_sets[0].values["githubConfigUrl"]),
        repository=repository or os.environ.get("GITHUB_REPOSITORY"),
        default_branch=config.github.default_branch,
        workflow_files=gpu_workflows(config),
    )
    for warning in [w for s in scale_sets for w in s.warnings] + list(group.warnings):
        click.echo(f"warning: {warning}", err=True)
    if out_dir is None:
        click.echo(render_all(scale_sets, settings.namespace), nl=False)
        for line in group.lines:
            click.echo(line, err=True)
        return
    folder = Path(out_dir)
    targets = [folder / scale_set.filename for scale_set in scale_sets]
    for path in targets:  # all refused before any is written
        check_output_path(path, inputs=[config_path] if config_path else (), option="--out")
    for scale_set, path in zip(scale_sets, targets, strict=True):
        write_output(path, render_values(scale_set, settings.namespace), option="--out")
        click.echo(f"wrote {path}")
        click.echo(f"  install: {scale_set.install_command(settings.namespace, str(path))}")
    for line in group.lines:
        click.echo(line)


@runners.command("status")
@config_option
@click.option("--repo", default=None, help="owner/name (default: $GITHUB_REPOSITORY).")
@click.option("--token", default=None, help="GitHub token (default: $GITHUB_TOKEN).")
@click.option(
    "--label",
    "labels",
    multiple=True,
    help="Labels to look for; repeatable (default: train.runner of mlci.yaml).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when no online runner matches, 3 when the runners cannot be read.",
)
@output_option("json", "the result as JSON")
def status(
    config_path: str | None,
    repo: str | None,
    token: str | None,
    labels: tuple[str, ...],
    strict: bool,
    json_out: str | None,
) -> None:
    """List the repository's self-hosted runners and their labels.

    Warns when no online runner has every label of train.runner (the training job's
    runs-on). Listing runners needs Administration: read on the repository, which the
    workflow's GITHUB_TOKEN lacks: then it says so and exits 0 (3 with --strict).

    \b
    Example:
      mlci runners status --repo acme/churn
      mlci runners status --label self-hosted --label gpu --strict
    """
    import os
    import sys

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.errors import GateFailed, UsageError
    from mlci.gha import ActionsRuntime
    from mlci.runners.status import (
        RunnersUnreadable,
        fetch_repo_runners,
        runner_status,
        unreadable_status,
    )

    wanted = labels or load_config(config_path).train.runner
    # mlci.yaml even when --label means it is not read: never a place for the JSON.
    printing = prepare_outputs([("--json", json_out)], [config_path or "mlci.yaml"])
    repository = repo or os.environ.get("GITHUB_REPOSITORY")
    if not repository or repository.count("/") != 1:
        raise UsageError(
            f"--repo: expected owner/name, got {repository!r}" if repository else "no repository",
            "pass --repo OWNER/NAME (in Actions, GITHUB_REPOSITORY is used)",
        )
    api_url = os.environ.get("GITHUB_API_URL") or "https://api.github.com"
    # Annotations on stderr: stdout may be JSON; Actions reads commands from both.
    runtime = ActionsRuntime(stream=sys.stderr)
    try:
        found = fetch_repo_runners(
            repository, token=token or os.environ.get("GITHUB_TOKEN"), api_url=api_url
        )
        result = runner_status(repository, found, wanted)
    except RunnersUnreadable as error:
        if strict:
            raise
        result = unreadable_status(repository, wanted, error.one_line())

    runtime.set_output("matching-online", len(result.matching_online))
    if not printing:
        click.echo(_render(result))
    write_outputs([("--json", json_out, json_dumps(result.to_dict()))])
    if result.unreadable:
        runtime.warning(f"runner status unknown: {result.unreadable}")
    for warning in result.warnings:
        runtime.warning(warning)
    if strict and not result.matching_online:
        raise GateFailed(
            f"no online runner of {repository} has the labels [{', '.join(wanted)}]",
            "start a runner with those labels, or change train.runner in mlci.yaml",
        )


@runners.command("audit")
@config_option
@click.option("--repo", default=None, help="owner/name (default: $GITHUB_REPOSITORY).")
@click.option("--token", default=None, help="GitHub token (default: $GITHUB_TOKEN).")
@output_option("json", "the result as JSON")
def audit(
    config_path: str | None, repo: str | None, token: str | None, json_out: str | None
) -> None:
    """Check through the GitHub API whether code from forks can reach the GPU runners.

    Reads the repository's visibility, its fork pull request approval policy, its
    self-hosted runners, and the organisation's runner groups that hold runners with
    the train.runner labels. A public repository is safe when its approval policy is
    all_external_contributors, no repository runner has those labels, and every such
    group that public repositories may use is restricted to the GPU workflows
    (retrain.workflow and mlci-release.yml) on the default branch; a group that admits
    only one of them is noted, since the other's GPU job gets no runner. Each problem
    names the setting and the command that changes it. Exit 0: safe; 1: fork code can
    reach the runners; 3: a setting could not be read (the token permission it needs is
    named); 2: no token or repository.

    \b
    Example:
      GITHUB_TOKEN=$(gh auth token) mlci runners audit --repo acme/churn
      mlci runners audit --json audit.json
    """
    import os

    from mlci.cli._github import open_client
    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.errors import GateFailed, ServiceError, UsageError
    from mlci.runners.arc import gpu_workflows
    from mlci.runners.audit import audit_runners
    from mlci.runners.audit_render import render_audit

    config = load_config(config_path)
    printing = prepare_outputs([("--json", json_out)], [config_path or "mlci.yaml"])
    repository = repo or os.environ.get("GITHUB_REPOSITORY")
    if not repository:
        raise UsageError(
            "no repository", "pass --repo OWNER/NAME (in Actions, GITHUB_REPOSITORY is used)"
        )
    client, why_not = open_client(token, repository, dry_run=False)
    if client is None:
        raise UsageError(
            f"{why_not}: the audit reads the repository's and the organisation's settings",
            "set GITHUB_TOKEN (or --token) to a token that may read them, e.g. "
            "GITHUB_TOKEN=$(gh auth token) as an organisation owner; the workflow's "
            "GITHUB_TOKEN cannot",
        )
    result = audit_runners(
        client,
        config.train.runner,
        workflow_files=gpu_workflows(config),
        runner_group=config.runners.runner_group,
    )
    if not printing:
        click.echo(render_audit(result))
    write_outputs([("--json", json_out, json_dumps(result.to_dict()))])
    if result.verdict == "unsafe":
        raise GateFailed(
            f"code from forks can reach the GPU runners of {repository}: "
            f"{len(result.findings)} setting(s) to change",
            "apply each fix above, then run `mlci runners audit` again",
        )
    if result.verdict == "unknown":
        needs = sorted({item.permission for item in result.unreadable})
        raise ServiceError(
            f"cannot tell whether code from forks can reach the GPU runners of {repository}: "
            f"{len(result.unreadable)} setting(s) could not be read",
            "run it with a token that has " + "; and ".join(needs),
        )


def _render(result: RunnerStatus) -> str:
    from mlci.runners.status import matches

    head = f"Self-hosted runners of {result.repository} (wanted: {', '.join(result.wanted)})"
    if result.unreadable:
        return f"{head}\nunknown: {result.unreadable}"
    if not result.runners:
        return f"{head}\nnone registered"
    rows = [("name", "status", "busy", "match", "labels")]
    for runner in result.runners:
        rows.append(
            (
                runner.name,
                runner.status,
                "yes" if runner.busy else "no",
                "yes" if matches(runner.labels, result.wanted) else "no",
                ", ".join(runner.labels),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=False))
        + "  "
        + row[4]
        for row in rows
    ]
    return "\n".join([head, *lines])
