"""`mlci report`: the pull-request report (markdown comment, HTML, JSON)."""

from __future__ import annotations

import click

from mlci.cli._options import config_option
from mlci.markdown import GITHUB_COMMENT_LIMIT


@click.command("report")
@click.option(
    "--base",
    "base_ref",
    default=None,
    help="Git ref to compare with (default: the PR's base branch, else github.default_branch).",
)
@click.option(
    "--base-branch",
    "base_name",
    default=None,
    help="Name of the base branch, when --base is a commit SHA (shown as `main (3f2a1b2)`).",
)
@click.option(
    "--baseline",
    "baseline_file",
    default=None,
    help="Metrics file, run record or mlflow:models:/NAME@ALIAS to compare with instead of --base.",
)
@click.option(
    "--out",
    "out_dir",
    default=".mlci/report",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for report.md/.html/.json.",
)
@click.option(
    "--post",
    is_flag=True,
    help="Post the sticky PR comment and a check run (outbox without a token).",
)
@click.option("--no-html", is_flag=True, help="Skip the HTML report.")
@click.option(
    "--data-check",
    "data_check",
    default=None,
    type=click.Path(dir_okay=False),
    help="JSON of `mlci data check --json`: adds a Data checks section.",
)
@click.option(
    "--max-chars",
    type=click.IntRange(1000, GITHUB_COMMENT_LIMIT),
    default=GITHUB_COMMENT_LIMIT,
    show_default=True,
    help="Cap of the comment's size.",
)
@config_option
def report(
    base_ref: str | None,
    base_name: str | None,
    baseline_file: str | None,
    out_dir: str,
    post: bool,
    no_html: bool,
    data_check: str | None,
    max_chars: int,
    config_path: str | None,
) -> None:
    """Write the pull-request report: verdict, gates, metrics, params, plots, lineage.

    The baseline is, in order: --baseline, the run record of the base commit (or of
    its nearest ancestor) on the records branch, its run record in .mlci/runs/, the
    metrics file committed at the base ref; the report says which one it used and
    names the base by branch and short SHA (--base-branch names a SHA's branch). An
    unknown base ref or a malformed --baseline exits 2; a base without usable metrics
    is reported, not fatal. Writes OUT/report.md (full), OUT/comment.md
    (capped to GitHub's limit), OUT/report.html and OUT/report.json; appends the
    comment to the step summary. Exits 0 whatever the gates say (use `mlci validate`).
    With --data-check, the results `mlci data check --json` wrote become a section.

    \b
    Example:
      mlci report --base main
      mlci report --base "$BASE_SHA" --base-branch main
      mlci report --base main --out build/report --post
      mlci report --base main --data-check data-check.json
    """
    import json
    import os
    from pathlib import Path

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.gha import ActionsRuntime, load_event_context
    from mlci.report import ReportLinks, build_report, render_html

    config = load_config(config_path)
    out = Path(out_dir)
    names = ["report.md", "comment.md", "report.json", *([] if no_html else ["report.html"])]
    read = [config_path, baseline_file, data_check, *config.train.metrics, config.train.params]
    prepare_outputs([("--out", out / name) for name in names], read)
    event = load_event_context(os.environ)
    client, reason = None, None
    if post:  # before the work: a workflow without a token fails here (exit 2)
        from mlci.cli._github import open_client

        client, reason = open_client(
            None, event.repository or None, False, dry_run_option="leave out --post"
        )
    base = base_ref or event.base_ref or config.github.default_branch
    links = ReportLinks(
        run_url=event.run_url, artifacts_url=f"{event.run_url}#artifacts" if event.run_url else None
    )
    result = build_report(
        config,
        Path.cwd(),
        base,
        baseline_file=baseline_file,
        links=links,
        data_check=data_check,
        max_chars=max_chars,
        base_name=base_name,
    )
    contents = {
        "report.md": result.full_markdown,
        "comment.md": result.markdown,
        "report.json": json.dumps(result.to_dict(), indent=2) + "\n",
    }
    if not no_html:
        contents["report.html"] = render_html(result, f"mlci report: {config.project}")
    write_outputs([("--out", out / name, text) for name, text in contents.items()], read)
    runtime = ActionsRuntime()
    runtime.append_summary(result.markdown)
    click.echo(f"report: {out / 'report.md'} (baseline: {result.baseline.description})")
    click.echo(
        f"gates: {'passed' if result.gate_passed else 'failed'}"
        + (f" ({', '.join(result.gates.failed_metrics)})" if not result.gate_passed else "")
    )
    if result.truncated:
        click.echo(f"the comment was cut to {max_chars} characters; report.md is complete")
    if post:
        _post(result, config.github.comment_key, event, client, reason)
    runtime.set_outputs(
        {"report-path": (out / "report.md").as_posix(), "gate-passed": result.gate_passed}
    )


def _post(result, key, event, client, reason) -> None:  # type: ignore[no-untyped-def]
    """Sticky comment and check run through mlci.github; the outbox without a token."""
    from mlci.github.checks import CheckRequest, publish_check
    from mlci.github.comments import upsert_comment

    if client is None:
        click.echo(f"{reason}: writing to the outbox (.mlci/outbox/) instead of posting")
    comment = upsert_comment(client, pr_number=event.pr_number, key=key, body=result.markdown)
    click.echo(
        f"comment: {comment.action}" + (f" ({comment.outbox_path})" if comment.outbox_path else "")
    )
    sha = event.head_sha or event.sha
    if sha:
        check = publish_check(
            client,
            CheckRequest(
                name="mlci report",
                head_sha=sha,
                title="Gates passed" if result.gate_passed else "Gates failed",
                summary=result.markdown,  # publish_check fits it (mlci.markdown.cap_markdown)
                conclusion="success" if result.gate_passed else "failure",
                details_url=event.run_url,
                untrusted_outcome=event.fork_controlled,
            ),
        )
        click.echo(f"check run: {check.action}")
