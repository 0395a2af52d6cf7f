"""Markdown helpers shared by the renderers of several areas (stdlib only)."""

from __future__ import annotations


def table_cell(text: str) -> str:
    """`text` as one markdown table cell: a `|` would end the cell, a newline the row."""
    return text.replace("|", "\\|").replace("\n", " ")
