import copy
import json
from pathlib import Path

import pytest

from mlci.errors import InputError
from mlci.gha import load_event_context
from mlci.gha.context import parse_event

EVENTS = Path(__file__).parent.parent / "data" / "events"


def payload(name):
    return json.loads((EVENTS / name).read_text())


def as_fork(data):
    fork = copy.deepcopy(data)
    fork["pull_request"]["head"]["repo"]["full_name"] = "someone/Hello-World"
    return fork


@pytest.mark.parametrize(
    "name", ["opened", "synchronize", "labeled", "closed"], ids=lambda n: f"pull_request.{n}"
)
def test_pull_request_payloads(name):
    data = payload(f"pull_request.{name}.json")
    context = parse_event("pull_request", data, {})
    pr = data["pull_request"]
    assert context.pr_number == data["number"]
    assert context.head_ref == pr["head"]["ref"]
    assert context.base_ref == pr["base"]["ref"]
    assert context.head_sha == pr["head"]["sha"]
    assert context.base_sha == pr["base"]["sha"]
    assert context.repository == "Codertocat/Hello-World"
    assert context.actor == data["sender"]["login"]
    assert context.is_fork is False
    assert parse_event("pull_request", as_fork(data), {}).is_fork is True


def test_labels_are_read():
    context = parse_event("pull_request", payload("pull_request.labeled.json"), {})
    assert context.labels == ("bug",)


def test_deleted_head_repository_counts_as_fork():
    data = payload("pull_request.opened.json")
    data["pull_request"]["head"]["repo"] = None
    assert parse_event("pull_request", data, {}).is_fork is True


def test_push_payloads():
    for name in ("push.0.json", "push.1.json"):
        data = payload(name)
        context = parse_event("push", data, {})
        assert context.pr_number is None
        assert context.ref == data["ref"]
        # Branch creation (before) and deletion (after) carry all-zero SHAs: "none".
        zero = "0" * 40
        assert context.head_sha == (None if data["after"] == zero else data["after"])
        assert context.base_sha == (None if data["before"] == zero else data["before"])
        assert context.is_fork is False
    assert parse_event("push", payload("push.0.json"), {}).base_sha is None
    assert parse_event("push", payload("push.1.json"), {}).head_sha is None


def test_workflow_dispatch_payload():
    data = payload("workflow_dispatch.0.json")
    context = parse_event("workflow_dispatch", data, {})
    assert context.ref == "refs/heads/main"
    assert context.inputs == {}
    assert context.pr_number is None


def test_workflow_run_payload_same_repo_and_fork():
    data = payload("workflow_run.completed.json")
    context = parse_event("workflow_run", data, {})
    assert context.head_sha == data["workflow_run"]["head_sha"]
    assert context.head_ref == "main"
    assert context.is_fork is False
    assert context.pr_number is None
    fork = copy.deepcopy(data)
    fork["workflow_run"]["head_repository"]["full_name"] = "someone/octo-repo"
    this = fork["workflow_run"]["repository"]
    repo = {"id": this["id"], "url": this["url"], "name": this["name"]}
    fork["workflow_run"]["pull_requests"] = [
        {"number": 7, "base": {"ref": "main", "sha": "b" * 40, "repo": repo}, "head": {"ref": "x"}}
    ]
    forked = parse_event("workflow_run", fork, {})
    assert forked.is_fork is True
    assert (forked.pr_number, forked.base_ref, forked.base_sha) == (7, "main", "b" * 40)


def test_issue_comment_on_an_issue_and_on_a_pull_request():
    data = payload("issue_comment.created.json")
    assert parse_event("issue_comment", data, {}).pr_number is None
    data["issue"]["pull_request"] = {"url": "https://api.github.com/repos/o/r/pulls/1"}
    assert parse_event("issue_comment", data, {}).pr_number == data["issue"]["number"]


