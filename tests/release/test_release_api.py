"""The GitHub backend against the local API fake: tag, release, assets, stages."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from tests.github_fake import DEFAULT_REPO as REPO
from tests.github_fake import DEFAULT_TOKEN, Fault

from mlci.cli import cli
from mlci.config import load_config
from mlci.github.errors import GitHubServiceError
from mlci.github.releases import GitHubTags, publish_github, release_info
from mlci.release.plan import GateSummary, PlanInputs, plan_release
from mlci.release.publish import promote

from .conftest import Project

PASSED = GateSummary(True, "`validation.json`")


def plan_for(project: Project, fake, accuracy: float, **inputs):  # type: ignore[no-untyped-def]
    """A plan for a run whose commit is a commit of the fake's repository."""
    commit = fake.state.push_files(REPO, "main", {"m.txt": str(accuracy)}, "train", "octocat")
    record = project.train(accuracy)
    record = dataclasses.replace(record, git={**record.git, "commit": commit})
    config = load_config(project.root / "mlci.yaml")
    tags = fake_tags(fake)
    return config, plan_release(
        config,
        project.root,
        PlanInputs(
            record=record, gates=PASSED, tags=tags, now="2025-01-02", repository=REPO, **inputs
        ),
    )


def fake_tags(fake):  # type: ignore[no-untyped-def]
    """The tags of the fake's repository as the release plan reads them."""
    from mlci.release.tags import TagRef

    return [TagRef(name, info["commit"]) for name, info in fake.state.tags(REPO).items()]


def test_release_makes_an_annotated_tag_a_release_and_uploads_the_assets(project, fake, client):
    _, plan = plan_for(project, fake, 0.8)
    result = publish_github(client, plan)
    assert (result.tag, result.created, result.release_created) == ("churn@v0.1.0", True, True)
    assert result.uploaded == ("model.joblib", "model-card.md")
    tag = fake.state.tags(REPO)["churn@v0.1.0"]
    assert tag["annotated"] and tag["commit"] == plan.commit
    assert tag["message"].startswith("Registering artifact churn version v0.1.0")
    release = fake.state.release(REPO, "churn@v0.1.0")
    assert release["name"] == "churn v0.1.0" and release["body"] == plan.card
    assert result.release_url.endswith("/releases/tag/churn@v0.1.0")
    model = fake.state.asset_bytes(REPO, "churn@v0.1.0", "model.joblib")
    assert model == (project.root / "model.joblib").read_bytes()
    card = fake.state.asset_bytes(REPO, "churn@v0.1.0", "model-card.md").decode()
    assert card == plan.card
    info = release_info(client, "churn@v0.1.0")
    assert info is not None and [(a.name, a.size) for a in info.assets] == [
        ("model.joblib", 11),
        ("model-card.md", len(plan.card.encode())),
    ]


def test_a_second_run_on_the_same_commit_changes_nothing(project, fake, client):
    _, plan = plan_for(project, fake, 0.8)
    publish_github(client, plan)
    before = json.dumps(fake.state.summary(), sort_keys=True, default=str)
    tags = fake_tags(fake)
    config = load_config(project.root / "mlci.yaml")
    replan = plan_release(
        config,
        project.root,
        PlanInputs(record=_record_of(project, plan), gates=PASSED, tags=tags, now="2025-01-02"),
    )
    assert replan.existing and replan.tag == "churn@v0.1.0"
    result = publish_github(client, replan)
    assert (result.created, result.release_created, result.uploaded) == (False, False, ())
    assert result.already_uploaded == ("model.joblib", "model-card.md")
    assert json.dumps(fake.state.summary(), sort_keys=True, default=str) == before


def _record_of(project: Project, plan):  # type: ignore[no-untyped-def]
    from mlci.train.record import load_run

    record = load_run(project.root, plan.run_id)
    return dataclasses.replace(record, git={**record.git, "commit": plan.commit})


def test_a_rerun_after_a_half_made_release_finishes_it(project, fake, client):
    _, plan = plan_for(project, fake, 0.8)
    fake.add_fault(Fault("POST /repos/{owner}/{repo}/releases/{release_id}/assets", status=403))
    with pytest.raises(GitHubServiceError) as failed:
        publish_github(client, plan)
    assert failed.value.exit_code == 3
    assert "churn@v0.1.0" in fake.state.tags(REPO)  # the tag and release exist, no asset
    assert fake.state.release(REPO, "churn@v0.1.0")["assets"] == []
    result = publish_github(client, dataclasses.replace(plan, existing=True))
    assert (result.created, result.release_created) == (False, False)
    assert result.uploaded == ("model.joblib", "model-card.md")


def test_a_tag_made_by_a_racing_run_is_accepted(project, fake, client):
    _, plan = plan_for(project, fake, 0.8)
    # The other run's tag lands between our look and our write: our ref POST gets 422.
    fake.state.add_tag(REPO, "churn@v0.1.0", plan.commit, message="other run")
    tags = GitHubTags(client, "churn")
    real_find = tags.find
    calls = []

    def blind_first(name):  # type: ignore[no-untyped-def]
        calls.append(name)
        return None if len(calls) == 1 else real_find(name)

    tags.find = blind_first  # type: ignore[method-assign]
    write = tags.create_tag("churn@v0.1.0", plan.commit, "mine")
    assert write.created is False and write.tag.commit == plan.commit
    assert fake.state.tags(REPO)["churn@v0.1.0"]["message"] == "other run"


def test_promote_on_github_creates_the_stage_tag_ref(project, fake, client):
    _, first = plan_for(project, fake, 0.8)
    publish_github(client, first)
    tags = fake_tags(fake)
    config = load_config(project.root / "mlci.yaml")
    commit2 = fake.state.push_files(REPO, "main", {"m.txt": "2"}, "train 2", "octocat")
    record2 = dataclasses.replace(project.train(0.85), git={"commit": commit2, "dirty": False})
    second = plan_release(
        config, project.root, PlanInputs(record=record2, gates=PASSED, tags=tags, now="2025-01-03")
    )
    assert second.tag == "churn@v0.1.1"
    publish_github(client, second)
    backend = GitHubTags(client, "churn")
    result = promote(backend, "churn", "churn@v0.1.1", "prod", config.release.stages)
    assert result.created == ("churn#prod#1",)
    stage = fake.state.tags(REPO)["churn#prod#1"]
    assert stage["annotated"] and stage["commit"] == commit2
    rollback = promote(backend, "churn", "churn@v0.1.0", "prod", config.release.stages)
    assert rollback.created == ("churn#prod#2", "churn#prod!#3")
    assert rollback.stages == {"prod": "v0.1.0"}
    assert fake.state.tags(REPO)["churn#prod!#3"]["commit"] == commit2


def test_releases_list_and_show_remote(project, fake, client, monkeypatch):
    _, plan = plan_for(project, fake, 0.8)
    publish_github(client, plan)
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_TOKEN", DEFAULT_TOKEN)
    listed = CliRunner().invoke(cli, ["releases", "list", "--remote", "--json"])
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.output)
    assert data["source"] == "GitHub"
    assert [(v["version"], v["commit"]) for v in data["versions"]] == [("v0.1.0", plan.commit)]
    shown = CliRunner().invoke(cli, ["releases", "show", "churn@v0.1.0", "--remote"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == f"churn@v0.1.0 on commit {plan.commit}"
    assert lines[2].startswith("release: http") and lines[2].endswith("/releases/tag/churn@v0.1.0")
    assert lines[3] == "  model.joblib (11 bytes)"
