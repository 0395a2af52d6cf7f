from __future__ import annotations

import pytest
import yaml
from tests.workflows.configs import FORKS_NEVER, GPU_LABELS, MATRIX, MINIMAL, PINNED

from mlci.config import parse_config
from mlci.errors import ConfigError
from mlci.workflows import render_files, split_header
from mlci.workflows.render import custom_labels, digest_of


def rendered(text: str) -> dict[str, str]:
    return {f.path: f.text for f in render_files(parse_config(text))}


def workflow(text: str, name: str) -> dict:
    return yaml.safe_load(rendered(text)[f".github/workflows/{name}"])


def test_every_file_records_the_digest_of_its_body() -> None:
    for text in rendered(MINIMAL).values():
        digest, body = split_header(text)
        assert digest == digest_of(body)


def test_minimal_config_has_no_drift_workflow() -> None:
    assert sorted(rendered(MINIMAL)) == [
        ".github/actionlint.yaml",
        ".github/workflows/mlci-ci.yml",
        ".github/workflows/mlci-release.yml",
        ".github/workflows/mlci-report.yml",
        ".github/workflows/mlci-train.yml",
        ".github/zizmor.yml",
    ]


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_gpu_job_is_guarded_timed_and_serialised(name: str) -> None:
    config = parse_config(MATRIX[name])
    train = workflow(MATRIX[name], "mlci-train.yml")["jobs"]["train"]
    assert train["runs-on"] == list(config.train.runner)
    assert train["timeout-minutes"] == config.train.timeout_minutes
    assert train["concurrency"]["cancel-in-progress"] is False
    assert "github.event.pull_request.head.repo.full_name == github.repository" in train["if"]
    assert train["permissions"] == {"contents": "read"}
    steps = train["steps"]
    assert steps[0]["run"] == steps[-1]["run"] == "find . -mindepth 1 -delete"
    assert steps[-1]["if"] == "always()"
    checkout = next(s for s in steps if "checkout" in s.get("uses", ""))
    assert checkout["with"]["persist-credentials"] is False


def test_fork_label_is_the_only_way_for_forks_when_allowed() -> None:
    train = workflow(MINIMAL, "mlci-train.yml")["jobs"]["train"]
    assert (
        "|| (github.event.action == 'labeled' && github.event.label.name == 'safe-to-train')"
        in train["if"]
    )


def test_forks_never_train_when_disallowed_and_the_label_is_escaped() -> None:
    jobs = workflow(FORKS_NEVER, "mlci-train.yml")["jobs"]
    condition = jobs["train"]["if"]
    assert condition == (
        "github.event_name != 'pull_request_target' || "
        "(github.event.pull_request.head.repo.full_name == github.repository\n"
        "    && (github.event.action != 'labeled' || "
        "github.event.label.name == 'ok to ''train'''))"
    )
    assert "push the branch to this repository" in jobs["awaiting-approval"]["steps"][0]["run"]


def test_require_gpu_makes_the_preflight_strict() -> None:
    steps = workflow(GPU_LABELS, "mlci-train.yml")["jobs"]["train"]["steps"]
    preflight = next(s for s in steps if s.get("name") == "GPU preflight")
    assert preflight["env"] == {"REQUIRE_GPU": "true"}
    assert (
        "require-gpu"
        not in workflow(GPU_LABELS, "mlci-train.yml")[True]["workflow_dispatch"]["inputs"]
    )


def test_custom_labels_go_to_actionlint_config() -> None:
    assert custom_labels(parse_config(GPU_LABELS)) == ("a100-80gb", "gpu")
    config = yaml.safe_load(rendered(GPU_LABELS)[".github/actionlint.yaml"])
    assert config == {"self-hosted-runner": {"labels": ["a100-80gb", "gpu"]}}


def test_pinned_config_uses_shas_everywhere() -> None:
    files = rendered(PINNED)
    assert ".github/zizmor.yml" not in files
    train = files[".github/workflows/mlci-train.yml"]
    assert "uses: actions/checkout@89abcdef0123456789abcdef0123456789abcdef # v6.1.0" in train
    assert (
        "uses: acme/mlci/actions/train@0123456789abcdef0123456789abcdef01234567 # v0.1.0" in train
    )
    uses = [line.split("uses: ")[1] for line in train.splitlines() if "uses: " in line]
    assert uses and all("@" in u and len(u.split("@")[1].split(" ")[0]) == 40 for u in uses)


