"""A local GitHub REST API: a real HTTP server over `FakeState`.

Every URL it returns is built from the request's Host header (PyGithub insists on
its own base URL). Lists are paginated with `Link` headers. Tokens are checked;
installation tokens get `Resource not accessible by integration` and an
`X-Accepted-GitHub-Permissions` header when a permission is missing. Faults are
injected per route. Every JSON response and request body is validated against
GitHub's schemas; violations are kept in the state (`violations`).

Admin routes (no token): `GET /_fake/state` (the state, plus `summary`: tags and
releases per repository), `POST /_fake/faults` (one fault or a list),
`DELETE /_fake/faults`, `GET /_fake/violations`.

Tags, releases and release assets are served by `releases.py` (same routing). Release
asset uploads go to the fake itself: `upload_url` is the API base (GitHub's own
uploads.github.com is another host, which PyGithub accepts only for github.com).
Asset bytes come back as `application/octet-stream` with 200 (GitHub redirects with 302
to a storage host), and from `browser_download_url` without a token.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from tests.github_fake import gitobjects
from tests.github_fake.schema import Schemas, shared_schemas
from tests.github_fake.state import FakeState, now_iso

DOCS = "https://docs.github.com/rest"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


@dataclass
class Fault:
    """A failure to serve instead of (or after) the real answer.

    route: an operation key ("POST /repos/{owner}/{repo}/issues/{issue_number}/comments")
        or a substring of the request path; "*" matches everything.
    kind: "status" (plain error), "secondary" / "primary" (rate limits), "drop" (close the
        connection without answering), "latency" (sleep, then answer normally).
    times: how many requests it hits; 0 means every request.
    apply: perform the operation first, then fail (GitHub did it, the client never heard).
    """

    route: str
    kind: str = "status"
    status: int = 500
    times: int = 1
    retry_after: int | None = None
    latency: float = 0.0
    apply: bool = False
    method: str | None = None
    message: str | None = None


class HttpError(Exception):
    """An error answer; `errors` are GitHub's validation details (`resource`, `code`,
    `field`), as in a 422 "Validation Failed"."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.errors = errors


@dataclass(frozen=True)
class RawBody:
    """A non-JSON answer (asset bytes): sent as is, not built from or checked against a
    JSON schema."""

    content: bytes
    content_type: str = "application/octet-stream"


Handler = Callable[["Request"], tuple[int, Any, dict[str, str]]]
ROUTES: list[tuple[str, str, re.Pattern[str], Handler]] = []


def route(op: str) -> Callable[[Handler], Handler]:
    method, path = op.split(" ", 1)

    def pattern(match: re.Match[str]) -> str:
        name = match.group(1)
        # Git refs ("heads/mlci/retrain") and file paths contain slashes.
        if (name == "ref" and "/git/" in path) or (name == "path" and "/contents/" in path):
            return f"(?P<{name}>.+)"
        return f"(?P<{name}>[^/]+)"

    regex = re.compile("^" + re.sub(r"\{(\w+)\}", pattern, path) + "$")

    def register(handler: Handler) -> Handler:
        ROUTES.append((method, op, regex, handler))
        return handler

    return register


def scope_of(op: str) -> str:
    if op.startswith("GET /orgs/") and "/actions/runner-groups" in op:
        return "organization_self_hosted_runners"
    if "/actions/runners" in op or "/actions/permissions" in op:
        return "administration"
    if "check-runs" in op:
        return "checks"
    if "/statuses/" in op:
        return "statuses"
    if "/actions/" in op:
        return "actions"
    if "/pulls" in op:
        return "pull_requests"
    if "/issues" in op or "/labels" in op:
        return "issues"
    return "contents"


