"""What triggered this run: event name, repository, PR, refs, SHAs, fork, actor, run URL.

Read from the standard Actions variables and the event payload at $GITHUB_EVENT_PATH.
Every field is optional: a `schedule` payload carries little more than the cron.

- An all-zero SHA (`0000000000000000000000000000000000000000`: the `before` of a branch
  creation, the `after` of a deletion) means "no commit" and is read as None.
- A `workflow_run` event's `pull_requests` may list pull requests of other
  repositories (a fork's own PRs whose head matches the branch): only an entry whose
  base repository is this repository (and whose head repository, when given, is this
  one or the run's head repository) names the PR.
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
    # For workflow_run: the event that started the completed run ("pull_request", ...).
    triggering_event: str | None = None

    @property
    def is_pull_request(self) -> bool:
        return self.pr_number is not None

    @property
    def fork_controlled(self) -> bool:
        """Whether the code that produced this run's results came from a fork.

        A fork's `pull_request` run uses the fork's workflow files, so whatever it
        reports (an artifact's "outcome") is the fork's claim: true for such a run and
        for a `workflow_run` that follows one. Runs whose definitions come from the
        default branch (`pull_request_target`, `push`, `workflow_dispatch`, ...) are
        the trusted path.
        """
        if not self.is_fork:
            return False
        if self.event_name == "workflow_run":
            return self.triggering_event in (None, "", "pull_request")
        return self.event_name == "pull_request"


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


ZERO_SHA = "0" * 40


def _sha(value: Any) -> str | None:
    """A commit SHA, or None for a missing, empty or all-zero one."""
    if not isinstance(value, str) or not value.strip() or set(value.strip()) == {"0"}:
        return None
    return value.strip()


def _repo_matches(repo: Any, full_name: str | None, repo_id: Any) -> bool:
    """Whether a `pull_requests[].base.repo` ({id, url, name}) is `full_name`."""
    if not isinstance(repo, dict) or not full_name:
        return False
    if repo_id is not None and repo.get("id") is not None:
        return bool(repo.get("id") == repo_id)
    url = str(repo.get("url") or "")
    if url:
        return url.lower().endswith(f"/repos/{full_name.lower()}")
    name = repo.get("full_name") or repo.get("name")
    return bool(name) and str(name).lower() in (full_name.lower(), full_name.lower().split("/")[-1])


def _own_pull_requests(
    run: Mapping[str, Any], repository: str, head_repo: str | None, payload: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The `pull_requests` entries of a workflow_run that belong to this repository."""
    this_id = _get(run, "repository", "id") or _get(payload, "repository", "id")
    head_id = _get(run, "head_repository", "id")
    own = []
    for pr in run.get("pull_requests") or []:
        if not isinstance(pr, dict) or not _repo_matches(
            _get(pr, "base", "repo"), repository, this_id
        ):
            continue
        head = _get(pr, "head", "repo")
        if isinstance(head, dict) and not (
            _repo_matches(head, repository, this_id) or _repo_matches(head, head_repo, head_id)
        ):
            continue
        own.append(pr)
    return own


def _from_pull_request(pr: Mapping[str, Any], repository: str) -> dict[str, Any]:
    head_repo = _get(pr, "head", "repo", "full_name")
    base_repo = _get(pr, "base", "repo", "full_name") or repository
    return {
        "pr_number": pr.get("number"),
        "head_ref": _get(pr, "head", "ref"),
        "base_ref": _get(pr, "base", "ref"),
        "head_sha": _sha(_get(pr, "head", "sha")),
        "base_sha": _sha(_get(pr, "base", "sha")),
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
        "sha": _sha(env.get("GITHUB_SHA")) or _sha(payload.get("after")),
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
        prs = _own_pull_requests(run, base_repo, head_repo, payload)
        values.update(
            {
                "head_ref": run.get("head_branch"),
                "head_sha": _sha(run.get("head_sha")),
                "head_repository": head_repo,
                "is_fork": bool(head_repo) and head_repo != base_repo,
                # For fork PRs GitHub leaves pull_requests empty; the GitHub layer
                # looks the PR up by head SHA in that case.
                "pr_number": prs[0].get("number") if prs else None,
                "base_ref": _get(prs[0], "base", "ref") if prs else None,
                "base_sha": _sha(_get(prs[0], "base", "sha")) if prs else None,
                "triggering_event": run.get("event"),
            }
        )
    elif event_name == "issue_comment" and _get(payload, "issue", "pull_request"):
        values["pr_number"] = _get(payload, "issue", "number")
    elif event_name == "push":
        values["base_sha"] = _sha(payload.get("before"))
        values["head_sha"] = _sha(payload.get("after"))
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
