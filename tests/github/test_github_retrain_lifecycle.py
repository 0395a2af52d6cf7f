"""The retraining PR's life cycle against the fake: base moves, merges, closes, races."""

from __future__ import annotations

from typing import Any

import pytest
from tests.github.test_github_cli import env  # noqa: F401 - the CLI's fixture
from tests.github.test_github_cli import run as cli_run
from tests.github_fake import DEFAULT_REPO as REPO
from tests.github_fake import gitobjects

from mlci.github import RetrainRequest, open_retrain_pr
from mlci.github.comments import marker
from mlci.github.retrain import BLOCKED_KEY, TRAILER, data_fingerprint, fingerprint_in
from mlci.markdown import GITHUB_COMMENT_LIMIT

BRANCH = "refs/heads/mlci/retrain"


def request(version: int, **kw: Any) -> RetrainRequest:
    files = {"data/reference.csv": f"a,b\n{version},2\n", "model/params.yaml": f"v: {version}\n"}
    kw.setdefault("body", f"drift report {version}")
    return RetrainRequest(files=files, title=f"Retrain (v{version})", **kw)


def repo_of(fake) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return fake.state.data["repos"][REPO]


def tip(fake) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    repo = repo_of(fake)
    return repo["objects"][repo["refs"][BRANCH]]


def head(fake, branch: str = "main") -> str:  # type: ignore[no-untyped-def]
    return str(repo_of(fake)["refs"][f"refs/heads/{branch}"])


def ancestors(fake, sha: str) -> set[str]:  # type: ignore[no-untyped-def]
    objects, seen, todo = repo_of(fake)["objects"], set(), [sha]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(objects[current]["parents"])
    return seen