# -- the request ---------------------------------------------------------------------------
class Request:
    def __init__(
        self,
        server: FakeGitHubServer,
        method: str,
        op: str,
        params: dict[str, str],
        query: dict[str, list[str]],
        body: Any,
        login: str | None,
        base: str,
        web: str,
        headers: dict[str, str] | None = None,
    ):
        self.server = server
        self.state = server.state
        self.method = method
        self.op = op
        self.params = params
        self.query = query
        self.body = body if isinstance(body, dict) else {}
        self.raw_body = body
        self.login = login
        self.base = base
        self.web = web
        # Header names lower-cased.
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def full_name(self) -> str:
        return f"{self.params['owner']}/{self.params['repo']}"

    @property
    def repo(self) -> dict[str, Any]:
        repo = self.state.data["repos"].get(self.full_name)
        if repo is None:
            raise HttpError(404, "Not Found")
        return repo

    def repo_url(self) -> str:
        return f"{self.base}/repos/{self.full_name}"

    # -- payloads --------------------------------------------------------------------------
    def user(self, login: str) -> dict[str, Any]:
        user = self.state.add_user(login)
        return {
            "login": login,
            "id": user["id"],
            "node_id": f"U_{user['id']}",
            "type": user["type"],
            "site_admin": False,
            "url": f"{self.base}/users/{quote(login)}",
            "html_url": f"{self.web}/{quote(login)}",
        }

    def repository(self, full_name: str | None = None) -> dict[str, Any]:
        full_name = full_name or self.full_name
        repo = self.state.data["repos"].get(full_name)
        owner, name = full_name.split("/", 1)
        return {
            "id": repo["id"] if repo else 1,
            "node_id": f"R_{repo['id'] if repo else 1}",
            "name": name,
            "full_name": full_name,
            "owner": self.user(owner),
            "private": bool(repo and repo["private"]),
            "visibility": "private" if repo and repo["private"] else "public",
            "fork": full_name != self.full_name,
            "default_branch": repo["default_branch"] if repo else "main",
            "url": f"{self.base}/repos/{full_name}",
            "html_url": f"{self.web}/{full_name}",
        }

    def label(self, name: str) -> dict[str, Any]:
        label = self.repo["labels"][name]
        return {
            "id": label["id"],
            "node_id": f"LA_{label['id']}",
            "name": name,
            "color": label["color"],
            "description": label["description"],
            "default": False,
            "url": f"{self.repo_url()}/labels/{quote(name, safe='')}",
        }

    def app(self, slug: str) -> dict[str, Any]:
        """`performed_via_github_app` of a write made with an App installation token."""
        return {
            "id": sum(map(ord, slug)),
            "slug": slug,
            "node_id": f"A_{slug}",
            "name": slug,
            "owner": self.user(self.params.get("owner", "octo-org")),
            "html_url": f"{self.web}/apps/{quote(slug)}",
            "permissions": {"issues": "write", "pull_requests": "write"},
            "events": [],
        }

    def comment(self, comment: dict[str, Any]) -> dict[str, Any]:
        number = comment["issue"]
        app = comment.get("app")
        return {
            "id": comment["id"],
            "node_id": f"IC_{comment['id']}",
            "url": f"{self.repo_url()}/issues/comments/{comment['id']}",
            "html_url": f"{self.web}/{self.full_name}/pull/{number}#issuecomment-{comment['id']}",
            "issue_url": f"{self.repo_url()}/issues/{number}",
            "body": comment["body"],
            "user": self.user(comment["user"]),
            "created_at": comment["created_at"],
            "updated_at": comment["updated_at"],
            "author_association": "NONE",
            "performed_via_github_app": self.app(app) if app else None,
        }

    def issue(self, issue: dict[str, Any]) -> dict[str, Any]:
        number = issue["number"]
        data = {
            "id": issue["id"],
            "node_id": f"I_{issue['id']}",
            "number": number,
            "title": issue["title"],
            "body": issue["body"],
            "state": issue["state"],
            "user": self.user(issue["user"]),
            "labels": [self.label(name) for name in issue["labels"]],
            "url": f"{self.repo_url()}/issues/{number}",
            "html_url": f"{self.web}/{self.full_name}/issues/{number}",
            "comments": len(self.state.comments(self.full_name, number)),
            "created_at": issue["created_at"],
            "updated_at": issue["updated_at"],
        }
        if issue["is_pull"]:
            data["pull_request"] = {
                "url": f"{self.repo_url()}/pulls/{number}",
                "html_url": f"{self.web}/{self.full_name}/pull/{number}",
            }
        return data

    def head_sha(self, pull: dict[str, Any]) -> str:
        head_repo = self.state.data["repos"].get(pull["head_repo"])
        if head_repo and f"refs/heads/{pull['head']}" in head_repo["refs"]:
            return head_repo["refs"][f"refs/heads/{pull['head']}"]
        return pull["head_sha"] or "0" * 40

    def pull(self, pull: dict[str, Any]) -> dict[str, Any]:
        number = pull["number"]
        issue = self.repo["issues"][str(number)]
        base_sha = self.repo["refs"].get(f"refs/heads/{pull['base']}", "0" * 40)
        head_owner = pull["head_repo"].split("/")[0]
        url = f"{self.repo_url()}/pulls/{number}"
        return {
            **self.issue(issue),
            "id": pull["id"],
            "node_id": f"PR_{pull['id']}",
            "url": url,
            "html_url": f"{self.web}/{self.full_name}/pull/{number}",
            "issue_url": f"{self.repo_url()}/issues/{number}",
            "head": {
                "label": f"{head_owner}:{pull['head']}",
                "ref": pull["head"],
                "sha": self.head_sha(pull),
                "user": self.user(head_owner),
                "repo": self.repository(pull["head_repo"]),
            },
            "base": {
                "label": f"{self.params['owner']}:{pull['base']}",
                "ref": pull["base"],
                "sha": base_sha,
                "user": self.user(self.params["owner"]),
                "repo": self.repository(),
            },
            "requested_reviewers": [self.user(login) for login in pull["requested_reviewers"]],
            "requested_teams": [],
            "merged": bool(pull.get("merged_at")),
            "merged_at": pull.get("merged_at"),
            "draft": False,
            "locked": False,
            "comments": 0,
        }

    def ref(self, ref: str) -> dict[str, Any]:
        sha = self.repo["refs"][ref]
        # A tag ref may point at an annotated tag object (or, rarely, a tree or blob).
        kind = self.repo["objects"].get(sha, {}).get("type", "commit")
        return {
            "ref": ref,
            "node_id": f"REF_{sha[:8]}",
            # Percent-encoded: stage tags carry "#" (`churn#prod#1`), which a URL can't.
            "url": f"{self.repo_url()}/git/{quote(ref, safe='/@')}",
            "object": {"type": kind, "sha": sha, "url": f"{self.repo_url()}/git/{kind}s/{sha}"},
        }

    def git_commit(self, sha: str) -> dict[str, Any]:
        commit = self.repo["objects"][sha]

        def person(p: dict[str, str]) -> dict[str, str]:
            return {"name": p["name"], "email": p["email"], "date": p["date"]}

        return {
            "sha": sha,
            "node_id": f"C_{sha[:8]}",
            "url": f"{self.repo_url()}/git/commits/{sha}",
            "html_url": f"{self.web}/{self.full_name}/commit/{sha}",
            "message": commit["message"],
            "author": person(commit["author"]),
            "committer": person(commit["committer"]),
            "tree": {"sha": commit["tree"], "url": f"{self.repo_url()}/git/trees/{commit['tree']}"},
            "parents": [
                {
                    "sha": parent,
                    "url": f"{self.repo_url()}/git/commits/{parent}",
                    "html_url": f"{self.web}/{self.full_name}/commit/{parent}",
                }
                for parent in commit["parents"]
            ],
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }

    def tree(self, sha: str) -> dict[str, Any]:
        entries = self.repo["objects"][sha]["entries"]
        return {
            "sha": sha,
            "url": f"{self.repo_url()}/git/trees/{sha}",
            "truncated": False,
            "tree": [
                {
                    "path": entry["path"],
                    "mode": entry["mode"],
                    "type": entry["type"],
                    "sha": entry["sha"],
                    "url": f"{self.repo_url()}/git/{entry['type']}s/{entry['sha']}",
                }
                for entry in entries
            ],
        }

    def check_run(self, run: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": run["id"],
            "node_id": f"CR_{run['id']}",
            "name": run["name"],
            "head_sha": run["head_sha"],
            "status": run["status"],
            "conclusion": run["conclusion"],
            "external_id": run["external_id"],
            "details_url": run["details_url"],
            "started_at": run["started_at"],
            "completed_at": run["completed_at"],
            "url": f"{self.repo_url()}/check-runs/{run['id']}",
            "html_url": f"{self.web}/{self.full_name}/runs/{run['id']}",
            "output": {
                "title": run["output"].get("title"),
                "summary": run["output"].get("summary"),
                "text": run["output"].get("text"),
                "annotations_count": 0,
                "annotations_url": f"{self.repo_url()}/check-runs/{run['id']}/annotations",
            },
            "check_suite": {"id": 1},
            "app": None,
            "pull_requests": [],
        }

    def paginate(self, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        per_page = max(1, min(100, int(self.q("per_page", "30") or 30)))
        page = max(1, int(self.q("page", "1") or 1))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(number: int, rel: str) -> str:
            query = {k: v[0] for k, v in self.query.items()}
            query.update({"per_page": str(per_page), "page": str(number)})
            path = self.server.path_of(self.op, self.params)
            return f'<{self.base}{path}?{urlencode(query)}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return chunk, ({"Link": ", ".join(links)} if links else {})


# -- handlers ------------------------------------------------------------------------------
OK = dict[str, str]


@route("GET /user")
def get_user(r: Request) -> tuple[int, Any, OK]:
    token = r.server.current_token.info
    if token and token["installation"]:
        raise HttpError(403, "Resource not accessible by integration")
    if r.login is None:
        raise HttpError(401, "Requires authentication")
    return 200, r.user(r.login), {}


@route("GET /repos/{owner}/{repo}")
def get_repo(r: Request) -> tuple[int, Any, OK]:
    r.repo  # noqa: B018 - 404 when missing
    return 200, r.repository(), {}


def _issue(r: Request) -> dict[str, Any]:
    issue = r.repo["issues"].get(r.params["issue_number"])
    if issue is None:
        raise HttpError(404, "Not Found")
    return issue


@route("GET /repos/{owner}/{repo}/issues/{issue_number}")
def get_issue(r: Request) -> tuple[int, Any, OK]:
    return 200, r.issue(_issue(r)), {}


@route("GET /repos/{owner}/{repo}/issues/{issue_number}/comments")
def list_comments(r: Request) -> tuple[int, Any, OK]:
    issue = _issue(r)
    comments = [r.comment(c) for c in r.state.comments(r.full_name, issue["number"])]
    page, headers = r.paginate(comments)
    return 200, page, headers


@route("POST /repos/{owner}/{repo}/issues/{issue_number}/comments")
def create_comment(r: Request) -> tuple[int, Any, OK]:
    issue = _issue(r)
    token = r.server.current_token.info or {}
    comment = r.state.add_comment(
        r.full_name, issue["number"], r.body["body"], r.login or "", app=token.get("app")
    )
    return 201, r.comment(comment), {"Location": r.comment(comment)["url"]}


def _comment(r: Request) -> dict[str, Any]:
    comment = r.repo["comments"].get(r.params["comment_id"])
    if comment is None:
        raise HttpError(404, "Not Found")
    return comment


@route("GET /repos/{owner}/{repo}/issues/comments/{comment_id}")
def get_comment(r: Request) -> tuple[int, Any, OK]:
    return 200, r.comment(_comment(r)), {}


@route("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}")
def edit_comment(r: Request) -> tuple[int, Any, OK]:
    comment = _comment(r)
    comment["body"] = r.body["body"]
    comment["updated_at"] = now_iso()
    return 200, r.comment(comment), {}


@route("DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}")
def delete_comment(r: Request) -> tuple[int, Any, OK]:
    _comment(r)
    del r.repo["comments"][r.params["comment_id"]]
    return 204, None, {}


@route("GET /repos/{owner}/{repo}/labels/{name}")
def get_label(r: Request) -> tuple[int, Any, OK]:
    name = unquote(r.params["name"])
    if name not in r.repo["labels"]:
        raise HttpError(404, "Not Found")
    return 200, r.label(name), {}


@route("POST /repos/{owner}/{repo}/labels")
def create_label(r: Request) -> tuple[int, Any, OK]:
    name = r.body["name"]
    if name in r.repo["labels"]:
        raise HttpError(422, "Validation Failed")
    r.repo["labels"][name] = {
        "id": r.state.new_id(),
        "color": r.body.get("color", "ededed"),
        "description": r.body.get("description"),
    }
    return 201, r.label(name), {}


@route("POST /repos/{owner}/{repo}/issues/{issue_number}/labels")
def add_labels(r: Request) -> tuple[int, Any, OK]:
    issue = _issue(r)
    names = r.raw_body if isinstance(r.raw_body, list) else r.body.get("labels", [])
    for name in names:
        if name not in r.repo["labels"]:  # GitHub creates unknown labels here
            r.repo["labels"][name] = {
                "id": r.state.new_id(),
                "color": "ededed",
                "description": None,
            }
        if name not in issue["labels"]:
            issue["labels"].append(name)
    return 200, [r.label(name) for name in issue["labels"]], {}


@route("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}")
def remove_label(r: Request) -> tuple[int, Any, OK]:
    issue = _issue(r)
    name = unquote(r.params["name"])
    if name not in issue["labels"]:
        raise HttpError(404, "Label does not exist")
    issue["labels"].remove(name)
    return 200, [r.label(n) for n in issue["labels"]], {}


# -- checks and statuses -------------------------------------------------------------------
def _run_fields(run: dict[str, Any], body: dict[str, Any]) -> None:
    for key in (
        "name",
        "details_url",
        "external_id",
        "status",
        "conclusion",
        "started_at",
        "completed_at",
    ):
        if key in body:
            run[key] = body[key]
    if "conclusion" in body:
        run["status"] = "completed"
    if run["status"] == "completed" and not run["completed_at"]:
        run["completed_at"] = now_iso()
    if "output" in body:
        run["output"] = dict(body["output"])


@route("POST /repos/{owner}/{repo}/check-runs")
def create_check_run(r: Request) -> tuple[int, Any, OK]:
    run = {
        "id": r.state.new_id(),
        "name": "",
        "head_sha": r.body["head_sha"],
        "status": "queued",
        "conclusion": None,
        "external_id": None,
        "details_url": None,
        "started_at": now_iso(),
        "completed_at": None,
        "output": {},
    }
    _run_fields(run, r.body)
    r.repo["check_runs"][str(run["id"])] = run
    return 201, r.check_run(run), {}


def _check_run(r: Request) -> dict[str, Any]:
    run = r.repo["check_runs"].get(r.params["check_run_id"])
    if run is None:
        raise HttpError(404, "Not Found")
    return run


@route("GET /repos/{owner}/{repo}/check-runs/{check_run_id}")
def get_check_run(r: Request) -> tuple[int, Any, OK]:
    return 200, r.check_run(_check_run(r)), {}


@route("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}")
def edit_check_run(r: Request) -> tuple[int, Any, OK]:
    run = _check_run(r)
    _run_fields(run, r.body)
    return 200, r.check_run(run), {}


@route("GET /repos/{owner}/{repo}/commits/{ref}/check-runs")
def list_check_runs(r: Request) -> tuple[int, Any, OK]:
    sha = r.repo["refs"].get(f"refs/heads/{r.params['ref']}", r.params["ref"])
    runs = [run for run in r.repo["check_runs"].values() if run["head_sha"] == sha]
    if r.q("check_name"):
        runs = [run for run in runs if run["name"] == r.q("check_name")]
    runs.sort(key=lambda run: -run["id"])
    page, headers = r.paginate([r.check_run(run) for run in runs])
    return 200, {"total_count": len(runs), "check_runs": page}, headers


@route("POST /repos/{owner}/{repo}/statuses/{sha}")
def create_status(r: Request) -> tuple[int, Any, OK]:
    status = {
        "id": r.state.new_id(),
        "sha": r.params["sha"],
        "state": r.body["state"],
        "context": r.body.get("context", "default"),
        "description": r.body.get("description"),
        "target_url": r.body.get("target_url"),
        "creator": r.login,
        "created_at": now_iso(),
    }
    r.repo["statuses"].append(status)
    return (
        201,
        {
            "id": status["id"],
            "node_id": f"SC_{status['id']}",
            "url": f"{r.repo_url()}/statuses/{status['sha']}",
            "state": status["state"],
            "context": status["context"],
            "description": status["description"],
            "target_url": status["target_url"],
            "creator": r.user(r.login or "ghost"),
            "created_at": status["created_at"],
            "updated_at": status["created_at"],
            "avatar_url": None,
        },
        {},
    )


# -- git data ------------------------------------------------------------------------------
def _object(r: Request, sha: str, kind: str) -> dict[str, Any]:
    obj = r.repo["objects"].get(sha)
    if obj is None or obj["type"] != kind:
        raise HttpError(404, "Not Found")
    return obj


@route("POST /repos/{owner}/{repo}/git/blobs")
def create_blob(r: Request) -> tuple[int, Any, OK]:
    raw = r.body["content"]
    content = base64.b64decode(raw) if r.body.get("encoding") == "base64" else raw.encode()
    sha = r.state.put_blob(r.repo, content)
    return 201, {"sha": sha, "url": f"{r.repo_url()}/git/blobs/{sha}"}, {}


@route("POST /repos/{owner}/{repo}/git/trees")
def create_tree(r: Request) -> tuple[int, Any, OK]:
    objects = r.repo["objects"]
    base = r.body.get("base_tree")
    flat = gitobjects.flatten(objects, _object(r, base, "tree") and base) if base else {}
    for entry in r.body["tree"]:
        path = entry["path"]
        if "content" in entry:
            sha = r.state.put_blob(r.repo, entry["content"].encode())
        else:
            sha = entry.get("sha")
        if sha is None:
            flat = {p: e for p, e in flat.items() if p != path and not p.startswith(path + "/")}
            continue
        if sha not in objects:
            raise HttpError(422, f"Invalid tree info: object {sha} not found")
        flat[path] = {"mode": entry["mode"], "type": entry.get("type", "blob"), "sha": sha}
    sha = gitobjects.store_tree(objects, flat)
    return 201, r.tree(sha), {}


@route("GET /repos/{owner}/{repo}/git/trees/{tree_sha}")
def get_tree(r: Request) -> tuple[int, Any, OK]:
    _object(r, r.params["tree_sha"], "tree")
    return 200, r.tree(r.params["tree_sha"]), {}


@route("POST /repos/{owner}/{repo}/git/commits")
def create_commit(r: Request) -> tuple[int, Any, OK]:
    _object(r, r.body["tree"], "tree")
    for parent in r.body.get("parents", []):
        _object(r, parent, "commit")
    sha = r.state.put_commit(
        r.repo,
        r.body["tree"],
        list(r.body.get("parents", [])),
        r.body["message"],
        r.login or "ghost",
        r.body.get("author"),
    )
    return 201, r.git_commit(sha), {}


@route("GET /repos/{owner}/{repo}/git/commits/{commit_sha}")
def get_commit(r: Request) -> tuple[int, Any, OK]:
    _object(r, r.params["commit_sha"], "commit")
    return 200, r.git_commit(r.params["commit_sha"]), {}


@route("GET /repos/{owner}/{repo}/git/ref/{ref}")
def get_ref(r: Request) -> tuple[int, Any, OK]:
    ref = "refs/" + unquote(r.params["ref"])
    if ref not in r.repo["refs"]:
        raise HttpError(404, "Not Found")
    return 200, r.ref(ref), {}


@route("POST /repos/{owner}/{repo}/git/refs")
def create_ref(r: Request) -> tuple[int, Any, OK]:
    ref = r.body["ref"]
    if ref in r.repo["refs"]:
        raise HttpError(422, "Reference already exists")
    if ref.startswith("refs/tags/"):
        # A tag ref points at a tag object or a commit (or any object).
        if r.body["sha"] not in r.repo["objects"]:
            raise HttpError(422, "Object does not exist")
    else:
        _object(r, r.body["sha"], "commit")
    r.repo["refs"][ref] = r.body["sha"]
    return 201, r.ref(ref), {}


def _is_ancestor(objects: dict[str, Any], ancestor: str, sha: str) -> bool:
    seen, todo = set(), [sha]
    while todo:
        current = todo.pop()
        if current == ancestor:
            return True
        if current in seen or current not in objects:
            continue
        seen.add(current)
        todo.extend(objects[current]["parents"])
    return False


@route("PATCH /repos/{owner}/{repo}/git/refs/{ref}")
def update_ref(r: Request) -> tuple[int, Any, OK]:
    ref = "refs/" + unquote(r.params["ref"])
    if ref not in r.repo["refs"]:
        raise HttpError(422, "Reference does not exist")
    new = r.body["sha"]
    _object(r, new, "commit")
    if not r.body.get("force") and not _is_ancestor(r.repo["objects"], r.repo["refs"][ref], new):
        raise HttpError(422, "Update is not a fast forward")
    r.repo["refs"][ref] = new
    return 200, r.ref(ref), {}


@route("DELETE /repos/{owner}/{repo}/git/refs/{ref}")
def delete_ref(r: Request) -> tuple[int, Any, OK]:
    ref = "refs/" + unquote(r.params["ref"])
    if r.repo["refs"].pop(ref, None) is None:
        raise HttpError(422, "Reference does not exist")
    return 204, None, {}


# -- pull requests -------------------------------------------------------------------------
@route("GET /repos/{owner}/{repo}/pulls")
def list_pulls(r: Request) -> tuple[int, Any, OK]:
    state = r.q("state", "open")
    pulls = []
    for pull in sorted(r.repo["pulls"].values(), key=lambda p: -p["number"]):
        issue = r.repo["issues"][str(pull["number"])]
        if state != "all" and issue["state"] != state:
            continue
        head = r.q("head")
        if head and head != f"{pull['head_repo'].split('/')[0]}:{pull['head']}":
            continue
        if r.q("base") and r.q("base") != pull["base"]:
            continue
        pulls.append(r.pull(pull))
    page, headers = r.paginate(pulls)
    return 200, page, headers


@route("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls")
def pulls_for_commit(r: Request) -> tuple[int, Any, OK]:
    sha = r.params["commit_sha"]
    found = [r.pull(p) for p in r.repo["pulls"].values() if r.head_sha(p) == sha]
    page, headers = r.paginate(found)
    return 200, page, headers


# GitHub refuses PR bodies longer than this ("body is too long").
PULL_BODY_LIMIT = 65536


def _check_pull_body(r: Request) -> None:
    if len(r.body.get("body") or "") > PULL_BODY_LIMIT:
        raise HttpError(422, f"body is too long (maximum is {PULL_BODY_LIMIT} characters)")


@route("POST /repos/{owner}/{repo}/pulls")
def create_pull(r: Request) -> tuple[int, Any, OK]:
    _check_pull_body(r)
    head = r.body["head"].split(":")[-1]
    if f"refs/heads/{head}" not in r.repo["refs"]:
        raise HttpError(422, "Validation Failed")
    for pull in r.repo["pulls"].values():
        issue = r.repo["issues"][str(pull["number"])]
        if pull["head"] == head and pull["base"] == r.body["base"] and issue["state"] == "open":
            raise HttpError(422, f"A pull request already exists for {r.params['owner']}:{head}.")
    pull = r.state.add_pull(
        r.full_name,
        head=head,
        base=r.body["base"],
        title=r.body.get("title") or head,
        login=r.login or "ghost",
    )
    r.repo["issues"][str(pull["number"])]["body"] = r.body.get("body")
    return 201, r.pull(pull), {}


def _pull(r: Request) -> dict[str, Any]:
    pull = r.repo["pulls"].get(r.params["pull_number"])
    if pull is None:
        raise HttpError(404, "Not Found")
    return pull


@route("GET /repos/{owner}/{repo}/pulls/{pull_number}")
def get_pull(r: Request) -> tuple[int, Any, OK]:
    return 200, r.pull(_pull(r)), {}


@route("PATCH /repos/{owner}/{repo}/pulls/{pull_number}")
def edit_pull(r: Request) -> tuple[int, Any, OK]:
    pull = _pull(r)
    _check_pull_body(r)
    issue = r.repo["issues"][str(pull["number"])]
    for key in ("title", "body", "state"):
        if key in r.body:
            issue[key] = r.body[key]
    if "base" in r.body:
        pull["base"] = r.body["base"]
    issue["updated_at"] = now_iso()
    return 200, r.pull(pull), {}


@route("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")
def request_reviewers(r: Request) -> tuple[int, Any, OK]:
    pull = _pull(r)
    for login in r.body.get("reviewers", []):
        if login not in r.state.data["users"]:
            raise HttpError(422, "Reviews may only be requested from collaborators.")
        if login not in pull["requested_reviewers"]:
            pull["requested_reviewers"].append(login)
    data = r.pull(pull)
    return 201, {k: v for k, v in data.items() if k not in ("merged", "draft", "comments")}, {}


# -- actions -------------------------------------------------------------------------------
@route("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches")
def dispatch(r: Request) -> tuple[int, Any, OK]:
    ref = r.body["ref"]
    if f"refs/heads/{ref.removeprefix('refs/heads/')}" not in r.repo["refs"]:
        raise HttpError(422, f"No ref found for: {ref}")
    r.repo["dispatches"].append(
        {
            "workflow": unquote(r.params["workflow_id"]),
            "ref": ref,
            "inputs": r.body.get("inputs") or {},
            "by": r.login,
        }
    )
    return 204, None, {}


# -- the server ----------------------------------------------------------------------------
class _TokenSlot(threading.local):
    info: dict[str, Any] | None = None


# -- self-hosted runners, runner groups, the fork pull request approval policy --------------
@route("GET /repos/{owner}/{repo}/actions/runners")
def list_repo_runners(r: Request) -> tuple[int, Any, OK]:
    runners = list(r.repo.get("runners", []))
    page, headers = r.paginate(runners)
    return 200, {"total_count": len(runners), "runners": page}, headers


@route("GET /repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval")
def get_fork_pr_approval(r: Request) -> tuple[int, Any, OK]:
    if r.repo["private"]:
        raise HttpError(422, "Fork PR approval is not allowed for private repositories.")
    # GitHub's default for a new repository.
    return 200, {"approval_policy": r.repo.get("approval_policy", "first_time_contributors")}, {}


def _org(r: Request) -> dict[str, Any]:
    org = r.state.data.get("orgs", {}).get(r.params["org"])
    if org is None:
        raise HttpError(404, "Not Found")
    return org


@route("GET /orgs/{org}/actions/runner-groups")
def list_runner_groups(r: Request) -> tuple[int, Any, OK]:
    base = f"{r.base}/orgs/{r.params['org']}/actions/runner-groups"
    groups = [
        {
            **{k: v for k, v in group.items() if k != "runners"},
            "runners_url": f"{base}/{group['id']}/runners",
            "inherited": False,
        }
        for group in _org(r)["runner_groups"]
    ]
    page, headers = r.paginate(groups)
    return 200, {"total_count": len(groups), "runner_groups": page}, headers


@route("GET /orgs/{org}/actions/runner-groups/{runner_group_id}/runners")
def list_group_runners(r: Request) -> tuple[int, Any, OK]:
    for group in _org(r)["runner_groups"]:
        if str(group["id"]) == r.params["runner_group_id"]:
            runners = [{**runner, "runner_group_id": group["id"]} for runner in group["runners"]]
            page, headers = r.paginate(runners)
            return 200, {"total_count": len(runners), "runners": page}, headers
    raise HttpError(404, "Not Found")


class FakeGitHubServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        state: FakeState,
        *,
        prefix: str = "",
        state_file: Path | None = None,
        schemas: Schemas | None = None,
    ) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.prefix = prefix.rstrip("/")
        self.state_file = state_file
        self.schemas = schemas or shared_schemas()
        self.current_token = _TokenSlot()

    @staticmethod
    def path_of(op: str, params: dict[str, str]) -> str:
        path = op.split(" ", 1)[1]
        return re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], path)

    # -- faults ----------------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        with self.state.lock:
            self.state.data["faults"].append(asdict(fault))

    def take_fault(self, method: str, op: str, path: str) -> Fault | None:
        with self.state.lock:
            for raw in self.state.data["faults"]:
                fault = Fault(**raw)
                if fault.method and fault.method != method:
                    continue
                if fault.route not in ("*", op) and fault.route not in path:
                    continue
                if fault.times:
                    raw["times"] -= 1
                    if raw["times"] <= 0:
                        self.state.data["faults"].remove(raw)
                return fault
        return None


