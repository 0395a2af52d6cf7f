"""The report's "Training" section: what the runner cache did and whether the run resumed.

Read from the head run's record (`cache` and `resumed`, written by `mlci train`): a
reviewer sees that a fast run skipped its download because of a cache hit, or that a
run continued from a checkpoint of a failed attempt rather than training from scratch.
Left out when the record has neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlci.report import html as h
from mlci.report.parts import ReportInputs

KEY_SHOWN = 12  # characters of the cache key's hash shown; enough to tell entries apart


def _short_key(key: str) -> str:
    stem, _, digest = key.partition("-")
    shown = digest if digest else stem
    short = shown[:KEY_SHOWN] + ("…" if len(shown) > KEY_SHOWN else "")
    return short


def cache_line(cache: dict[str, Any]) -> str:
    """`cache: hit (key abc123…, setup skipped)` or `cache: miss (key …, saved)`."""
    key = _short_key(str(cache.get("key", "")))
    if cache.get("hit"):
        extra = ", setup skipped" if cache.get("setup_skipped") else ""
        return f"cache: hit (key {key}{extra})"
    notes = [f"key {key}"]
    if cache.get("saved"):
        notes.append("saved")
    evicted = cache.get("evicted") or ()
    if evicted:
        notes.append(f"{len(evicted)} older entr{'y' if len(evicted) == 1 else 'ies'} evicted")
    return f"cache: miss ({', '.join(notes)})"


def resumed_line(resumed: dict[str, Any]) -> str:
    """`resumed from checkpoint ckpt/step-3 (attempt 2)`."""
    where = " of the failed attempt's artifact" if resumed.get("source") == "artifact" else ""
    return (
        f"resumed from checkpoint {resumed.get('from')}{where} (attempt {resumed.get('attempt')})"
    )


def build_training_notes(inputs: ReportInputs) -> tuple[str, ...] | None:
    record = inputs.head_record
    if record is None:
        return None
    lines = []
    if record.cache:
        lines.append(cache_line(record.cache))
    if record.resumed:
        lines.append(resumed_line(record.resumed))
    return tuple(lines) or None


def training_notes_markdown(lines: Sequence[str]) -> str:
    return "### Training\n\n" + "\n".join(f"- {line}" for line in lines)


def training_notes_html(lines: Sequence[str]) -> str:
    return h.heading("Training") + "".join(h.para(line) for line in lines)
