"""The fake's state: plain JSON-able dicts, so it can be dumped, loaded and inspected.

Shape (all keys strings, as in the JSON dump):
  users     login -> {id, login, type}
  tokens    token -> {login, installation, permissions}   (permissions null = all)
  repos     "owner/name" -> {id, name, owner, default_branch, private,
            objects (git objects by SHA), refs ("refs/heads/x" -> SHA),
            issues (number -> issue; PRs are issues too), comments (id -> comment),
            labels (name -> label), pulls (number -> PR), statuses [..],
            check_runs (id -> run), dispatches [..], releases (id -> release)}
  requests  ["METHOD /path?query STATUS", ...] in arrival order
  faults    fault rules still armed (see server.Fault)
  violations  schema violations of served responses and received request bodies
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from pathlib import Path
from typing import Any

from tests.github_fake import gitobjects

DEFAULT_TOKEN = "ghs_fake_token"
DEFAULT_LOGIN = "github-actions[bot]"
DEFAULT_REPO = "octo-org/demo"


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class FakeState:
    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self.data: dict[str, Any] = data or {
            "next_id": 1000,
            "users": {},
            "tokens": {},
            "repos": {},
            "requests": [],
            "faults": [],
            "violations": [],
        }

    # -- persistence -------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self.data)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.dump(), indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(path)  # atomic: a reader never sees half a file

    @classmethod
    def load(cls, path: Path) -> FakeState:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    # -- ids -----------------------------------------------------------------------------
    def new_id(self) -> int:
        with self.lock:
            self.data["next_id"] += 1
            return int(self.data["next_id"])

    # -- seeding -------------------------------------------------------------------------
    def add_user(self, login: str) -> dict[str, Any]:
        with self.lock:
            users = self.data["users"]
            if login not in users:
                kind = "Bot" if login.endswith("[bot]") else "User"
                users[login] = {"id": self.new_id(), "login": login, "type": kind}
            return users[login]

    def add_token(
        self,
        token: str,
        login: str,
        *,
        installation: bool = False,
        permissions: dict[str, str] | None = None,
    ) -> None:
        """`installation` tokens behave like GITHUB_TOKEN: no /user, scoped permissions."""
        with self.lock:
            self.add_user(login)
            self.data["tokens"][token] = {
                "login": login,
                "installation": installation,
                "permissions": permissions,
            }

    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        files: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """A repository with one commit on the default branch holding `files`."""
        owner, name = full_name.split("/", 1)
        with self.lock:
            self.add_user(owner)
            repo = {
                "id": self.new_id(),
                "name": name,
                "owner": owner,
                "default_branch": default_branch,
                "private": False,
                "objects": {},
                "refs": {},
                "issues": {},
                "comments": {},
                "labels": {},
                "pulls": {},
                "statuses": [],
                "check_runs": {},
                "dispatches": [],
                "releases": {},
                "next_number": 1,
            }
            self.data["repos"][full_name] = repo
            entries = {
                path: {"mode": "100644", "type": "blob", "sha": self.put_blob(repo, text.encode())}
                for path, text in (files or {"README.md": f"# {name}\n"}).items()
            }
            tree = gitobjects.store_tree(repo["objects"], entries)
            commit = self.put_commit(repo, tree, [], "Initial commit", owner)
            repo["refs"][f"refs/heads/{default_branch}"] = commit
            return repo

    # -- git -----------------------------------------------------------------------------
    @staticmethod
    def put_blob(repo: dict[str, Any], content: bytes) -> str:
        sha = gitobjects.blob_sha(content)
        repo["objects"][sha] = {"type": "blob", "content": base64.b64encode(content).decode()}
        return sha

    def put_commit(
        self,
        repo: dict[str, Any],
        tree: str,
        parents: list[str],
        message: str,
        login: str,
        author: dict[str, str] | None = None,
    ) -> str:
        stamp = int(time.time())
        person = {
            "name": (author or {}).get("name") or login,
            "email": (author or {}).get("email") or f"{login}@users.noreply.fake",
            "unix": str(stamp),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)),
        }
        commit = {
            "type": "commit",
            "tree": tree,
            "parents": parents,
            "message": message,
            "author": person,
            "committer": dict(person),
        }
        sha = gitobjects.commit_sha(commit)
        repo["objects"][sha] = commit
        return sha

    def push_files(
        self, full_name: str, branch: str, files: dict[str, str], message: str, login: str
    ) -> str:
        """Test helper: commit `files` on top of `branch` as `login` (a person's push)."""
        with self.lock:
            repo = self.data["repos"][full_name]
            ref = f"refs/heads/{branch}"
            parent = repo["refs"][ref]
            flat = gitobjects.flatten(repo["objects"], repo["objects"][parent]["tree"])
            for path, text in files.items():
                flat[path] = {
                    "mode": "100644",
                    "type": "blob",
                    "sha": self.put_blob(repo, text.encode()),
                }
            tree = gitobjects.store_tree(repo["objects"], flat)
            sha = self.put_commit(repo, tree, [parent], message, login)
            repo["refs"][ref] = sha
            return sha

    def file_at(self, full_name: str, ref: str, path: str) -> str | None:
        """Test helper: the text of `path` on branch or SHA `ref` (None if absent)."""
        with self.lock:
            repo = self.data["repos"][full_name]
            sha = repo["refs"].get(f"refs/heads/{ref}", ref)
            flat = gitobjects.flatten(repo["objects"], repo["objects"][sha]["tree"])
            if path not in flat:
                return None
            return base64.b64decode(repo["objects"][flat[path]["sha"]]["content"]).decode()

    # -- issues and pulls ----------------------------------------------------------------
    def new_issue(self, repo: dict[str, Any], title: str, body: str | None, login: str) -> dict:
        number = repo["next_number"]
        repo["next_number"] += 1
        issue = {
            "id": self.new_id(),
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "user": login,
            "labels": [],
            "is_pull": False,
            "created_at": now_iso(),
            "updated_at": now_iso(),
        }
        repo["issues"][str(number)] = issue
        return issue

    def add_pull(
        self,
        full_name: str,
        *,
        head: str,
        base: str = "main",
        title: str = "A change",
        login: str = "octocat",
        head_repo: str | None = None,
        head_sha: str | None = None,
    ) -> dict[str, Any]:
        """Test helper: a PR, also from a fork (`head_repo` other than `full_name`)."""
        with self.lock:
            repo = self.data["repos"][full_name]
            self.add_user(login)
            issue = self.new_issue(repo, title, "", login)
            issue["is_pull"] = True
            pull = {
                "number": issue["number"],
                "id": self.new_id(),
                "head": head,
                "head_repo": head_repo or full_name,
                "head_sha": head_sha,
                "base": base,
                "requested_reviewers": [],
            }
            repo["pulls"][str(issue["number"])] = pull
            return pull

    def add_comment(self, full_name: str, number: int, body: str, login: str) -> dict:
        with self.lock:
            repo = self.data["repos"][full_name]
            self.add_user(login)
            comment = {
                "id": self.new_id(),
                "issue": number,
                "body": body,
                "user": login,
                "created_at": now_iso(),
                "updated_at": now_iso(),
            }
            repo["comments"][str(comment["id"])] = comment
            return comment

    def comments(self, full_name: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            repo = self.data["repos"][full_name]
            found = [c for c in repo["comments"].values() if c["issue"] == number]
            return sorted(found, key=lambda c: c["id"])


def default_state(repository: str = DEFAULT_REPO) -> FakeState:
    """One repository and one installation token, like a workflow's GITHUB_TOKEN."""
    state = FakeState()
    state.add_repo(repository)
    state.add_token(DEFAULT_TOKEN, DEFAULT_LOGIN, installation=True)
    return state
