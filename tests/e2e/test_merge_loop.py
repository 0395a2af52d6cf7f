"""The merge loop end to end: a push to main with act, then a pull request against it.

The push runs `mlci-release.yml` (train, publish, deploy, promote) against the GitHub
fake; the pull request's training then finds that baseline on the records branch.

Two things differ from GitHub, on purpose:
- act does not hold a job for its GitHub Environment's required reviewers (it knows no
  protection rules): the deploy job runs at once. The test asserts that the job
  declares its environment, which is what makes GitHub wait.
- act does not fetch from GitHub. The push is copied into the fake first, as `git push`
  would (`gitsync.push_branch`), and after the release the records branch the fake
  holds is written into the test repository's refs, object by object with the same
  SHAs, as `git fetch` would (`gitsync.fetch_branch`). The checkout stand-in clones
  the test repository, so the pull request's training sees
  `refs/remotes/origin/mlci/records`, where `fetch-depth: 0` puts it on GitHub.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.e2e.conftest import World
from tests.e2e.gitsync import fetch_branch, push_branch
from tests.e2e.harness import REPOSITORY, git
from tests.e2e.test_act import pull_request_event

pytestmark = pytest.mark.e2e

MODEL = "churn-example"
TAG = f"{MODEL}@v0.1.0"
DEPLOY = """\
deploy:
  environment: production
  # The test's stand-in for a deploy: note what the job got, and check the model is there.
  command: |
    test -f "$MLCI_MODEL_PATH"
    printf '%s\\n' "$MLCI_MODEL_PATH" "$MLCI_MODEL_VERSION" "$MLCI_MODEL_TAG" \\
      > "$MLCI_E2E_ARTIFACTS/deployed.txt"
  stage: prod