def issue(fake, number: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dict(repo_of(fake)["issues"][str(number)])


def open_numbers(fake) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(int(n) for n, i in repo_of(fake)["issues"].items() if i["state"] == "open")


def pushes(fake) -> list[str]:  # type: ignore[no-untyped-def]
    return [r for r in fake.requests if "/git/refs" in r and not r.startswith("GET")]


# -- 1. the base moved ---------------------------------------------------------------------
def test_base_moved_rebuilds_the_branch_on_the_new_base(fake, client):
    first = open_retrain_pr(client, request(1))
    fake.state.push_files(REPO, "main", {"src/app.py": "print(2)\n"}, "a fix", "octocat")
    second = open_retrain_pr(client, request(2))
    commit = tip(fake)
    assert commit["parents"] == [head(fake)]  # one commit, on today's main
    assert second.rebuilt and second.pushed and not second.blocked
    assert second.pr_number == first.pr_number and second.pr_action == "updated"
    assert TRAILER in commit["message"]
    assert first.head_sha not in ancestors(fake, head(fake, "mlci/retrain"))
    assert fake.state.file_at(REPO, "mlci/retrain", "src/app.py") == "print(2)\n"
    assert fake.state.file_at(REPO, "mlci/retrain", "data/reference.csv") == "a,b\n2,2\n"


def test_on_an_unmoved_base_the_branch_fast_forwards(fake, client):
    first = open_retrain_pr(client, request(1))
    second = open_retrain_pr(client, request(2))
    assert not second.rebuilt and tip(fake)["parents"] == [first.head_sha]


def test_base_moved_but_a_persons_commit_is_left_alone(fake, client):
    first = open_retrain_pr(client, request(1))
    person = fake.state.push_files(
        REPO, "mlci/retrain", {"notes.md": "mine\n"}, "my notes", "octocat"
    )
    fake.state.push_files(REPO, "main", {"src/app.py": "print(2)\n"}, "a fix", "octocat")
    second = open_retrain_pr(client, request(2))
    assert second.blocked and second.blocked_by == ("octocat",) and not second.rebuilt
    assert head(fake, "mlci/retrain") == person
    comments = fake.state.comments(REPO, first.pr_number)
    assert len(comments) == 1 and comments[0]["body"].startswith(marker(BLOCKED_KEY))


def test_an_amended_mlci_commit_is_a_persons(fake, client):
    """A person who amends mlci's commit keeps the trailer but is now its committer."""
    first = open_retrain_pr(client, request(1))
    repo = repo_of(fake)
    amended = dict(tip(fake))
    amended["committer"] = {**amended["committer"], "name": "Octo Cat", "email": "oc@example.com"}
    sha = gitobjects.commit_sha(amended)
    repo["objects"][sha] = amended
    repo["refs"][BRANCH] = sha
    fake.state.push_files(REPO, "main", {"src/app.py": "print(2)\n"}, "a fix", "octocat")
    second = open_retrain_pr(client, request(2))
    assert second.blocked and head(fake, "mlci/retrain") == sha
    assert len(fake.state.comments(REPO, first.pr_number)) == 1


# -- 2. squash merges ----------------------------------------------------------------------
def test_a_squash_merged_commit_is_not_carried_into_the_next_pr(fake, client):
    first = open_retrain_pr(client, request(1))
    squash = fake.state.squash_merge(REPO, first.pr_number)
    second = open_retrain_pr(client, request(2))
    assert second.pr_action == "created" and second.pr_number != first.pr_number
    assert tip(fake)["parents"] == [squash]
    assert first.head_sha not in ancestors(fake, head(fake, "mlci/retrain"))
    assert open_numbers(fake) == [second.pr_number]
    # The merged PR is no "closed without merging" PR.
    assert "Previous retraining PR" not in issue(fake, second.pr_number)["body"]


def test_the_same_data_after_a_merge_proposes_nothing(fake, client):
    first = open_retrain_pr(client, request(1, workflow="train.yml"))
    fake.state.squash_merge(REPO, first.pr_number)
    again = open_retrain_pr(client, request(1, workflow="train.yml"))
    assert again.pr_action == "none" and not again.pushed and again.pr_number is None
    assert open_numbers(fake) == [] and len(repo_of(fake)["dispatches"]) == 1


# -- 3. PRs closed by a person ---------------------------------------------------------------
def test_a_closed_pr_is_not_reopened_for_the_same_data(fake, client):
    first = open_retrain_pr(client, request(1, workflow="train.yml"))
    fake.state.close_pull(REPO, first.pr_number)
    writes = len(pushes(fake))
    again = open_retrain_pr(client, request(1, workflow="train.yml"))
    assert again.pr_action == "declined" and again.pr_number == first.pr_number
    assert not again.pushed and not again.dispatched
    assert open_numbers(fake) == [] and len(pushes(fake)) == writes
    assert issue(fake, first.pr_number)["state"] == "closed"


def test_new_data_after_a_close_opens_a_new_pr_that_links_the_closed_one(fake, client):
    first = open_retrain_pr(client, request(1))
    fake.state.close_pull(REPO, first.pr_number)
    second = open_retrain_pr(client, request(2))
    assert second.pr_action == "created" and second.previous_pr == first.pr_number
    body = issue(fake, second.pr_number)["body"]
    assert f"Previous retraining PR #{first.pr_number} was closed without merging." in body
    assert fingerprint_in(body) == data_fingerprint(request(2).files) == second.fingerprint
    assert body.startswith("drift report 2")
    # Later updates of the new PR keep the link.
    open_retrain_pr(client, request(3))
    assert f"PR #{first.pr_number} was closed" in issue(fake, second.pr_number)["body"]
    assert open_numbers(fake) == [second.pr_number]


def test_the_fingerprint_depends_on_paths_and_contents_only():
    one = data_fingerprint({"a.csv": "x\n", "b.bin": b"\x00"})
    assert one == data_fingerprint({"b.bin": b"\x00", "a.csv": b"x\n"})
    assert one != data_fingerprint({"a.csv": "y\n", "b.bin": b"\x00"})
    assert one != data_fingerprint({"c.csv": "x\n", "b.bin": b"\x00"})


# -- 4. concurrent runs ----------------------------------------------------------------------
def run_inside(monkeypatch, name: str, other) -> None:  # type: ignore[no-untyped-def]
    """Make `retrain.<name>` run `other()` (another mlci run) once, after its own work."""
    from mlci.github import retrain

    real = getattr(retrain, name)
    done: list[bool] = []

    def patched(*args, **kwargs):  # type: ignore[no-untyped-def]
        value = real(*args, **kwargs)
        if not done:
            done.append(True)
            other()
        return value

    monkeypatch.setattr(retrain, name, patched)


def test_a_racing_run_on_the_branch_is_not_called_a_person(fake, client, make_client):
    first = open_retrain_pr(client, request(1))
    other = make_client()
    with pytest.MonkeyPatch.context() as patch:
        run_inside(patch, "_commit_files", lambda: open_retrain_pr(other, request(3)))
        second = open_retrain_pr(client, request(2))
    assert not second.blocked and second.pushed
    assert fake.state.comments(REPO, first.pr_number) == []
    assert fake.state.file_at(REPO, "mlci/retrain", "model/params.yaml") == "v: 2\n"
    assert TRAILER in tip(fake)["message"] and open_numbers(fake) == [first.pr_number]


def test_two_runs_creating_the_branch_at_once_leave_one_branch_and_one_pr(
    fake, client, make_client, monkeypatch
):
    other = make_client()
    results: list[Any] = []
    run_inside(
        monkeypatch, "_commit_files", lambda: results.append(open_retrain_pr(other, request(1)))
    )
    second = open_retrain_pr(client, request(2))
    assert results[0].pr_action == "created" and not second.blocked
    assert second.pr_number == results[0].pr_number and second.pr_action == "updated"
    assert open_numbers(fake) == [second.pr_number]
    assert fake.state.file_at(REPO, "mlci/retrain", "model/params.yaml") == "v: 2\n"
    assert fake.state.comments(REPO, second.pr_number) == []


def test_a_pr_opened_by_a_racing_run_is_updated_not_duplicated(fake, client, monkeypatch):
    from mlci.github import retrain

    first = open_retrain_pr(client, request(1))
    real, calls = retrain._find_pr, []

    def misses_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)  # the other run's PR is late

    monkeypatch.setattr(retrain, "_find_pr", misses_once)
    second = open_retrain_pr(client, request(2))
    assert second.pr_number == first.pr_number and second.pr_action == "updated"
    assert open_numbers(fake) == [first.pr_number] and not second.blocked


