"""`mlci release`, `mlci promote` and `mlci releases` on a real git repository,
read back by the installed `gto` CLI."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mlci.cli import cli
from mlci.gitutil import run_git

from .conftest import Project


def outputs(path: Path) -> dict[str, str]:
    """The Actions outputs written to GITHUB_OUTPUT (name<<DELIM / value / DELIM)."""
    lines = path.read_text().splitlines() if path.exists() else []
    values = {}
    for i, line in enumerate(lines):
        if "<<ghadelimiter_" in line:
            values[line.split("<<")[0]] = lines[i + 1]
    return values


@pytest.fixture
def mlci(project: Project, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    output = tmp_path / "github-output.txt"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))

    def run(*args: str, code: int = 0):  # type: ignore[no-untyped-def]
        output.write_text("")
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == code, result.output
        return result, outputs(output)

    return run


def at(project: Project, seconds: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Tag dates one minute apart: GTO orders a version's stage events by tag date."""
    stamp = f"2025-01-01T00:{seconds:02d}:00+00:00"
    monkeypatch.setenv("GIT_COMMITTER_DATE", stamp)


def gto_show(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["gto", "show", *args], cwd=root, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_first_release_is_an_annotated_v0_1_0_tag_with_its_card(project, mlci):
    record = project.train(0.8)
    result, out = mlci("release", "--local")
    assert out == {
        "tag": "churn@v0.1.0",
        "version": "v0.1.0",
        "model-path": "model.joblib",
        "created": "true",
        "release-url": "",
    }
    assert result.output.startswith(f"released churn@v0.1.0 on {record.commit[:12]} as a local")
    kind = run_git(project.root, "cat-file", "-t", "churn@v0.1.0").strip()
    assert kind == "tag"  # annotated, as gto register makes it
    assert run_git(project.root, "rev-parse", "churn@v0.1.0^{commit}").strip() == record.commit
    card = (project.root / ".mlci/release/churn@v0.1.0/model-card.md").read_text()
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["model-index"][0]["results"][0]["metrics"][0] == {
        "type": "accuracy",
        "value": 0.8,
        "name": "accuracy",
    }
    plan = json.loads((project.root / ".mlci/release/churn@v0.1.0/plan.json").read_text())
    assert [a["name"] for a in plan["assets"]] == ["model.joblib", "model-card.md"]
    assert gto_show(project.root, "churn", "--version") == "v0.1.0"


def test_release_again_on_the_same_commit_makes_nothing_new(project, mlci):
    project.train(0.8)
    mlci("release", "--local")
    result, out = mlci("release", "--local")
    assert out["created"] == "false" and out["tag"] == "churn@v0.1.0"
    assert "was released already: nothing new" in result.output
    assert run_git(project.root, "tag").split() == ["churn@v0.1.0"]


def test_next_release_bumps_and_compares_with_the_previous_one(project, mlci):
    project.train(0.8, loss=0.5)
    mlci("release", "--local")
    project.train(0.85, loss=0.6)
    _, out = mlci("release", "--local")
    assert out["tag"] == "churn@v0.1.1"
    card = (project.root / ".mlci/release/churn@v0.1.1/model-card.md").read_text()
    assert "Compared with the previous release `churn@v0.1.0`." in card
    assert "| `accuracy` | 0.85 | 0.8 | rose by 0.05 (better) |" in card
    assert "| `loss` | 0.6 | 0.5 | rose by 0.1 (worse) |" in card
    project.train(0.9)
    _, out = mlci("release", "--local", "--bump", "minor")
    assert out["tag"] == "churn@v0.2.0"


def test_a_failed_gate_refuses_with_exit_1(project, mlci):
    project.train(0.5)
    result, _ = mlci("release", "--local", code=1)
    assert "1 gate(s) failed (accuracy): the model is not released" in result.output
    assert run_git(project.root, "tag") == ""


def test_a_failed_validation_file_refuses_with_exit_1(project, mlci):
    project.train(0.9)
    validation = {
        "schema": "mlci.validation/v1",
        "passed": False,
        "baseline": "run record of main",
        "errors": [],
        "results": [
            {"metric": "roc_auc", "rule": "max_drop", "status": "fail", "message": "fell 0.1"}
        ],
    }
    (project.root / "validation.json").write_text(json.dumps(validation))
    result, _ = mlci("release", "--local", "--validation", "validation.json", code=1)
    assert "gate(s) failed (roc_auc)" in result.output


def test_a_failed_training_run_is_exit_1_and_no_record_is_exit_2(project, mlci):
    result, _ = mlci("release", "--local", code=2)
    assert "no run record" in result.output
    project.train(0.9, status="failed")
    result, _ = mlci("release", "--local", code=1)
    assert "did not succeed (status failed): nothing to release" in result.output


def test_a_run_on_uncommitted_changes_is_exit_2(project, mlci):
    project.train(0.9, dirty=True)
    result, _ = mlci("release", "--local", code=2)
    assert "trained on uncommitted changes" in result.output


def test_a_missing_model_file_is_exit_2(project, mlci):
    project.train(0.9)
    (project.root / "model.joblib").unlink()
    result, _ = mlci("release", "--local", code=2)
    assert "Error: model.joblib: file not found (train.model in mlci.yaml)." in result.output


def test_an_asset_over_githubs_limit_is_exit_2_before_any_tag(project, mlci, monkeypatch):
    import mlci.release.plan as plan

    project.train(0.9, model=b"x" * 100)
    monkeypatch.setattr(plan, "MAX_ASSET_BYTES", 100)
    result, _ = mlci("release", "--local", code=2)
    assert "model.joblib: 100 bytes, over GitHub's limit for a release asset" in result.output
    assert run_git(project.root, "tag") == ""


def test_too_many_assets_is_exit_2(project, mlci, monkeypatch):
    import mlci.release.plan as plan

    project.train(0.9)
    monkeypatch.setattr(plan, "MAX_ASSETS", 1)
    result, _ = mlci("release", "--local", code=2)
    assert "2 release files, over GitHub's limit of 1" in result.output


def test_a_model_folder_is_zipped_the_same_way_every_time(project, mlci):
    config = (project.root / "mlci.yaml").read_text().replace("model.joblib", "model_dir")
    (project.root / "mlci.yaml").write_text(config)
    (project.root / "model_dir" / "sub").mkdir(parents=True)
    (project.root / "model_dir" / "weights.bin").write_bytes(b"w" * 10)
    (project.root / "model_dir" / "sub" / "config.json").write_text("{}")
    project.train(0.9)
    _, out = mlci("release", "--local")
    archive = project.root / ".mlci/release/churn@v0.1.0/model_dir.zip"
    assert out["model-path"] == ".mlci/release/churn@v0.1.0/model_dir.zip"
    first = archive.read_bytes()
    assert zipfile.ZipFile(archive).namelist() == ["sub/config.json", "weights.bin"]
    archive.unlink()
    mlci("release", "--local")
    assert archive.read_bytes() == first


def test_dry_run_writes_the_card_and_the_plan_to_the_outbox(project, mlci):
    project.train(0.9)
    result, out = mlci("release")
    outbox = project.root / ".mlci/outbox"
    assert result.output.splitlines() == [
        "dry run (no GITHUB_TOKEN): nothing was sent to GitHub; wrote "
        ".mlci/outbox/release-churn-v0.1.0.md",
        f"would release churn@v0.1.0 on {project_commit(project)} with 2 assets",
    ]
    plan = json.loads((outbox / "release-churn-v0.1.0.json").read_text())
    assert plan["tag"] == "churn@v0.1.0"
    model = plan["assets"][0]
    assert (model["name"], model["size"]) == ("model.joblib", 11)
    assert len(model["sha256"]) == 64
    assert (outbox / "release-churn-v0.1.0.md").read_text().startswith("---\nlicense: mit\n")
    assert run_git(project.root, "tag") == "" and out["created"] == "true"


def project_commit(project: Project) -> str:
    return run_git(project.root, "rev-parse", "HEAD").strip()[:12]


def test_promote_then_roll_back_as_gto_sees_it(project, mlci, monkeypatch):
    at(project, 1, monkeypatch)
    project.train(0.8)
    mlci("release", "--local")
    at(project, 2, monkeypatch)
    project.train(0.85)
    mlci("release", "--local")
    at(project, 3, monkeypatch)
    result, out = mlci("promote", "churn@v0.1.0", "--stage", "prod", "--local")
    assert out == {
        "stage-tag": "churn#prod#1",
        "version": "v0.1.0",
        "stage": "prod",
        "created": "true",
    }
    at(project, 4, monkeypatch)
    result, out = mlci("promote", "churn@v0.1.1", "--stage", "prod", "--local")
    assert out["stage-tag"] == "churn#prod#2"
    assert "(was v0.1.0)" in result.output
    assert gto_show(project.root, "churn#prod", "--version") == "v0.1.1"
    assert run_git(project.root, "cat-file", "-t", "churn#prod#2").strip() == "tag"
    # Rollback: v0.1.0 back to prod; gto show (semver order) must name it.
    at(project, 5, monkeypatch)
    result, out = mlci("promote", "churn@v0.1.0", "--stage", "prod", "--local")
    assert result.output.splitlines()[0] == (
        "churn@v0.1.0 is now in prod: churn#prod#3, churn#prod!#4 (was v0.1.1)"
    )
    assert gto_show(project.root, "churn#prod", "--version") == "v0.1.0"
    at(project, 6, monkeypatch)
    result, out = mlci("promote", "churn@v0.1.0", "--stage", "prod", "--local")
    assert out["created"] == "false" and "is in prod already: no new tag" in result.output
    listed = json.loads(mlci("releases", "list", "--json")[0].output)
    assert [(v["version"], v["stages"]) for v in listed["versions"]] == [
        ("v0.1.1", []),
        ("v0.1.0", ["prod"]),
    ]


def test_promote_refuses_unknown_versions_and_stages(project, mlci):
    project.train(0.8)
    mlci("release", "--local")
    result, _ = mlci("promote", "churn@v0.9.0", "--stage", "prod", "--local", code=2)
    assert "churn@v0.9.0: no such version in local git (released: v0.1.0)" in result.output
    result, _ = mlci("promote", "churn@v0.1.0", "--stage", "qa", "--local", code=2)
    assert "--stage qa: not one of release.stages (dev, staging, prod)" in result.output
    result, _ = mlci("promote", "other@v0.1.0", "--stage", "prod", "--local", code=2)
    assert "model 'other' is not this repository's model 'churn'" in result.output
    result, _ = mlci("promote", "churn-0.1.0", "--stage", "prod", "--local", code=2)
    assert "is not a version tag of the form <model>@v<semver>" in result.output


def test_promote_without_token_is_a_dry_run(project, mlci):
    project.train(0.8)
    mlci("release", "--local")
    result, _ = mlci("promote", "churn@v0.1.0", "--stage", "dev")
    assert result.output.startswith("dry run (no GITHUB_TOKEN): nothing was sent to GitHub")
    entry = json.loads((project.root / ".mlci/outbox/promote-churn-v0.1.0-dev.json").read_text())
    assert [t["name"] for t in entry["tags"]] == ["churn#dev#1"]
    assert run_git(project.root, "tag").split() == ["churn@v0.1.0"]


def test_releases_show(project, mlci):
    record = project.train(0.8)
    mlci("release", "--local")
    mlci("promote", "churn@v0.1.0", "--stage", "staging", "--local")
    result, _ = mlci("releases", "show", "churn@v0.1.0")
    assert result.output.splitlines() == [
        f"churn@v0.1.0 on commit {record.commit}",
        "stages: staging",
    ]
    shown = json.loads(mlci("releases", "show", "churn@v0.1.0", "--json")[0].output)
    assert shown["stages"] == ["staging"] and shown["release"] is None
    result, _ = mlci("releases", "show", "churn@v1.0.0", code=2)
    assert "churn@v1.0.0: no such version in local git" in result.output


def test_an_mlflow_failure_is_exit_3_after_the_release_exists(project, mlci, monkeypatch):
    import mlci.tracking.mlflow as tracking
    from mlci.errors import ServiceError

    config = (project.root / "mlci.yaml").read_text()
    (project.root / "mlci.yaml").write_text(
        config + "tracking:\n  mlflow: {uri: http://mlflow.invalid}\n"
    )
    project.train(0.9)
    calls = []

    def refuse(config, record, tag, model_path):  # type: ignore[no-untyped-def]
        calls.append((tag, model_path.name))
        raise ServiceError("MLflow at http://mlflow.invalid is unreachable", "check it")

    monkeypatch.setattr(tracking, "register_version", refuse)
    result, out = mlci("release", "--local", code=3)
    assert calls == [("churn@v0.1.0", "model.joblib")]
    assert out["created"] == "true"  # the outputs are set before the failure is raised
    assert run_git(project.root, "tag").split() == ["churn@v0.1.0"]
    assert result.output.splitlines()[-1] == (
        "Error: MLflow registry: MLflow at http://mlflow.invalid is unreachable "
        "(the release churn@v0.1.0 itself is done). Fix: check tracking.mlflow.uri and the "
        "MLflow server, then run `mlci release` again: what exists is kept"
    )
