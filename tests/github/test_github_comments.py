"""Sticky comments against the fake over real HTTP with real PyGithub."""

from __future__ import annotations

import threading

import pytest
from tests.github_fake import DEFAULT_REPO as REPO
from tests.github_fake import Fault

from mlci.errors import ServiceError
from mlci.github import RetryPolicy, upsert_comment
from mlci.github import comments as comments_module
from mlci.github.comments import COMMENT_LIMIT, fit_body, marker
from mlci.github.outbox import Outbox

POST_COMMENT = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"


def bodies(fake, pr):  # type: ignore[no-untyped-def]
    return [c["body"] for c in fake.state.comments(REPO, pr)]


def writes(fake) -> list[str]:  # type: ignore[no-untyped-def]
    return [r for r in fake.requests if not r.startswith("GET")]


def test_upsert_five_times_leaves_one_comment_updated_in_place(fake, client, pr):
    results = [
        upsert_comment(client, pr_number=pr, key="report", body=f"run {i}") for i in range(5)
    ]
    assert [r.action for r in results] == ["created"] + ["updated"] * 4
    assert len({r.comment_id for r in results}) == 1
    assert bodies(fake, pr) == [f"{marker('report')}\nrun 4\n"]


def test_unchanged_body_sends_no_write(fake, client, pr):
    upsert_comment(client, pr_number=pr, key="report", body="same")
    before = len(writes(fake))
    result = upsert_comment(client, pr_number=pr, key="report", body="same")
    assert result.action == "unchanged"
    assert len(writes(fake)) == before


def test_marker_by_another_author_and_other_keys_are_left_alone(fake, client, pr):
    fake.state.add_comment(REPO, pr, f"{marker('report')}\nquoted by a person", "octocat")
    fake.state.add_comment(REPO, pr, f"{marker('other')}\nother key", "github-actions[bot]")
    upsert_comment(client, pr_number=pr, key="report", body="ours")
    assert bodies(fake, pr) == [
        f"{marker('report')}\nquoted by a person",
        f"{marker('other')}\nother key",
        f"{marker('report')}\nours\n",
    ]


def test_comment_on_page_three_of_250_is_found_with_few_requests(fake, client, pr):
    for i in range(125):
        fake.state.add_comment(REPO, pr, f"chatter {i}", "octocat")
    upsert_comment(client, pr_number=pr, key="report", body="v1")
    for i in range(124):
        fake.state.add_comment(REPO, pr, f"chatter {i}", "octocat")
    start = len(fake.requests)
    result = upsert_comment(client, pr_number=pr, key="report", body="v2")
    used = fake.requests[start:]
    print(f"upsert on a PR with {len(bodies(fake, pr))} comments: {len(used)} requests", used)
    assert result.action == "updated"
    assert len(bodies(fake, pr)) == 250
    # 3 pages of 100 + 1 PATCH (who the token is was learnt by the first upsert).
    assert len(used) == 4


