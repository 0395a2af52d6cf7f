"""Finding the PR of an event on the real webhook payloads (@octokit/webhooks-examples)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.github_fake import DEFAULT_REPO as REPO

from mlci.gha.context import parse_event
from mlci.github import find_pull_request

EVENTS = Path(__file__).resolve().parents[1] / "data" / "events"


def event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("file", "event_name", "expected"),
    [
        ("pull_request.opened", "pull_request", "number"),
        ("pull_request.synchronize", "pull_request", "number"),
        ("issue_comment.created", "issue_comment", None),
        ("push.0", "push", None),
        ("workflow_dispatch.0", "workflow_dispatch", None),
    ],
)
def test_event_payloads_without_a_lookup(file, event_name, expected):
    payload = event(file)
    context = parse_event(event_name, payload, {})
    want = payload.get(expected) if expected else None
    if event_name == "issue_comment" and payload["issue"].get("pull_request"):
        want = payload["issue"]["number"]
    assert find_pull_request(None, context) == want


def test_workflow_run_from_a_fork_is_found_by_head_sha(fake, client):
    payload = event("workflow_run.completed")
    run = payload["workflow_run"]
    run["pull_requests"] = []  # what GitHub sends for fork PRs
    fork = "contributor/demo"
    run["head_repository"]["full_name"] = fork
    run["repository"]["full_name"] = REPO
    fake.state.add_pull(REPO, head="main", title="other")
    number = fake.state.add_pull(
        REPO, head=run["head_branch"], head_repo=fork, head_sha=run["head_sha"], login="contributor"
    )["number"]
    context = parse_event("workflow_run", payload, {"GITHUB_REPOSITORY": REPO})
    assert context.is_fork and context.pr_number is None
    assert find_pull_request(client, context) == number


def test_workflow_run_without_a_matching_pr_is_none(fake, client):
    payload = event("workflow_run.completed")
    payload["workflow_run"]["pull_requests"] = []
    context = parse_event("workflow_run", payload, {"GITHUB_REPOSITORY": REPO})
    assert find_pull_request(client, context) is None
