"""Markdown helpers shared by the renderers of several areas (stdlib only).

Every markdown table mlci writes goes through `markdown_table`, so a `|` or a newline
in a value (a metric, column or file name) never breaks a row.
"""

from __future__ import annotations

from collections.abc import Sequence


def table_cell(text: object) -> str:
    """`text` as one markdown table cell: a `|` would end the cell, a newline the row."""
    return str(text).replace("|", "\\|").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def markdown_table(
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    *,
    align: Sequence[str] | None = None,
) -> str:
    """A GFM table; `align` holds one of "left", "right", "center" or "" per column.

    Cells are escaped with `table_cell` (an empty one is written as one space);
    callers add their own inline markup (backticks, bold) around the text first.
    """
    marks = {"": "---", "left": ":---", "right": "---:", "center": ":---:"}
    rule = [marks[a] for a in align] if align else ["---"] * len(header)

    def line(cells: Sequence[object]) -> str:
        return "| " + " | ".join(table_cell(cell) or " " for cell in cells) + " |"

    return "\n".join([line(header), "|" + "|".join(rule) + "|", *(line(row) for row in rows)])


# -- the one size cap of comments and check-run summaries ---------------------------------
# GitHub refuses comment bodies over 65536 characters (check-run summaries: 65535).
GITHUB_COMMENT_LIMIT = 65536
# What the report leaves free under the limit for the sticky comment's marker line.
MARKER_ROOM = 128
# Fences whose first half does not render (a half Mermaid chart is an error box):
# the cut drops them whole; any other open fence is closed instead.
_DROP_WHOLE = ("mermaid",)


def _open_state(lines: list[str]) -> tuple[int, int]:
    """(index of the line opening a fence still open, or -1; open `<details>` count)."""
    fence_start, details = -1, 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence_start = i if fence_start < 0 else -1
        elif fence_start < 0:
            details += stripped.count("<details>") - stripped.count("</details>")
    return fence_start, max(details, 0)


def cap_markdown(
    text: str, limit: int = GITHUB_COMMENT_LIMIT, pointer: str = ""
) -> tuple[str, bool]:
    """`text` if it fits in `limit` characters, else a clean cut plus a note and `pointer`.

    The cut falls between whole lines. An open code fence is closed (a Mermaid chart is
    dropped whole instead), open `<details>` blocks are closed, and a table cut between
    rows stays a valid table. Returns (text, whether it was cut).
    """
    if len(text) <= limit:
        return text, False
    footer = (
        "\n\n---\n✂️ **Cut to fit GitHub's limit "
        f"({limit:,} characters; the whole text has {len(text):,}).** {pointer}".rstrip()
        + "\n"
    )
    # Upper bound on the lines that can fit, then back up until the closers fit too.
    budget = limit - len(footer) - 200
    kept: list[str] = []
    size = 0
    for line in text.split("\n"):
        if size + len(line) + 1 > budget:
            break
        kept.append(line)
        size += len(line) + 1
    while True:
        fence_start, details = _open_state(kept)
        closers = ""
        if fence_start >= 0:
            info = kept[fence_start].strip()[3:].strip().lower()
            if info.startswith(_DROP_WHOLE):
                kept = kept[:fence_start]
                continue
            closers = "\n```"
        closers += "\n\n</details>" * details
        body = "\n".join(kept).rstrip() + closers + footer
        if len(body) <= limit or not kept:
            return body, True
        kept.pop()
