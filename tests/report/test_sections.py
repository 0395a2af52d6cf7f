"""One list of sections renders both the comment and the HTML page; data checks join it."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.report.test_report import CONFIG, gfm_tables, project  # noqa: F401 (fixture)

from mlci.cli import cli
from mlci.config import parse_config
from mlci.data.quality import CheckFailure, QualityReport
from mlci.data.render import quality_from_json, quality_json, read_data_check
from mlci.errors import InputError
from mlci.metrics.load import MetricFile, MetricSet
from mlci.report import SECTIONS, Section, build_report, render_html, report_from_parts
from mlci.report import sections as sections_module
from mlci.validate.baseline import Baseline

SCRIPT = "<script>alert(1)</script>"
REPORTS = (
    QualityReport(
        "data/train.csv",
        rows=120,
        columns=("age", SCRIPT),
        checks=4,
        failures=(
            CheckFailure("not_null", SCRIPT, 3, "null values", ("", "<i>"), (2, 7, 9)),
            CheckFailure("min", "age", 1, "value | below 0", ("-4",), (5,)),
        ),
    ),
    QualityReport("data/extra.csv", rows=10, columns=("id",), checks=1, failures=()),
)


def _report(data_check=REPORTS, metrics=None):  # type: ignore[no-untyped-def]
    values = metrics or {"acc": 0.9}
    head = MetricSet((MetricFile("m.json", values),), "HEAD")
    base = MetricSet((MetricFile("m.json", {k: 0.5 for k in values}),), "main")
    baseline = Baseline("file", "file `base.json`", base, MetricSet(), ref="main")
    return report_from_parts(
        parse_config("project: demo\n"),
        head_metrics=head,
        head_params=MetricSet(),
        baseline=baseline,
        data_check=data_check,
    )


def test_the_registry_order_is_the_order_of_both_renderings() -> None:
    names = [s.name for s in SECTIONS]
    assert names == [
        "summary",
        "gates",
        "metrics",
        "params",
        "plots",
        "images",
        "lineage",
        "training",
        "data_check",
        "extra",
        "links",
    ]
    report = _report()
    shown = ["summary", "metrics", "params", "lineage", "data_check"]
    assert report.to_dict()["sections"] == shown  # no gates, plots, extra or links to show
    html = render_html(report)
    assert [part.split('"', 1)[0] for part in html.split('<section id="')[1:]] == shown
    headings = [line for line in report.markdown.splitlines() if line.startswith("### ")]
    assert headings == [
        "### Metrics",
        "### Params",
        "### Data and lineage",
        "### Data checks failed",
    ]


def test_a_new_section_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    card = Section(
        "model_card",
        lambda inputs: inputs.title,
        lambda title: f"### Model card\n\nFor {title}.",
        lambda title: f"<h2>Model card</h2><p>For {escape(title)}.</p>",
    )
    silent = Section("silent", lambda inputs: None, str, str)
    monkeypatch.setattr(sections_module, "SECTIONS", (*SECTIONS[:2], card, silent, *SECTIONS[2:]))
    report = _report(data_check=None)
    assert report.to_dict()["sections"] == ["summary", "model_card", "metrics", "params", "lineage"]
    assert "\n\n### Model card\n\nFor mlci report for demo.\n\n### Metrics\n" in report.markdown
    assert "<h2>Model card</h2><p>For mlci report for demo.</p>" in render_html(report)


def test_data_checks_section_in_markdown_and_json() -> None:
    report = _report()
    text = report.full_markdown
    assert "### Data checks failed" in text
    assert "`data/train.csv`: 120 rows, 2 columns, 4 checks, **2 failed**" in text
    (failures,) = [t for t in gfm_tables(text) if t[0][0] == "column"]
    assert failures == [
        ["column", "check", "failing", "problem", "sample values", "rows"],
        ["<script>alert(1)</script>", "not_null", "3", "null values", ", <i>", "2, 7, 9"],
        ["age", "min", "1", "value | below 0", "-4", "5"],
    ]
    assert report.to_dict()["data_check"] == quality_json(REPORTS)
    assert _report(data_check=None).to_dict()["data_check"] is None


def test_values_from_user_data_are_escaped_in_html() -> None:
    html = render_html(_report(metrics={SCRIPT: 0.9}), title=f"report {SCRIPT}")
    assert "<script>" not in html and "<i>" not in html
    assert "<title>report &lt;script&gt;alert(1)&lt;/script&gt;</title>" in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>not_null</td>" in html
    assert "<td>m.json</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>0.5</td>" in html


def test_a_metric_named_with_a_pipe_keeps_its_row() -> None:
    report = _report(data_check=None, metrics={"a|b": 0.9, "c": 0.7})
    (metrics,) = [t for t in gfm_tables(report.markdown) if t[0][1] == "Metric"]
    assert metrics[1:] == [
        ["m.json", "a|b", "0.5", "0.9", "+0.4", "+80.00%", "🟢 better"],
        ["m.json", "c", "0.5", "0.7", "+0.2", "+40.00%", "🟢 better"],
    ]


def test_data_check_json_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "dc.json"
    path.write_text(json.dumps(quality_json(REPORTS)))
    assert read_data_check(path) == REPORTS
    assert quality_from_json(json.loads(path.read_text())) == REPORTS
    for wrong in ({"passed": True, "files": [{"path": "x.csv"}]}, [1]):
        path.write_text(json.dumps(wrong))
        with pytest.raises(InputError) as caught:
            read_data_check(path)
        assert caught.value.message.startswith(f"{path}: ")


def test_cli_report_with_data_check(project: Path) -> None:  # noqa: F811
    (project / "dc.json").write_text(json.dumps(quality_json(REPORTS)))
    result = CliRunner().invoke(
        cli, ["report", "--base", "main", "--out", "out", "--data-check", "dc.json"]
    )
    assert result.exit_code == 0, result.output
    comment = (project / "out" / "comment.md").read_text()
    assert "### Data checks failed" in comment
    assert comment.index("### Data and lineage") < comment.index("### Data checks failed")
    html = (project / "out" / "report.html").read_text()
    assert '<section id="data_check">' in html and "&lt;script&gt;" in html
    data = json.loads((project / "out" / "report.json").read_text())
    assert data["data_check"]["passed"] is False


def test_cli_report_names_a_missing_data_check_file(project: Path) -> None:  # noqa: F811
    result = CliRunner().invoke(cli, ["report", "--base", "main", "--data-check", "nope.json"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ")
    assert result.output.endswith("/nope.json: file not found. Fix: check the path\n")


def test_report_of_the_project_has_no_data_check_by_default(project: Path) -> None:  # noqa: F811
    report = build_report(parse_config(CONFIG), project, "main")
    assert "data_check" not in report.to_dict()["sections"]
