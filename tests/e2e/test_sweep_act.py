"""A sweep, end to end with act: the training workflow lists three candidates, trains
each in a job of the matrix, gathers their records in the collecting job, and the
report workflow posts one comment with the candidates' table on the fake pull request.

act runs a matrix from a job's outputs (`fromJSON(needs.candidates.outputs...)`), each
matrix job in a folder of its own, at most max-parallel at once (3 here: one wave). Most
of its few minutes go to the fresh mlci environment every job installs (about 35 s).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from tests.e2e.conftest import World
from tests.e2e.harness import REPOSITORY, git
from tests.e2e.test_act import mlci_comments, pull_request_event, workflow_run_event

pytestmark = pytest.mark.e2e

SWEEP = "  sweep: {model.max_depth: [2, 4, 8]}\n  select: {metric: roc_auc}\n  max_parallel: 3\n"
IDS = ["c1", "c2", "c3"]
DEPTHS = {"c1": 2, "c2": 4, "c3": 8}


@pytest.fixture
def sweep_world(world: World) -> World:
    """The example with a sweep of three on the default branch, then a feature branch."""
    config = world.repo / "mlci.yaml"
    text = config.read_text()
    assert "  timeout_minutes: 30\n" in text
    config.write_text(text.replace("  timeout_minutes: 30\n", "  timeout_minutes: 30\n" + SWEEP))
    # Fewer trees: three trainings (and a work copy each) on two cores, quickly.
    params = world.repo / "params.yaml"
    params.write_text(params.read_text().replace("n_estimators: 120", "n_estimators: 30"))
    done = subprocess.run(["mlci", "generate"], cwd=world.repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    git(world.repo, "add", "-A")
    git(world.repo, "commit", "-qm", "sweep three depths")
    world.main_sha = git(world.repo, "rev-parse", "HEAD")
    git(world.repo, "checkout", "-q", "-b", "feature")
    return world


def candidate_record(world: World, candidate: str) -> dict[str, Any]:
    path = world.artifacts / f"candidate-{candidate}" / candidate / "run.json"
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def test_a_sweep_trains_three_candidates_and_posts_one_table(sweep_world: World) -> None:
    world = sweep_world
    number = world.fake.state.add_pull(REPOSITORY, head="feature")["number"]
    head = git(world.repo, "rev-parse", "HEAD")
    listed = subprocess.run(
        ["mlci", "sweep", "--list", "--json"], cwd=world.repo, capture_output=True, text=True
    )
    assert [c["id"] for c in json.loads(listed.stdout)] == IDS, listed.stderr

    run = world.act(
        "pull_request_target",
        workflow="mlci-train.yml",
        payload=pull_request_event(world, number),
        timeout=900,
    )
    assert run.returncode == 0, run.explain()
    assert run.jobs == {
        "data-check": "success",
        "candidates": "success",
        "train": "success",
        "collect": "success",
        "awaiting-approval": "skipped",
        "remove-label": "skipped",
    }, run.explain()
    # Three matrix jobs, each trained and uploaded its own record.
    train_steps = run.steps["train"]
    assert train_steps.count("train the candidate: success") == 3, run.explain()
    records = {c: candidate_record(world, c) for c in IDS}
    for candidate, record in records.items():
        assert record["status"] == "succeeded", record
        assert record["candidate"] == {
            "id": candidate,
            "params": {"model.max_depth": DEPTHS[candidate]},
        }
        assert record["git"]["commit"] == head
    assert "mlci-model-c1" in {p.name for p in world.artifacts.iterdir()}

    # The collecting job's report, posted by mlci-report.yml as the one comment.
    report = world.artifacts / "mlci-report"
    assert (report / "pr-number").read_text() == f"{number}\n"
    assert (report / "head-sha").read_text() == f"{head}\n"
    assert (report / "outcome").read_text() == "success\n"
    posted = world.act(
        "workflow_run",
        workflow="mlci-report.yml",
        payload=workflow_run_event(world, number, "feature"),
    )
    assert posted.jobs == {"post": "success"}, posted.explain()
    (comment,) = mlci_comments(world, number)
    body = comment["body"]

    # The best by roc_auc, computed here from the three records, is the marked one.
    auc = {c: r["metrics"]["metrics.json"]["roc_auc"] for c, r in records.items()}
    best = max(IDS, key=lambda c: (auc[c], -IDS.index(c)))
    rows = {
        line.split("|")[1].strip(): line
        for line in body.splitlines()
        if line.startswith("| c") and "succeeded" in line
    }
    assert sorted(key.replace(" ⭐", "") for key in rows) == IDS, body
    marked = [key for key in rows if "⭐" in key]
    assert marked == [f"{best} ⭐"], body
    for candidate in IDS:
        assert f"| {DEPTHS[candidate]} |" in rows[candidate if candidate != best else marked[0]]
    assert f"**{best}** is the best by `roc_auc`" in body
    # The gates were applied to the selected candidate: its roc_auc is in the gate table.
    gate_rows = [line for line in body.splitlines() if line.startswith("| roc_auc | min |")]
    assert gate_rows, body
    gated = float(gate_rows[0].split("|")[4])
    assert min(IDS, key=lambda c: abs(auc[c] - gated)) == best, (gated, auc)
    checks = world.fake.state.data["repos"][REPOSITORY]["check_runs"]
    assert [(c["name"], c["head_sha"], c["conclusion"]) for c in checks.values()] == [
        ("mlci report", head, "success")
    ]
    assert world.fake.violations == []
    print(f"act: training workflow {run.seconds:.0f} s, report workflow {posted.seconds:.0f} s")
