"""`mlci data check|manifest|diff` through click: messages, files written, exit codes."""

import json

import pandas as pd
from click.testing import CliRunner

from mlci.cli import cli

CONFIG = """
data:
  reference: ref.csv
  checks:
    columns:
      id: {type: int, unique: true}
      age: {min: 0, max: 120}
"""


def invoke(args, env=None):
    return CliRunner().invoke(cli, args, env=env or {"GITHUB_ACTIONS": ""})


def setup(tmp_path, monkeypatch, ages=(30, -4, 200)):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlci.yaml").write_text(CONFIG)
    pd.DataFrame({"id": [1, 2, 3], "age": list(ages)}).to_csv("ref.csv", index=False)


def test_check_fails_with_every_failure_and_reports(tmp_path, monkeypatch):
    setup(tmp_path, monkeypatch)
    result = invoke(["data", "check", "--md", "out.md", "--json", "out.json"])
    assert result.exit_code == 1
    assert result.output == (
        "ref.csv: 3 rows, 2 columns, 7 checks, 2 failed\n"
        "  FAIL age: min: value below 0 (1x); values: -4; rows: 2\n"
        "  FAIL age: max: value above 120 (1x); values: 200; rows: 3\n"
        "Error: data checks failed: 2 failing checks in 1 of 1 files. "
        "Fix: see the failures above; fix the data or data.checks in mlci.yaml\n"
    )
    markdown = (tmp_path / "out.md").read_text()
    assert "| age | min | 1 | value below 0 | -4 | 2 |" in markdown
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["passed"] is False
    assert report["files"][0]["failures"][1] == {
        "check": "max",
        "column": "age",
        "count": 1,
        "message": "value above 120",
        "sample": ["200"],
        "rows": [3],
    }


def test_check_passes(tmp_path, monkeypatch):
    setup(tmp_path, monkeypatch, ages=(30, 40, 50))
    result = invoke(["data", "check", "ref.csv"])
    assert result.exit_code == 0
    assert result.output == "ref.csv: 3 rows, 2 columns, 7 checks, passed\n"


def test_check_in_actions_annotates_and_writes_the_summary(tmp_path, monkeypatch):
    setup(tmp_path, monkeypatch)
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
    }
    result = invoke(["data", "check"], env=env)
    assert result.exit_code == 1
    assert "::error file=ref.csv,title=data check::age: min: value below 0 (1x); values: -4\n" in (
        result.output
    )
    assert summary.read_text().startswith("### Data checks failed\n")
    assert "data-check<<" in outputs.read_text() and "\nfailed\n" in outputs.read_text()


def test_bad_check_config_exits_2_naming_the_key(tmp_path, monkeypatch):
    setup(tmp_path, monkeypatch)
    (tmp_path / "mlci.yaml").write_text(
        "data:\n  checks:\n    columns:\n      age: {min: 10, max: 1}\n"
    )
    result = invoke(["data", "check", "ref.csv"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: mlci.yaml line 4: data.checks.columns.age.min: min (10) is above max (1). "
        "Fix: swap them or fix one of them\n"
    )


def test_missing_file_exits_2(tmp_path, monkeypatch):
    setup(tmp_path, monkeypatch)
    result = invoke(["data", "check", "nope.csv"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: nope.csv: file not found. Fix: check the path (and data: in mlci.yaml)\n"
    )


def test_manifest_and_diff(tmp_path, monkeypatch):
    setup(tmp_path, monkeypatch)
    result = invoke(["data", "manifest", "ref.csv", "-o", "old.json", "--command", "make data"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("wrote old.json (1 files)\n")
    saved = json.loads((tmp_path / "old.json").read_text())
    assert saved["files"][0]["command"] == "make data"
    assert saved["files"][0]["rows"] == 3
    pd.DataFrame({"id": [1, 2, 3], "age": [30, -4, 201]}).to_csv("ref.csv", index=False)
    invoke(["data", "manifest", "ref.csv", "-o", "new.json"])
    result = invoke(["data", "diff", "old.json", "new.json", "--fail-on-change"])
    assert result.exit_code == 1
    assert result.output.startswith("ref.csv: modified\n  content changed\n")
    assert result.output.endswith(
        "Error: the data changed. Fix: drop --fail-on-change to only report it\n"
    )
    assert invoke(["data", "diff", "old.json", "old.json"]).output == "no changes\n"


def test_diff_of_two_tables_by_key(tmp_path, monkeypatch):
    setup(tmp_path, monkeypatch)
    pd.DataFrame({"id": [1, 2, 4], "age": [30, -4, 9]}).to_csv("new.csv", index=False)
    result = invoke(["data", "diff", "ref.csv", "new.csv", "--key", "id", "--json", "d.json"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "rows: 1 removed, 1 added, 0 changed (by id)"
    assert json.loads((tmp_path / "d.json").read_text())["rows"]["added"] == 1
    mixed = invoke(["data", "diff", "ref.csv", "missing.json"])
    assert mixed.exit_code == 2
    assert mixed.output == "Error: missing.json: file not found. Fix: check the path\n"


def test_missing_pandera_exits_2_with_the_install_hint(tmp_path, monkeypatch):
    import sys

    setup(tmp_path, monkeypatch)
    monkeypatch.setitem(sys.modules, "pandera.pandas", None)  # makes the import fail
    result = invoke(["data", "check"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: data checks need pandera, which is not installed. "
        "Fix: pip install 'mlci[governance]'\n"
    )


def test_compound_key_with_a_missing_column_fails(tmp_path, monkeypatch):
    # It used to be skipped silently, so a typo in a key column passed the check.
    setup(tmp_path, monkeypatch, ages=(30, 40, 50))
    (tmp_path / "mlci.yaml").write_text("data:\n  checks:\n    unique: [[id, agee]]\n")
    result = invoke(["data", "check", "ref.csv"])
    assert result.exit_code == 1
    assert result.output == (
        "ref.csv: 3 rows, 2 columns, 1 checks, 1 failed\n"
        "  FAIL id, agee: unique_key: key column agee is missing (1x)\n"
        "Error: data checks failed: 1 failing checks in 1 of 1 files. "
        "Fix: see the failures above; fix the data or data.checks in mlci.yaml\n"
    )


def test_malformed_dvc_lock_is_one_line_naming_the_line(tmp_path, monkeypatch):
    setup(tmp_path, monkeypatch)
    (tmp_path / "dvc.lock").write_text("schema: '2.0'\nstages: [\n")
    result = invoke(["data", "manifest", "ref.csv"])
    assert result.exit_code == 2
    assert (
        result.output
        == "Error: dvc.lock: line 3: invalid YAML (expected the node content, but found "
        "'<stream end>'). Fix: check dvc.lock\n"
    )
