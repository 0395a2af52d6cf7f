"""Check runs and the commit-status fallback."""

from __future__ import annotations

import pytest
from tests.github_fake import DEFAULT_REPO as REPO

from mlci.errors import InputError
from mlci.github import CheckRequest, publish_check


def head(fake) -> str:  # type: ignore[no-untyped-def]
    return str(fake.state.data["repos"][REPO]["refs"]["refs/heads/main"])


def test_create_then_update_keeps_one_check_run(fake, client):
    sha = head(fake)
    first = publish_check(client, CheckRequest("mlci", sha, status="in_progress", title="Training"))
    second = publish_check(
        client,
        CheckRequest("mlci", sha, title="Gates passed", summary="all good", conclusion="success"),
    )
    runs = list(fake.state.data["repos"][REPO]["check_runs"].values())
    assert (first.action, second.action) == ("created", "updated")
    assert first.check_run_id == second.check_run_id and len(runs) == 1
    assert runs[0]["conclusion"] == "success" and runs[0]["output"]["summary"] == "all good"


def test_update_by_id(fake, client):
    sha = head(fake)
    first = publish_check(client, CheckRequest("mlci", sha, status="queued"))
    publish_check(
        client, CheckRequest("mlci", sha, conclusion="failure", check_run_id=first.check_run_id)
    )
    runs = fake.state.data["repos"][REPO]["check_runs"]
    assert runs[str(first.check_run_id)]["conclusion"] == "failure"


def test_token_without_checks_write_falls_back_to_a_status(fake, make_client):
    fake.state.add_token(
        "ghs_statuses",
        "github-actions[bot]",
        installation=True,
        permissions={"statuses": "write", "checks": "read"},
    )
    result = publish_check(
        make_client("ghs_statuses"),
        CheckRequest("mlci", head(fake), title="Gates failed", conclusion="failure"),
    )
    statuses = fake.state.data["repos"][REPO]["statuses"]
    assert result.kind == "status" and result.state == "failure"
    assert "needs checks: write" in (result.fallback_reason or "")
    assert [(s["context"], s["state"]) for s in statuses] == [("mlci", "failure")]


def test_completed_needs_a_conclusion() -> None:
    with pytest.raises(InputError, match="--conclusion is required"):
        publish_check(None, CheckRequest("mlci", "abc"))


def test_untrusted_success_is_posted_as_neutral_and_says_why(fake, client):
    sha = head(fake)
    result = publish_check(
        client,
        CheckRequest(
            "mlci report",
            sha,
            title="mlci: success",
            summary="all good",
            conclusion="success",
            untrusted_outcome=True,
        ),
    )
    run = fake.state.data["repos"][REPO]["check_runs"][str(result.check_run_id)]
    assert (result.state, run["conclusion"]) == ("neutral", "neutral")
    assert run["output"]["title"] == (
        "mlci: outcome reported by fork-controlled code (claimed: success)"
    )
    assert run["output"]["summary"].startswith("> **Not verified.** This outcome (success)")
    assert run["output"]["summary"].endswith("all good")
    failed = publish_check(
        client, CheckRequest("mlci report", sha, conclusion="failure", untrusted_outcome=True)
    )
    assert failed.state == "failure"


def test_untrusted_success_as_a_status_is_pending_not_green(fake, make_client):
    fake.state.add_token(
        "ghs_statuses",
        "github-actions[bot]",
        installation=True,
        permissions={"statuses": "write", "checks": "read"},
    )
    request = CheckRequest("mlci", head(fake), conclusion="success", untrusted_outcome=True)
    result = publish_check(make_client("ghs_statuses"), request)
    (status,) = fake.state.data["repos"][REPO]["statuses"]
    assert (result.kind, status["state"]) == ("status", "pending")
    assert status["description"].startswith("mlci: outcome reported by fork-controlled code")
