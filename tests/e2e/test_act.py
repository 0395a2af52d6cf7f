"""The generated workflows, run end to end with act against the local GitHub fake.

Each test starts from a fresh repository made by `mlci init --example`. act skips a
job whose runner label is not mapped and still exits 0, so every test asserts which
jobs ran and how they ended.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import World
from tests.e2e.harness import REPOSITORY, git

pytestmark = pytest.mark.e2e

EVENTS = Path(__file__).resolve().parents[1] / "data" / "events"
MARKER = "<!-- mlci:report -->"


def pull_request_event(
    world: World, number: int, *, action: str = "opened", head_repo: str = REPOSITORY
) -> dict[str, Any]:
    name = "pull_request.labeled.json" if action == "labeled" else "pull_request.opened.json"
    payload = json.loads((EVENTS / name).read_text())
    payload["action"] = action
    pr = payload["pull_request"]
    payload["number"] = pr["number"] = number
    pr["base"]["sha"] = world.main_sha
    pr["base"]["ref"] = "main"
    pr["base"]["repo"]["full_name"] = REPOSITORY
    pr["head"]["sha"] = git(world.repo, "rev-parse", "HEAD")
    pr["head"]["ref"] = git(world.repo, "branch", "--show-current")
    pr["head"]["repo"]["full_name"] = head_repo
    pr["head"]["repo"]["fork"] = head_repo != REPOSITORY
    payload["repository"]["full_name"] = REPOSITORY
    return payload


def workflow_run_event(
    world: World, number: int | None, pr_branch: str, *, title_sha: str | None = None
) -> dict[str, Any]:
    """The workflow_run of a finished `mlci train` run started by pull_request_target.

    Such a run's head is the default branch; its title (run-name) names the pull request
    and the commit it trained, which the report workflow checks the artifact against.
    """
    payload = json.loads((EVENTS / "workflow_run.completed.json").read_text())
    run = payload["workflow_run"]
    head = git(world.repo, "rev-parse", "HEAD")
    run.update(
        {
            "name": "mlci train",
            "event": "pull_request_target",
            "conclusion": "success",
            "head_branch": "main",
            "head_sha": world.main_sha,
            "display_title": f"mlci train: pull request #{number} at {title_sha or head}",
        }
    )
    run["head_repository"]["full_name"] = REPOSITORY
    payload["repository"]["full_name"] = REPOSITORY
    # On GitHub the PR's head follows the pushes; the report checks it against the SHA.
    for pull in world.fake.state.data["repos"][REPOSITORY]["pulls"].values():
        if pull["head"] == pr_branch:
            pull["head_sha"] = head
    return payload


def mlci_comments(world: World, number: int) -> list[dict[str, Any]]:
    return [c for c in world.fake.state.comments(REPOSITORY, number) if MARKER in c["body"]]


def with_data_check(world: World, jobs: dict[str, str], result: str) -> dict[str, str]:
    """The expected jobs, plus the data check when mlci.yaml configures data checks."""
    workflow = (world.repo / ".github" / "workflows" / "mlci-train.yml").read_text()
    return {"data-check": result, **jobs} if "\n  data-check:\n" in workflow else jobs


def steps_of(run: Any, job: str) -> list[str]:
    return run.steps.get(job, [])


TRAIN_JOBS = {"train", "awaiting-approval", "remove-label"}


def train_jobs(world: World, **results: str) -> dict[str, str]:
    """Every job of mlci-train.yml: `results` for those named, skipped for the others."""
    data = results.pop("data_check", "skipped")
    jobs = {job: results.get(job.replace("-", "_"), "skipped") for job in TRAIN_JOBS}
    return with_data_check(world, jobs, data)


def test_pull_request_trains_reports_and_keeps_one_sticky_comment(world: World) -> None:
    git(world.repo, "checkout", "-q", "-b", "feature")
    number = world.fake.state.add_pull(REPOSITORY, head="feature")["number"]
    head = git(world.repo, "rev-parse", "HEAD")

    # pull_request starts CI only: no job of a pull_request workflow trains.
    ci = world.act("pull_request", payload=pull_request_event(world, number))
    assert ci.returncode == 0, ci.explain()
    assert ci.jobs == {"test": "success"}, ci.explain()  # mlci-ci.yml: the example's tests

    first = world.act("pull_request_target", payload=pull_request_event(world, number))
    assert first.returncode == 0, first.explain()
    # The GPU labels are mapped to the host; a same-repository PR trains at once.
    assert first.jobs == train_jobs(world, train="success", data_check="success"), first.explain()
    train_steps = steps_of(first, "train")
    for step in ("GPU preflight", "train", "validate", "report", "upload the report"):
        assert f"{step}: success" in train_steps, first.explain()
    assert (world.artifacts / "mlci-report" / "report.md").is_file()
    assert (world.artifacts / "mlci-report" / "pr-number").read_text() == f"{number}\n"
    assert (world.artifacts / "mlci-report" / "head-sha").read_text() == f"{head}\n"

    report = world.act(
        "workflow_run",
        workflow="mlci-report.yml",
        payload=workflow_run_event(world, number, "feature"),
    )
    assert report.returncode == 0, report.explain()
    assert report.jobs == {"post": "success"}, report.explain()
    comments = mlci_comments(world, number)
    assert len(comments) == 1, comments
    first_id, first_body = comments[0]["id"], comments[0]["body"]
    checks = world.fake.state.data["repos"][REPOSITORY]["check_runs"]
    # On the pull request's head, not on the default branch the run was started on.
    assert [(c["name"], c["head_sha"]) for c in checks.values()] == [("mlci report", head)]
    assert world.fake.violations == []

    # A new push: the training runs again and the same comment is updated.
    params = world.repo / "params.yaml"
    params.write_text(params.read_text().replace("n_estimators: ", "n_estimators: 1"))
    git(world.repo, "commit", "-qam", "more trees")
    second = world.act(
        "pull_request_target",
        workflow="mlci-train.yml",
        payload=pull_request_event(world, number, action="synchronize"),
    )
    assert second.jobs.get("train") == "success", second.explain()
    again = world.act(
        "workflow_run",
        workflow="mlci-report.yml",
        payload=workflow_run_event(world, number, "feature"),
    )
    assert again.jobs == {"post": "success"}, again.explain()
    updated = mlci_comments(world, number)
    assert [c["id"] for c in updated] == [first_id]
    assert updated[0]["body"] != first_body
    assert world.fake.violations == []

    # An artifact that names another commit than its run's title posts nothing.
    forged = world.act(
        "workflow_run",
        workflow="mlci-report.yml",
        payload=workflow_run_event(world, number, "feature", title_sha=world.main_sha),
    )
    assert forged.jobs == {"post": "failure"}, forged.explain()
    assert "names another pull request or commit" in forged.log, forged.explain()
    assert len(checks) == 2 and [c["id"] for c in mlci_comments(world, number)] == [first_id]


def test_fork_pull_request_waits_for_the_label(world: World) -> None:
    git(world.repo, "checkout", "-q", "-b", "from-fork")
    number = world.fake.state.add_pull(REPOSITORY, head="from-fork", head_repo="stranger/demo")[
        "number"
    ]

    opened = world.act(
        "pull_request_target",
        workflow="mlci-train.yml",
        payload=pull_request_event(world, number, head_repo="stranger/demo"),
    )
    assert opened.returncode == 0, opened.explain()
    # The GPU job is skipped by its trust condition, not by a missing runner label.
    assert opened.jobs == train_jobs(world, awaiting_approval="success"), opened.explain()
    assert "Skipping job 'train on GPU' due to" in opened.log
    note = (world.artifacts / "mlci-report" / "report.md").read_text()
    assert "until a maintainer adds the label `safe-to-train`" in note
    posted = world.act(
        "workflow_run",
        workflow="mlci-report.yml",
        payload=workflow_run_event(world, number, "from-fork"),
    )
    assert posted.jobs == {"post": "success"}, posted.explain()
    (comment,) = mlci_comments(world, number)
    assert "until a maintainer adds the label `safe-to-train`" in comment["body"]

    labeled = pull_request_event(world, number, action="labeled", head_repo="stranger/demo")
    other = copy.deepcopy(labeled)
    other["label"]["name"] = "documentation"
    unrelated = world.act("pull_request_target", workflow="mlci-train.yml", payload=other)
    assert unrelated.jobs == train_jobs(world), unrelated.explain()

    labeled["label"]["name"] = "safe-to-train"
    labeled["pull_request"]["labels"] = [labeled["label"]]
    approved = world.act("pull_request_target", workflow="mlci-train.yml", payload=labeled)
    assert approved.jobs == train_jobs(world, train="success", data_check="success"), (
        approved.explain()
    )

    # The fork pushes again: the label goes, so a maintainer must look and label again.
    state = world.fake.state.data["repos"][REPOSITORY]
    state["labels"].setdefault("safe-to-train", {"id": 99, "color": "ededed", "description": None})
    state["issues"][str(number)]["labels"].append("safe-to-train")
    git(world.repo, "commit", "-q", "--allow-empty", "-m", "one more change")
    pushed = pull_request_event(world, number, action="synchronize", head_repo="stranger/demo")
    pushed["pull_request"]["labels"] = [labeled["label"]]
    again = world.act("pull_request_target", workflow="mlci-train.yml", payload=pushed)
    assert again.jobs == train_jobs(world, awaiting_approval="success", remove_label="success"), (
        again.explain()
    )
    assert state["issues"][str(number)]["labels"] == []
    assert world.fake.violations == []


def test_schedule_opens_one_retraining_pull_request_then_updates_it(world: World) -> None:
    event = {"schedule": "0 6 * * 1"}
    first = world.act("schedule", workflow="mlci-drift.yml", payload=event)
    assert first.returncode == 0, first.explain()
    assert first.jobs == {"drift": "success", "retrain": "success"}, first.explain()
    repo = world.fake.state.data["repos"][REPOSITORY]
    pulls = [p for p in repo["pulls"].values() if p["head"] == "mlci/retrain"]
    assert len(pulls) == 1
    current = (world.repo / "data" / "current.csv").read_text()
    assert world.fake.state.file_at(REPOSITORY, "mlci/retrain", "data/reference.csv") == current
    assert [d["workflow"] for d in repo["dispatches"]] == ["mlci-train.yml"]

    # Production data moves on: a smaller sample next time (the fetch command changes,
    # so the workflows are regenerated). The same pull request gets the new data.
    config = world.repo / "mlci.yaml"
    text = config.read_text()
    assert "command: python fetch_current.py\n" in text
    config.write_text(
        text.replace(
            "command: python fetch_current.py\n",
            "command: python fetch_current.py && sed -i '1501,$d' data/current.csv\n",
        )
    )
    done = subprocess.run(["mlci", "generate"], cwd=world.repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    git(world.repo, "commit", "-qam", "fetch less")
    second = world.act("schedule", workflow="mlci-drift.yml", payload=event)
    assert second.jobs == {"drift": "success", "retrain": "success"}, second.explain()
    pulls = [p for p in repo["pulls"].values() if p["head"] == "mlci/retrain"]
    assert len(pulls) == 1
    updated = world.fake.state.file_at(REPOSITORY, "mlci/retrain", "data/reference.csv")
    assert updated is not None
    assert updated.splitlines() == current.splitlines()[:1500]
    assert world.fake.violations == []


def test_workflow_dispatch_with_inputs_trains(world: World) -> None:
    run = world.act(
        "workflow_dispatch",
        workflow="mlci-train.yml",
        inputs={"reason": "e2e check", "require-gpu": "false", "command": "python train.py"},
    )
    assert run.returncode == 0, run.explain()
    assert run.jobs == train_jobs(world, train="success", data_check="success"), run.explain()
    assert "note why this run: success" in steps_of(run, "train")
    assert "python train.py" in run.log
