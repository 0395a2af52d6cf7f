"""The Candidates section of `mlci report --candidates`, from records written to a folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlci.config import parse_config
from mlci.report.candidates import build_candidates_report
from mlci.train.record import RunRecord
from mlci.validate.baseline import Baseline, resolve_baseline

CONFIG = """
train:
  params: params.yaml
  metrics: metrics.json
  plots: null
  sweep: {model.depth: [2, 4, 6, 8]}
  select: {metric: loss}
metrics:
  lower_is_better: [loss]
validate:
  gates:
    loss: {max: 0.5}
"""


def write_record(folder: Path, cid: str, status: str, metrics: dict[str, float]) -> None:
    record = RunRecord(
        id=f"20250101T000000Z-{cid}",
        created_at="2025-01-01T00:00:00+00:00",
        command="python train.py",
        status=status,
        exit_code=0 if status == "succeeded" else 1,
        duration_s=1.0,
        params={"params.yaml": {"model.depth": int(cid[1:]) * 2, "model.lr": 0.1}},
        metrics={"metrics.json": metrics} if metrics else {},
        errors=() if status == "succeeded" else ("`python train.py` exited with code 1",),
        candidate={"id": cid, "params": {"model.depth": int(cid[1:]) * 2}},
    )
    (folder / cid).mkdir(parents=True)
    (folder / cid / "run.json").write_text(json.dumps(record.to_dict()))


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "params.yaml").write_text("model:\n  depth: 4\n  lr: 0.1\n")
    folder = tmp_path / "cands"
    write_record(folder, "c1", "succeeded", {"loss": 0.40, "acc": 0.8})
    write_record(folder, "c2", "succeeded", {"loss": 0.30, "acc": 0.7})
    # c3 failed with the lowest loss: it must not be picked. c4 has no record: cancelled.
    write_record(folder, "c3", "failed", {"loss": 0.01})
    return tmp_path


def baseline_of(tmp_path: Path, metrics: dict[str, float]) -> Baseline:
    (tmp_path / "base.json").write_text(json.dumps(metrics))
    config = parse_config(CONFIG)
    return resolve_baseline(config, tmp_path, None, str(tmp_path / "base.json"))


def test_table_marks_the_best_succeeded_and_lists_the_rest(project: Path) -> None:
    config = parse_config(CONFIG)
    baseline = baseline_of(project, {"loss": 0.35, "acc": 0.75})
    built = build_candidates_report(config, project, project / "cands", baseline)
    table = built.table
    assert table.selected == "c2"  # lowest loss among the succeeded ones
    assert [(r.run.candidate.id, r.run.status) for r in table.rows] == [
        ("c1", "succeeded"),
        ("c2", "succeeded"),
        ("c3", "failed"),
        ("c4", "cancelled"),
    ]
    text = built.report.full_markdown
    assert "| c2 ⭐ | succeeded | 4 | 0.3 (−0.05 better) | 0.7 (−0.05 worse) |" in text
    assert "| c1 | succeeded | 2 | 0.4 (+0.05 worse) | 0.8 (+0.05 better) |" in text
    assert "| base `baseline` |   |   | 0.35 | 0.75 |" in text  # the base row first
    assert "Not in the selection: c3: failed (`python train.py` exited with code 1); " in text
    assert "c4: cancelled (no run record: cancelled)" in text
    # The gates are the selected candidate's: loss 0.3 <= 0.5.
    assert built.report.gate_passed
    assert [(g.metric, g.value) for g in built.report.gates.results] == [("loss", 0.3)]
    assert "    bar [0.4, 0.3]" in text and "    line [0.35, 0.35]" in text
    assert [s.name for s in built.report.sections][:3] == ["summary", "gates", "candidates"]
    data = built.to_dict()
    assert data["candidates"]["selected"] == "c2"
    assert data["candidates"]["candidates"][3]["status"] == "cancelled"
    assert "<h2>Candidates</h2>" in built.report.sections[2].to_html()


def test_gates_fail_when_the_best_fails_them(project: Path) -> None:
    config = parse_config(CONFIG.replace("loss: {max: 0.5}", "loss: {max: 0.2}"))
    built = build_candidates_report(
        config, project, project / "cands", baseline_of(project, {"loss": 0.35})
    )
    assert built.selected == "c2"
    assert not built.report.gate_passed
    assert built.report.full_markdown.startswith("## ❌")


def test_no_succeeded_candidate_selects_none(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("model:\n  depth: 4\n")
    write_record(tmp_path / "cands", "c1", "failed", {})
    config = parse_config(CONFIG)
    built = build_candidates_report(config, tmp_path, tmp_path / "cands", baseline_of(tmp_path, {}))
    assert built.selected is None
    assert "No candidate succeeded with a value of `loss`: none is selected." in (
        built.report.full_markdown
    )
    assert not built.report.gate_passed  # loss is required and missing
