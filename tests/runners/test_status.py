"""`mlci runners status` against a local GitHub API, through real PyGithub over HTTP."""

import json

import pytest
from click.testing import CliRunner
from tests.runners.fake_runners_api import SPEC, TOKEN, FakeRunnersApi, runner

from mlci.cli import cli
from mlci.errors import ServiceError
from mlci.runners.status import (
    RunnersUnreadable,
    SelfHostedRunner,
    fetch_repo_runners,
    matches,
    runner_status,
)

REPO = "acme/churn"
GPU_LABELS = ["self-hosted", "Linux", "X64", "gpu", "a100"]


def test_labels_match_case_insensitively_and_all_must_be_present():
    assert matches(["self-hosted", "Linux", "X64", "gpu"], ["self-hosted", "linux", "x64", "gpu"])
    assert not matches(["self-hosted", "Linux", "X64"], ["self-hosted", "linux", "x64", "gpu"])


def test_status_warns_when_matching_runners_are_offline():
    offline = SelfHostedRunner(1, "gpu-1", "linux", "offline", False, tuple(GPU_LABELS))
    result = runner_status(REPO, [offline], ["self-hosted", "gpu"])
    assert result.matching == (offline,) and result.matching_online == ()
    assert result.warnings == (
        "no online runner has the labels [self-hosted, gpu]: the matching runners (gpu-1) "
        "are offline; training jobs will wait in the queue",
    )


def test_fetch_reads_every_page_of_the_spec_example_and_more():
    listed = [runner(100 + i, f"gpu-{i}", GPU_LABELS) for i in range(150)]
    with FakeRunnersApi(REPO, SPEC["example"]["runners"] + listed) as api:
        found = fetch_repo_runners(REPO, token=TOKEN, api_url=api.url, throttle_seconds=None)
    assert len(found) == 152
    assert found[0] == SelfHostedRunner(
        23, "linux_runner", "linux", "online", True, ("self-hosted", "X64", "Linux"), False
    )
    assert api.requests[0] == f"/repos/{REPO}/actions/runners?per_page=100"
    assert len(api.requests) == 2
    assert api.violations == []


def test_fetch_403_is_unreadable_with_the_permission_named():
    with (
        FakeRunnersApi(REPO, [], forbidden=True) as api,
        pytest.raises(RunnersUnreadable) as caught,
    ):
        fetch_repo_runners(REPO, token=TOKEN, api_url=api.url, throttle_seconds=None)
    assert caught.value.one_line() == (
        "GitHub answered 403 to listing the runners of acme/churn (Resource not accessible "
        "by integration). Fix: listing runners needs Administration: read on the repository; "
        "the workflow's GITHUB_TOKEN never has it: use a fine-grained token or App token"
    )
    assert len(api.requests) == 1  # a 403 that is not a rate limit is not retried


def test_fetch_without_a_token_and_with_no_server():
    with pytest.raises(RunnersUnreadable, match="no GitHub token"):
        fetch_repo_runners(REPO, token=None)
    with pytest.raises(ServiceError, match=r"cannot reach GitHub at http://127\.0\.0\.1:9"):
        fetch_repo_runners(
            REPO, token=TOKEN, api_url="http://127.0.0.1:9", throttle_seconds=None, retries=0
        )


@pytest.fixture
def in_repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    return tmp_path


def invoke(api, *args, token=TOKEN):
    env = {"GITHUB_API_URL": api.url, "GITHUB_TOKEN": token}
    return CliRunner().invoke(cli, ["runners", "status", *args], env=env)


def test_cli_lists_runners_and_finds_a_match(in_repo):
    listed = [
        runner(1, "cpu-box", ["self-hosted", "Linux", "X64"]),
        runner(2, "gpu-box", GPU_LABELS, busy=True),
    ]
    with FakeRunnersApi(REPO, listed) as api:
        result = invoke(api)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Self-hosted runners of acme/churn (wanted: self-hosted, linux, x64, gpu)\n"
        "name     status  busy  match  labels\n"
        "cpu-box  online  no    no     self-hosted, Linux, X64\n"
        "gpu-box  online  yes   yes    self-hosted, Linux, X64, gpu, a100\n"
    )
    assert "matching-online<<" in (in_repo / "out").read_text()


def test_cli_warns_when_nothing_matches_and_strict_exits_1(in_repo):
    listed = [runner(1, "cpu-box", ["self-hosted", "Linux", "X64"])]
    with FakeRunnersApi(REPO, listed) as api:
        relaxed = invoke(api, "--label", "gpu", "--json")
        strict = invoke(api, "--label", "gpu", "--strict")
    assert relaxed.exit_code == 0
    data = json.loads(relaxed.stdout)
    assert data["matching_online"] == [] and data["runners"][0]["matches"] is False
    assert relaxed.stderr == (
        "warning: no runner of acme/churn has the labels [gpu]: training jobs will wait in the "
        "queue unless an organisation runner or an ARC scale set scaled to zero has them "
        "(those are not listed here)\n"
    )
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1] == (
        "Error: no online runner of acme/churn has the labels [gpu]. Fix: start a runner with "
        "those labels, or change train.runner in mlci.yaml"
    )


def test_cli_degrades_on_403(in_repo):
    with FakeRunnersApi(REPO, [], forbidden=True) as api:
        relaxed = invoke(api)
        strict = invoke(api, "--strict")
    assert relaxed.exit_code == 0
    assert relaxed.stdout.splitlines()[1].startswith(
        "unknown: GitHub answered 403 to listing the runners of acme/churn"
    )
    assert relaxed.stderr.startswith("warning: runner status unknown: GitHub answered 403")
    assert strict.exit_code == 3
    assert strict.output.startswith("Error: GitHub answered 403 to listing the runners")


def test_cli_needs_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["runners", "status"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: no repository. Fix: pass --repo OWNER/NAME (in Actions, GITHUB_REPOSITORY is "
        "used)\n"
    )


def test_cli_bad_api_url_exits_2_without_a_traceback(in_repo):
    env = {"GITHUB_API_URL": "notaurl", "GITHUB_TOKEN": TOKEN}
    result = CliRunner().invoke(cli, ["runners", "status"], env=env)
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: GITHUB_API_URL: 'notaurl' is not an http(s) URL. Fix: unset it for github.com"
    )


def test_fetch_with_a_bad_token_names_the_token_not_the_permission():
    with (
        FakeRunnersApi(REPO, []) as api,
        pytest.raises(RunnersUnreadable) as caught,
    ):
        fetch_repo_runners(REPO, token="wrong", api_url=api.url, throttle_seconds=None)
    assert caught.value.message == f"GitHub rejected the token (401) listing the runners of {REPO}"
    assert caught.value.hint.startswith("check GITHUB_TOKEN (or --token)")
