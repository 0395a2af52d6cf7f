"""`mlci metrics diff` and `mlci params diff` in a real git repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.gitutil import init_repository
from mlci.gitutil import run_git as git


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    init_repository(tmp_path)
    (tmp_path / "metrics.json").write_text('{"acc": 0.80, "loss": 0.50, "auc": 0.7}')
    (tmp_path / "params.yaml").write_text("model:\n  depth: 4\n  lr: 0.1\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    git(tmp_path, "checkout", "-qb", "feature")
    (tmp_path / "metrics.json").write_text('{"acc": 0.85, "loss": 0.55, "auc": 0.7}')
    (tmp_path / "params.yaml").write_text("model:\n  depth: 6\n  lr: 0.1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_metrics_diff_md_reads_base_from_git(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["metrics", "diff", "--base", "main", "--md"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        # dvc metrics diff --md: | Path | Metric | <old> | <new> | Change | (then mlci's extras)
        "| Path | Metric | main | workspace | Change | Change % |   |",
        "|---|---|---|---|---|---|---|",
        "| metrics.json | acc | 0.8 | 0.85 | +0.05 | +6.25% | 🟢 better |",
        "| metrics.json | loss | 0.5 | 0.55 | +0.05 | +10.00% | 🔴 worse |",
    ]
    # The work tree was not touched: git show, no checkout.
    assert '"acc": 0.85' in (repo / "metrics.json").read_text()


def test_metrics_diff_between_two_refs_json(repo: Path) -> None:
    git(repo, "commit", "-qam", "head")
    result = CliRunner().invoke(
        cli, ["metrics", "diff", "--base", "main", "--head", "feature", "--json", "--all"]
    )
    assert result.exit_code == 0, result.output
    assert '"auc": {\n        "old": 0.7,\n        "new": 0.7,' in result.output


def test_params_diff(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["params", "diff", "--base", "main"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Path         Param        main  workspace",
        "params.yaml  model.depth  4     6",
    ]


def test_malformed_metrics_exit_2_naming_the_file(repo: Path) -> None:
    (repo / "metrics.json").write_text('{"acc": 0.9')
    result = CliRunner().invoke(cli, ["metrics", "diff", "--base", "main"])
    assert result.exit_code == 2
    assert (
        "Error: head: metrics.json: invalid JSON at line 1 column 12. "
        "Fix: fix the file's syntax or pass the right path" in result.output
    )


def test_missing_base_file_is_a_note(repo: Path) -> None:
    (repo / "extra.json").write_text('{"x": 1}')
    result = CliRunner().invoke(cli, ["metrics", "diff", "extra.json", "--base", "main"])
    assert result.exit_code == 0
    assert "extra.json  x       -     1" in result.output
    assert "note: base: extra.json at main: fatal:" in result.output


def test_a_folder_at_the_base_ref_is_not_read_as_metrics(repo: Path) -> None:
    # `git show REF:folder` prints a listing; it used to become a metric named `value`.
    (repo / "evals").mkdir()
    (repo / "evals" / "a.json").write_text('{"x": 1}')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "evals")
    result = CliRunner().invoke(cli, ["metrics", "diff", "evals", "--base", "HEAD", "--json"])
    assert result.exit_code == 2
    assert "value" not in result.output
    assert "note: base: evals at HEAD: path 'evals' is a folder in 'HEAD', not a file\n" in (
        result.output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["metrics", "diff", "--base", "mian"],
            "Error: base ref 'mian': not a branch, tag or commit in {repo}. "
            "Fix: check the spelling; in a shallow clone fetch the ref first "
            "(actions/checkout with fetch-depth: 0)\n",
        ),
        (
            ["params", "diff", "--base", "main", "--head", "nope"],
            "Error: --head: 'nope' is neither a file nor a git ref in {repo}. "
            "Fix: pass a branch, tag or commit (e.g. main) or the path of a metrics file\n",
        ),
        (
            ["metrics", "diff", "--base", "main", "--md", "--json"],
            "Error: --md and --json both print to standard output. "
            "Fix: give one of them a PATH to write to\n",
        ),
    ],
)
def test_a_mistyped_side_or_two_formats_exit_2(repo: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output == message.format(repo=repo)