# -- 5. the body cap -------------------------------------------------------------------------
def test_a_long_drift_report_is_capped_before_anything_is_pushed(fake, client):
    report = "## Drift\n\n" + "\n".join(f"| col{i} | 0.{i:04d} |" for i in range(8000))
    assert len(report) > GITHUB_COMMENT_LIMIT
    result = open_retrain_pr(client, request(1, body=report))
    assert result.pr_action == "created"
    body = issue(fake, result.pr_number)["body"]
    assert len(body) <= GITHUB_COMMENT_LIMIT and "Cut to fit GitHub's limit" in body
    assert fingerprint_in(body) == result.fingerprint
    assert not any(" 422" in r for r in fake.requests)


# -- the command -----------------------------------------------------------------------------
def test_the_command_says_a_closed_pr_was_not_reopened(fake, env, tmp_path):  # noqa: F811
    (tmp_path / "ref.csv").write_text("a\n1\n")
    args = ["retrain", "open-pr", "--file", "ref.csv:data/reference.csv", "--title", "Retrain"]
    first = cli_run(env, *args)
    assert first.output.startswith("pull request #1 created: http://")
    fake.state.close_pull(REPO, 1)
    again = cli_run(env, *args)
    assert again.exit_code == 0, again.output
    assert again.output.startswith(
        "pull request #1 with the same data was closed without merging: not reopened, "
        "nothing pushed (http://"
    )
    fake.state.push_files(REPO, "main", {"src/app.py": "x\n"}, "a fix", "octocat")
    (tmp_path / "ref.csv").write_text("a\n2\n")
    third = cli_run(env, *args)
    assert third.output.startswith("pull request #2 created: http://")
    assert "; rebuilt mlci/retrain on main" in third.output
