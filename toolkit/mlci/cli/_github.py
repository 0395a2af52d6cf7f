"""Options and plumbing shared by the commands that write to GitHub.

The only place that reads GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY and the
event: it builds the client (or None for a dry run) and hands plain values on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import click

from mlci.cli._options import json_dumps, output_option


def github_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--token, --repo, --dry-run, --json, --outbox."""
    for option in reversed(
        [
            click.option("--token", default=None, help="GitHub token (default: $GITHUB_TOKEN)."),
            click.option(
                "--repo",
                "repository",
                default=None,
                help="owner/name (default: $GITHUB_REPOSITORY).",
            ),
            click.option(
                "--dry-run",
                is_flag=True,
                help="Write to the outbox (.mlci/outbox/) instead of GitHub.",
            ),
            output_option("json", "the result as JSON"),
            click.option(
                "--outbox",
                type=click.Path(file_okay=False),
                default=None,
                help="Outbox folder for dry runs (default: .mlci/outbox).",
            ),
        ]
    ):
        func = option(func)
    return func


def open_client(
    token: str | None, repository: str | None, dry_run: bool, env: Mapping[str, str] | None = None
) -> tuple[Any, str | None]:
    """(client or None, why it is a dry run or None)."""
    from mlci.errors import InputError
    from mlci.github.client import DEFAULT_API_URL, ClientSettings, GitHubClient

    env = os.environ if env is None else env
    token = token or env.get("GITHUB_TOKEN") or None
    if dry_run:
        return None, "--dry-run"
    if not token:
        return None, "no GITHUB_TOKEN"
    repository = repository or env.get("GITHUB_REPOSITORY")
    if not repository:
        raise InputError(
            "no repository: GITHUB_REPOSITORY is not set",
            "pass --repo owner/name or set GITHUB_REPOSITORY",
        )
    settings = ClientSettings(
        token=token,
        repository=repository,
        api_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
    )
    return GitHubClient(settings), None


def outbox_for(path: str | None) -> Any:
    from mlci.github.outbox import Outbox

    return Outbox(path) if path else Outbox()


def emit(result: Any, outputs: Mapping[str, object], json_out: str | None, text: str) -> None:
    """Print the text (or the JSON, for `--json`), write `--json PATH`, set Actions outputs."""
    import dataclasses

    from mlci.gha import ActionsRuntime
    from mlci.output import STDOUT, write_output

    runtime = ActionsRuntime()
    runtime.set_outputs({k: v for k, v in outputs.items()})
    if json_out != STDOUT:
        click.echo(text)
    if json_out is not None:
        write_output(json_out, json_dumps(dataclasses.asdict(result)), option="--json")


def dry_run_note(reason: str | None, path: object) -> str:
    return f"dry run ({reason}): nothing was sent to GitHub; wrote {path}"
