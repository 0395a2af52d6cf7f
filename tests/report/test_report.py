"""The pull-request report: content, GFM validity, size cap, HTML, CLI and outbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from mlci.cli import cli
from mlci.config import parse_config
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git
from mlci.markdown import cap_markdown
from mlci.metrics.load import MetricFile, MetricSet
from mlci.report import build_report, render_html, report_from_parts
from mlci.report import png as png_module
from mlci.validate.baseline import Baseline

CONFIG = """
project: demo
train:
  metrics: metrics.json
  params: params.yaml
  model: null
  plots: plots
validate:
  gates:
    acc: {min: 0.8}
    loss: {max_drop: 0.01}
"""


def write_side(root: Path, acc: float, loss: float, depth: int, tpr: float) -> None:
    (root / "metrics.json").write_text(f'{{"acc": {acc}, "loss": {loss}}}')
    (root / "params.yaml").write_text(f"model:\n  depth: {depth}\n")
    (root / "plots").mkdir(exist_ok=True)
    (root / "plots" / "roc.csv").write_text(f"fpr,tpr,threshold\n0,0,1\n0.5,{tpr},0.5\n1,1,0\n")
    (root / "plots" / "confusion_matrix.json").write_text(
        json.dumps({"labels": ["no", "yes"], "matrix": [[50, 5], [depth, 30]]})
    )
    (root / "plots" / "feature_importance.csv").write_text("feature,importance\nage,0.6\nx,0.4\n")


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    init_repository(tmp_path)
    (tmp_path / "mlci.yaml").write_text(CONFIG)
    write_side(tmp_path, 0.85, 0.40, 4, 0.7)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    git(tmp_path, "checkout", "-qb", "feature")
    write_side(tmp_path, 0.82, 0.45, 6, 0.8)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def gfm_tables(text: str) -> list[list[list[str]]]:
    """Every table of `text` as its rows of cell texts, header first, as GitHub shows them.

    markdown-it pads or cuts each row to the header's width, so its tokens alone cannot
    show a broken row: the raw lines are checked too, each table row needing as many
    unescaped `|` as its header row.
    """
    tables: list[list[list[str]]] = []
    cell = False
    for token in MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            tables[-1].append([])
        elif token.type in ("th_open", "td_open"):
            cell = True
            tables[-1][-1].append("")
        elif token.type in ("th_close", "td_close"):
            cell = False
        elif token.type == "inline" and cell:
            tables[-1][-1][-1] = token.content
    widths: list[int] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            widths.append(len(re.findall(r"(?<!\\)\|", line)))
        elif widths:
            assert set(widths) == {widths[0]}, f"a row has a different width: {widths}"
            widths = []
    # Every fence is closed: an odd count would swallow the rest of the comment.
    assert sum(1 for line in text.splitlines() if line.startswith("```")) % 2 == 0
    return tables


def assert_gfm_tables_well_formed(text: str) -> int:
    return len(gfm_tables(text))


def test_report_against_committed_base(project: Path) -> None:
    report = build_report(parse_config(CONFIG), project, "main")
    text = report.markdown
    assert not report.gate_passed
    first = text.splitlines()[0]
    assert re.fullmatch(
        r"## ❌ Gates failed: `loss` · 0 better, 2 worse than main \([0-9a-f]{7}\)", first
    )
    assert "baseline: `metrics.json` committed at `main` (" in text
    assert "| metrics.json | loss | 0.4 | 0.45 | +0.05 | +12.50% | 🔴 worse |" in text
    assert "| params.yaml | model.depth | 4 | 6 |" in text
    assert "xychart-beta" in text and "    line [0, 0.14, 0.28, 0.42, 0.56, 0.7, 0.76" in text
    assert "| **yes** | 6 (+2) | 30 |" in text  # confusion matrix cell with its change
    tables = gfm_tables(text)
    assert len(tables) >= 6
    base = f"main ({report.baseline.commit[:7]})"  # the base by branch and short SHA
    assert tables[1] == [  # the metrics, cell by cell
        ["Path", "Metric", base, "HEAD", "Change", "Change %", ""],
        ["metrics.json", "acc", "0.85", "0.82", "-0.03", "-3.53%", "🔴 worse"],
        ["metrics.json", "loss", "0.4", "0.45", "+0.05", "+12.50%", "🔴 worse"],
    ]
    assert tables[2] == [
        ["Path", "Param", base, "HEAD"],
        ["params.yaml", "model.depth", "4", "6"],
    ]
    data = report.to_dict()
    assert data["baseline"]["source"] == "git-ref" and data["failed_gates"] == ["loss"]


def test_a_base_without_metrics_is_reported_and_its_drop_gate_is_invalid(project: Path) -> None:
    empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git knows it without objects
    git(project, "tag", "empty", git(project, "commit-tree", empty_tree, "-m", "nothing").strip())
    report = build_report(parse_config(CONFIG), project, "empty")
    assert report.baseline.source == "none"
    assert "baseline: no baseline: no run record and no metrics file committed at `empty` (" in (
        report.markdown
    )
    assert "| metrics.json | acc | 0.82 |" in report.markdown
    (invalid,) = report.gates.invalid
    assert invalid.message.startswith(
        "loss: max_drop needs a usable baseline: no run record and no metrics file committed at "
        "`empty` ("
    )
    assert not report.gate_passed
    allowed = CONFIG.replace("{max_drop: 0.01}", "{max_drop: 0.01, allow_missing_baseline: true}")
    report = build_report(parse_config(allowed), project, "empty")
    assert report.gate_passed
    assert "skipped: no usable baseline (allowed by allow_missing_baseline)" in report.markdown
    assert report.to_dict()["baseline"]["source"] == "none"


def test_report_refuses_an_unknown_base_ref(project: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--base", "nope", "--out", "out"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: base ref 'nope': not a branch, tag or commit in ")
    assert not (project / "out").exists()


def test_cap_cuts_cleanly_with_pointer() -> None:
    config = parse_config(CONFIG)
    head = MetricSet((MetricFile("m.json", {f"metric_{i}": i / 7 for i in range(3000)}),), "HEAD")
    base = MetricSet((MetricFile("m.json", {f"metric_{i}": i / 8 for i in range(3000)}),), "main")
    baseline = Baseline("file", "file `base.json`", base, MetricSet(), ref="main")
    report = report_from_parts(
        config, head_metrics=head, head_params=MetricSet(), baseline=baseline, max_chars=20_000
    )
    assert report.truncated and len(report.markdown) <= 20_000
    assert len(report.full_markdown) > 20_000
    assert report.markdown.rstrip().endswith(
        "The full report is `report.md` in the workflow's artifacts."
    )
    assert_gfm_tables_well_formed(report.markdown)


def test_cap_never_leaves_a_fence_or_details_open() -> None:
    body = "intro\n\n<details><summary>x</summary>\n\n```mermaid\n" + "line\n" * 500 + "```\n"
    capped, cut = cap_markdown(body, 1500, "see artifacts")
    assert cut and len(capped) <= 1500
    assert "```" not in capped and capped.count("<details>") == capped.count("</details>")


def test_html_with_and_without_matplotlib(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = build_report(parse_config(CONFIG), project, "main")
    html = render_html(report)
    assert html.count("data:image/png;base64,") == 3
    monkeypatch.setattr(png_module, "matplotlib_available", lambda: False)
    html = render_html(report)
    assert "data:image/png" not in html and "Install <code>mlci[report]</code>" in html


def test_report_cli_writes_files_and_outbox(project: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--base", "main", "--out", "out", "--post"])
    assert result.exit_code == 0, result.output
    assert "gates: failed (loss)" in result.output
    assert "no GITHUB_TOKEN: writing to the outbox" in result.output
    for name in ("report.md", "comment.md", "report.html", "report.json"):
        assert (project / "out" / name).is_file()
    posted = (project / ".mlci" / "outbox" / "comment-report.md").read_text()
    assert posted.startswith("<!-- mlci:report -->\n## ❌ Gates failed: `loss`")
    summary = (project / ".mlci" / "actions" / "step-summary.md").read_text()
    assert summary.startswith("## ❌ Gates failed")


def test_report_post_in_actions_without_a_token_exits_2_before_writing(project: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo-org/demo"}
    result = CliRunner().invoke(
        cli, ["report", "--base", "main", "--out", "out", "--post"], env=env
    )
    assert result.exit_code == 2
    assert result.output == (
        "Error: no GITHUB_TOKEN: this step writes to GitHub and runs in GitHub Actions without "
        "a token. Fix: set GITHUB_TOKEN (env: GITHUB_TOKEN: ${{ github.token }}) or leave out "
        "--post\n"
    )
    assert not (project / ".mlci" / "outbox").exists()
