"""The fake's state: plain JSON-able dicts, so it can be dumped, loaded and inspected.

Shape (all keys strings, as in the JSON dump):
  users     login -> {id, login, type}
  tokens    token -> {login, installation, permissions}   (permissions null = all)
  repos     "owner/name" -> {id, name, owner, default_branch, private,
            objects (git objects by SHA), refs ("refs/heads/x" -> SHA),
            issues (number -> issue; PRs are issues too), comments (id -> comment),
            labels (name -> label), pulls (number -> PR), statuses [..],
            check_runs (id -> run), dispatches [..], releases (id -> release)}
            and, once set: approval_policy (fork PRs), runners [self-hosted runners]
  orgs      login -> {runner_groups [{id, name, ..., runners [..]}]}
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
        app: str | None = None,
    ) -> None:
        """`installation` tokens behave like GITHUB_TOKEN: no /user, scoped permissions.

        `app`: the slug of the GitHub App the installation token belongs to (its writes
        carry `performed_via_github_app`); see `add_app_token`.
        """
        with self.lock:
            self.add_user(login)
            self.data["tokens"][token] = {
                "login": login,
                "installation": installation,
                "permissions": permissions,
                "app": app,
            }

    def add_app_token(self, token: str, slug: str = "mlci-app") -> str:
        """A GitHub App installation token: 403 on GET /user, writes as `<slug>[bot]`."""
        login = f"{slug}[bot]"
        self.add_token(token, login, installation=True, app=slug)
        return login

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

    def close_pull(self, full_name: str, number: int) -> None:
        """Test helper: a person closes PR `number` without merging it."""
        with self.lock:
            issue = self.data["repos"][full_name]["issues"][str(number)]
            issue["state"] = "closed"
            issue["updated_at"] = now_iso()

    def squash_merge(self, full_name: str, number: int, login: str = "octocat") -> str:
        """Test helper: squash-merge PR `number` as `login`, as GitHub's button does.

        One new commit on the base head: the base's files with the head's files that
        differ laid over them. The PR is closed and merged; its branch stays.
        """
        with self.lock:
            repo = self.data["repos"][full_name]
            pull = repo["pulls"][str(number)]
            issue = repo["issues"][str(number)]
            base_ref = f"refs/heads/{pull['base']}"
            head_sha = repo["refs"][f"refs/heads/{pull['head']}"]
            base_sha = repo["refs"][base_ref]
            objects = repo["objects"]
            flat = gitobjects.flatten(objects, objects[base_sha]["tree"])
            flat.update(gitobjects.flatten(objects, objects[head_sha]["tree"]))
            tree = gitobjects.store_tree(objects, flat)
            message = f"{issue['title']} (#{number})"
            sha = self.put_commit(repo, tree, [base_sha], message, login)
            repo["refs"][base_ref] = sha
            pull["head_sha"] = head_sha
            pull["merged_at"] = now_iso()
            issue["state"] = "closed"
            issue["updated_at"] = now_iso()
            return sha

    def add_comment(
        self, full_name: str, number: int, body: str, login: str, app: str | None = None
    ) -> dict:
        with self.lock:
            repo = self.data["repos"][full_name]
            self.add_user(login)
            comment = {
                "id": self.new_id(),
                "issue": number,
                "body": body,
                "user": login,
                "app": app,
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

    # -- self-hosted runners and who may use them --------------------------------------
    def add_org(self, login: str) -> dict[str, Any]:
        """Make `login` an organisation (repository owners are users otherwise)."""
        with self.lock:
            self.add_user(login)["type"] = "Organization"
            return self.data.setdefault("orgs", {}).setdefault(login, {"runner_groups": []})

    @staticmethod
    def runner(
        id: int, name: str, labels: list[str], *, status: str = "online", busy: bool = False
    ) -> dict[str, Any]:
        """A runner as GitHub lists it."""
        return {
            "id": id,
            "name": name,
            "os": "Linux",
            "status": status,
            "busy": busy,
            "ephemeral": True,
            "labels": [
                {"id": i + 1, "name": n, "type": "read-only" if n == "self-hosted" else "custom"}
                for i, n in enumerate(labels)
            ],
        }

    def add_runner_group(
        self,
        org: str,
        name: str,
        *,
        runners: list[dict[str, Any]] | None = None,
        visibility: str = "all",
        allows_public_repositories: bool = False,
        restricted_to_workflows: bool = False,
        selected_workflows: list[str] | None = None,
        default: bool = False,
    ) -> dict[str, Any]:
        with self.lock:
            group = {
                "id": self.new_id(),
                "name": name,
                "visibility": visibility,
                "default": default,
                "allows_public_repositories": allows_public_repositories,
                "restricted_to_workflows": restricted_to_workflows,
                "selected_workflows": list(selected_workflows or []),
                "runners": list(runners or []),
            }
            self.add_org(org)["runner_groups"].append(group)
            return group

    def add_repo_runner(self, full_name: str, runner: dict[str, Any]) -> None:
        with self.lock:
            self.data["repos"][full_name].setdefault("runners", []).append(runner)

    def set_repo_settings(
        self,
        full_name: str,
        *,
        private: bool | None = None,
        approval_policy: str | None = None,
    ) -> None:
        with self.lock:
            repo = self.data["repos"][full_name]
            if private is not None:
                repo["private"] = private
            if approval_policy is not None:
                repo["approval_policy"] = approval_policy


def default_state(repository: str = DEFAULT_REPO) -> FakeState:
    """One repository and one installation token, like a workflow's GITHUB_TOKEN."""
    state = FakeState()
    state.add_repo(repository)
    state.add_token(DEFAULT_TOKEN, DEFAULT_LOGIN, installation=True)
    return state