def test_pinning_without_the_sha_of_mlci_names_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("github: {pin_actions: true}\n")
    assert caught.value.message == (
        "mlci.yaml line 1: github.pins: no commit SHA for mlci-dev/mlci"
        " while github.pin_actions is true"
    )


def test_a_short_sha_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"github.pins.actions/checkout: 'abc123' is not"):
        parse_config("github: {pins: {actions/checkout: abc123}}\n")


def test_drift_workflow_uses_schedule_and_least_privilege() -> None:
    from tests.workflows.configs import CUSTOM_SCHEDULE

    drift = workflow(CUSTOM_SCHEDULE, "mlci-drift.yml")
    assert drift[True]["schedule"] == [{"cron": "17 3 * * *"}]
    assert drift["jobs"]["drift"]["permissions"] == {"contents": "read"}
    assert drift["jobs"]["retrain"]["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "actions": "write",
    }
    retrain_step = drift["jobs"]["retrain"]["steps"][-1]
    assert retrain_step["with"]["dispatch"] == "train-on-branch.yml"
    assert drift["jobs"]["drift"]["runs-on"] == ["ubuntu-24.04"]
    assert drift["jobs"]["retrain"]["runs-on"] == "ubuntu-latest"  # it holds a write token


def test_report_workflow_never_checks_out_code() -> None:
    report = rendered(MINIMAL)[".github/workflows/mlci-report.yml"]
    assert "checkout" not in report
    assert "workflow_run:" in report


def test_the_release_workflow_carries_every_file_the_later_jobs_need() -> None:
    from tests.workflows.configs import DEPLOY

    release = workflow(DEPLOY, "mlci-release.yml")
    train = release["jobs"]["train"]
    upload = next(s for s in train["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["path"].splitlines() == [
        ".mlci/runs",
        "validation.json",
        "models/model.onnx",
        "models/tokenizer.json",
        "metrics.json",
        "eval/scores.json",
        "plots",
        "data/reference.profile.json",
    ]
    assert upload["with"]["if-no-files-found"] == "error"
    assert train["runs-on"] == ["self-hosted", "linux", "x64", "gpu"]
    assert [s["name"] for s in train["steps"]][-3:] == [
        "validate",
        "upload the run, the model and its files",
        "clean the workspace",
    ]
    validate = next(s for s in train["steps"] if s.get("name") == "validate")
    assert "args=(--json validation.json)" in validate["run"]
    assert train["outputs"] == {"gate-passed": "${{ steps.validate.outputs.gate-passed }}"}
    # The publish job runs no project code: no install step.
    publish = [s["name"] for s in release["jobs"]["publish"]["steps"]]
    assert "install the project" not in publish
    assert publish[-1] == "attest the model's provenance"
    assert release["jobs"]["promote"]["name"] == "promote to prod"
    assert release["jobs"]["deploy"]["runs-on"] == ["ubuntu-24.04"]
    assert (
        "# push the stage tag churn/model#prod#<n>"
        in rendered(DEPLOY)[".github/workflows/mlci-release.yml"]
    )


def test_no_model_file_means_no_attestation_and_no_deploy_without_environment() -> None:
    release = workflow("project: tiny\ntrain: {model: null}\n", "mlci-release.yml")
    publish = release["jobs"]["publish"]
    assert publish["permissions"] == {"contents": "write"}
    assert not any("attest" in s.get("uses", "") for s in publish["steps"])
    assert set(release["jobs"]) == {"train", "publish"}
    off = workflow("project: tiny\nrelease: {attest: false}\n", "mlci-release.yml")
    assert off["jobs"]["publish"]["permissions"] == {"contents": "write"}


def test_the_training_workflow_names_the_base_branch_and_leaves_pushes_alone() -> None:
    train = workflow(MINIMAL, "mlci-train.yml")
    assert "push" not in train[True]
    job = train["jobs"]["train"]
    assert job["env"]["MLCI_BASE"] == "${{ github.event.pull_request.base.sha || '' }}"
    assert job["env"]["MLCI_BASE_BRANCH"] == "${{ github.event.pull_request.base.ref || '' }}"
    for name in ("validate", "report"):
        step = next(s for s in job["steps"] if s.get("name") == name)
        assert step["with"]["base-branch"] == "${{ env.MLCI_BASE_BRANCH }}", name
