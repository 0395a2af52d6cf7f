"""What triggered this run: event name, repository, PR, refs, SHAs, fork, actor, run URL.

Read from the standard Actions variables and the event payload at $GITHUB_EVENT_PATH.
Every field is optional: a `schedule` payload carries little more than the cron.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci.documents import parse_json_text
from mlci.errors import InputError


@dataclass(frozen=True)
class EventContext:
    event_name: str = ""
    repository: str = ""
    action: str | None = None
    pr_number: int | None = None
    head_ref: str | None = None
    base_ref: str | None = None
    head_sha: str | None = None
    base_sha: str | None = None
    head_repository: str | None = None
    is_fork: bool = False
    ref: str | None = None
    sha: str | None = None
    actor: str | None = None
    default_branch: str | None = None
    labels: tuple[str, ...] = ()
    run_id: str | None = None
    run_url: str | None = None
    server_url: str = "https://github.com"
    schedule: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def is_pull_request(self) -> bool:
        return self.pr_number is not None


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _from_pull_request(pr: Mapping[str, Any], repository: str) -> dict[str, Any]:
    head_repo = _get(pr, "head", "repo", "full_name")
    base_repo = _get(pr, "base", "repo", "full_name") or repository
    return {
        "pr_number": pr.get("number"),
        "head_ref": _get(pr, "head", "ref"),
        "base_ref": _get(pr, "base", "ref"),
        "head_sha": _get(pr, "head", "sha"),
        "base_sha": _get(pr, "base", "sha"),
        "head_repository": head_repo,
        # A deleted head repository (null) can only have been a fork.
        "is_fork": head_repo is None or head_repo != base_repo,
        "labels": tuple(label.get("name", "") for label in pr.get("labels") or []),
    }


def parse_event(
    event_name: str, payload: Mapping[str, Any], env: Mapping[str, str]
) -> EventContext:
    """Build the context from an event name, its payload and the Actions variables."""
    repository = env.get("GITHUB_REPOSITORY") or _get(payload, "repository", "full_name") or ""
    server_url = env.get("GITHUB_SERVER_URL", "https://github.com")
    run_id = env.get("GITHUB_RUN_ID")
    values: dict[str, Any] = {
        "event_name": event_name,
        "repository": repository,
        "action": payload.get("action"),
        "ref": env.get("GITHUB_REF") or payload.get("ref"),
        "sha": env.get("GITHUB_SHA") or payload.get("after"),
        "actor": env.get("GITHUB_ACTOR") or _get(payload, "sender", "login"),
        "default_branch": _get(payload, "repository", "default_branch"),
        "run_id": run_id,
        "run_url": f"{server_url}/{repository}/actions/runs/{run_id}" if run_id else None,
        "server_url": server_url,
        "schedule": payload.get("schedule"),
        "inputs": dict(payload.get("inputs") or {}),
    }
    if isinstance(payload.get("pull_request"), dict):
        values.update(_from_pull_request(payload["pull_request"], repository))
        values["pr_number"] = payload.get("number") or values["pr_number"]
    elif event_name == "workflow_run" and isinstance(payload.get("workflow_run"), dict):
        run = payload["workflow_run"]
        head_repo = _get(run, "head_repository", "full_name")
        base_repo = _get(run, "repository", "full_name") or repository
        prs = run.get("pull_requests") or []
        values.update(
            {
                "head_ref": run.get("head_branch"),
                "head_sha": run.get("head_sha"),
                "head_repository": head_repo,
                "is_fork": bool(head_repo) and head_repo != base_repo,
                # For fork PRs GitHub leaves pull_requests empty; the GitHub layer
                # looks the PR up by head SHA in that case.
                "pr_number": prs[0].get("number") if prs else None,
                "base_ref": _get(prs[0], "base", "ref") if prs else None,
                "base_sha": _get(prs[0], "base", "sha") if prs else None,
            }
        )
    elif event_name == "issue_comment" and _get(payload, "issue", "pull_request"):
        values["pr_number"] = _get(payload, "issue", "number")
    elif event_name == "push":
        values["base_sha"] = payload.get("before")
        values["head_sha"] = payload.get("after")
    return EventContext(**values)


def load_event_context(env: Mapping[str, str]) -> EventContext:
    """The context of this run; outside Actions (no event file), an empty context."""
    event_name = env.get("GITHUB_EVENT_NAME", "")
    path = env.get("GITHUB_EVENT_PATH")
    payload: dict[str, Any] = {}
    if path:
        try:
            payload = parse_json_text(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(
                f"{path}: event payload not found (GITHUB_EVENT_PATH)",
                "unset GITHUB_EVENT_PATH or point it at the event JSON file",
            ) from None
        except (OSError, ValueError) as error:
            raise InputError(
                f"{path}: event payload is not valid JSON ({error})",
                "point GITHUB_EVENT_PATH at the event JSON file GitHub wrote",
            ) from None
        if not isinstance(payload, dict):
            raise InputError(f"{path}: event payload is not a JSON object", "check the file")
    return parse_event(event_name, payload, env)