# `browser_download_url` of a release asset (on the web host, not under the API prefix).
_DOWNLOAD = re.compile(
    r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/releases/download/(?P<tag>.+)/(?P<name>[^/]+)$"
)


def _error(status: int, message: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "documentation_url": DOCS, "status": str(status)}
    if errors:
        body["errors"] = errors
    return body


class _Handler(BaseHTTPRequestHandler):
    server: FakeGitHubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- plumbing --------------------------------------------------------------------------
    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        if isinstance(payload, RawBody):
            body, content_type = payload.content, payload.content_type
        else:
            body = b"" if payload is None else json.dumps(payload).encode()
            content_type = "application/json; charset=utf-8"
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _read_raw(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _decode(self, op: str, raw: bytes) -> Any:
        """JSON for most operations; uploads (`application/octet-stream`) stay bytes."""
        media = self.server.schemas.operations[op].get("requestMediaType")
        if media and "json" not in media:
            return raw
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise HttpError(400, "Problems parsing JSON") from None

    def _handle(self, method: str) -> None:
        server = self.server
        state = server.state
        split = urlsplit(self.path)
        path = split.path
        if path.startswith("/_fake/"):
            self._admin(method, path)
            return
        if method == "GET" and _DOWNLOAD.match(path):
            self._download(path)
            return
        if server.prefix and path.startswith(server.prefix):
            path = path[len(server.prefix) :]
        host = self.headers.get("Host", "127.0.0.1")
        base = f"http://{host}{server.prefix}"
        web = f"http://{host}"
        status: int = 500
        try:
            raw = self._read_raw()  # read first: an error answer must not leave it unread
            op, params, handler = self._match(method, path)
            body = self._decode(op, raw)
            fault = server.take_fault(method, op, path)
            if fault and fault.kind == "latency":
                time.sleep(fault.latency)
                fault = None
            if fault and fault.kind == "drop" and not fault.apply:
                self._log(method, split, "dropped")
                self._persist()
                self.close_connection = True
                return
            login = self._authenticate(method, op)
            if body is not None and not isinstance(body, bytes):
                for violation in server.schemas.check_request(op, body):
                    self._violation("request " + violation)
            query = parse_qs(split.query, keep_blank_values=True)
            for violation in server.schemas.check_query(op, query):
                self._violation("request " + violation)
            request = Request(
                server, method, op, params, query, body, login, base, web, dict(self.headers)
            )
            if fault and not fault.apply:
                raise self._fault_error(fault)
            with state.lock:
                status, values, headers = handler(request)
                payload: Any
                if values is None or isinstance(values, RawBody):
                    payload = values
                else:
                    payload = server.schemas.build(op, status, values, base)
            if isinstance(payload, RawBody):
                pass  # bytes: no JSON schema to check against
            elif payload is not None or status != 204:
                for violation in server.schemas.check_response(op, status, payload):
                    self._violation("response " + violation)
            if fault:  # applied, then failed: the client never hears of the success
                if fault.kind == "drop":
                    self._log(method, split, "dropped")
                    self._persist()
                    self.close_connection = True
                    return
                raise self._fault_error(fault)
        except HttpError as error:
            status, payload, headers = (
                error.status,
                _error(error.status, error.message, error.errors),
                error.headers,
            )
        self._log(method, split, status)
        # Saved before the answer: once a client has its response, the state file (and
        # `GET /_fake/state`) already hold this request and its effects.
        self._persist()
        self._send(status, payload, headers)

    def _persist(self) -> None:
        """Write the state file (atomically), if the fake has one."""
        if self.server.state_file is not None:
            with self.server.state.lock:
                self.server.state.save(self.server.state_file)

    def _violation(self, text: str) -> None:
        with self.server.state.lock:
            self.server.state.data["violations"].append(text)

    def _log(self, method: str, split: Any, status: object) -> None:
        query = f"?{split.query}" if split.query else ""
        with self.server.state.lock:
            self.server.state.data["requests"].append(f"{method} {split.path}{query} {status}")

    def _match(self, method: str, path: str) -> tuple[str, dict[str, str], Handler]:
        for route_method, op, regex, handler in ROUTES:
            match = regex.match(path)
            if match and route_method == method:
                return op, match.groupdict(), handler
        raise HttpError(404, "Not Found")

    def _authenticate(self, method: str, op: str) -> str | None:
        header = self.headers.get("Authorization", "")
        self.server.current_token.info = None
        if not header:
            if method != "GET":
                raise HttpError(401, "Requires authentication")
            return None
        token = header.split(" ", 1)[-1]
        info = self.server.state.data["tokens"].get(token)
        if info is None:
            raise HttpError(401, "Bad credentials")
        self.server.current_token.info = info
        permissions = info["permissions"]
        if permissions is not None and op != "GET /user":
            scope = scope_of(op)
            need = "read" if method == "GET" else "write"
            have = permissions.get(scope)
            if have is None or (need == "write" and have != "write"):
                raise HttpError(
                    403,
                    "Resource not accessible by integration",
                    {"X-Accepted-GitHub-Permissions": f"{scope}={need}"},
                )
        return str(info["login"])

    @staticmethod
    def _fault_error(fault: Fault) -> HttpError:
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if fault.kind == "secondary":
            return HttpError(
                fault.status if fault.status in (403, 429) else 403,
                fault.message or SECONDARY_MESSAGE,
                headers,
            )
        if fault.kind == "primary":
            headers.update(
                {
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(time.time()) + (fault.retry_after or 60)),
                }
            )
            return HttpError(
                403, fault.message or "API rate limit exceeded for installation.", headers
            )
        return HttpError(fault.status, fault.message or "Server Error", headers)

    def _download(self, path: str) -> None:
        """`browser_download_url`: a published release's asset, no token needed (public
        repositories), as a browser or `curl -L` fetches it."""
        self._read_raw()
        match = _DOWNLOAD.match(path)
        assert match is not None
        state = self.server.state
        with state.lock:
            full_name = f"{match['owner']}/{match['repo']}"
            release = None
            if full_name in state.data["repos"]:
                release = state.release(full_name, unquote(match["tag"]))
            asset = None
            if release is not None and not release["draft"]:
                name = unquote(match["name"])
                asset = next((a for a in release["assets"] if a["name"] == name), None)
            if asset is not None:
                asset["download_count"] += 1
            state.data["requests"].append(f"GET {path} {200 if asset else 404}")
        self._persist()
        if asset is None:
            self._send(404, RawBody(b"Not Found", "text/plain"))
            return
        content = base64.b64decode(asset["content"])
        self._send(200, RawBody(content, asset["content_type"]))

    def _admin(self, method: str, path: str) -> None:
        server = self.server
        if method == "GET" and path == "/_fake/state":
            with server.state.lock:
                self._send(200, {**server.state.dump(), "summary": server.state.summary()})
        elif method == "GET" and path == "/_fake/violations":
            self._send(200, server.state.dump()["violations"])
        elif method == "POST" and path == "/_fake/faults":
            data = json.loads(self._read_raw() or b"null")
            for item in data if isinstance(data, list) else [data]:
                server.add_fault(Fault(**item))
            self._send(201, server.state.dump()["faults"])
        elif method == "DELETE" and path == "/_fake/faults":
            with server.state.lock:
                server.state.data["faults"].clear()
            self._send(204, None)
        else:
            self._send(404, _error(404, "Not Found"))


# Registers the tag, release, asset and contents routes (they need the names above).
from tests.github_fake import releases as _releases  # noqa: E402, F401
