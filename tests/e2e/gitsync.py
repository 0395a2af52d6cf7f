"""Move git objects between the test repository and the GitHub fake, as push and fetch do.

The fake stores git objects as git hashes them (`tests/github_fake/gitobjects.py`), so
an object copied either way keeps its SHA:

- `push_branch` copies the commits of a local branch (with their trees and blobs) into
  the fake and moves the fake's ref, as `git push` would: `mlci release` tags that
  commit through the Git Data API, which refuses objects GitHub does not have.
- `fetch_branch` writes the commits of a branch of the fake (the records branch that
  `mlci baseline publish` made through the API) into the local repository under
  `refs/heads/<branch>`, as `git fetch` would. The checkout stand-in clones the local
  repository, so a later job sees it as `refs/remotes/origin/<branch>`, where
  actions/checkout with `fetch-depth: 0` puts every branch on GitHub.
"""

from __future__ import annotations

import base64
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.github_fake import FakeGitHub


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=repo, input=stdin, capture_output=True, check=True)
    return done.stdout


def _person(line: str) -> dict[str, str]:
    """`Name <email> 1700000000 +0000` as the fake keeps a commit's author."""
    name, rest = line.split(" <", 1)
    email, stamp = rest.split("> ", 1)
    unix, zone = stamp.split(" ")
    assert zone == "+0000", f"the fake stores UTC times only, got {zone}"
    date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(unix)))
    return {"name": name, "email": email, "unix": unix, "date": date}


def _read_object(repo: Path, sha: str) -> dict[str, Any]:
    kind = _git(repo, "cat-file", "-t", sha).decode().strip()
    if kind == "blob":
        content = _git(repo, "cat-file", "blob", sha)
        return {"type": "blob", "content": base64.b64encode(content).decode()}
    if kind == "tree":
        entries = []
        for line in _git(repo, "ls-tree", sha).decode().splitlines():
            meta, path = line.split("\t", 1)
            mode, entry_type, entry_sha = meta.split(" ")
            entries.append({"path": path, "mode": mode, "type": entry_type, "sha": entry_sha})
        return {"type": "tree", "entries": sorted(entries, key=lambda e: e["path"])}
    assert kind == "commit", f"{sha}: cannot copy a {kind}"
    header, message = _git(repo, "cat-file", "commit", sha).decode().split("\n\n", 1)
    commit: dict[str, Any] = {"type": "commit", "parents": [], "message": message}
    for line in header.splitlines():
        key, value = line.split(" ", 1)
        if key == "tree":
            commit["tree"] = value
        elif key == "parent":
            commit["parents"].append(value)
        elif key in ("author", "committer"):
            commit[key] = _person(value)
    return commit


def push_branch(repo: Path, fake: FakeGitHub, full_name: str, branch: str) -> str:
    """Copy `branch` of the local repository into the fake; return its head SHA."""
    head = _git(repo, "rev-parse", f"refs/heads/{branch}").decode().strip()
    listed = _git(repo, "rev-list", "--objects", head).decode().splitlines()
    with fake.state.lock:
        state = fake.state.data["repos"][full_name]
        for line in listed:
            sha = line.split(" ", 1)[0]
            if sha not in state["objects"]:
                state["objects"][sha] = _read_object(repo, sha)
        state["refs"][f"refs/heads/{branch}"] = head
    return head


def _write_tree(repo: Path, objects: dict[str, Any], sha: str) -> None:
    lines = []
    for entry in objects[sha]["entries"]:
        if entry["type"] == "tree":
            _write_tree(repo, objects, entry["sha"])
        else:
            content = base64.b64decode(objects[entry["sha"]]["content"])
            written = _git(repo, "hash-object", "-w", "--stdin", stdin=content).decode().strip()
            assert written == entry["sha"], f"blob {entry['path']}: {written} != {entry['sha']}"
        lines.append(f"{entry['mode']} {entry['type']} {entry['sha']}\t{entry['path']}")
    written = _git(repo, "mktree", stdin=("\n".join(lines) + "\n").encode()).decode().strip()
    assert written == sha, f"tree {written} != {sha}"


def _commit_text(commit: dict[str, Any]) -> str:
    lines = [f"tree {commit['tree']}", *(f"parent {p}" for p in commit["parents"])]
    for role in ("author", "committer"):
        person = commit[role]
        lines.append(f"{role} {person['name']} <{person['email']}> {person['unix']} +0000")
    return "\n".join(lines) + "\n\n" + commit["message"]


def fetch_branch(repo: Path, fake: FakeGitHub, full_name: str, branch: str) -> str:
    """Write `branch` of the fake into the local repository; return its head SHA."""
    with fake.state.lock:
        state = fake.state.data["repos"][full_name]
        objects = dict(state["objects"])
        head = state["refs"][f"refs/heads/{branch}"]
    pending = [head]
    while pending:
        sha = pending.pop()
        if _exists(repo, sha):
            continue
        commit = objects[sha]
        _write_tree(repo, objects, commit["tree"])
        text = _commit_text(commit).encode()
        written = _git(repo, "hash-object", "-t", "commit", "-w", "--stdin", stdin=text)
        assert written.decode().strip() == sha, f"commit {written!r} != {sha}"
        pending += commit["parents"]
    _git(repo, "update-ref", f"refs/heads/{branch}", head)
    return head


def _exists(repo: Path, sha: str) -> bool:
    done = subprocess.run(["git", "cat-file", "-e", sha], cwd=repo, capture_output=True)
    return done.returncode == 0
