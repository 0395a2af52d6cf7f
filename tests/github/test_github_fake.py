"""The fake itself: process mode, schema checks, git hashing, pagination, faults."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import requests
from tests.github_fake import DEFAULT_REPO as REPO
from tests.github_fake import DEFAULT_TOKEN, FakeState
from tests.github_fake.schema import shared_schemas

ROOT = Path(__file__).resolve().parents[2]
LIST = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments"


def test_schema_check_catches_a_payload_github_would_not_send():
    schemas = shared_schemas()
    good = schemas.build(LIST, 200, [{"id": 1, "body": "x"}], "http://h")
    assert schemas.check_response(LIST, 200, good) == []
    bad = [dict(good[0], id="one")]
    assert any(
        "'one' is not of type 'integer'" in v for v in schemas.check_response(LIST, 200, bad)
    )
    assert schemas.check_request("POST /repos/{owner}/{repo}/labels", {"color": "fff"}) != []


def test_runner_and_approval_operations_are_checked():
    schemas = shared_schemas()
    approval = "GET /repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval"
    assert (
        schemas.check_response(approval, 200, {"approval_policy": "first_time_contributors"}) == []
    )
    assert schemas.check_response(approval, 200, {"approval_policy": "nobody"}) != []
    groups = "GET /orgs/{org}/actions/runner-groups"
    assert schemas.check_response(groups, 200, {"total_count": 1, "runner_groups": [{}]}) != []


def test_git_objects_hash_like_git(tmp_path):
    state = FakeState()
    repo = state.add_repo("a/b", files={"README.md": "hi\n", "src/x.py": "print(1)\n"})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "src").mkdir()
    (tmp_path / "README.md").write_text("hi\n")
    (tmp_path / "src" / "x.py").write_text("print(1)\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    tree = subprocess.run(
        ["git", "-C", str(tmp_path), "write-tree"], check=True, capture_output=True, text=True
    ).stdout.strip()
    head = repo["objects"][repo["refs"]["refs/heads/main"]]
    assert head["tree"] == tree


def test_link_pagination_and_token_check(fake, pr):
    for i in range(5):
        fake.state.add_comment(REPO, pr, f"c{i}", "octocat")
    url = f"{fake.url}/repos/{REPO}/issues/{pr}/comments?per_page=2"
    page = requests.get(url, headers={"Authorization": f"token {DEFAULT_TOKEN}"}, timeout=5)
    assert [c["body"] for c in page.json()] == ["c0", "c1"]
    assert page.links["next"]["url"].startswith(fake.url)
    assert "page=3" in page.links["last"]["url"]
    bad = requests.post(url, json={"body": "x"}, headers={"Authorization": "token nope"}, timeout=5)
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"


def test_runs_as_a_process_and_dumps_its_state(tmp_path):
    state_file = tmp_path / "state.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.github_fake",
            "--port",
            "0",
            "--state",
            str(state_file),
            "--token",
            "ghp_person=octocat",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("fake github listening on http://127.0.0.1:")
        url = line.split()[-1]
        with urllib.request.urlopen(f"{url}/user", timeout=5) as _:
            pass
    except urllib.error.HTTPError as error:
        assert error.code == 401  # no token: /user needs one
    finally:
        request = urllib.request.Request(f"{url}/_fake/state")
        with urllib.request.urlopen(request, timeout=5) as response:
            dump = json.loads(response.read())
        proc.terminate()
        proc.wait(timeout=10)
    assert REPO in dump["repos"] and "ghp_person" in dump["tokens"]
    saved = json.loads(state_file.read_text())
    assert saved["requests"] == ["GET /user 401"]