def test_two_concurrent_upserts_converge_on_one_comment(fake, make_client, pr, monkeypatch):
    barrier = threading.Barrier(2)
    real_find = comments_module.find_sticky_comments
    seen: dict[int, int] = {}

    def racing_find(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real_find(*args, **kwargs)
        me = threading.get_ident()
        seen[me] = seen.get(me, 0) + 1
        if seen[me] == 1:  # both jobs look before either creates: the worst case
            barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(comments_module, "find_sticky_comments", racing_find)
    results = {}

    def job(name: str) -> None:
        results[name] = upsert_comment(make_client(), pr_number=pr, key="report", body=name)

    threads = [threading.Thread(target=job, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    remaining = bodies(fake, pr)
    assert len(remaining) == 1
    assert remaining[0] in (f"{marker('report')}\na\n", f"{marker('report')}\nb\n")
    assert sum(r.duplicates_removed for r in results.values()) >= 1


def test_502_twice_then_success_leaves_one_comment(fake, client, clock, pr):
    fake.add_fault(Fault(POST_COMMENT, status=502, times=2))
    result = upsert_comment(client, pr_number=pr, key="report", body="hello")
    assert result.action == "created"
    assert len(bodies(fake, pr)) == 1
    assert clock.sleeps == [1.0, 2.0]


def test_502_after_github_did_post_is_not_posted_again(fake, client, pr):
    fake.add_fault(Fault(POST_COMMENT, status=502, times=1, apply=True))
    result = upsert_comment(client, pr_number=pr, key="report", body="hello")
    assert result.action == "created"
    assert bodies(fake, pr) == [f"{marker('report')}\nhello\n"]
    assert sum(1 for r in fake.requests if r.startswith("POST")) == 1


def test_dropped_connection_after_apply_is_not_posted_again(fake, client, pr):
    fake.add_fault(Fault(POST_COMMENT, kind="drop", times=1, apply=True))
    upsert_comment(client, pr_number=pr, key="report", body="hello")
    assert len(bodies(fake, pr)) == 1


def test_secondary_rate_limit_waits_retry_after_on_the_clock(fake, client, clock, pr):
    fake.add_fault(Fault(POST_COMMENT, kind="secondary", status=403, retry_after=42))
    result = upsert_comment(client, pr_number=pr, key="report", body="hello")
    assert result.action == "created"
    assert clock.sleeps == [42.0]
    assert len(bodies(fake, pr)) == 1


def test_429_without_retry_after_waits_the_secondary_default(fake, make_client, clock, pr):
    fake.add_fault(Fault(POST_COMMENT, kind="secondary", status=429))
    client = make_client(policy=RetryPolicy(secondary_wait=7))
    upsert_comment(client, pr_number=pr, key="report", body="hello")
    assert clock.sleeps == [7.0]


def test_wait_beyond_the_ceiling_fails_at_once(fake, make_client, clock, pr):
    fake.add_fault(Fault(POST_COMMENT, kind="secondary", retry_after=3600))
    client = make_client(policy=RetryPolicy(max_total_wait=120))
    with pytest.raises(ServiceError, match="asked to wait 3600s, beyond the 120s ceiling"):
        upsert_comment(client, pr_number=pr, key="report", body="hello")
    assert clock.sleeps == []


def test_persistent_500_fails_with_service_error_and_no_duplicates(fake, client, clock, pr):
    fake.add_fault(Fault(POST_COMMENT, status=500, times=0))
    with pytest.raises(ServiceError) as caught:
        upsert_comment(client, pr_number=pr, key="report", body="hello")
    assert caught.value.exit_code == 3
    assert "posting the comment on PR #1 failed after 5 attempts (last: 500" in caught.value.message
    assert bodies(fake, pr) == []
    assert sum(clock.sleeps) <= 120


def test_long_body_is_cut_cleanly_with_a_note(fake, client, pr):
    body = "```\n" + "\n".join("x" * 99 for _ in range(1000))  # ~100k chars, open fence
    result = upsert_comment(client, pr_number=pr, key="report", body=body)
    posted = bodies(fake, pr)[0]
    assert result.truncated
    assert len(posted) <= COMMENT_LIMIT
    assert posted.startswith(marker("report"))
    # The open fence is closed before the note (the same cut as the report's).
    assert "\n```\n\n---\n✂️ **Cut to fit GitHub's limit (65,536 characters; " in posted
    assert posted.rstrip().endswith("The full report is in the job summary and artifacts.")
    assert posted.count("```") % 2 == 0


def test_fit_body_leaves_short_bodies_alone() -> None:
    assert fit_body("short") == "short"
    cut = fit_body("line\n" * 100, limit=400)
    assert len(cut) <= 400 and "Cut to fit GitHub's limit (400 characters" in cut


def test_no_client_writes_the_outbox(tmp_path) -> None:
    result = upsert_comment(None, pr_number=None, key="report", body="hi", outbox=Outbox(tmp_path))
    assert result.dry_run
    assert result.outbox_path == tmp_path / "comment-report.md"
    assert result.outbox_path.read_text() == f"{marker('report')}\nhi\n"


# Sticky comments find their own comments for any kind of token.


def test_app_installation_token_upserts_one_comment_in_place(fake, make_client, pr):
    login = fake.state.add_app_token("ghs_app_token", "mlci-app")
    client = make_client(token="ghs_app_token")
    results = [
        upsert_comment(client, pr_number=pr, key="report", body=f"run {i}") for i in range(3)
    ]
    assert [r.action for r in results] == ["created", "updated", "updated"]
    assert len({r.comment_id for r in results}) == 1
    stored = fake.state.comments(REPO, pr)
    assert [(c["user"], c["body"]) for c in stored] == [(login, f"{marker('report')}\nrun 2\n")]
    assert "GET /user 403" in " ".join(fake.requests)
    # A fresh client (the next workflow run) does not know its login either.
    again = upsert_comment(make_client(token="ghs_app_token"), pr_number=pr, key="report", body="x")
    assert again.action == "updated" and again.comment_id == results[0].comment_id
    assert len(fake.state.comments(REPO, pr)) == 1


def test_app_token_never_edits_a_persons_comment_with_the_marker(fake, make_client, pr):
    fake.state.add_app_token("ghs_app_token", "mlci-app")
    person = f"{marker('report')}\nI pasted the marker"
    fake.state.add_comment(REPO, pr, person, "octocat")
    for i in range(3):
        upsert_comment(make_client(token="ghs_app_token"), pr_number=pr, key="report", body=str(i))
    stored = fake.state.comments(REPO, pr)
    assert [(c["user"], c["body"]) for c in stored] == [
        ("octocat", person),
        ("mlci-app[bot]", f"{marker('report')}\n2\n"),
    ]


def test_personal_token_finds_its_own_login(fake, make_client, pr):
    fake.state.add_token("ghp_person", "octocat")
    fake.state.add_comment(REPO, pr, f"{marker('report')}\nold", "github-actions[bot]")
    result = upsert_comment(make_client(token="ghp_person"), pr_number=pr, key="report", body="a")
    assert result.action == "created"  # the bot's comment is not the person's to edit
    assert [c["user"] for c in fake.state.comments(REPO, pr)] == ["github-actions[bot]", "octocat"]
