"""The fake's state: plain JSON-able dicts, so it can be dumped, loaded and inspected.

Shape (all keys strings, as in the JSON dump):
  users     login -> {id, login, type}
  tokens    token -> {login, installation, permissions}   (permissions null = all)
  repos     "owner/name" -> {id, name, owner, default_branch, private,
            objects (git objects by SHA), refs ("refs/heads/x" -> SHA),
            issues (number -> issue; PRs are issues too), comments (id -> comment),
            labels (name -> label), pulls (number -> PR), statuses [..],
            check_runs (id -> run), dispatches [..], releases (id -> release, its
            assets inside with their bytes in base64), latest_release (id or null)}
            and, once set: approval_policy (fork PRs), runners [self-hosted runners].
            Tags are `refs/tags/<name>` refs; an annotated tag's ref points at a
            `type: tag` object in `objects` (hashed as git hashes it).
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


def signature(name: str, email: str, date: str | None = None) -> dict[str, str]:
    """A git signature from an ISO 8601 date (now when None), keeping its UTC offset."""
    from datetime import datetime, timezone

    when = datetime.fromisoformat(date) if date else datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    delta = when.utcoffset()
    offset = int(delta.total_seconds()) // 60 if delta is not None else 0
    sign = "-" if offset < 0 else "+"
    tz = f"{sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"
    return _git_person(name, email, str(int(when.timestamp())), tz)


def _git_person(name: str, email: str, unix: str, tz: str) -> dict[str, str]:
    """A signature read from a git object: its date in ISO 8601 with the same offset."""
    from datetime import datetime, timedelta, timezone

    sign = -1 if tz.startswith("-") else 1
    offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5])) * sign
    when = datetime.fromtimestamp(int(unix), timezone(offset))
    iso = when.isoformat().replace("+00:00", "Z")
    return {"name": name, "email": email, "unix": unix, "tz": tz, "date": iso}


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
                "latest_release": None,
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

    def import_git(
        self, full_name: str, path: Path, rev: str = "HEAD", branch: str | None = None
    ) -> str:
        """Test helper: copy the history of `rev` in the local git repository `path` into
        the fake, objects under their own SHAs (the fake hashes as git does), so a local
        commit is one the API knows; `branch` also points `refs/heads/<branch>` at it."""
        import subprocess

        def git(*args: str) -> bytes:
            return subprocess.run(
                ["git", "-C", str(path), *args], check=True, capture_output=True
            ).stdout

        with self.lock:
            repo = self.data["repos"][full_name]
            head = git("rev-parse", rev).decode().strip()
            for sha in git("rev-list", "--reverse", head).decode().split():
                if sha not in repo["objects"]:
                    self._import_commit(repo, sha, git)
            if branch:
                repo["refs"][f"refs/heads/{branch}"] = head
            return head

    def _import_commit(self, repo: dict[str, Any], sha: str, git: Any) -> None:
        header, _, message = git("cat-file", "commit", sha).decode().partition("\n\n")
        commit: dict[str, Any] = {"type": "commit", "parents": [], "message": message}
        for line in header.splitlines():
            key, _, value = line.partition(" ")
            if key == "tree":
                commit["tree"] = value
            elif key == "parent":
                commit["parents"].append(value)
            elif key in ("author", "committer"):
                who, _, rest = value.partition(" <")
                email, _, stamp = rest.partition("> ")
                unix, tz = stamp.split()
                commit[key] = _git_person(who, email, unix, tz)
            else:
                raise ValueError(f"commit {sha}: header {key!r} is not supported by the fake")
        self._import_tree(repo, commit["tree"], git)
        if gitobjects.commit_sha(commit) != sha:
            raise ValueError(f"commit {sha}: hashes differently in the fake")
        repo["objects"][sha] = commit

    def _import_tree(self, repo: dict[str, Any], sha: str, git: Any) -> None:
        if sha in repo["objects"]:
            return
        entries = []
        for line in git("cat-file", "-p", sha).decode().splitlines():
            meta, _, name = line.partition("\t")
            mode, kind, child = meta.split()
            if kind == "tree":
                self._import_tree(repo, child, git)
            elif kind == "blob":
                self.put_blob(repo, git("cat-file", "blob", child))
            else:
                raise ValueError(f"tree {sha}: {kind} entries are not supported by the fake")
            entries.append({"path": name, "mode": mode, "type": kind, "sha": child})
        if gitobjects.tree_sha(entries) != sha:
            raise ValueError(f"tree {sha}: hashes differently in the fake")
        repo["objects"][sha] = {"type": "tree", "entries": sorted(entries, key=lambda e: e["path"])}

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

    # -- tags, releases, release assets ------------------------------------------------
    @staticmethod
    def resolve(repo: dict[str, Any], commitish: str) -> str | None:
        """The commit a branch, tag or SHA names, as GitHub resolves `target_commitish`."""
        refs, objects = repo["refs"], repo["objects"]
        for ref in (commitish, f"refs/heads/{commitish}", f"refs/tags/{commitish}"):
            if ref in refs:
                sha = gitobjects.peel(objects, refs[ref])
                return sha if objects.get(sha, {}).get("type") == "commit" else None
        if objects.get(commitish, {}).get("type") == "commit":
            return commitish
        return None

    @staticmethod
    def put_tag(
        repo: dict[str, Any],
        name: str,
        message: str,
        target: str,
        target_type: str,
        tagger: dict[str, str],
    ) -> str:
        """Store an annotated tag object (no ref: GitHub's POST /git/tags makes none)."""
        tag = {
            "type": "tag",
            "object": target,
            "object_type": target_type,
            "tag": name,
            "tagger": tagger,
            "message": message,
        }
        sha = gitobjects.tag_sha(tag)
        repo["objects"][sha] = tag
        return sha

    def add_tag(
        self,
        full_name: str,
        name: str,
        target: str | None = None,
        *,
        message: str | None = None,
        login: str = "octocat",
    ) -> str:
        """Test helper: tag `target` (branch, tag or SHA; the default branch when None).

        Annotated when `message` is given, else lightweight. Returns the ref's SHA.
        """
        with self.lock:
            repo = self.data["repos"][full_name]
            commit = self.resolve(repo, target or repo["default_branch"])
            if commit is None:
                raise KeyError(f"{full_name}: no commit {target!r}")
            sha = commit
            if message is not None:
                tagger = signature(login, f"{login}@users.noreply.fake")
                sha = self.put_tag(repo, name, message, commit, "commit", tagger)
            repo["refs"][f"refs/tags/{name}"] = sha
            return sha

    def tags(self, full_name: str) -> dict[str, dict[str, Any]]:
        """Test helper: tag name -> {sha (of the ref), commit (peeled), annotated, message,
        tagger}, in name order."""
        with self.lock:
            repo = self.data["repos"][full_name]
            out: dict[str, dict[str, Any]] = {}
            for ref in sorted(r for r in repo["refs"] if r.startswith("refs/tags/")):
                sha = repo["refs"][ref]
                obj = repo["objects"].get(sha, {})
                annotated = obj.get("type") == "tag"
                out[ref.removeprefix("refs/tags/")] = {
                    "sha": sha,
                    "commit": gitobjects.peel(repo["objects"], sha),
                    "annotated": annotated,
                    "message": obj.get("message") if annotated else None,
                    "tagger": obj.get("tagger") if annotated else None,
                }
            return out

    def add_release(
        self,
        full_name: str,
        tag: str,
        *,
        target: str | None = None,
        name: str | None = None,
        body: str | None = None,
        draft: bool = False,
        prerelease: bool = False,
        assets: dict[str, bytes] | None = None,
        login: str = "octocat",
    ) -> dict[str, Any]:
        """Test helper: a published (or draft) release, its tag made when missing, as the
        API does; `assets` name -> bytes, uploaded as application/octet-stream."""
        with self.lock:
            repo = self.data["repos"][full_name]
            target = target or repo["default_branch"]
            if not draft and f"refs/tags/{tag}" not in repo["refs"]:
                self.add_tag(full_name, tag, target)
            release = self.new_release(
                repo,
                tag,
                target,
                name=name,
                body=body,
                draft=draft,
                prerelease=prerelease,
                login=login,
            )
            for asset_name, content in (assets or {}).items():
                self.add_asset(release, asset_name, content, "application/octet-stream", login)
            return release

    def new_release(
        self,
        repo: dict[str, Any],
        tag: str,
        target: str,
        *,
        name: str | None,
        body: str | None,
        draft: bool,
        prerelease: bool,
        login: str,
        make_latest: str = "true",
    ) -> dict[str, Any]:
        stamp = now_iso()
        release = {
            "id": self.new_id(),
            "tag_name": tag,
            "target_commitish": target,
            "name": name,
            "body": body,
            "draft": draft,
            "prerelease": prerelease,
            "created_at": stamp,
            "published_at": None if draft else stamp,
            "author": login,
            "assets": [],
        }
        repo["releases"][str(release["id"])] = release
        self.mark_latest(repo, release, make_latest)
        return release

    @staticmethod
    def mark_latest(repo: dict[str, Any], release: dict[str, Any], make_latest: str) -> None:
        """GitHub's "latest" release: drafts and prereleases never are; `make_latest`
        "false" leaves the current one; "true"/"legacy" take the published release."""
        if release["draft"] or release["prerelease"]:
            if repo.get("latest_release") == release["id"]:
                repo["latest_release"] = None
            return
        if make_latest != "false" or repo.get("latest_release") is None:
            repo["latest_release"] = release["id"]

    def add_asset(
        self,
        release: dict[str, Any],
        name: str,
        content: bytes,
        content_type: str,
        login: str,
        label: str | None = None,
    ) -> dict[str, Any]:
        import hashlib

        stamp = now_iso()
        asset = {
            "id": self.new_id(),
            "name": name,
            "label": label,
            "content_type": content_type,
            "size": len(content),
            "digest": "sha256:" + hashlib.sha256(content).hexdigest(),
            "state": "uploaded",
            "download_count": 0,
            "uploader": login,
            "created_at": stamp,
            "updated_at": stamp,
            "content": base64.b64encode(content).decode(),
        }
        release.setdefault("assets", []).append(asset)
        return asset

    def releases(self, full_name: str) -> list[dict[str, Any]]:
        """Test helper: the repository's releases, newest first (as GET /releases)."""
        with self.lock:
            repo = self.data["repos"][full_name]
            return sorted(repo["releases"].values(), key=lambda rel: -int(rel["id"]))

    def release(self, full_name: str, tag: str) -> dict[str, Any] | None:
        """Test helper: the release of `tag` (drafts included), or None."""
        found = [rel for rel in self.releases(full_name) if rel["tag_name"] == tag]
        return found[0] if found else None

    def asset_bytes(self, full_name: str, tag: str, name: str) -> bytes:
        """Test helper: the uploaded bytes of asset `name` of the release of `tag`."""
        release = self.release(full_name, tag)
        if release is None:
            raise KeyError(f"{full_name}: no release for tag {tag!r}")
        for asset in release.get("assets", []):
            if asset["name"] == name:
                return base64.b64decode(asset["content"])
        raise KeyError(f"{full_name}: release {tag!r} has no asset {name!r}")

    def summary(self) -> dict[str, Any]:
        """Per repository: tags and releases (assets without their bytes), for
        `GET /_fake/state` readers that want the merge loop at a glance."""
        out: dict[str, Any] = {}
        for full_name in list(self.data["repos"]):
            out[full_name] = {
                "tags": self.tags(full_name),
                "releases": [
                    {
                        **{k: v for k, v in rel.items() if k != "assets"},
                        "assets": [
                            {k: v for k, v in asset.items() if k != "content"}
                            for asset in rel.get("assets", [])
                        ],
                    }
                    for rel in self.releases(full_name)
                ],
            }
        return out

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
