"""`mlci comment`, `mlci check-run` and `mlci retrain open-pr`: writes to GitHub."""

from __future__ import annotations

from pathlib import Path

import click

from mlci.cli._github import dry_run_note, emit, github_options, open_client, outbox_for
from mlci.cli._lazy import GuardedGroup
from mlci.cli._outputs import prepare_outputs


def _read(path: str, option: str) -> str:
    from mlci.errors import InputError
    from mlci.output import remember_input

    remember_input(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(
            f"{path}: cannot read {option} ({error.strerror})", f"check the path given to {option}"
        ) from None
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: {option} is not UTF-8 text "
            f"(byte {error.start} is {error.object[error.start]:#04x})",
            "save the file as UTF-8",
        ) from None


def _check_key(ctx: click.Context, param: click.Parameter, key: str) -> str:
    # The key sits inside `<!-- mlci:KEY -->`: `>` would end the hidden marker early
    # (the rest shows in the comment and the next run no longer finds it).
    if not key.strip() or key != key.strip() or any(c in key for c in "<>\r\n"):
        raise click.BadParameter(
            f"{key!r} cannot be a comment key: use a non-empty word without <, > or line breaks, "
            "e.g. report"
        )
    return key


@click.command("comment")
@click.option(
    "--key",
    required=True,
    callback=_check_key,
    help="Report key; one sticky comment per key and PR.",
)
@click.option(
    "--body-file",
    required=True,
    type=click.Path(dir_okay=False),
    help="Markdown file with the comment body.",
)
@click.option(
    "--pr",
    "pr_number",
    type=click.IntRange(min=1),
    default=None,
    help="PR number (default: the PR of the current event).",
)
@click.option(
    "--head-sha",
    default=None,
    help="Refuse unless the PR's head commit is this SHA (guards a --pr read from an artifact).",
)
@click.option(
    "--author",
    default=None,
    help="Login whose comments may be updated (default: the token's account).",
)
@github_options
def comment(
    key: str,
    body_file: str,
    pr_number: int | None,
    head_sha: str | None,
    author: str | None,
    token: str | None,
    repository: str | None,
    dry_run: bool,
    json_out: str | None,
    outbox: str | None,
) -> None:
    """Create or update the sticky comment KEY on a pull request.

    The comment carries a hidden marker, so running again updates it in place.

    \b
    Example:
      mlci comment --key report --body-file report.md
      mlci comment --key report --body-file report.md --pr 42 --dry-run
      mlci comment --key report --body-file report.md --pr 42 --head-sha "$HEAD_SHA"
    """
    import os

    from mlci.errors import InputError
    from mlci.gha import ActionsRuntime, load_event_context
    from mlci.github import find_pull_request, upsert_comment
    from mlci.github.pulls import pull_head_sha

    body = _read(body_file, "--body-file")
    if not body.strip():
        # An empty report is a failed step upstream; posting it would blank the comment.
        raise InputError(
            f"{body_file}: --body-file is empty, nothing to post",
            "check the step that writes it",
        )
    prepare_outputs([("--json", json_out)])
    client, reason = open_client(token, repository, dry_run)
    if pr_number is None:
        pr_number = find_pull_request(client, load_event_context(os.environ))
    elif head_sha and client is not None:
        actual = pull_head_sha(client, pr_number)
        if actual.lower() != head_sha.lower():
            # A newer push (its own run will report) or a PR number that does not belong
            # to this run: post nothing, and say why.
            click.echo(
                f"comment skipped: pull request #{pr_number} is at {actual[:7]}, "
                f"not at {head_sha[:7]} (--head-sha)"
            )
            ActionsRuntime().set_outputs({"action": "skipped", "pull-request-number": pr_number})
            return
    result = upsert_comment(
        client, pr_number=pr_number, key=key, body=body, author=author, outbox=outbox_for(outbox)
    )
    if result.dry_run:
        text = dry_run_note(reason, result.outbox_path)
    else:
        text = f"comment {result.action}: {result.url}"
    if result.truncated:
        text += "\nnote: the body was cut to GitHub's limit"
    emit(
        result,
        {
            "comment-id": result.comment_id or "",
            "comment-url": result.url or "",
            "action": result.action,
            "pull-request-number": result.pr_number or "",
        },
        json_out,
        text,
    )


