"""Options and plumbing shared by the commands that write to GitHub.

The only place that reads GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY,
MLCI_GITHUB_TIMEOUT and the event: it builds the client (or None for a dry run) and
hands plain values on.

The token is stripped of surrounding whitespace (a secret file's trailing newline),
masked in Actions (`::add-mask::`) before anything else is printed, and never
printed itself. Inside Actions (GITHUB_ACTIONS=true) a write without a token is a
mistake in the workflow, not a wish for a dry run: it exits 2 unless --dry-run.
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


NO_TOKEN_IN_ACTIONS = (
    "no GITHUB_TOKEN: this step writes to GitHub and runs in GitHub Actions without a token",
    "set GITHUB_TOKEN (env: GITHUB_TOKEN: ${{ github.token }}) or pass --dry-run",
)


def github_deadline(env: Mapping[str, str]) -> float:
    """MLCI_GITHUB_TIMEOUT: seconds one GitHub call may take, retries included."""
    from mlci.errors import InputError
    from mlci.github.client import DEFAULT_DEADLINE

    raw = (env.get("MLCI_GITHUB_TIMEOUT") or "").strip()
    if not raw:
        return DEFAULT_DEADLINE
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise InputError(
            f"MLCI_GITHUB_TIMEOUT: {raw!r} is not a number of seconds between 0 and 3600",
            f"unset it (default {DEFAULT_DEADLINE:g}) or set e.g. MLCI_GITHUB_TIMEOUT=60",
        )
    return value


def open_client(
    token: str | None,
    repository: str | None,
    dry_run: bool,
    env: Mapping[str, str] | None = None,
    *,
    dry_run_option: str = "--dry-run",
) -> tuple[Any, str | None]:
    """(client or None, why it is a dry run or None).

    `dry_run_option`: how the command avoids writing, for the hint (default: pass
    --dry-run; `mlci report` says "leave out --post").
    """
    from mlci.errors import InputError
    from mlci.gha import ActionsRuntime
    from mlci.github.client import (
        DEFAULT_API_URL,
        ClientSettings,
        GitHubClient,
        attempt_timeout,
        check_token,
    )

    env = os.environ if env is None else env
    raw = token if token is not None else env.get("GITHUB_TOKEN")
    token = raw.strip() if raw else None
    runtime = ActionsRuntime(env)
    if token:
        # First, before any output: the runner hides it in the log from here on.
        runtime.mask(token)
    if dry_run:
        return None, dry_run_option
    if token:
        token = check_token(token)
    if not token:
        if runtime.in_actions:
            message, hint = NO_TOKEN_IN_ACTIONS
            if dry_run_option != "--dry-run":
                hint = hint.replace("pass --dry-run", dry_run_option)
            raise InputError(message, hint)
        return None, "no GITHUB_TOKEN"
    repository = repository or env.get("GITHUB_REPOSITORY")
    if not repository:
        raise InputError(
            "no repository: GITHUB_REPOSITORY is not set",
            "pass --repo owner/name or set GITHUB_REPOSITORY",
        )
    deadline = github_deadline(env)
    settings = ClientSettings(
        token=token,
        repository=repository,
        api_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
        timeout=attempt_timeout(deadline),
        deadline=deadline,
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