"""


def push_event(world: World, head: str, before: str) -> dict[str, Any]:
    owner, name = REPOSITORY.split("/")
    return {
        "ref": "refs/heads/main",
        "before": before,
        "after": head,
        "head_commit": {"id": head, "message": git(world.repo, "log", "-1", "--format=%s")},
        "repository": {
            "full_name": REPOSITORY,
            "name": name,
            "owner": {"login": owner},
            "default_branch": "main",
        },
        "pusher": {"name": "octocat"},
    }


def with_deploy(world: World) -> None:
    """The example's mlci.yaml with a deploy job, its workflows generated and committed."""
    config = world.repo / "mlci.yaml"
    config.write_text(config.read_text() + DEPLOY)
    done = subprocess.run(["mlci", "generate"], cwd=world.repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    git(world.repo, "add", "-A")
    git(world.repo, "commit", "-qm", "deploy to production")


def record_on_fake(world: World, commit: str) -> dict[str, Any] | None:
    text = world.fake.state.file_at(REPOSITORY, "mlci/records", f"records/{commit}.json")
    return None if text is None else json.loads(text)


def files_on(world: World, branch: str) -> list[str]:
    from tests.github_fake import gitobjects

    repo = world.fake.state.data["repos"][REPOSITORY]
    commit = repo["objects"][repo["refs"][f"refs/heads/{branch}"]]
    return sorted(gitobjects.flatten(repo["objects"], commit["tree"]))


def test_a_push_to_main_publishes_releases_deploys_then_a_pull_request_compares(
    world: World,
) -> None:
    with_deploy(world)
    # The metrics are an output of training, never committed: the baseline must come
    # from the records branch, not from a metrics file in git.
    tracked = git(world.repo, "ls-files").splitlines()
    assert "metrics.json" not in tracked and "model.joblib" not in tracked
    head = push_branch(world.repo, world.fake, REPOSITORY, "main")

    pushed = world.act(
        "push", workflow="mlci-release.yml", payload=push_event(world, head, "0" * 40)
    )
    assert pushed.returncode == 0, pushed.explain()
    assert pushed.jobs == {
        "train": "success",
        "publish": "success",
        "deploy": "success",
        "promote": "success",
    }, pushed.explain()
    steps = pushed.steps["publish"]
    for step in ("publish the run record as the baseline", "release the model"):
        assert f"{step}: success" in steps, pushed.explain()
    assert "attest the model's provenance: success" in steps, pushed.explain()

    # The baseline: the run record of the pushed commit on the records branch, with its
    # plot data beside it; main itself is untouched.
    record = record_on_fake(world, head)
    assert record is not None, world.fake.state.data["repos"][REPOSITORY]["refs"]
    assert record["git"]["commit"] == head
    assert record["metrics"]
    repo = world.fake.state.data["repos"][REPOSITORY]
    assert repo["refs"]["refs/heads/main"] == head
    records = files_on(world, "mlci/records")
    assert any(path.startswith(f"records/{head}/") for path in records), records

    # The release: the GTO tag on the pushed commit, the model card as the body, assets.
    tags = world.fake.state.tags(REPOSITORY)
    assert TAG in tags, sorted(tags)
    release = world.fake.state.release(REPOSITORY, TAG)
    assert release is not None
    card = world.fake.state.asset_bytes(REPOSITORY, TAG, "model-card.md").decode()
    assert release["body"].strip() == card.strip()
    assert MODEL in card
    assets = {asset["name"] for asset in release["assets"]}
    assert {"model.joblib", "model-card.md"} <= assets, assets
    model = world.fake.state.asset_bytes(REPOSITORY, TAG, "model.joblib")

    # The attestation stand-in saw the released model file.
    digest, subject = (world.artifacts / "attestation.txt").read_text().split()
    assert digest == hashlib.sha256(model).hexdigest()
    assert Path(subject).name == "model.joblib"

    # The deploy job got the release through env:, and declared its environment (the
    # required reviewers of "production" would hold it on GitHub; act does not wait).
    workflow = yaml.safe_load((world.repo / ".github/workflows/mlci-release.yml").read_text())
    assert workflow["jobs"]["deploy"]["environment"] == "production"
    path, version, tag = (world.artifacts / "deployed.txt").read_text().splitlines()
    assert (Path(path).name, version, tag) == ("model.joblib", "v0.1.0", TAG)
    # Then the deployed version was promoted: GTO's stage tag.
    assert f"{MODEL}#prod#1" in world.fake.state.tags(REPOSITORY), sorted(tags)
    assert world.fake.violations == []

    # A commit lands on main without a release of its own (a waiting run superseded):
    # a pull request on top of it compares with the nearest recorded ancestor.
    (world.repo / "NOTES.md").write_text("A note.\n")
    git(world.repo, "add", "NOTES.md")
    git(world.repo, "commit", "-qm", "a note")
    base = push_branch(world.repo, world.fake, REPOSITORY, "main")
    fetch_branch(world.repo, world.fake, REPOSITORY, "mlci/records")
    git(world.repo, "checkout", "-q", "-b", "feature")
    params = world.repo / "params.yaml"
    params.write_text(params.read_text().replace("n_estimators: ", "n_estimators: 1"))
    git(world.repo, "commit", "-qam", "more trees")
    number = world.fake.state.add_pull(REPOSITORY, head="feature")["number"]
    payload = pull_request_event(world, number)
    payload["pull_request"]["base"]["sha"] = base
    pr = world.act("pull_request_target", workflow="mlci-train.yml", payload=payload)
    assert pr.returncode == 0, pr.explain()
    assert pr.jobs.get("train") == "success", pr.explain()
    report = (world.artifacts / "mlci-report" / "report.md").read_text()
    expected = (
        f"baseline: run record of {head[:7]}, 1 commit before the base `main` ({base[:7]}),"
        " from branch mlci/records"
    )
    assert expected in report, report
    assert world.fake.violations == []
    print(f"act: push {pushed.seconds:.1f} s, pull request {pr.seconds:.1f} s")
