"""`mlci sweep`, `mlci train --candidate` and `mlci report --candidates` on the example."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.demo import example_dir
from mlci.gitutil import commit_all, init_repository

# Three candidates of the embedded example, added to a copy of its mlci.yaml (the
# example itself stays as `mlci demo` uses it).
SWEEP = """  sweep:
    - {model.max_depth: 3, model.n_estimators: 40}
    - {model.max_depth: 8, model.n_estimators: 40}
    - {model.type: logistic_regression}
  select: {metric: roc_auc}
"""


def add_to_train(root: Path, text: str) -> None:
    config = root / "mlci.yaml"
    body = config.read_text()
    anchor = "  timeout_minutes: 30\n"
    assert anchor in body
    config.write_text(body.replace(anchor, anchor + text, 1))


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The example with a sweep, swept once (`--jobs 2`) and reported."""
    root = tmp_path_factory.mktemp("example")
    shutil.copytree(
        example_dir(),
        root,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", ".mlci"),
    )
    add_to_train(root, SWEEP)
    init_repository(root)
    commit_all(root, "example with a sweep")
    params_before = (root / "params.yaml").read_bytes()
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        listed = runner.invoke(cli, ["sweep", "--list", "--json"])
        swept = runner.invoke(cli, ["sweep", "--jobs", "2"])
        report = runner.invoke(
            cli, ["report", "--base", "main", "--candidates", ".mlci/candidates", "--out", "rep"]
        )
    return {
        "root": root,
        "listed": listed,
        "swept": swept,
        "report": report,
        "params_before": params_before,
    }


def test_list_json_is_the_matrix(swept: dict[str, object]) -> None:
    listed = swept["listed"]
    assert listed.exit_code == 0, listed.output  # type: ignore[attr-defined]
    assert json.loads(listed.output) == [  # type: ignore[attr-defined]
        {"id": "c1", "params": {"model.max_depth": 3, "model.n_estimators": 40}},
        {"id": "c2", "params": {"model.max_depth": 8, "model.n_estimators": 40}},
        {"id": "c3", "params": {"model.type": "logistic_regression"}},
    ]


def records(root: Path) -> dict[str, dict[str, object]]:
    return {
        p.parent.name: json.loads(p.read_text())
        for p in sorted((root / ".mlci/candidates").glob("*/run.json"))
    }


def test_three_candidates_three_records_and_the_params_file_unchanged(
    swept: dict[str, object],
) -> None:
    root = swept["root"]
    assert isinstance(root, Path)
    assert swept["swept"].exit_code == 0, swept["swept"].output  # type: ignore[attr-defined]
    found = records(root)
    assert sorted(found) == ["c1", "c2", "c3"]
    for cid, data in found.items():
        assert data["status"] == "succeeded"
        assert data["candidate"]["id"] == cid  # type: ignore[index]
    assert found["c3"]["params"]["params.yaml"]["model.type"] == "logistic_regression"  # type: ignore[index]
    assert found["c2"]["params"]["params.yaml"]["model.max_depth"] == 8  # type: ignore[index]
    assert (root / "params.yaml").read_bytes() == swept["params_before"]


def test_report_marks_the_best_and_gates_it(swept: dict[str, object]) -> None:
    root = swept["root"]
    assert isinstance(root, Path)
    report = swept["report"]
    assert report.exit_code == 0, report.output  # type: ignore[attr-defined]
    found = records(root)
    # The best by roc_auc, computed here from the records themselves.
    auc = {cid: d["metrics"]["metrics.json"]["roc_auc"] for cid, d in found.items()}  # type: ignore[index]
    best = max(sorted(auc), key=lambda cid: auc[cid])
    text = (root / "rep/report.md").read_text()
    assert text.count("### Candidates") == 1
    rows = [line for line in text.splitlines() if re.match(r"^\| c\d", line)]
    assert len(rows) == 3  # one table, one row a candidate
    marked = [row.split("|")[1].strip() for row in rows if "⭐" in row]
    assert marked == [f"{best} ⭐"]
    assert f"⭐ **{best}** is the best by `roc_auc`" in text
    assert "xychart-beta" in text and 'title "roc_auc per candidate"' in text
    data = json.loads((root / "rep/report.json").read_text())
    assert data["candidates"]["selected"] == best
    assert data["sections"][:3] == ["summary", "gates", "candidates"]
    # The gates were evaluated on the selected candidate's metrics.
    metrics = found[best]["metrics"]["metrics.json"]  # type: ignore[index]
    gated = {(g["metric"], g["rule"]): g["value"] for g in data["gates"]}
    assert gated[("roc_auc", "min")] == metrics["roc_auc"]
    assert gated[("accuracy", "min")] == metrics["accuracy"]
    assert data["gate_passed"] == all(g["status"] != "fail" for g in data["gates"])
    assert f"candidates: 3; selected: {best}" in report.output  # type: ignore[attr-defined]


