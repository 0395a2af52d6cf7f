"""Cut the GitHub REST operations the fake serves into `openapi-ops.json`.

Source: GitHub's REST API description for api.github.com as packaged in the npm
package @octokit/openapi (MIT), file `generated/api.github.com.deref.json`.
Run by hand when the list below changes (not at test time):

    python tests/data/github/cut_openapi.py PATH/TO/api.github.com.deref.json

Operations added while that file was not at hand live in `extra-ops.json`, written by
hand from GitHub's REST docs (each names its page); the fake loads both. When cutting
again, add them to OPERATIONS and drop them from `extra-ops.json`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OPERATIONS = [
    "GET /user",
    "GET /repos/{owner}/{repo}",
    "GET /repos/{owner}/{repo}/issues/{issue_number}",
    "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
    "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    "GET /repos/{owner}/{repo}/issues/comments/{comment_id}",
    "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
    "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}",
    "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
    "GET /repos/{owner}/{repo}/labels/{name}",
    "POST /repos/{owner}/{repo}/labels",
    "POST /repos/{owner}/{repo}/check-runs",
    "GET /repos/{owner}/{repo}/check-runs/{check_run_id}",
    "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    "POST /repos/{owner}/{repo}/statuses/{sha}",
    "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls",
    "POST /repos/{owner}/{repo}/git/blobs",
    "POST /repos/{owner}/{repo}/git/trees",
    "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
    "POST /repos/{owner}/{repo}/git/commits",
    "GET /repos/{owner}/{repo}/git/commits/{commit_sha}",
    "GET /repos/{owner}/{repo}/git/ref/{ref}",
    "POST /repos/{owner}/{repo}/git/refs",
    "PATCH /repos/{owner}/{repo}/git/refs/{ref}",
    "DELETE /repos/{owner}/{repo}/git/refs/{ref}",
    "GET /repos/{owner}/{repo}/pulls",
    "POST /repos/{owner}/{repo}/pulls",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}",
    "PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
    "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
    "POST /repos/{owner}/{repo}/releases",
    "GET /repos/{owner}/{repo}/releases/tags/{tag}",
    # Once hand-written in extra-ops.json.
    "GET /orgs/{org}/actions/runner-groups",
    "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/runners",
    "GET /repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval",
    "GET /repos/{owner}/{repo}/actions/runners",
    "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    # The merge loop: tags, releases, release assets, reading files.
    "GET /repos/{owner}/{repo}/releases",
    "GET /repos/{owner}/{repo}/releases/latest",
    "GET /repos/{owner}/{repo}/releases/{release_id}",
    "PATCH /repos/{owner}/{repo}/releases/{release_id}",
    "DELETE /repos/{owner}/{repo}/releases/{release_id}",
    "GET /repos/{owner}/{repo}/releases/{release_id}/assets",
    "POST /repos/{owner}/{repo}/releases/{release_id}/assets",
    "GET /repos/{owner}/{repo}/releases/assets/{asset_id}",
    "PATCH /repos/{owner}/{repo}/releases/assets/{asset_id}",
    "DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}",
    "POST /repos/{owner}/{repo}/git/tags",
    "GET /repos/{owner}/{repo}/git/tags/{tag_sha}",
    "GET /repos/{owner}/{repo}/git/matching-refs/{ref}",
    "GET /repos/{owner}/{repo}/tags",
    "GET /repos/{owner}/{repo}/contents/{path}",
]


def _json_schema(node: dict) -> dict | None:
    content = (node or {}).get("content") or {}
    for media, body in content.items():
        if "json" in media and "schema" in body:
            return body["schema"]
    return None


def _media_type(node: dict) -> str | None:
    """The body's media type: JSON for most, `application/octet-stream` for uploads."""
    content = (node or {}).get("content") or {}
    return next(iter(content), None)


def _query_parameters(op: dict) -> dict:
    """Query parameter name -> {required, schema}: the fake checks what clients send."""
    return {
        param["name"]: {"required": bool(param.get("required")), "schema": param["schema"]}
        for param in op.get("parameters", [])
        if param.get("in") == "query"
    }


def main(source: str) -> None:
    spec = json.loads(Path(source).read_text(encoding="utf-8"))
    out: dict = {"source": f"@octokit/openapi {spec['info']['version']} (MIT)", "operations": {}}
    for key in OPERATIONS:
        method, path = key.split(" ", 1)
        op = spec["paths"][path][method.lower()]
        responses = {}
        for status, response in op["responses"].items():
            responses[status] = {"schema": _json_schema(response)}
        out["operations"][key] = {
            "operationId": op["operationId"],
            "query": _query_parameters(op),
            "requestBody": _json_schema(op.get("requestBody") or {}),
            "requestMediaType": _media_type(op.get("requestBody") or {}),
            "responses": responses,
        }
    target = Path(__file__).with_name("openapi-ops.json")
    target.write_text(json.dumps(out, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    print(f"{target}: {len(OPERATIONS)} operations")


if __name__ == "__main__":
    main(sys.argv[1])
