"""`mlci baseline publish` and `mlci baseline show`: baselines on the records branch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mlci.cli._github import dry_run_note, emit, github_options, open_client, outbox_for
from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps, output_option


@click.group(cls=GuardedGroup)
def baseline() -> None:
    """Baselines: run records published on the records branch (baseline.branch).

    \b
    Example:
      mlci baseline publish --validation validation.json
      mlci baseline show --base main
    """


def _check_validation(path: str, commit: str | None) -> None:
    """Refuse to publish what `mlci validate --json PATH` judged failed (exit 1)."""
    from mlci.errors import GateFailed
    from mlci.validate.outcome import read_validation

    outcome = read_validation(path, commit=commit)
    if not outcome.passed:
        failed = outcome.failed_metrics
        which = f": {', '.join(failed)}" if failed else ""
        raise GateFailed(
            f"{path}: the gates failed{which}, so this run is no baseline",
            "nothing was published; fix the model or validate.gates in mlci.yaml",
        )


@baseline.command("publish")
@click.option(
    "--run",
    "run_ref",
    default="latest",
    show_default=True,
    help="Run record to publish: id, id prefix, path of its JSON, or latest.",
)
@click.option(
    "--validation",
    "validation_file",
    default=None,
    type=click.Path(dir_okay=False),
    help="JSON of `mlci validate --json`: publish only when its gates passed.",
)
@click.option(
    "--branch",
    default=None,
    help="Records branch (default: baseline.branch of mlci.yaml, mlci/records).",
)
@github_options
@config_option
def publish(
    run_ref: str,
    validation_file: str | None,
    branch: str | None,
    token: str | None,
    repository: str | None,
    dry_run: bool,
    json_out: str | None,
    outbox: str | None,
    config_path: str | None,
) -> None:
    """Publish a run record as the baseline of its commit on the records branch.

    Commits records/<commit-sha>.json (the record, as .mlci/runs/ holds it) and its
    plot data under records/<commit-sha>/ to the records branch through GitHub's Git
    Data API: no clone, no push to any other branch; the branch is created (with no
    history of its own) on first use. Publishing the same record again commits
    nothing. Only a succeeded run trained on a clean checkout is a baseline: a failed
    run or failed gates (--validation) exit 1, a record with uncommitted changes or no
    commit exits 2, GitHub failing exits 3. Without a token the files go to the outbox.
    Sets the Actions outputs commit (empty when unchanged), branch and path.

    \b
    Example:
      mlci baseline publish --validation validation.json
      mlci baseline publish --run 20261128T080000Z-1a2b --dry-run
    """
    from mlci.cli._outputs import prepare_outputs
    from mlci.config import load_config
    from mlci.github.records import publish_record
    from mlci.records.layout import check_publishable, record_files
    from mlci.train.record import load_run, record_path

    config = load_config(config_path)
    root = Path.cwd()
    branch = branch or config.baseline.branch
    record = load_run(root, run_ref)
    prepare_outputs([("--json", json_out)], [config_path, validation_file])
    if validation_file:
        _check_validation(validation_file, record.commit)
    source = record_path(root, record.id).relative_to(root).as_posix()
    commit = check_publishable(record, source)
    publishing = record_files(root, record, config.train.plots)
    for note in publishing.notes:
        click.echo(f"note: {note}", err=True)
    client, reason = open_client(token, repository, dry_run)
    result = publish_record(
        client,
        branch,
        publishing.files,
        f"mlci: run record of {commit[:7]} (run {record.id})",
        outbox=outbox_for(outbox),
        outbox_key=commit[:7],
    )
    path = publishing.json_path
    if result.dry_run:
        text = dry_run_note(reason, result.outbox_path)
    elif result.unchanged:
        text = f"branch {branch} already holds the run record of {commit[:7]}: nothing to publish"
    else:
        created = ", created the branch" if result.created_branch else ""
        text = (
            f"published the run record of {commit[:7]} to {branch}: {path} "
            f"(commit {str(result.commit)[:7]}{created})"
        )
    emit(result, {"commit": result.commit or "", "branch": branch, "path": path}, json_out, text)


@baseline.command("show")
@click.option(
    "--base",
    "base_ref",
    default=None,
    help="Git ref whose baseline to show (default: the PR's base branch, else "
    "github.default_branch).",
)
@click.option(
    "--base-branch",
    "base_name",
    default=None,
    help="Name of the base branch, when --base is a commit SHA (shown as `main (3f2a1b2)`).",
)
@output_option("json", "where the baseline comes from, as JSON")
@config_option
def show(
    base_ref: str | None, base_name: str | None, json_out: str | None, config_path: str | None
) -> None:
    """Say where the baseline of a base ref comes from, as validate and report resolve it.

    The order: the run record of the base commit on the records branch (or of its
    nearest ancestor within baseline.max_distance), the base commit's record in
    .mlci/runs/, the metric files committed at the base. Prints the description the
    report uses and the notes of the search (records skipped, a failed fetch).

    \b
    Example:
      mlci baseline show --base main
      mlci baseline show --base "$BASE_SHA" --base-branch main --json
    """
    import os

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.gha import load_event_context
    from mlci.validate.baseline import resolve_baseline

    config = load_config(config_path)
    printing = prepare_outputs([("--json", json_out)], [config_path])
    base = base_ref or load_event_context(os.environ).base_ref or config.github.default_branch
    found = resolve_baseline(config, Path.cwd(), base, base_name=base_name)
    data: dict[str, Any] = {
        "source": found.source,
        "description": found.description,
        "label": found.label,
        "ref": found.ref,
        "commit": found.commit,
        "run": found.record.id if found.record is not None else None,
        "record_commit": found.record.commit if found.record is not None else None,
        "branch": found.branch,
        "distance": found.distance,
        "problem": found.problem,
        "notes": list(found.notes),
    }
    write_outputs([("--json", json_out, json_dumps(data))])
    if not printing:
        click.echo(f"baseline: {found.description}")
        for note in found.notes:
            click.echo(f"note: {note}")