@click.command("check-run")
@click.option("--name", required=True, help="Check name (one check run per name and commit).")
@click.option(
    "--sha", default=None, help="Commit SHA (default: the event's head SHA or $GITHUB_SHA)."
)
@click.option(
    "--status",
    default="completed",
    show_default=True,
    type=click.Choice(["queued", "in_progress", "completed"]),
)
@click.option(
    "--conclusion",
    default=None,
    type=click.Choice(
        ["success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required"]
    ),
)
@click.option("--title", default="", help="Output title.")
@click.option(
    "--summary-file", type=click.Path(dir_okay=False), default=None, help="Markdown summary."
)
@click.option(
    "--text-file", type=click.Path(dir_okay=False), default=None, help="Markdown details."
)
@click.option("--details-url", default=None, help="Link for 'Details' (default: the run URL).")
@click.option("--id", "check_run_id", type=int, default=None, help="Update this check run.")
@click.option(
    "--untrusted-outcome",
    is_flag=True,
    help="The conclusion is a claim of fork-controlled code: post success as neutral "
    "(implied for a fork's pull_request run and the workflow_run that follows it).",
)
@github_options
def check_run(
    name: str,
    sha: str | None,
    status: str,
    conclusion: str | None,
    title: str,
    summary_file: str | None,
    text_file: str | None,
    details_url: str | None,
    check_run_id: int | None,
    untrusted_outcome: bool,
    token: str | None,
    repository: str | None,
    dry_run: bool,
    json_out: str | None,
    outbox: str | None,
) -> None:
    """Create or update a check run; a commit status when the token may not write checks.

    In a workflow_run after a fork's pull_request run, the conclusion came from the
    fork's own workflow: a claimed success is posted as neutral and says so.

    \b
    Example:
      mlci check-run --name mlci --status in_progress
      mlci check-run --name mlci --conclusion success --title "Gates passed" --summary-file s.md
    """
    import os

    from mlci.errors import InputError
    from mlci.gha import load_event_context
    from mlci.github import CheckRequest, publish_check

    context = load_event_context(os.environ)
    sha = sha or context.head_sha or context.sha or os.environ.get("GITHUB_SHA")
    if not sha:
        raise InputError(
            "no commit to check: --sha not given and no event SHA",
            "pass --sha or run inside GitHub Actions",
        )
    request = CheckRequest(
        name=name,
        head_sha=sha,
        title=title,
        summary=_read(summary_file, "--summary-file") if summary_file else "",
        text=_read(text_file, "--text-file") if text_file else None,
        status=status,
        conclusion=conclusion,
        details_url=details_url or context.run_url,
        check_run_id=check_run_id,
        untrusted_outcome=untrusted_outcome or context.fork_controlled,
    )
    prepare_outputs([("--json", json_out)])
    client, reason = open_client(token, repository, dry_run)
    result = publish_check(client, request, outbox=outbox_for(outbox))
    if result.kind == "dry-run":
        text = dry_run_note(reason, result.outbox_path)
    elif result.kind == "status":
        text = (
            f"commit status '{name}' set to {result.state} "
            f"(check runs not allowed: {result.fallback_reason})"
        )
    else:
        text = f"check run {result.action}: {result.url}"
    emit(
        result,
        {
            "check-run-id": result.check_run_id or "",
            "check-run-url": result.url or "",
            "kind": result.kind,
        },
        json_out,
        text,
    )


@click.group(cls=GuardedGroup)
def retrain() -> None:
    """Retraining pull requests.

    \b
    Example:
      mlci retrain open-pr --file data/reference.csv --title "Retrain on new data"
    """


def _parse_files(specs: tuple[str, ...]) -> dict[str, bytes]:
    from mlci.errors import InputError
    from mlci.output import remember_input

    files: dict[str, bytes] = {}
    for spec in specs:
        local, _, target = spec.partition(":")
        target = target or Path(local).as_posix().removeprefix("./")
        if target in files:
            raise InputError(
                f"--file {spec}: {target} is given twice",
                "give each path in the repository once",
            )
        try:
            remember_input(local)
            files[target] = Path(local).read_bytes()
        except OSError as error:
            raise InputError(
                f"{local}: cannot read --file ({error.strerror})",
                "give LOCAL or LOCAL:PATH_IN_REPO of an existing file",
            ) from None
    return files


