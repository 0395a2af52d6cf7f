"""Options and plumbing shared by the commands that write to GitHub.

The only place that reads GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY and the
event: it builds the client (or None for a dry run) and hands plain values on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import click

from mlci.cli._options import json_dumps


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
            click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
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


def emit(result: Any, outputs: Mapping[str, object], as_json: bool, text: str) -> None:
    """Print the result and set the Actions outputs."""
    import dataclasses

    from mlci.gha import ActionsRuntime

    runtime = ActionsRuntime()
    runtime.set_outputs({k: v for k, v in outputs.items()})
    if as_json:
        click.echo(json_dumps(dataclasses.asdict(result)))
    else:
        click.echo(text)


def dry_run_note(reason: str | None, path: object) -> str:
    return f"dry run ({reason}): nothing was sent to GitHub; wrote {path}"
