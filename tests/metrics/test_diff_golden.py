"""Golden files of the rendered diff (markdown and JSON) over the awkward cases.

Refresh with MLCI_UPDATE_GOLDEN=1 after a deliberate change, and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from mlci.config.schema import MetricsConfig
from mlci.metrics import diff_metrics, load_metrics
from mlci.metrics.render import render_json, render_markdown, render_text

GOLDEN = Path(__file__).parent / "golden"

BASE_JSON = """{
  "train": {"loss": 0.52, "accuracy": 0.81},
  "val": {"loss": 0.61, "accuracy": 0.78, "auc": 0.80},
  "rmse": 3.2,
  "status": "ok",
  "nan_both": NaN,
  "nan_new": 0.5,
  "inf_to_num": Infinity,
  "removed_metric": 1.0,
  "same": 7
}
"""
HEAD_JSON = """{
  "train": {"loss": 0.48, "accuracy": 0.83},
  "val": {"loss": 0.66, "accuracy": 0.78, "auc": 0.82},
  "rmse": 2.9,
  "status": "degraded | check",
  "nan_both": NaN,
  "nan_new": NaN,
  "inf_to_num": 12.5,
  "added_metric": 0.25,
  "same": 7
}
"""
BASE_CSV = "precision,recall\n0.7,0.6\n"
HEAD_CSV = "precision,recall,f1\n0.72,0.55,0.62\n"


def _diff(tmp_path: Path):
    for side, files in {"base": (BASE_JSON, BASE_CSV), "head": (HEAD_JSON, HEAD_CSV)}.items():
        (tmp_path / side).mkdir()
        (tmp_path / side / "metrics.json").write_text(files[0])
        (tmp_path / side / "scores.csv").write_text(files[1])
    paths = ["metrics.json", "scores.csv"]
    base = replace(load_metrics(paths, tmp_path / "base"), source="main")
    head = replace(load_metrics(paths, tmp_path / "head"), source="HEAD")
    config = MetricsConfig(lower_is_better=("status",), higher_is_better=("rmse",))
    return diff_metrics(base, head, MetricsConfig()), diff_metrics(base, head, config)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("MLCI_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with MLCI_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_markdown_golden(tmp_path: Path) -> None:
    diff, _ = _diff(tmp_path)
    check_golden("diff_all.md", render_markdown(diff, show_all=True) + "\n")
    check_golden("diff_changed.md", render_markdown(diff) + "\n")


def test_json_golden_is_strict_json(tmp_path: Path) -> None:
    diff, _ = _diff(tmp_path)
    text = render_json(diff, show_all=True)
    check_golden("diff_all.json", text + "\n")
    # Strict JSON: no bare NaN/Infinity tokens, so any parser can read it.
    json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))


def test_text_golden(tmp_path: Path) -> None:
    diff, _ = _diff(tmp_path)
    check_golden("diff_changed.txt", render_text(diff) + "\n")


def _table_rows(text: str) -> list[list[str]]:
    """The cells of the one table in `text`, as GitHub shows them (header row first)."""
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    assert [t.type for t in tokens].count("table_open") == 1
    rows: list[list[str]] = []
    for i, token in enumerate(tokens):
        if token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            following = tokens[i + 1]
            rows[-1].append(following.content if following.type == "inline" else "")
    return rows


def test_markdown_is_gfm_with_well_formed_table(tmp_path: Path) -> None:
    diff, _ = _diff(tmp_path)
    text = render_markdown(diff, show_all=True)
    rows = _table_rows(text)
    assert rows[0] == ["Path", "Metric", "main", "HEAD", "Change", "Change %", ""]
    # The `|` inside a value is escaped, not a column break: the row keeps its 7 cells.
    assert rows[7] == ["metrics.json", "status", "ok", "degraded | check", "-", "-", ""]
    assert rows[-1] == ["scores.csv", "f1", "-", "0.62", "-", "-", "new"]
    assert len(rows) == 1 + len(diff.changes)
    # markdown-it pads short rows, so count the raw separators too.
    raw = [line for line in text.splitlines() if line.startswith("|")]
    assert {len(re.findall(r"(?<!\\)\|", line)) for line in raw} == {8}


def test_a_metric_named_with_a_pipe_keeps_its_row(tmp_path: Path) -> None:
    for side, value in (("base", 1), ("head", 2)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "m.json").write_text(json.dumps({"a|b": value, "c": 0}))
    base = replace(load_metrics(["m.json"], tmp_path / "base"), source="main")
    head = replace(load_metrics(["m.json"], tmp_path / "head"), source="HEAD")
    text = render_markdown(diff_metrics(base, head, MetricsConfig()), show_all=True)
    assert "| m.json | a\\|b | 1 | 2 | +1 | +100.00% |" in text
    assert _table_rows(text)[1:] == [
        ["m.json", "a|b", "1", "2", "+1", "+100.00%", "🟢 better"],
        ["m.json", "c", "0", "0", "0", "0%", ""],
    ]


def test_direction_and_statuses(tmp_path: Path) -> None:
    diff, configured = _diff(tmp_path)
    by_name = {c.name: c for c in diff.changes}
    assert by_name["train.loss"].direction == "lower"
    assert by_name["train.loss"].verdict == "better"  # 0.52 -> 0.48
    assert by_name["val.loss"].verdict == "worse"
    assert by_name["rmse"].verdict == "better"
    assert by_name["val.accuracy"].status == "unchanged"
    assert by_name["nan_both"].status == "unchanged"
    assert by_name["nan_new"].status == "changed" and by_name["nan_new"].change is None
    assert by_name["inf_to_num"].change == float("-inf")
    assert by_name["added_metric"].status == "added"
    assert by_name["removed_metric"].status == "removed"
    assert by_name["f1"].status == "added"
    assert by_name["status"].change is None and by_name["status"].status == "changed"
    # mlci.yaml's metrics: section wins over the name guess.
    assert {c.name: c for c in configured.changes}["rmse"].verdict == "worse"