@retrain.command("open-pr")
@click.option(
    "--file",
    "files",
    multiple=True,
    required=True,
    help="LOCAL or LOCAL:PATH_IN_REPO; repeat for several files.",
)
@click.option("--title", required=True, help="PR title.")
@click.option("--body-file", type=click.Path(dir_okay=False), default=None, help="PR body.")
@click.option("--label", "labels", multiple=True, help="Label (created if missing); repeatable.")
@click.option("--reviewer", "reviewers", multiple=True, help="Reviewer login; repeatable.")
@click.option("--branch", default="mlci/retrain", show_default=True, help="The one PR branch.")
@click.option("--base", default=None, help="Base branch (default: the default branch).")
@click.option(
    "--message",
    "commit_message",
    default="mlci: retrain on new data",
    show_default=True,
    help="Commit message.",
)
@click.option(
    "--workflow",
    default=None,
    help="Workflow file to dispatch on the branch (PRs by GITHUB_TOKEN start none).",
)
@click.option("--input", "inputs", multiple=True, help="Workflow input KEY=VALUE; repeatable.")
@github_options
def open_pr(
    files: tuple[str, ...],
    title: str,
    body_file: str | None,
    labels: tuple[str, ...],
    reviewers: tuple[str, ...],
    branch: str,
    base: str | None,
    commit_message: str,
    workflow: str | None,
    inputs: tuple[str, ...],
    token: str | None,
    repository: str | None,
    dry_run: bool,
    json_out: str | None,
    outbox: str | None,
) -> None:
    """Commit files to the retraining branch and open or update its pull request.

    Never overwrites commits someone else pushed to the branch: comments instead.

    \b
    Example:
      mlci retrain open-pr --file data/reference.csv --title "Retrain: drift" \\
        --body-file drift.md --label retrain --workflow train.yml
    """
    from mlci.errors import InputError
    from mlci.github import RetrainRequest, open_retrain_pr

    workflow_inputs = {}
    for item in inputs:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(
                f"--input {item!r}: expected KEY=VALUE", "write it as --input name=value"
            )
        workflow_inputs[name] = value
    request = RetrainRequest(
        files=_parse_files(files),
        title=title,
        body=_read(body_file, "--body-file") if body_file else "",
        branch=branch,
        base=base,
        labels=labels,
        reviewers=reviewers,
        commit_message=commit_message,
        workflow=workflow,
        workflow_inputs=workflow_inputs,
    )
    prepare_outputs([("--json", json_out)])
    client, reason = open_client(token, repository, dry_run)
    result = open_retrain_pr(client, request, outbox=outbox_for(outbox))
    if result.dry_run:
        text = dry_run_note(reason, result.outbox_path)
    elif result.blocked:
        text = f"warning: {branch} has commits by {', '.join(result.blocked_by)}; left it alone" + (
            f" and commented: {result.comment_url}" if result.comment_url else ""
        )
    elif result.pr_action == "declined":
        text = (
            f"pull request #{result.pr_number} with the same data was closed without "
            f"merging: not reopened, nothing pushed ({result.pr_url})"
        )
    elif result.pr_action == "none":
        text = f"{result.base} already has these files: no pull request, nothing pushed"
    else:
        text = (
            f"pull request #{result.pr_number} {result.pr_action}: {result.pr_url}"
            + ("" if result.pushed else " (files unchanged, nothing pushed)")
            + (f"; rebuilt {branch} on {result.base}" if result.rebuilt else "")
            + (f"; dispatched {workflow}" if result.dispatched else "")
        )
    emit(
        result,
        {
            "pull-request-number": result.pr_number or "",
            "pull-request-url": result.pr_url or "",
            "branch": branch,
            "head-sha": result.head_sha or "",
            "blocked": result.blocked,
            "pushed": result.pushed,
            "pull-request-action": result.pr_action,
        },
        json_out,
        text,
    )