def test_train_candidate_writes_one_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(
        example_dir(),
        tmp_path,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", ".mlci"),
    )
    add_to_train(tmp_path, SWEEP)
    init_repository(tmp_path)
    commit_all(tmp_path, "example")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["train", "--candidate", "c3", "--candidates-dir", "cand"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "cand/c3/run.json").read_text())
    assert data["candidate"] == {"id": "c3", "params": {"model.type": "logistic_regression"}}
    assert sorted(p.name for p in (tmp_path / "cand").iterdir()) == ["c3"]
    assert "candidate c3: succeeded" in result.output
    bad = CliRunner().invoke(cli, ["train", "--candidate", "c7"])
    assert bad.exit_code == 2
    assert "--candidate c7: no such candidate in train.sweep" in bad.output


BAD = [
    (
        "  sweep: {model.max_dept: [3, 4]}\n  select: {metric: roc_auc}\n",
        "mlci.yaml: train.sweep: 'model.max_dept' is not a key of params.yaml. "
        "Fix: did you mean 'model.max_depth'?",
    ),
    (
        "  sweep: {model.max_depth: [3, 4]}\n",
        "mlci.yaml line 8: train.select.metric: is missing: a sweep needs a metric",
    ),
    (
        "  sweep: {model.max_depth: [3, 4]}\n  select: {metric: speed}\n",
        "train.select.metric: 'speed' is neither in validate.gates nor in the metrics section",
    ),
    ("  sweep: 3\n  select: {metric: roc_auc}\n", "train.sweep: expected a mapping or a list"),
    (
        "  sweep: {model.max_depth: []}\n  select: {metric: roc_auc}\n",
        "train.sweep.model.max_depth: has no values",
    ),
    (
        "  sweep: [{model.max_depth: 3}, {model.max_depth: 3}]\n  select: {metric: roc_auc}\n",
        "train.sweep[1]: repeats train.sweep[0]",
    ),
    (
        "  sweep: {model.max_depth: [3]}\n  select: {metric: roc_auc}\n  max_candidates: 0\n",
        "train.max_candidates: 0 is out of range",
    ),
]


@pytest.mark.parametrize(("lines", "message"), BAD)
def test_bad_sweeps_are_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: str, message: str
) -> None:
    shutil.copy(example_dir() / "mlci.yaml", tmp_path / "mlci.yaml")
    shutil.copy(example_dir() / "params.yaml", tmp_path / "params.yaml")
    add_to_train(tmp_path, lines)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["sweep", "--list"])
    assert result.exit_code == 2, result.output
    error = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and len(result.output.strip().splitlines()) == 1
    assert message in error[0]


def test_a_listing_bigger_than_a_github_matrix_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(
        example_dir(),
        tmp_path,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", ".mlci"),
    )
    # 17 x 16 = 272 candidates: over GitHub's 256 jobs per matrix.
    depths = ", ".join(str(d) for d in range(2, 19))
    trees = ", ".join(str(n) for n in range(10, 170, 10))
    add_to_train(
        tmp_path,
        f"  sweep:\n    model.max_depth: [{depths}]\n    model.n_estimators: [{trees}]\n"
        "  select: {metric: roc_auc}\n",
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["sweep", "--list", "--json"])
    assert result.exit_code == 2, result.output
    assert "train.sweep: 272 candidates, more than the 256 jobs" in result.output
    assert "train.max_candidates" in result.output
    assert len(result.output.strip().splitlines()) == 1
    capped = tmp_path / "mlci.yaml"
    capped.write_text(capped.read_text().replace("  select:", "  max_candidates: 256\n  select:"))
    listed = CliRunner().invoke(cli, ["sweep", "--list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) == 256
