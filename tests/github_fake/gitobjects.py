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
    lines += [person_line(role, commit[role]) for role in ("author", "committer")]
    text = "\n".join(lines) + "\n\n" + commit["message"]
    return _hash("commit", text.encode())


def person_line(role: str, person: dict[str, str]) -> str:
    """`tagger Name <email> 1700000000 +0000`: a signature line as git writes it."""
    return (
        f"{role} {person['name']} <{person['email']}> {person['unix']} {person.get('tz', '+0000')}"
    )


def tag_sha(tag: dict[str, Any]) -> str:
    """An annotated tag object: `object`, `type`, `tag`, `tagger` lines, a blank line, the
    message (byte for byte: git hashes the message as given, trailing newline or not)."""
    lines = [
        f"object {tag['object']}",
        f"type {tag['object_type']}",
        f"tag {tag['tag']}",
        person_line("tagger", tag["tagger"]),
    ]
    return _hash("tag", ("\n".join(lines) + "\n\n" + tag["message"]).encode())


def peel(objects: dict[str, dict[str, Any]], sha: str) -> str:
    """The object a chain of annotated tags points at in the end (a commit, usually)."""
    seen: set[str] = set()
    while sha in objects and objects[sha]["type"] == "tag" and sha not in seen:
        seen.add(sha)
        sha = objects[sha]["object"]
    return sha


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