def test_schedule_payload_and_environment(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"schedule": "0 6 * * 1"}))
    env = {
        "GITHUB_EVENT_NAME": "schedule",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/churn",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_ACTOR": "bot",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_SHA": "c" * 40,
    }
    context = load_event_context(env)
    assert context.event_name == "schedule"
    assert context.schedule == "0 6 * * 1"
    assert context.repository == "acme/churn"
    assert context.run_url == "https://github.example/acme/churn/actions/runs/42"
    assert (context.actor, context.ref, context.sha) == ("bot", "refs/heads/main", "c" * 40)


def test_outside_actions_the_context_is_empty():
    context = load_event_context({})
    assert context.event_name == "" and context.pr_number is None and context.run_url is None


def test_unreadable_event_file_is_a_clear_input_error(tmp_path):
    bad = tmp_path / "event.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match=r"event\.json: event payload is not valid JSON"):
        load_event_context({"GITHUB_EVENT_PATH": str(bad)})
    with pytest.raises(InputError, match="event payload not found"):
        load_event_context({"GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})


def test_workflow_run_ignores_pull_requests_of_other_repositories():
    data = payload("workflow_run.completed.json")
    run = data["workflow_run"]
    this = run["repository"]
    own = {"id": this["id"], "url": this["url"], "name": this["name"]}
    other = {
        "id": 999,
        "url": "https://api.github.com/repos/someone/octo-repo",
        "name": "octo-repo",
    }

    def entry(number, base, head):  # type: ignore[no-untyped-def]
        return {
            "id": number,
            "number": number,
            "url": f"{base['url']}/pulls/{number}",
            "head": {"ref": "main", "sha": run["head_sha"], "repo": head},
            "base": {"ref": "main", "sha": "c" * 40, "repo": base},
        }

    # A fork's own PR (base and head in the fork) listed in this repository's event.
    run["pull_requests"] = [entry(3, other, other)]
    assert parse_event("workflow_run", data, {}).pr_number is None
    # Base here, head in an unrelated repository: not this run's PR either.
    run["pull_requests"] = [entry(4, own, {**other, "id": 1234})]
    assert parse_event("workflow_run", data, {}).pr_number is None
    # Foreign entries first, then ours: ours is taken.
    run["pull_requests"] = [entry(3, other, other), entry(5, own, own)]
    context = parse_event("workflow_run", data, {})
    assert (context.pr_number, context.base_sha) == (5, "c" * 40)
    # Without ids, the API URL decides.
    for item in run["pull_requests"]:
        for side in ("base", "head"):
            item[side]["repo"].pop("id", None)
    del run["repository"]["id"]
    assert parse_event("workflow_run", data, {}).pr_number == 5


def test_all_zero_shas_are_none_everywhere():
    zero = "0" * 40
    data = payload("workflow_run.completed.json")
    data["workflow_run"]["head_sha"] = zero
    assert parse_event("workflow_run", data, {"GITHUB_SHA": zero}).head_sha is None
    assert parse_event("workflow_run", data, {"GITHUB_SHA": zero}).sha is None
    pr = payload("pull_request.opened.json")
    pr["pull_request"]["base"]["sha"] = zero
    assert parse_event("pull_request", pr, {}).base_sha is None
    deleted = payload("push.1.json")
    assert parse_event("push", deleted, {}).sha is None


def test_fork_controlled_outcome():
    data = payload("workflow_run.completed.json")
    run = data["workflow_run"]
    run["head_repository"]["full_name"] = "someone/octo-repo"
    run["event"] = "pull_request"
    assert parse_event("workflow_run", data, {}).fork_controlled is True
    run["event"] = "pull_request_target"  # definitions from the default branch
    assert parse_event("workflow_run", data, {}).fork_controlled is False
    run["head_repository"]["full_name"] = run["repository"]["full_name"]
    run["event"] = "pull_request"
    assert parse_event("workflow_run", data, {}).fork_controlled is False
