"""`mlci drift profile|check` end to end on real files."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from mlci.cli import cli

from .conftest import make_frame


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(3)
    make_frame(rng, 3000).to_csv(tmp_path / "ref.csv", index=False)
    make_frame(rng, 2000, shift=8.0, mix=(0.1, 0.1, 0.8)).to_parquet(tmp_path / "cur.parquet")
    make_frame(rng, 2000).to_csv(tmp_path / "same.csv", index=False)
    return tmp_path


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_profile_then_check_with_every_output(files, monkeypatch):
    monkeypatch.chdir(files)
    result = run("drift", "profile", "ref.csv", "-o", "p.json", "--exclude", "customer_id")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote p.json: 5 columns, 3,000 rows, ")
    (files / "gh-out").write_text("")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(files / "gh-out"),
        "GITHUB_STEP_SUMMARY": str(files / "summary.md"),
    }
    result = run(
        "drift",
        "check",
        "--reference",
        "p.json",
        "--current",
        "cur.parquet",
        "--json",
        "r.json",
        "--md",
        "r.md",
        "--html",
        "r.html",
        "--decision",
        "d.json",
        "--drift-share",
        "0.3",
        "--fail-on-drift",
        env=env,
    )
    assert result.exit_code == 1, result.output
    # One share (retrain.when.drift_share unset = drift.drift_share): named once.
    assert result.output.splitlines()[0] == (
        "retrain: dataset drift: 2 of 5 columns drifted (40%), at or above drift.drift_share 30%"
    )
    assert result.output.rstrip().endswith(
        "Error: drift detected in 2 columns (40% >= 30%). Fix: look at the report; "
        "retrain or raise drift.drift_share if this is expected"
    )
    report = json.loads((files / "r.json").read_text())
    assert report["schema"] == "mlci.drift-result/v1"
    assert report["dataset"]["drifted_columns"] == ["tenure", "contract"]
    assert json.loads((files / "d.json").read_text())["retrain"] is True
    outputs = (files / "gh-out").read_text()
    assert "drift-detected<<" in outputs and "\ntrue\n" in outputs
    assert "retrain-needed<<" in outputs
    assert "\ntenure,contract\n" in outputs and "\n0.4000\n" in outputs
    assert (files / "summary.md").read_text().startswith("## Data drift")
    html = (files / "r.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") >= 2
    assert "| `tenure` | numeric | **yes** |" in (files / "r.md").read_text()


def test_check_from_config_and_overrides(files, monkeypatch):
    monkeypatch.chdir(files)
    (files / "mlci.yaml").write_text(
        "data:\n  reference: ref.csv\n  current: {path: same.csv}\n"
        "drift:\n  columns: {exclude: [customer_id]}\n  tests: {calls: psi}\n"
    )
    result = run("drift", "check", "--json", "r.json", "--fail-on-drift")
    assert result.exit_code == 0, result.output
    report = json.loads((files / "r.json").read_text())
    tests = {c["name"]: c["test"] for c in report["columns"]}
    # The same tests at every size (p-value tests gated by a minimum effect).
    assert tests == {
        "tenure": "ks",
        "charges": "ks",
        "calls": "psi",
        "contract": "chi2",
        "paperless": "z",
    }
    result = run("drift", "check", "--test", "contract=ks")
    assert result.exit_code == 2
    assert result.output == (
        "Error: drift.tests.contract: ks does not apply to categorical columns. "
        "Fix: use one of: chi2, hellinger, jensenshannon, psi, z\n"
    )


def test_input_errors_exit_2(files, monkeypatch):
    monkeypatch.chdir(files)
    result = run("drift", "check", "--reference", "nope.csv", "--current", "same.csv")
    assert result.exit_code == 2
    assert result.output == (
        "Error: nope.csv: file not found. Fix: check the path (and data: in mlci.yaml)\n"
    )
    result = run("drift", "check", "--current", "same.csv")
    assert result.exit_code == 2
    assert result.output == (
        "Error: no reference given. Fix: pass --reference or set data.profile in mlci.yaml\n"
    )
    result = run(
        "drift", "check", "--reference", "ref.csv", "--current", "same.csv", "--threshold", "tenure"
    )
    assert result.output == (
        "Error: --threshold 'tenure': expected COLUMN=VALUE. Fix: e.g. --threshold age=ks\n"
    )


def test_parquet_without_pyarrow_is_a_clear_error(files, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.chdir(files)
    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    result = run("drift", "profile", "cur.parquet", "-o", "p.json")
    assert result.exit_code == 2
    assert result.output == (
        "Error: cur.parquet: reading Parquet needs pyarrow, which is not installed. "
        "Fix: pip install 'mlci[parquet]' (or pass a CSV file)\n"
    )


def test_profile_merge_command(files, monkeypatch):
    monkeypatch.chdir(files)
    assert run("drift", "profile", "ref.csv", "-o", "a.json").exit_code == 0
    assert run("drift", "profile", "same.csv", "-o", "b.json").exit_code == 0
    result = run("drift", "profile", "merge", "a.json", "b.json", "-o", "ab.json")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote ab.json: 2 profiles, 5,000 rows")


def test_profile_refuses_to_overwrite_the_data(files, monkeypatch):
    # `-o ref.csv` used to replace the reference data with its JSON profile.
    monkeypatch.chdir(files)
    before = (files / "ref.csv").read_bytes()
    result = run("drift", "profile", "ref.csv", "-o", "ref.csv")
    assert result.exit_code == 2
    assert result.output == (
        "Error: -o ref.csv: a profile is JSON; this would overwrite data. "
        "Fix: write the profile to a .json file, e.g. -o drift-profile.json\n"
    )
    assert (files / "ref.csv").read_bytes() == before


def test_unknown_column_names_exit_2(files, monkeypatch):
    # A typo in --columns/--test used to compare nothing and report "no drift".
    monkeypatch.chdir(files)
    result = run("drift", "profile", "ref.csv", "-o", "p.json", "--columns", "agee")
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: ref.csv: no column 'agee' (drift.columns.include or --columns). Fix: use one of: "
    )
    assert not (files / "p.json").exists()
    assert run("drift", "profile", "ref.csv", "-o", "p.json").exit_code == 0
    for option, key in (
        ("--columns=agee", "drift.columns.include (--columns)"),
        ("--test=agee=ks", "drift.tests (--test)"),
        ("--threshold=agee=0.2", "drift.thresholds (--threshold)"),
    ):
        result = run("drift", "check", "--reference", "p.json", "--current", "same.csv", option)
        assert result.exit_code == 2, (option, result.output)
        assert result.output.startswith(
            f"Error: {key}: column 'agee' is in neither the reference nor the current data "
            "(same.csv). Fix: use one of: "
        ), result.output
