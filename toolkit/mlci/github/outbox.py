"""The dry-run outbox: where GitHub writes go when there is no token or --dry-run.

Each write becomes a markdown or JSON file under `.mlci/outbox/` named after what it
would have been (`comment-report.md`, `check-run-mlci.json`, ...), so a user can read
exactly what mlci would post. Writing the same key again replaces the file, as the
real sticky comment would be updated in place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_OUTBOX = Path(".mlci") / "outbox"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "item"


@dataclass(frozen=True)
class OutboxEntry:
    kind: str
    key: str
    path: Path


class Outbox:
    def __init__(self, root: str | Path = DEFAULT_OUTBOX) -> None:
        self.root = Path(root)

    def write_text(self, kind: str, key: str, body: str, suffix: str = ".md") -> OutboxEntry:
        from mlci.output import write_file

        path = self.root / f"{_safe(kind)}-{_safe(key)}{suffix}"
        write_file(path, body if body.endswith("\n") else body + "\n")
        return OutboxEntry(kind, key, path)

    def write_json(self, kind: str, key: str, data: Any) -> OutboxEntry:
        return self.write_text(kind, key, json.dumps(data, indent=2, default=str), ".json")

    def write_files(self, kind: str, key: str, files: dict[str, bytes]) -> Path:
        """Files as they would be committed, under `KIND-KEY/` (replaced as a whole)."""
        import shutil

        from mlci.output import write_file

        folder = self.root / f"{_safe(kind)}-{_safe(key)}"
        if folder.is_dir():
            shutil.rmtree(folder)
        for name, content in files.items():
            target = folder / name
            if folder.resolve() not in target.resolve().parents:
                raise ValueError(f"{name}: path leaves the outbox")
            write_file(target, content)
        return folder

    def entries(self) -> list[Path]:
        return sorted(self.root.glob("*")) if self.root.is_dir() else []
