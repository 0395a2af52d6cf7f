"""Git objects as git itself hashes them, so SHAs from the fake match real git's."""

from __future__ import annotations

import hashlib
from typing import Any

TREE_MODE = "040000"


def _hash(kind: str, payload: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(payload)}\0".encode() + payload).hexdigest()


def blob_sha(content: bytes) -> str:
    return _hash("blob", content)


def tree_sha(entries: list[dict[str, str]]) -> str:
    def order(entry: dict[str, str]) -> str:
        # git sorts tree entries as if directory names ended with "/".
        return entry["path"] + ("/" if entry["type"] == "tree" else "")

    payload = b"".join(
        f"{entry['mode'].lstrip('0')} {entry['path']}\0".encode() + bytes.fromhex(entry["sha"])
        for entry in sorted(entries, key=order)
    )
    return _hash("tree", payload)


def commit_sha(commit: dict[str, Any]) -> str:
    lines = [f"tree {commit['tree']}"]
    lines += [f"parent {parent}" for parent in commit["parents"]]
    for role in ("author", "committer"):
        person = commit[role]
        lines.append(f"{role} {person['name']} <{person['email']}> {person['unix']} +0000")
    text = "\n".join(lines) + "\n\n" + commit["message"]
    return _hash("commit", text.encode())


def flatten(objects: dict[str, dict[str, Any]], sha: str, prefix: str = "") -> dict[str, dict]:
    """path -> {mode, type, sha} for every blob under the tree `sha`."""
    out: dict[str, dict] = {}
    for entry in objects[sha]["entries"]:
        path = prefix + entry["path"]
        if entry["type"] == "tree":
            out.update(flatten(objects, entry["sha"], path + "/"))
        else:
            out[path] = {"mode": entry["mode"], "type": entry["type"], "sha": entry["sha"]}
    return out


def store_tree(objects: dict[str, dict[str, Any]], files: dict[str, dict]) -> str:
    """Write nested trees for a flat path -> entry mapping; return the root tree's SHA."""
    children: dict[str, dict[str, dict]] = {}
    entries: list[dict[str, str]] = []
    for path, entry in files.items():
        head, sep, rest = path.partition("/")
        if sep:
            children.setdefault(head, {})[rest] = entry
        else:
            entries.append({"path": path, **entry})
    for name, sub in children.items():
        entries.append(
            {"path": name, "mode": TREE_MODE, "type": "tree", "sha": store_tree(objects, sub)}
        )
    sha = tree_sha(entries)
    objects[sha] = {"type": "tree", "entries": sorted(entries, key=lambda e: e["path"])}
    return sha
