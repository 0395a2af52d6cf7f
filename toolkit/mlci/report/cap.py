"""Keep a comment under GitHub's size limit, cutting only between whole lines.

The cut never leaves a code fence (a Mermaid chart) open: it backs up to before the
fence. Open `<details>` blocks are closed, and a pointer to the full report ends it.
A table cut between rows stays a valid table.
"""

from __future__ import annotations

GITHUB_COMMENT_LIMIT = 65536


def _state(lines: list[str]) -> tuple[bool, int, int]:
    """(inside a fence, open <details> count, index of the open fence's first line)."""
    fence, fence_start, details = False, -1, 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = not fence
            fence_start = i if fence else -1
        elif not fence:
            details += stripped.count("<details>") - stripped.count("</details>")
    return fence, max(details, 0), fence_start


def cap_markdown(
    text: str, limit: int = GITHUB_COMMENT_LIMIT, pointer: str = ""
) -> tuple[str, bool]:
    """`text` if it fits in `limit` characters, else a clean cut plus `pointer`."""
    if len(text) <= limit:
        return text, False
    footer = (
        "\n\n---\n✂️ **This report was cut to fit GitHub's comment limit "
        f"({limit:,} characters).** {pointer}".rstrip()
        + "\n"
    )
    lines = text.split("\n")
    # Upper bound on the lines that can fit, then back up until the closers fit too.
    budget = limit - len(footer) - 200
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > budget:
            break
        kept.append(line)
        size += len(line) + 1
    while True:
        fence, details, fence_start = _state(kept)
        if fence:
            kept = kept[:fence_start]
            continue
        closers = "\n\n</details>" * details
        body = "\n".join(kept).rstrip() + closers + footer
        if len(body) <= limit or not kept:
            return body, True
        kept.pop()
