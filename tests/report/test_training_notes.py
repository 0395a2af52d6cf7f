"""The report's Training section: the cache hit or miss and the resume of the head run."""

from __future__ import annotations

from mlci.config import parse_config
from mlci.metrics.load import MetricFile, MetricSet
from mlci.report import render_html, report_from_parts
from mlci.report.training_notes import cache_line, resumed_line
from mlci.train.record import RunRecord
from mlci.validate.baseline import Baseline

KEY = "data-" + "ab12cd34ef56" + "0" * 52


def _record(**fields):  # type: ignore[no-untyped-def]
    return RunRecord(
        id="r1",
        created_at="2026-01-01T00:00:00",
        command="python train.py",
        status="succeeded",
        exit_code=0,
        duration_s=1.0,
        git={"commit": "c" * 40, "dirty": False},
        **fields,
    )


def _report(record):  # type: ignore[no-untyped-def]
    head = MetricSet((MetricFile("m.json", {"acc": 0.9}),), "HEAD")
    baseline = Baseline("file", "file `base.json`", head, MetricSet(), ref="main")
    return report_from_parts(
        parse_config("project: demo\n"),
        head_metrics=head,
        head_params=MetricSet(),
        baseline=baseline,
        head_record=record,
    )


def test_hit_and_resume_in_markdown_html_and_json() -> None:
    record = _record(
        cache={"key": KEY, "hit": True, "paths": ["weights"], "setup_skipped": True},
        resumed={"from": "ckpt/step-3", "attempt": 2, "source": "cache"},
    )
    report = _report(record)
    assert "training" in report.to_dict()["sections"]
    assert (
        "### Training\n\n- cache: hit (key ab12cd34ef56…, setup skipped)\n"
        "- resumed from checkpoint ckpt/step-3 (attempt 2)\n"
    ) in report.markdown
    page = render_html(report)
    assert "<h2>Training</h2><p>cache: hit (key ab12cd34ef56…, setup skipped)</p>" in page


def test_miss_lines() -> None:
    assert cache_line({"key": KEY, "hit": False}) == "cache: miss (key ab12cd34ef56…)"
    saved = {"key": KEY, "hit": False, "saved": True, "evicted": ["data-1", "data-2"]}
    assert cache_line(saved) == "cache: miss (key ab12cd34ef56…, saved, 2 older entries evicted)"
    artifact = {"from": "ckpt/step-7", "attempt": 3, "source": "artifact"}
    assert resumed_line(artifact) == (
        "resumed from checkpoint ckpt/step-7 of the failed attempt's artifact (attempt 3)"
    )


def test_left_out_without_cache_or_resume() -> None:
    assert "training" not in _report(_record()).to_dict()["sections"]
    assert "### Training" not in _report(None).markdown
