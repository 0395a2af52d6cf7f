"""`mlci comment`, `mlci check-run`, `mlci retrain open-pr` through click, against the fake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.github_fake import DEFAULT_REPO as REPO
from tests.github_fake import DEFAULT_TOKEN, Fault

from mlci.cli import cli

EVENTS = Path(__file__).resolve().parents[1] / "data" / "events"


@pytest.fixture
def env(fake, no_waiting, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "body.md").write_text("## Report\nall good\n")
    return {
        "GITHUB_TOKEN": DEFAULT_TOKEN,
        "GITHUB_API_URL": fake.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": "",
        "GITHUB_EVENT_NAME": "",
        "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
    }


def run(env, *args):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_comment_twice_updates_and_sets_outputs(fake, env, pr, tmp_path):
    first = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", str(pr))
    assert first.exit_code == 0, first.output
    assert first.output.startswith("comment created: http://")
    second = run(
        env, "comment", "--key", "report", "--body-file", "body.md", "--pr", str(pr), "--json"
    )
    assert json.loads(second.output)["action"] == "unchanged"
    assert len(fake.state.comments(REPO, pr)) == 1
    outputs = (tmp_path / "out.txt").read_text()
    assert "comment-id<<" in outputs and "pull-request-number<<" in outputs


def test_comment_finds_the_pr_from_the_event(fake, env, pr, tmp_path):
    event = json.loads((EVENTS / "pull_request.opened.json").read_text())
    event["number"] = pr
    (tmp_path / "event.json").write_text(json.dumps(event))
    env.update(GITHUB_EVENT_PATH=str(tmp_path / "event.json"), GITHUB_EVENT_NAME="pull_request")
    result = run(env, "comment", "--key", "report", "--body-file", "body.md")
    assert result.exit_code == 0, result.output
    assert len(fake.state.comments(REPO, pr)) == 1


def test_no_token_writes_the_outbox_and_says_so(env, tmp_path):
    del env["GITHUB_TOKEN"]
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", "1")
    assert result.exit_code == 0
    assert result.output == (
        "dry run (no GITHUB_TOKEN): nothing was sent to GitHub; "
        "wrote .mlci/outbox/comment-report.md\n"
    )


def test_bad_token_exits_3_with_a_hint(env, pr):
    env["GITHUB_TOKEN"] = "ghp_wrong"
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", str(pr))
    assert result.exit_code == 3
    assert "GitHub rejected the token (401 Bad credentials)" in result.output
    assert "Fix: check GITHUB_TOKEN (or --token)" in result.output


def test_persistent_500_exits_3_and_posts_nothing(fake, env, pr, clock):
    fake.add_fault(
        Fault("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", status=500, times=0)
    )
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", str(pr))
    assert result.exit_code == 3
    assert result.output.startswith(
        "Error: posting the comment on PR #1 failed after 5 attempts (last: 500 Server Error)."
    )
    assert fake.state.comments(REPO, pr) == []
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_missing_permission_is_named(fake, env, pr):
    fake.state.add_token(
        "ghs_read",
        "github-actions[bot]",
        installation=True,
        permissions={"issues": "read", "pull_requests": "read"},
    )
    env["GITHUB_TOKEN"] = "ghs_read"
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", str(pr))
    assert result.exit_code == 3
    assert "Resource not accessible by integration); it needs issues: write" in result.output
    assert "Fix: add `permissions: {issues: write}` to the workflow job" in result.output


def test_check_run_json(fake, env):
    sha = fake.state.data["repos"][REPO]["refs"]["refs/heads/main"]
    result = run(
        env,
        "check-run",
        "--name",
        "mlci",
        "--sha",
        sha,
        "--conclusion",
        "success",
        "--title",
        "ok",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "check_run" and data["action"] == "created"


def test_retrain_open_pr(fake, env, tmp_path):
    (tmp_path / "ref.csv").write_text("a\n1\n")
    args = [
        "retrain",
        "open-pr",
        "--file",
        "ref.csv:data/reference.csv",
        "--title",
        "Retrain",
        "--label",
        "retrain",
        "--workflow",
        "train.yml",
        "--input",
        "reason=drift",
    ]
    result = run(env, *args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("pull request #1 created: http://")
    assert "dispatched train.yml" in result.output
    assert fake.state.data["repos"][REPO]["dispatches"][0]["inputs"] == {"reason": "drift"}
    again = run(env, *args)
    assert "(files unchanged, nothing pushed)" in again.output


def test_retrain_missing_file_exits_2(env):
    result = run(env, "retrain", "open-pr", "--file", "nope.csv", "--title", "t")
    assert result.exit_code == 2
    assert "nope.csv: cannot read --file" in result.output


# QA: user mistakes exit 2 with one line, before anything reaches GitHub.


@pytest.mark.parametrize("url", ["notaurl", "ftp://example.com", "http://[::1", "http://:80"])
def test_a_bad_api_url_exits_2_naming_it(env, url):
    env["GITHUB_API_URL"] = url
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", "1")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: GITHUB_API_URL: {url!r} is not an http(s) URL. Fix: unset it for github.com "
        "(https://api.github.com), or set the API of your GitHub Enterprise server, "
        "e.g. https://HOST/api/v3\n"
    )


@pytest.mark.parametrize("repo", [" octo-org/demo", "octo-org/demo\n", "octo org/demo", "o/.."])
def test_a_malformed_repository_exits_2(env, repo):
    env["GITHUB_REPOSITORY"] = repo
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", "1")
    assert result.exit_code == 2
    assert f"Error: GITHUB_REPOSITORY: {repo!r} is not of the form owner/name." in result.output


def test_an_unreachable_api_names_the_url_setting(env, clock):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env["GITHUB_API_URL"] = f"http://127.0.0.1:{port}"
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", "1")
    assert result.exit_code == 3
    assert result.output.endswith(
        "(last: connection failed (ConnectionError)). "
        "Fix: check GITHUB_API_URL and the network, or run the command again later\n"
    )
    assert len(clock.sleeps) == 4


def test_comment_body_not_utf8_or_empty_exits_2(fake, env, pr, tmp_path):
    (tmp_path / "latin1.md").write_bytes("caf\xe9\n".encode("latin-1"))
    (tmp_path / "empty.md").write_text("\n  \n")
    bad = run(env, "comment", "--key", "report", "--body-file", "latin1.md", "--pr", str(pr))
    assert bad.exit_code == 2
    assert bad.output == (
        "Error: latin1.md: --body-file is not UTF-8 text (byte 3 is 0xe9). "
        "Fix: save the file as UTF-8\n"
    )
    empty = run(env, "comment", "--key", "report", "--body-file", "empty.md", "--pr", str(pr))
    assert empty.exit_code == 2
    assert empty.output == (
        "Error: empty.md: --body-file is empty, nothing to post. "
        "Fix: check the step that writes it\n"
    )
    assert fake.state.comments(REPO, pr) == []


@pytest.mark.parametrize("key", ["", " report", "a-->b", "x\ny"])
def test_comment_key_that_breaks_the_marker_exits_2(env, key):
    result = run(env, "comment", "--key", key, "--body-file", "body.md", "--pr", "1")
    assert result.exit_code == 2
    assert "cannot be a comment key: use a non-empty word without <, > or line breaks" in (
        result.output
    )


def test_comment_pr_must_be_positive(env):
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--pr': 0 is not in the range x>=1." in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--sha", "deadbeef"],
            "Error: --sha: 'deadbeef' is not a full commit SHA (40 hex digits).",
        ),
        (
            ["--sha", "a" * 40, "--status", "queued"],
            "Error: --conclusion success needs --status completed, not queued.",
        ),
        (["--sha", "a" * 40, "--name", " "], "Error: --name is empty."),
    ],
)
def test_check_run_mistakes_exit_2(fake, env, args, message):
    result = run(env, "check-run", "--name", "mlci", "--conclusion", "success", *args)
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert fake.state.data["repos"][REPO]["check_runs"] == {}


def test_check_run_unknown_id_is_not_read_as_a_missing_permission(fake, env):
    sha = fake.state.data["repos"][REPO]["refs"]["refs/heads/main"]
    result = run(
        env, "check-run", "--name", "mlci", "--sha", sha, "--conclusion", "success", "--id", "999"
    )
    assert result.exit_code == 3
    assert result.output.startswith("Error: updating check run 'mlci' failed: not found (404).")
    assert fake.state.data["repos"][REPO]["statuses"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--file", "ref.csv:../up.csv"],
            "Error: --file: the path in the repository '../up.csv' has an empty, . or .. "
            "component.",
        ),
        (
            ["--file", "ref.csv:.git/hooks/x"],
            "Error: --file: the path in the repository '.git/hooks/x' is inside .git.",
        ),
        (
            ["--file", "ref.csv", "--file", "./ref.csv"],
            "Error: --file ./ref.csv: ref.csv is given twice.",
        ),
        (
            ["--file", "ref.csv", "--branch", "my branch"],
            "Error: --branch 'my branch' is not a valid branch name: it has a space",
        ),
        (["--file", "ref.csv", "--title", " "], "Error: --title is empty."),
        (
            ["--file", "ref.csv", "--branch", "main"],
            "Error: --branch main is the base branch of the pull request.",
        ),
    ],
)
def test_retrain_mistakes_exit_2_and_push_nothing(fake, env, tmp_path, args, message):
    (tmp_path / "ref.csv").write_text("a\n1\n")
    main_before = fake.state.data["repos"][REPO]["refs"]["refs/heads/main"]
    result = run(env, "retrain", "open-pr", "--title", "Retrain", *args)
    assert result.exit_code == 2
    assert result.output.startswith(message), result.output
    assert fake.state.data["repos"][REPO]["refs"] == {"refs/heads/main": main_before}
    assert fake.state.data["repos"][REPO]["pulls"] == {}


def test_retrain_dry_run_with_a_path_outside_the_repository_exits_2(env, tmp_path):
    (tmp_path / "ref.csv").write_text("a\n1\n")
    result = run(env, "retrain", "open-pr", "--file", "ref.csv:/etc/x", "--title", "t", "--dry-run")
    assert result.exit_code == 2
    assert "'/etc/x' is not a relative path with / separators" in result.output


def test_comment_head_sha_guards_a_pr_number_read_from_an_artifact(fake, env, pr, tmp_path):
    head = fake.state.data["repos"][REPO]["refs"]["refs/heads/feature"]
    args = ["comment", "--key", "report", "--body-file", "body.md", "--pr", str(pr)]
    wrong = run(env, *args, "--head-sha", "f" * 40)
    assert wrong.exit_code == 0, wrong.output
    assert wrong.output == (
        f"comment skipped: pull request #{pr} is at {head[:7]}, not at fffffff (--head-sha)\n"
    )
    assert fake.state.comments(REPO, pr) == []
    assert "skipped" in (tmp_path / "out.txt").read_text()
    right = run(env, *args, "--head-sha", head.upper())
    assert right.exit_code == 0, right.output
    assert right.output.startswith("comment created: http://")
    assert len(fake.state.comments(REPO, pr)) == 1


# Trust model: tokens, Actions without a token, time limits, fork outcomes.

SECRET = "ghp_secret123\n"


def _failing_cases(fake, env):  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    return {
        "bad repo": {"GITHUB_REPOSITORY": "octo org/demo"},
        "401": {},  # the fake knows no such token
        "500": {"fault": True},
        "network": {"GITHUB_API_URL": f"http://127.0.0.1:{closed}"},
    }


@pytest.mark.parametrize("case", ["bad repo", "401", "500", "network"])
@pytest.mark.parametrize("command", ["comment", "check-run", "retrain"])
def test_the_token_is_never_printed(fake, env, pr, tmp_path, case, command):
    (tmp_path / "ref.csv").write_text("a\n1\n")
    settings = _failing_cases(fake, env)[case]
    if settings.pop("fault", False):
        fake.add_fault(Fault("*", status=500, times=0))
    env.update(settings, GITHUB_TOKEN=SECRET)
    sha = fake.state.data["repos"][REPO]["refs"]["refs/heads/main"]
    args = {
        "comment": ["comment", "--key", "report", "--body-file", "body.md", "--pr", str(pr)],
        "check-run": ["check-run", "--name", "mlci", "--sha", sha, "--conclusion", "success"],
        "retrain": ["retrain", "open-pr", "--file", "ref.csv", "--title", "Retrain"],
    }[command]
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == (2 if case == "bad repo" else 3), result.output
    assert len(result.output.strip().splitlines()) == 1
    written = [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    for text in [result.output, result.stderr, *written]:
        assert SECRET.strip() not in text


def test_a_token_with_a_trailing_newline_works(fake, env, pr):
    env["GITHUB_TOKEN"] = DEFAULT_TOKEN + "\n"
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", str(pr))
    assert result.exit_code == 0, result.output
    assert len(fake.state.comments(REPO, pr)) == 1


def test_the_token_is_masked_first_in_actions(fake, env, pr):
    env.update(GITHUB_ACTIONS="true", GITHUB_TOKEN=DEFAULT_TOKEN + "\n")
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", str(pr))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"::add-mask::{DEFAULT_TOKEN}"
    assert all(DEFAULT_TOKEN not in line for line in lines[1:])


NO_TOKEN = (
    "Error: no GITHUB_TOKEN: this step writes to GitHub and runs in GitHub Actions without "
    "a token. Fix: set GITHUB_TOKEN (env: GITHUB_TOKEN: ${{ github.token }}) or pass --dry-run\n"
)


@pytest.mark.parametrize("command", ["comment", "check-run", "retrain"])
def test_writes_in_actions_without_a_token_exit_2_unless_dry_run(env, tmp_path, command):
    (tmp_path / "ref.csv").write_text("a\n1\n")
    del env["GITHUB_TOKEN"]
    env["GITHUB_ACTIONS"] = "true"
    args = {
        "comment": ["comment", "--key", "report", "--body-file", "body.md", "--pr", "1"],
        "check-run": ["check-run", "--name", "mlci", "--sha", "a" * 40, "--conclusion", "success"],
        "retrain": ["retrain", "open-pr", "--file", "ref.csv", "--title", "Retrain"],
    }[command]
    result = run(env, *args)
    assert result.exit_code == 2
    assert result.output == NO_TOKEN
    assert not (tmp_path / ".mlci" / "outbox").exists()
    dry = run(env, *args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("dry run (--dry-run): nothing was sent to GitHub; wrote ")


def test_an_api_that_never_answers_exits_3_within_the_time_limit(env, clock):
    import socket
    import time

    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env["GITHUB_API_URL"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
        env["MLCI_GITHUB_TIMEOUT"] = "1"  # 1 s per try and 1 s in all
        started = time.monotonic()
        result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", "1")
        took = time.monotonic() - started
    assert result.exit_code == 3
    assert result.output == (
        "Error: finding who the token belongs to failed (last: connection failed (ReadTimeout)); "
        "gave up after 1 attempt at the 1s time limit. Fix: check GITHUB_API_URL and the "
        "network, or run the command again later; MLCI_GITHUB_TIMEOUT sets the limit in "
        "seconds (default 20)\n"
    )
    assert clock.sleeps == []
    assert took < 30  # a guard against the old 116 s, not a benchmark


def test_a_bad_github_timeout_exits_2(env):
    env["MLCI_GITHUB_TIMEOUT"] = "soon"
    result = run(env, "comment", "--key", "report", "--body-file", "body.md", "--pr", "1")
    assert result.exit_code == 2
    assert result.output == (
        "Error: MLCI_GITHUB_TIMEOUT: 'soon' is not a number of seconds between 0 and 3600. "
        "Fix: unset it (default 20) or set e.g. MLCI_GITHUB_TIMEOUT=60\n"
    )


def _fork_workflow_run(tmp_path, triggering_event):  # type: ignore[no-untyped-def]
    event = json.loads((EVENTS / "workflow_run.completed.json").read_text())
    event["workflow_run"]["head_repository"]["full_name"] = "someone/demo"
    event["workflow_run"]["repository"]["full_name"] = REPO
    event["workflow_run"]["event"] = triggering_event
    path = tmp_path / f"event-{triggering_event}.json"
    path.write_text(json.dumps(event))
    return path


@pytest.mark.parametrize(
    ("triggering", "conclusion", "title"),
    [
        (
            "pull_request",
            "neutral",
            "mlci: outcome reported by fork-controlled code (claimed: success)",
        ),
        ("pull_request_target", "success", "mlci: success"),
    ],
)
def test_fork_outcome_from_workflow_run_is_not_green(
    fake, env, tmp_path, triggering, conclusion, title
):
    sha = fake.state.data["repos"][REPO]["refs"]["refs/heads/main"]
    path = _fork_workflow_run(tmp_path, triggering)
    env.update(GITHUB_EVENT_PATH=str(path), GITHUB_EVENT_NAME="workflow_run")
    args = ["check-run", "--name", "mlci report", "--sha", sha, "--conclusion", "success"]
    result = run(env, *args, "--title", "mlci: success", "--json")
    assert result.exit_code == 0, result.output
    (check,) = fake.state.data["repos"][REPO]["check_runs"].values()
    assert (check["conclusion"], check["output"]["title"]) == (conclusion, title)


def test_untrusted_outcome_option(fake, env):
    sha = fake.state.data["repos"][REPO]["refs"]["refs/heads/main"]
    args = ["check-run", "--name", "mlci", "--sha", sha, "--conclusion", "success"]
    result = run(env, *args, "--untrusted-outcome")
    assert result.exit_code == 0, result.output
    (check,) = fake.state.data["repos"][REPO]["check_runs"].values()
    assert check["conclusion"] == "neutral"
