"""`mlci runners audit`: the real CLI, PyGithub over HTTP, the local GitHub fake.

Every response the fake sends is checked against GitHub's schemas (the cut OpenAPI
file and tests/data/github/extra-ops.json for the runner operations).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.github_fake import FakeGitHub, FakeState

from mlci.cli import cli
from mlci.runners.audit import RepositorySettings, RunnerGroup, assess

REPO = "acme/churn"
ADMIN = "ghp_org_owner"  # a personal token of an organisation owner: reads everything
GPU = ["self-hosted", "Linux", "X64", "gpu"]
TRAIN = f"{REPO}/.github/workflows/mlci-train.yml@refs/heads/main"
RELEASE = f"{REPO}/.github/workflows/mlci-release.yml@refs/heads/main"
GPU_WORKFLOWS = "the GPU workflows (mlci-train.yml, mlci-release.yml)"
APPROVAL = f"GET /repos/{REPO}/actions/permissions/fork-pr-contributor-approval"
HEAD = "Runner audit of acme/churn (training labels: self-hosted, linux, x64, gpu)"


def safe_state(*, private: bool = False) -> FakeState:
    """An organisation set up as mlci asks: the GPU group restricted to the GPU workflows."""
    state = FakeState()
    state.add_org("acme")
    state.add_repo(REPO)
    state.set_repo_settings(REPO, private=private, approval_policy="all_external_contributors")
    state.add_token(ADMIN, "octocat")
    cpu = state.runner(1, "cpu-1", ["self-hosted", "Linux", "X64"])
    state.add_runner_group("acme", "Default", default=True, runners=[cpu])
    return state


def gpu_group(state: FakeState, **settings: object) -> dict:
    runners = [state.runner(2, "gpu-1", GPU), state.runner(3, "gpu-2", [*GPU, "a100"])]
    values = {"allows_public_repositories": True, "restricted_to_workflows": True}
    values["selected_workflows"] = [TRAIN, RELEASE]
    values.update(settings)
    return state.add_runner_group("acme", "mlci-gpu", runners=runners, **values)  # type: ignore[arg-type]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def audit(state: FakeState, *args: str, token: str | None = ADMIN):
    with FakeGitHub(state) as fake:
        env = {
            "GITHUB_API_URL": fake.url,
            "GITHUB_TOKEN": token,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_ACTIONS": None,
        }
        result = CliRunner().invoke(cli, ["runners", "audit", *args], env=env)
    assert fake.violations == []
    result.requests = [line.rsplit(" ", 1)[0] for line in fake.requests]  # type: ignore[attr-defined]
    return result


def test_safe_settings_exit_0_and_say_what_was_checked(here: Path) -> None:
    state = safe_state()
    group = gpu_group(state)
    result = audit(state)
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{HEAD}\n"
        f"GPU workflows: {TRAIN}, {RELEASE}\n"
        "SAFE: code from forks cannot reach the GPU runners\n"
        "checked:\n"
        "- repository acme/churn: public\n"
        "- fork pull request approval policy: all_external_contributors\n"
        "- repository runners of acme/churn: none with the labels [self-hosted, linux, x64, gpu]\n"
        "- runner groups of acme: 2, 1 with runners with the labels "
        "[self-hosted, linux, x64, gpu]\n"
        f"- runner group 'mlci-gpu' of acme: restricted to {TRAIN}, {RELEASE}\n"
    )
    assert result.requests == [
        f"GET /repos/{REPO}",
        APPROVAL,
        f"GET /repos/{REPO}/actions/runners?page=1&per_page=100",
        "GET /orgs/acme/actions/runner-groups?page=1&per_page=100",
        f"GET /orgs/acme/actions/runner-groups/{group['id'] - 1}/runners?page=1&per_page=100",
        f"GET /orgs/acme/actions/runner-groups/{group['id']}/runners?page=1&per_page=100",
    ]


def test_the_short_ref_form_of_the_gpu_workflows_is_the_same_workflow(here: Path) -> None:
    state = safe_state()
    short = [
        f"ACME/Churn/.github/workflows/{file}@main"
        for file in ("mlci-train.yml", "mlci-release.yml")
    ]
    gpu_group(state, selected_workflows=short)
    result = audit(state)
    assert result.exit_code == 0, result.output
    assert "notes:" not in result.output


def test_a_group_restricted_to_the_training_workflow_alone_is_safe_with_a_note(
    here: Path,
) -> None:
    state = safe_state()
    group = gpu_group(state, selected_workflows=[TRAIN])
    result = audit(state, "--json", "audit.json")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2] == "SAFE: code from forks cannot reach the GPU runners"
    assert f"- runner group 'mlci-gpu' of acme: restricted to {TRAIN}" in lines
    assert lines[-2:] == [
        "notes:",
        f"- runner group 'mlci-gpu' of acme does not admit {RELEASE}: its GPU job never gets a "
        f"runner from this group; to admit it too: restrict the group to {GPU_WORKFLOWS}: gh "
        f"api -X PATCH orgs/acme/actions/runner-groups/{group['id']} -f name='mlci-gpu' "
        f"-F restricted_to_workflows=true -f 'selected_workflows[]={TRAIN}' "
        f"-f 'selected_workflows[]={RELEASE}' (or organisation Settings > Actions > Runner "
        "groups > mlci-gpu > Workflow access > Selected workflows)",
    ]
    data = json.loads((here / "audit.json").read_text())
    assert data["verdict"] == "safe" and data["findings"] == []
    assert data["training_workflow"] == TRAIN  # kept for readers of the old JSON
    assert data["gpu_workflows"] == [TRAIN, RELEASE]
    assert data["notes"] == [lines[-1][2:]]


def test_a_group_restricted_to_the_release_workflow_alone_notes_the_training_workflow(
    here: Path,
) -> None:
    state = safe_state()
    gpu_group(state, selected_workflows=[RELEASE])
    result = audit(state)
    assert result.exit_code == 0, result.output
    assert f"- runner group 'mlci-gpu' of acme: restricted to {RELEASE}" in result.output
    assert f"- runner group 'mlci-gpu' of acme does not admit {TRAIN}: its GPU job" in (
        result.output
    )


def test_unrestricted_group_exits_1_and_names_the_setting_and_the_command(here: Path) -> None:
    state = safe_state()
    group = gpu_group(state, restricted_to_workflows=False, selected_workflows=[])
    result = audit(state)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[2:6] == [
        "UNSAFE: code from forks can reach the GPU runners",
        "change:",
        "- runner group 'mlci-gpu' of acme: restricted_to_workflows is false",
        "  problem: it holds runners with the training labels (gpu-1, gpu-2), allows public "
        "repositories and lets any of their workflows use it: a pull_request workflow that a "
        "fork edits can run on these runners",
    ]
    assert lines[6] == (
        f"  fix: restrict the group to {GPU_WORKFLOWS}: gh api -X PATCH "
        f"orgs/acme/actions/runner-groups/{group['id']} -f name='mlci-gpu' "
        f"-F restricted_to_workflows=true -f 'selected_workflows[]={TRAIN}' "
        f"-f 'selected_workflows[]={RELEASE}' (or organisation Settings > Actions > Runner "
        "groups > mlci-gpu > Workflow access > Selected workflows)"
    )
    assert lines[-1] == (
        "Error: code from forks can reach the GPU runners of acme/churn: 1 setting(s) to "
        "change. Fix: apply each fix above, then run `mlci runners audit` again"
    )


@pytest.mark.parametrize("gpu", [[TRAIN, RELEASE], [TRAIN]], ids=["both", "train-only"])
def test_a_group_that_also_lets_other_workflows_in_exits_1(here: Path, gpu: list[str]) -> None:
    state = safe_state()
    ci = f"{REPO}/.github/workflows/mlci-ci.yml@refs/heads/main"
    group = gpu_group(state, selected_workflows=[*gpu, ci])
    result = audit(state)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    index = lines.index("- runner group 'mlci-gpu' of acme: selected_workflows")
    assert lines[index + 1 : index + 3] == [
        "  problem: it holds runners with the training labels (gpu-1, gpu-2) and allows public "
        f"repositories, and besides {GPU_WORKFLOWS} it lets {ci} use it",
        # The fix sets the whole list: the other workflow goes, both GPU workflows stay.
        f"  fix: restrict the group to {GPU_WORKFLOWS}: gh api -X PATCH "
        f"orgs/acme/actions/runner-groups/{group['id']} -f name='mlci-gpu' "
        f"-F restricted_to_workflows=true -f 'selected_workflows[]={TRAIN}' "
        f"-f 'selected_workflows[]={RELEASE}' (or organisation Settings > Actions > Runner "
        "groups > mlci-gpu > Workflow access > Selected workflows)",
    ]
    assert "notes:" not in lines  # a finding, not a note, even with the release one missing


@pytest.mark.parametrize("moved", [TRAIN, RELEASE], ids=["train", "release"])
def test_a_gpu_workflow_on_another_branch_is_not_that_workflow(here: Path, moved: str) -> None:
    state = safe_state()
    dev = moved.replace("@refs/heads/main", "@refs/heads/dev")
    gpu_group(state, selected_workflows=[dev if w == moved else w for w in (TRAIN, RELEASE)])
    result = audit(state)
    assert result.exit_code == 1
    assert "- runner group 'mlci-gpu' of acme: selected_workflows" in result.output
    assert f"it lets {dev} use it" in result.output


def test_a_repository_runner_with_the_training_labels_exits_1(here: Path) -> None:
    state = safe_state()
    gpu_group(state)
    state.add_repo_runner(REPO, state.runner(7, "desk-gpu", GPU))
    result = audit(state)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    index = lines.index("- self-hosted runners of the repository acme/churn: desk-gpu")
    assert lines[index + 1 : index + 3] == [
        "  problem: they have the labels [self-hosted, linux, x64, gpu] and belong to no runner "
        "group: every workflow of the repository may use them, including the pull_request runs "
        "of fork pull requests, whose workflow files come from the fork",
        "  fix: remove them (Settings > Actions > Runners, or gh api -X DELETE "
        "repos/acme/churn/actions/runners/7) and register them with the organisation, in a "
        f"runner group restricted to {TRAIN} and {RELEASE} (mlci.yaml: "
        "runners.github_config_url = the "
        "organisation URL, runners.runner_group)",
    ]


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        (
            "first_time_contributors",
            "only first-time contributors need approval: anyone who had one pull request "
            "merged runs workflows without approval ever after",
        ),
        (
            "first_time_contributors_new_to_github",
            "only accounts new to GitHub need approval: anyone else's fork pull request runs "
            "its workflows at once",
        ),
    ],
)
def test_a_weaker_approval_policy_exits_1(here: Path, policy: str, problem: str) -> None:
    state = safe_state()
    gpu_group(state)
    state.set_repo_settings(REPO, approval_policy=policy)
    result = audit(state, "--json", "audit.json")
    assert result.exit_code == 1
    assert result.output.splitlines()[3:7] == [
        "change:",
        f"- fork pull request approval policy of acme/churn: {policy}",
        f"  problem: {problem}",
        "  fix: gh api -X PUT repos/acme/churn/actions/permissions/fork-pr-contributor-approval "
        "-f approval_policy=all_external_contributors (or Settings > Actions > General > "
        "Approval for running fork pull request workflows: Require approval for all external "
        "contributors)",
    ]
    data = json.loads((here / "audit.json").read_text())
    assert data["verdict"] == "unsafe"
    assert data["settings"]["approval_policy"] == policy
    assert [f["setting"] for f in data["findings"]] == [
        f"fork pull request approval policy of acme/churn: {policy}"
    ]


def test_private_repository_says_fork_prs_do_not_run_and_still_checks_groups(here: Path) -> None:
    state = safe_state(private=True)
    gpu_group(state, restricted_to_workflows=False, allows_public_repositories=False)
    result = audit(state)
    assert result.exit_code == 0, result.output
    assert APPROVAL not in result.requests  # GitHub answers 422 for private repositories
    lines = result.output.splitlines()
    assert lines[2] == "SAFE: code from forks cannot reach the GPU runners"
    assert "- runner group 'mlci-gpu' of acme: public repositories may not use it" in lines
    assert (
        "- acme/churn is private: pull requests from its forks run workflows only when "
        "Settings > Actions > General > 'Run workflows from fork pull requests' is enabled, and "
        "the approval policy applies to public repositories only; the runner groups are checked "
        "all the same"
    ) in lines


def test_private_repository_whose_gpu_group_serves_public_repositories_exits_1(
    here: Path,
) -> None:
    state = safe_state(private=True)
    gpu_group(state, restricted_to_workflows=False)
    result = audit(state)
    assert result.exit_code == 1
    assert "- runner group 'mlci-gpu' of acme: restricted_to_workflows is false" in result.output


def test_a_public_repository_cannot_use_a_group_closed_to_public_repositories(here: Path) -> None:
    state = safe_state()
    gpu_group(state, restricted_to_workflows=False, allows_public_repositories=False)
    result = audit(state)
    assert result.exit_code == 0
    assert (
        "- runner group 'mlci-gpu' of acme does not allow public repositories: fork code cannot "
        "reach it, nor can the GPU jobs of this public repository; to use it, restrict it "
        f"to {GPU_WORKFLOWS} first, then allow public repositories"
    ) in result.output.splitlines()


def test_403_on_the_organisation_endpoints_cannot_tell_and_names_the_permission(
    here: Path,
) -> None:
    state = safe_state()
    gpu_group(state, restricted_to_workflows=False)
    state.add_token(
        "ghs_app", "mlci[bot]", installation=True, permissions={"administration": "read"}
    )
    # Contents: read is what GET /repos/{owner}/{repo} needs in the fake.
    state.data["tokens"]["ghs_app"]["permissions"]["contents"] = "read"
    result = audit(state, token="ghs_app")
    assert result.exit_code == 3
    lines = result.output.splitlines()
    assert lines[2:5] == [
        "CANNOT TELL whether code from forks can reach the GPU runners",
        "could not read:",
        "- the runner groups of acme: GitHub answered 403: the token may not read it (GitHub "
        "asks for organization_self_hosted_runners=read)",
    ]
    assert lines[5] == (
        "  needs: Self-hosted runners: read on the organization (classic token: admin:org, as "
        "an organisation owner)"
    )
    assert lines[-1] == (
        "Error: cannot tell whether code from forks can reach the GPU runners of acme/churn: "
        "1 setting(s) could not be read. Fix: run it with a token that has Self-hosted "
        "runners: read on the organization (classic token: admin:org, as an organisation owner)"
    )


def test_a_definite_problem_wins_over_what_could_not_be_read(here: Path) -> None:
    state = safe_state()
    state.set_repo_settings(REPO, approval_policy="first_time_contributors")
    read = {"contents": "read", "administration": "read"}
    state.add_token("ghs_app", "mlci[bot]", installation=True, permissions=read)
    result = audit(state, "--json", token="ghs_app")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == "unsafe"
    assert [u["setting"] for u in data["unreadable"]] == ["the runner groups of acme"]
    assert data["settings"]["runner_groups"] is None
    assert data["settings"]["repository_runners"] == []
    assert result.stderr.startswith("Error: code from forks can reach the GPU runners")


def test_without_administration_the_approval_policy_is_unreadable(here: Path) -> None:
    state = safe_state()
    gpu_group(state)
    state.add_token("ghs_app", "mlci[bot]", installation=True, permissions={"contents": "read"})
    result = audit(state, "--json", token="ghs_app")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["verdict"] == "unknown"
    assert [u["setting"] for u in data["unreadable"]] == [
        "the fork pull request approval policy",
        "the self-hosted runners of acme/churn",
        "the runner groups of acme",
    ]
    assert data["unreadable"][0]["permission"] == (
        "Administration: read on the repository (classic token: repo, as a repository admin)"
    )


def test_runner_group_of_mlci_yaml_is_checked_even_with_no_runner_listed(here: Path) -> None:
    (here / "mlci.yaml").write_text(
        "train:\n  runner: [self-hosted, linux, x64, gpu, a100]\n"
        "runners:\n  runner_group: arc-gpu\n"
    )
    state = safe_state()
    state.add_runner_group("acme", "arc-gpu", allows_public_repositories=True)
    result = audit(state)
    assert result.exit_code == 1
    assert (
        "  problem: it is runners.runner_group of mlci.yaml, allows public repositories and lets "
        "any of their workflows use it: a pull_request workflow that a fork edits can run on "
        "these runners"
    ) in result.output.splitlines()


def test_personal_account_has_no_runner_groups(here: Path) -> None:
    state = FakeState()
    state.add_repo("octocat/churn")
    state.set_repo_settings("octocat/churn", approval_policy="all_external_contributors")
    state.add_token(ADMIN, "octocat")
    result = audit(state, "--repo", "octocat/churn")
    assert result.exit_code == 0, result.output
    assert not [r for r in result.requests if r.startswith("GET /orgs/")]
    assert (
        "- octocat/churn belongs to a personal account: it has no runner groups, only "
        "repository runners"
    ) in result.output.splitlines()


def test_missing_repository_cannot_tell(here: Path) -> None:
    result = audit(safe_state(), "--repo", "acme/nothing")
    assert result.exit_code == 3
    assert result.output.splitlines()[3] == (
        "- the repository acme/nothing: GitHub answered 404: the token cannot see it (or it "
        "does not exist)"
    )


def test_without_a_token_exits_2(here: Path) -> None:
    result = audit(safe_state(), token=None)
    assert result.exit_code == 2
    assert result.output == (
        "Error: no GITHUB_TOKEN: the audit reads the repository's and the organisation's "
        "settings. Fix: set GITHUB_TOKEN (or --token) to a token that may read them, e.g. "
        "GITHUB_TOKEN=$(gh auth token) as an organisation owner; the workflow's GITHUB_TOKEN "
        "cannot\n"
    )


def test_assess_without_anything_read_cannot_tell() -> None:
    result = assess(RepositorySettings(REPO), GPU)
    assert result.verdict == "unknown" and result.findings == ()
    group = RunnerGroup(1, "gpu", "all", True, True, (TRAIN, RELEASE), False, ("gpu-1",))
    settings = RepositorySettings(
        REPO, "public", "main", "acme", "all_external_contributors", (group,), ()
    )
    result = assess(settings, GPU)
    assert result.verdict == "safe" and result.notes == ()
    assert result.gpu_workflows == (TRAIN, RELEASE)


def test_assess_checks_the_workflows_it_is_given() -> None:
    """The CLI passes gpu_workflows(config): retrain.workflow, then mlci-release.yml."""
    custom = f"{REPO}/.github/workflows/gpu-train.yml@refs/heads/main"
    group = RunnerGroup(1, "gpu", "all", True, True, (custom, RELEASE), False, ("gpu-1",))
    settings = RepositorySettings(
        REPO, "public", "main", "acme", "all_external_contributors", (group,), ()
    )
    files = ("gpu-train.yml", "mlci-release.yml")
    result = assess(settings, GPU, workflow_files=files)
    assert result.verdict == "safe" and result.notes == ()
    assert result.training_workflow == custom
    # With the default files, gpu-train.yml is another workflow that public code may start.
    (finding,) = assess(settings, GPU).findings
    assert finding.problem.endswith(f"it lets {custom} use it")


def test_without_the_default_branch_the_fix_names_placeholders_for_both() -> None:
    group = RunnerGroup(4, "gpu", "all", True, False, (), False, ("gpu-1",))
    settings = RepositorySettings(
        REPO, "public", None, "acme", "all_external_contributors", (group,), ()
    )
    result = assess(settings, GPU)
    assert result.gpu_workflows == () and result.training_workflow is None
    (finding,) = result.findings
    assert (
        "-f 'selected_workflows[]=OWNER/REPO/.github/workflows/mlci-train.yml@refs/heads/DEFAULT' "
        "-f 'selected_workflows[]=OWNER/REPO/.github/workflows/mlci-release.yml@refs/heads/DEFAULT'"
    ) in finding.fix


def test_the_audit_reads_the_training_workflow_from_mlci_yaml(here: Path) -> None:
    (here / "mlci.yaml").write_text("retrain:\n  workflow: gpu-train.yml\n")
    custom = f"{REPO}/.github/workflows/gpu-train.yml@refs/heads/main"
    state = safe_state()
    gpu_group(state, selected_workflows=[custom, RELEASE])
    result = audit(state)
    assert result.exit_code == 0, result.output
    assert f"GPU workflows: {custom}, {RELEASE}" in result.output.splitlines()


def test_init_points_at_the_audit_when_it_writes_self_hosted_labels(here: Path) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(here)], check=True)
    result = CliRunner().invoke(cli, ["init", "--gpu"])
    assert result.exit_code == 0, result.output
    assert (
        "note: the GPU jobs run on self-hosted runners [self-hosted, linux, x64, gpu]: put "
        "them in an organisation runner group restricted to the GPU workflows "
        "(.github/workflows/mlci-train.yml, .github/workflows/mlci-release.yml) on the default "
        "branch, then check with `mlci runners audit` (README: Self-hosted GPU runners)"
    ) in result.output.splitlines()
    again = CliRunner().invoke(cli, ["init"])
    assert "mlci runners audit" not in again.output
