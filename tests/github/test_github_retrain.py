"""The retraining PR flow through the Git Data API against the fake."""

from __future__ import annotations

import pytest
from tests.github_fake import DEFAULT_REPO as REPO

from mlci.github import RetrainRequest, open_retrain_pr
from mlci.github.comments import marker
from mlci.github.outbox import Outbox
from mlci.github.retrain import BLOCKED_KEY, TRAILER


def request(version: int, **kw) -> RetrainRequest:  # type: ignore[no-untyped-def]
    files = {
        "data/reference.csv": f"a,b\n{version},2\n",
        "model/params.yaml": f"v: {version}\n",
        "model/weights.bin": bytes([0, 255, version]),
    }
    return RetrainRequest(
        files=files,
        title=f"Retrain (v{version})",
        body=f"drift report {version}",
        labels=("retrain", "mlci"),
        reviewers=("alice",),
        **kw,
    )


@pytest.fixture(autouse=True)
def reviewer(request):  # type: ignore[no-untyped-def]
    if "fake" in request.fixturenames:
        request.getfixturevalue("fake").state.add_user("alice")


def open_pulls(fake) -> list[dict]:  # type: ignore[no-untyped-def]
    repo = fake.state.data["repos"][REPO]
    return [
        p for p in repo["pulls"].values() if repo["issues"][str(p["number"])]["state"] == "open"
    ]


def test_three_runs_leave_one_branch_one_pr_and_the_latest_files(fake, client):
    results = [open_retrain_pr(client, request(v, workflow="train.yml")) for v in (1, 2, 3)]
    repo = fake.state.data["repos"][REPO]
    assert sorted(repo["refs"]) == ["refs/heads/main", "refs/heads/mlci/retrain"]
    pulls = open_pulls(fake)
    assert len(pulls) == 1 and pulls[0]["head"] == "mlci/retrain"
    assert [r.pr_action for r in results] == ["created", "updated", "updated"]
    assert {r.pr_number for r in results} == {pulls[0]["number"]}
    assert results[0].branch_created and all(r.pushed for r in results)
    assert fake.state.file_at(REPO, "mlci/retrain", "data/reference.csv") == "a,b\n3,2\n"
    assert fake.state.file_at(REPO, "mlci/retrain", "README.md") == "# demo\n"
    issue = repo["issues"][str(pulls[0]["number"])]
    assert issue["title"] == "Retrain (v3)" and issue["labels"] == ["retrain", "mlci"]
    assert sorted(repo["labels"]) == ["mlci", "retrain"]
    assert results[0].labels_created == ("retrain", "mlci") and results[1].labels_created == ()
    assert pulls[0]["requested_reviewers"] == ["alice"]
    assert [d["ref"] for d in repo["dispatches"]] == ["mlci/retrain"] * 3
    # Each run fast-forwards: the branch holds three mlci commits on top of main.
    tip = repo["objects"][repo["refs"]["refs/heads/mlci/retrain"]]
    assert TRAILER in tip["message"]


def test_same_files_again_push_nothing_and_dispatch_nothing(fake, client):
    first = open_retrain_pr(client, request(1, workflow="train.yml"))
    again = open_retrain_pr(client, request(1, workflow="train.yml"))
    assert again.head_sha == first.head_sha
    assert not again.pushed and again.pr_action == "unchanged" and not again.dispatched
    assert len(fake.state.data["repos"][REPO]["dispatches"]) == 1


def test_foreign_commit_is_preserved_and_explained_in_a_comment(fake, client):
    first = open_retrain_pr(client, request(1))
    person = fake.state.push_files(
        REPO, "mlci/retrain", {"data/reference.csv": "fixed\n"}, "fix the data by hand", "octocat"
    )
    second = open_retrain_pr(client, request(2))
    repo = fake.state.data["repos"][REPO]
    assert second.blocked and second.blocked_by == ("octocat",)
    assert repo["refs"]["refs/heads/mlci/retrain"] == person
    assert fake.state.file_at(REPO, "mlci/retrain", "data/reference.csv") == "fixed\n"
    comments = fake.state.comments(REPO, first.pr_number)
    assert len(comments) == 1 and comments[0]["body"].startswith(marker(BLOCKED_KEY))
    assert "was not made by mlci" in comments[0]["body"]
    open_retrain_pr(client, request(3))  # still blocked, still one comment
    assert len(fake.state.comments(REPO, first.pr_number)) == 1


def test_push_between_read_and_write_is_not_overwritten(fake, client, monkeypatch):
    from mlci.github import retrain

    open_retrain_pr(client, request(1))
    real = retrain._commit_files

    def commit_then_someone_pushes(*args, **kwargs):  # type: ignore[no-untyped-def]
        sha = real(*args, **kwargs)
        fake.state.push_files(REPO, "mlci/retrain", {"late.txt": "mine\n"}, "late", "octocat")
        return sha

    monkeypatch.setattr(retrain, "_commit_files", commit_then_someone_pushes)
    result = open_retrain_pr(client, request(2))
    assert result.blocked
    assert fake.state.file_at(REPO, "mlci/retrain", "late.txt") == "mine\n"


def test_dry_run_writes_the_files_and_the_pr_to_the_outbox(tmp_path):
    result = open_retrain_pr(None, request(1), outbox=Outbox(tmp_path))
    assert result.dry_run
    assert (tmp_path / "retrain-mlci-retrain" / "model" / "params.yaml").read_text() == "v: 1\n"
    assert '"title": "Retrain (v1)"' in (tmp_path / "retrain-pr-mlci-retrain.json").read_text()
