"""Tags, releases, release assets and file contents: what `mlci release` and `mlci
baseline publish` call. Routes register on import (server.py imports this module).

GitHub's behaviour kept here, as documented (REST docs "Releases", "Release assets",
"Git tags", "Git references", "Repository contents"):
- POST /git/tags makes only the tag object; the `refs/tags/<name>` ref is made apart.
- Creating a release for a tag that does not exist makes a lightweight tag at
  `target_commitish` (the default branch when omitted) once the release is published;
  a draft gets its tag when it is published. A target that names no commit is 422.
- One release per tag (422 `already_exists`); drafts are not found by tag.
- Asset names are unique per release (422 `already_exists`); special characters in a
  name become "." and leading or trailing periods go, as GitHub renames them.
- Asset bytes: `Accept: application/octet-stream` on the asset URL (200 here, where
  GitHub answers 302 to its storage host).
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote, unquote

from tests.github_fake import gitobjects
from tests.github_fake.server import OK, HttpError, RawBody, Request, route
from tests.github_fake.state import now_iso, signature

UNSIGNED = {
    "verified": False,
    "reason": "unsigned",
    "signature": None,
    "payload": None,
    "verified_at": None,
}


def _invalid(resource: str, field: str, code: str, message: str = "Validation Failed") -> HttpError:
    return HttpError(422, message, errors=[{"resource": resource, "code": code, "field": field}])


# -- payloads ------------------------------------------------------------------------------
def asset_payload(r: Request, release: dict[str, Any], asset: dict[str, Any]) -> dict[str, Any]:
    tag = quote(release["tag_name"], safe="@")
    return {
        "id": asset["id"],
        "node_id": f"RA_{asset['id']}",
        "name": asset["name"],
        "label": asset["label"],
        "content_type": asset["content_type"],
        "size": asset["size"],
        "digest": asset["digest"],
        "state": asset["state"],
        "download_count": asset["download_count"],
        "uploader": r.user(asset["uploader"]),
        "created_at": asset["created_at"],
        "updated_at": asset["updated_at"],
        "url": f"{r.repo_url()}/releases/assets/{asset['id']}",
        "browser_download_url": (
            f"{r.web}/{r.full_name}/releases/download/{tag}/{quote(asset['name'])}"
        ),
    }


def release_payload(r: Request, release: dict[str, Any]) -> dict[str, Any]:
    url = f"{r.repo_url()}/releases/{release['id']}"
    tag = release["tag_name"]
    archive = None if release["draft"] else quote(tag, safe="@")
    return {
        "id": release["id"],
        "node_id": f"RE_{release['id']}",
        "tag_name": tag,
        "target_commitish": release["target_commitish"],
        "name": release["name"],
        "body": release["body"],
        "draft": release["draft"],
        "prerelease": release["prerelease"],
        "created_at": release["created_at"],
        "published_at": release["published_at"],
        "author": r.user(release["author"]),
        "assets": [asset_payload(r, release, asset) for asset in release.get("assets", [])],
        "url": url,
        "html_url": f"{r.web}/{r.full_name}/releases/tag/{quote(tag, safe='@')}",
        "assets_url": f"{url}/assets",
        # Uploads come back to this server (see server.py's docstring).
        "upload_url": f"{url}/assets{{?name,label}}",
        "tarball_url": f"{r.repo_url()}/tarball/{archive}" if archive else None,
        "zipball_url": f"{r.repo_url()}/zipball/{archive}" if archive else None,
    }


def tag_payload(r: Request, sha: str) -> dict[str, Any]:
    tag = r.repo["objects"][sha]
    tagger = tag["tagger"]
    kind = tag["object_type"]
    return {
        "node_id": f"TAG_{sha[:8]}",
        "sha": sha,
        "url": f"{r.repo_url()}/git/tags/{sha}",
        "tag": tag["tag"],
        "message": tag["message"],
        "tagger": {"name": tagger["name"], "email": tagger["email"], "date": tagger["date"]},
        "object": {
            "type": kind,
            "sha": tag["object"],
            "url": f"{r.repo_url()}/git/{kind}s/{tag['object']}",
        },
        "verification": dict(UNSIGNED),
    }


# -- git tags and refs ---------------------------------------------------------------------
@route("POST /repos/{owner}/{repo}/git/tags")
def create_tag(r: Request) -> tuple[int, Any, OK]:
    target = r.repo["objects"].get(r.body["object"])
    if target is None or target["type"] != r.body["type"]:
        raise HttpError(422, "Object does not exist")
    given = r.body.get("tagger") or {}
    login = r.login or "ghost"
    tagger = signature(
        given.get("name") or login,
        given.get("email") or f"{login}@users.noreply.fake",
        given.get("date"),
    )
    sha = r.state.put_tag(
        r.repo, r.body["tag"], r.body["message"], r.body["object"], r.body["type"], tagger
    )
    return 201, tag_payload(r, sha), {"Location": f"{r.repo_url()}/git/tags/{sha}"}


@route("GET /repos/{owner}/{repo}/git/tags/{tag_sha}")
def get_tag(r: Request) -> tuple[int, Any, OK]:
    sha = r.params["tag_sha"]
    if r.repo["objects"].get(sha, {}).get("type") != "tag":
        raise HttpError(404, "Not Found")
    return 200, tag_payload(r, sha), {}


@route("GET /repos/{owner}/{repo}/git/matching-refs/{ref}")
def matching_refs(r: Request) -> tuple[int, Any, OK]:
    # A plain prefix: "tags/churn@v" matches refs/tags/churn@v0.1.0 and refs/tags/churn@v1.
    prefix = "refs/" + unquote(r.params["ref"])
    found = sorted(ref for ref in r.repo["refs"] if ref.startswith(prefix))
    return 200, [r.ref(ref) for ref in found], {}


@route("GET /repos/{owner}/{repo}/tags")
def list_tags(r: Request) -> tuple[int, Any, OK]:
    objects = r.repo["objects"]
    names = sorted(
        (ref.removeprefix("refs/tags/") for ref in r.repo["refs"] if ref.startswith("refs/tags/")),
        reverse=True,
    )
    tags = []
    for name in names:
        commit = gitobjects.peel(objects, r.repo["refs"][f"refs/tags/{name}"])
        quoted = quote(name, safe="@")
        tags.append(
            {
                "name": name,
                "node_id": f"TAG_{commit[:8]}",
                "commit": {"sha": commit, "url": f"{r.repo_url()}/commits/{commit}"},
                "zipball_url": f"{r.repo_url()}/zipball/refs/tags/{quoted}",
                "tarball_url": f"{r.repo_url()}/tarball/refs/tags/{quoted}",
            }
        )
    page, headers = r.paginate(tags)
    return 200, page, headers


# -- releases ------------------------------------------------------------------------------
def _release(r: Request) -> dict[str, Any]:
    release = r.repo["releases"].get(r.params["release_id"])
    if release is None:
        raise HttpError(404, "Not Found")
    return release


def _tag_for(r: Request, release: dict[str, Any]) -> None:
    """Publishing a release makes its tag at `target_commitish` when there is none."""
    ref = f"refs/tags/{release['tag_name']}"
    if ref in r.repo["refs"]:
        return
    commit = r.state.resolve(r.repo, release["target_commitish"])
    if commit is None:
        raise _invalid("Release", "target_commitish", "invalid")
    r.repo["refs"][ref] = commit


def _refresh_latest(r: Request) -> None:
    """After a delete or unpublish: the newest published full release is latest."""
    published = [
        rel for rel in r.repo["releases"].values() if not rel["draft"] and not rel["prerelease"]
    ]
    newest = max(published, key=lambda rel: int(rel["id"]), default=None)
    r.repo["latest_release"] = newest["id"] if newest else None


@route("GET /repos/{owner}/{repo}/releases")
def list_releases(r: Request) -> tuple[int, Any, OK]:
    releases = [release_payload(r, rel) for rel in r.state.releases(r.full_name)]
    page, headers = r.paginate(releases)
    return 200, page, headers


@route("POST /repos/{owner}/{repo}/releases")
def create_release(r: Request) -> tuple[int, Any, OK]:
    tag = r.body["tag_name"]
    if any(rel["tag_name"] == tag for rel in r.repo["releases"].values()):
        raise _invalid("Release", "tag_name", "already_exists")
    target = r.body.get("target_commitish") or r.repo["default_branch"]
    exists = f"refs/tags/{tag}" in r.repo["refs"]
    if not exists and r.state.resolve(r.repo, target) is None:
        raise _invalid("Release", "target_commitish", "invalid")
    release = r.state.new_release(
        r.repo,
        tag,
        target,
        name=r.body.get("name"),
        body=r.body.get("body"),
        draft=bool(r.body.get("draft")),
        prerelease=bool(r.body.get("prerelease")),
        login=r.login or "ghost",
        make_latest=r.body.get("make_latest", "true"),
    )
    if not release["draft"]:
        _tag_for(r, release)
    payload = release_payload(r, release)
    return 201, payload, {"Location": payload["url"]}


@route("GET /repos/{owner}/{repo}/releases/latest")
def latest_release(r: Request) -> tuple[int, Any, OK]:
    latest = r.repo.get("latest_release")
    if latest is None or str(latest) not in r.repo["releases"]:
        raise HttpError(404, "Not Found")
    return 200, release_payload(r, r.repo["releases"][str(latest)]), {}


@route("GET /repos/{owner}/{repo}/releases/tags/{tag}")
def release_by_tag(r: Request) -> tuple[int, Any, OK]:
    tag = unquote(r.params["tag"])
    for release in r.repo["releases"].values():
        if release["tag_name"] == tag and not release["draft"]:
            return 200, release_payload(r, release), {}
    raise HttpError(404, "Not Found")


@route("GET /repos/{owner}/{repo}/releases/{release_id}")
def get_release(r: Request) -> tuple[int, Any, OK]:
    return 200, release_payload(r, _release(r)), {}


@route("PATCH /repos/{owner}/{repo}/releases/{release_id}")
def update_release(r: Request) -> tuple[int, Any, OK]:
    release = _release(r)
    tag = r.body.get("tag_name", release["tag_name"])
    for other in r.repo["releases"].values():
        if other is not release and other["tag_name"] == tag:
            raise _invalid("Release", "tag_name", "already_exists")
    was_draft = release["draft"]
    for key in ("tag_name", "target_commitish", "name", "body"):
        if key in r.body:
            release[key] = r.body[key]
    for key in ("draft", "prerelease"):
        if key in r.body:
            release[key] = bool(r.body[key])
    if not release["draft"]:
        _tag_for(r, release)
        if was_draft:
            release["published_at"] = now_iso()
    r.state.mark_latest(
        r.repo, release, r.body.get("make_latest", "true" if was_draft else "false")
    )
    if r.repo.get("latest_release") is None:
        _refresh_latest(r)
    return 200, release_payload(r, release), {}


@route("DELETE /repos/{owner}/{repo}/releases/{release_id}")
def delete_release(r: Request) -> tuple[int, Any, OK]:
    release = _release(r)
    del r.repo["releases"][str(release["id"])]  # the tag stays, as on GitHub
    if r.repo.get("latest_release") == release["id"]:
        _refresh_latest(r)
    return 204, None, {}


# -- release assets ------------------------------------------------------------------------
def asset_name(name: str) -> str:
    """GitHub renames special characters to "." and drops leading and trailing periods."""
    return re.sub(r"[^A-Za-z0-9._+\-]", ".", name).strip(".")


def _asset(r: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    for release in r.repo["releases"].values():
        for asset in release.get("assets", []):
            if str(asset["id"]) == r.params["asset_id"]:
                return release, asset
    raise HttpError(404, "Not Found")


@route("GET /repos/{owner}/{repo}/releases/{release_id}/assets")
def list_assets(r: Request) -> tuple[int, Any, OK]:
    release = _release(r)
    assets = [asset_payload(r, release, asset) for asset in release.get("assets", [])]
    page, headers = r.paginate(assets)
    return 200, page, headers


@route("POST /repos/{owner}/{repo}/releases/{release_id}/assets")
def upload_asset(r: Request) -> tuple[int, Any, OK]:
    release = _release(r)
    raw_name = r.q("name")
    if not raw_name:
        raise _invalid("ReleaseAsset", "name", "missing_field")
    name = asset_name(raw_name)
    if any(asset["name"] == name for asset in release.get("assets", [])):
        raise _invalid("ReleaseAsset", "name", "already_exists")
    content = r.raw_body if isinstance(r.raw_body, bytes) else b""
    asset = r.state.add_asset(
        release,
        name,
        content,
        r.headers.get("content-type") or "application/octet-stream",
        r.login or "ghost",
        label=r.q("label"),
    )
    return 201, asset_payload(r, release, asset), {}


@route("GET /repos/{owner}/{repo}/releases/assets/{asset_id}")
def get_asset(r: Request) -> tuple[int, Any, OK]:
    release, asset = _asset(r)
    if "application/octet-stream" in r.headers.get("accept", ""):
        asset["download_count"] += 1
        content = base64.b64decode(asset["content"])
        return 200, RawBody(content, asset["content_type"]), {}
    return 200, asset_payload(r, release, asset), {}


@route("PATCH /repos/{owner}/{repo}/releases/assets/{asset_id}")
def update_asset(r: Request) -> tuple[int, Any, OK]:
    release, asset = _asset(r)
    if "name" in r.body:
        name = asset_name(r.body["name"])
        if any(a["name"] == name and a is not asset for a in release["assets"]):
            raise _invalid("ReleaseAsset", "name", "already_exists")
        asset["name"] = name
    for key in ("label", "state"):
        if key in r.body:
            asset[key] = r.body[key]
    asset["updated_at"] = now_iso()
    return 200, asset_payload(r, release, asset), {}


@route("DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}")
def delete_asset(r: Request) -> tuple[int, Any, OK]:
    release, asset = _asset(r)
    release["assets"].remove(asset)
    return 204, None, {}


# -- repository contents -------------------------------------------------------------------
def _content_base64(content: bytes) -> str:
    """GitHub wraps the base64 at 60 characters a line, each line ending in a newline."""
    text = base64.b64encode(content).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


@route("GET /repos/{owner}/{repo}/contents/{path}")
def get_contents(r: Request) -> tuple[int, Any, OK]:
    ref = r.q("ref") or r.repo["default_branch"]
    commit = r.state.resolve(r.repo, ref)
    if commit is None:
        raise HttpError(404, f"No commit found for the ref {ref}")
    path = unquote(r.params["path"]).strip("/")
    objects = r.repo["objects"]
    flat = gitobjects.flatten(objects, objects[commit]["tree"])

    def entry(item_path: str, kind: str, sha: str, size: int) -> dict[str, Any]:
        url = f"{r.repo_url()}/contents/{quote(item_path)}?ref={quote(ref, safe='')}"
        git_url = f"{r.repo_url()}/git/{'blobs' if kind == 'file' else 'trees'}/{sha}"
        html_url = f"{r.web}/{r.full_name}/{'blob' if kind == 'file' else 'tree'}/{ref}/{item_path}"
        raw = f"{r.web}/{r.full_name}/raw/{ref}/{item_path}" if kind == "file" else None
        return {
            "type": kind,
            "name": item_path.rsplit("/", 1)[-1],
            "path": item_path,
            "sha": sha,
            "size": size,
            "url": url,
            "git_url": git_url,
            "html_url": html_url,
            "download_url": raw,
            "_links": {"self": url, "git": git_url, "html": html_url},
        }

    if path in flat:
        blob = flat[path]
        content = base64.b64decode(objects[blob["sha"]]["content"])
        return (
            200,
            {
                **entry(path, "file", blob["sha"], len(content)),
                "encoding": "base64",
                "content": _content_base64(content),
            },
            {},
        )
    # A directory: its direct children (files and folders), as GitHub lists them.
    children: dict[str, dict[str, Any]] = {}
    for item_path, blob in flat.items():
        if not item_path.startswith(path + "/"):
            continue
        head, _, rest = item_path[len(path) + 1 :].partition("/")
        child = f"{path}/{head}"
        if rest:
            children.setdefault(child, entry(child, "dir", _tree_sha(objects, commit, child), 0))
        else:
            size = len(base64.b64decode(objects[blob["sha"]]["content"]))
            children[child] = entry(child, "file", blob["sha"], size)
    if not children:
        raise HttpError(404, "Not Found")
    return 200, [children[name] for name in sorted(children)], {}


def _tree_sha(objects: dict[str, Any], commit: str, path: str) -> str:
    sha = objects[commit]["tree"]
    for part in path.split("/"):
        sha = next(e["sha"] for e in objects[sha]["entries"] if e["path"] == part)
    return str(sha)
