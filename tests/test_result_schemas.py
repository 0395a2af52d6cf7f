"""Every JSON file mlci writes names its versioned schema first and matches the JSON Schema
shipped in mlci/schemas/; the readers refuse files of another kind, of a newer version or
of a wrong shape with one line that names the file, the JSON path and the fix; files of
the previous release (no `schema` name) still read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from mlci.cli import cli
from mlci.data.render import quality_from_json
from mlci.drift import load_profile
from mlci.drift.profile import PROFILE_SCHEMA
from mlci.drift.result import DECISION_SCHEMA, RESULT_SCHEMA
from mlci.errors import InputError
from mlci.resultschema import KINDS, SCHEMA_DIR, load_schema, schema_name, validate_document
from mlci.train.record import RunRecord, read_run


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def error_line(result: Any) -> str:
    return result.output.splitlines()[-1]


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded example trained twice (`mlci demo`), then every other writer run on it."""
    root = tmp_path_factory.mktemp("schemas") / "demo"
    result = run("demo", str(root))
    assert result.exit_code == 0, result.output
    before = Path.cwd()
    os.chdir(root)
    try:
        steps = [
            ("drift", "profile", "build", "data/reference.csv", "-o", "out/profile.json"),
            (
                "drift",
                "check",
                "--reference",
                "out/profile.json",
                "--current",
                "data/current.csv",
                "--json",
                "out/drift.json",
                "--decision",
                "out/decision.json",
            ),
            ("data", "check", "data/reference.csv", "--json", "out/data-check.json"),
            ("data", "manifest", "data", "-o", "out/manifest.json"),
            ("fairness", "check", "--json", "out/fairness.json"),
            ("validate", "--base", "main", "--json", "out/validation.json"),
            ("report", "--base", "main", "--out", "out/report", "--no-html"),
        ]
        for step in steps:
            result = run(*step)
            assert result.exit_code == 0, (step, result.output)
    finally:
        os.chdir(before)
    return root


def written(demo: Path) -> dict[str, list[Path]]:
    out = demo / "out"
    return {
        "profile": [out / "profile.json"],
        "drift-result": [out / "drift.json"],
        "retrain-decision": [out / "decision.json"],
        "run-record": sorted((demo / ".mlci" / "runs").glob("*.json")),
        "manifest": [out / "manifest.json"],
        "data-check": [out / "data-check.json"],
        "fairness": [out / "fairness.json"],
        "report": [out / "report" / "report.json", *(demo / ".mlci" / "outbox").glob("report-*")],
        "validation": [out / "validation.json"],
    }


# -- the schemas themselves ---------------------------------------------------------------


def test_every_kind_ships_a_valid_draft_2020_12_schema() -> None:
    files = sorted(p.name for p in SCHEMA_DIR.glob("*.schema.json") if p.name != "mlci.schema.json")
    assert files == sorted(f"{kind}.schema.json" for kind in KINDS)
    for kind in KINDS:
        schema = load_schema(kind)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


def test_schema_names_are_one_style() -> None:
    assert schema_name("profile") == PROFILE_SCHEMA == "mlci.profile/v1"
    assert schema_name("drift-result") == RESULT_SCHEMA == "mlci.drift-result/v1"
    assert schema_name("retrain-decision") == DECISION_SCHEMA == "mlci.retrain-decision/v1"
    assert schema_name("run-record") == "mlci.run-record/v2"
    assert schema_name("manifest") == "mlci.manifest/v1"
    for kind in ("data-check", "fairness", "report", "validation"):
        assert schema_name(kind) == f"mlci.{kind}/v1"


def test_the_wheel_config_packages_the_schema_folder() -> None:
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["toolkit/mlci"]' in pyproject
    assert Path(__file__).parents[1] / "toolkit" / "mlci" / "schemas" == SCHEMA_DIR
    assert '"jsonschema>=4.20",\n]' in pyproject.split("[project.optional-dependencies]")[0]


def test_help_does_not_import_jsonschema() -> None:
    code = (
        "import sys\nfrom mlci.cli import cli\n"
        "try:\n    cli(['drift', 'profile', '--help'], prog_name='mlci')\n"
        "except SystemExit:\n    pass\n"
        "import mlci.resultschema\n"
        "print('LOADED', 'jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED False" in out.stdout


# -- every writer's output ----------------------------------------------------------------


def test_every_file_mlci_writes_names_its_schema_first_and_validates(demo: Path) -> None:
    for kind, paths in written(demo).items():
        assert paths, kind
        for path in paths:
            data = load(path)
            assert next(iter(data)) == "schema", path
            assert data["schema"] == schema_name(kind), path
            validate_document(data, kind, str(path))
            errors = list(Draft202012Validator(load_schema(kind)).iter_errors(data))
            assert errors == [], (path, errors[:1])


def test_documents_inside_documents_carry_their_own_names(demo: Path) -> None:
    record = load(written(demo)["run-record"][-1])
    assert record["data_manifest"]["schema"] == "mlci.manifest/v1"
    validate_document(record["data_manifest"], "manifest", "record")
    report = load(demo / "out" / "report" / "report.json")
    assert report["data_manifest"]["schema"] == "mlci.manifest/v1"
    drift = load(demo / "out" / "drift.json")
    assert next(iter(drift)) == "schema" and "bias" in drift  # bias added after to_json


def test_a_shape_error_names_the_json_path(demo: Path) -> None:
    profile = load(demo / "out" / "profile.json")
    profile["columns"]["tenure_months"]["edges"][2] = "x"
    with pytest.raises(InputError) as caught:
        validate_document(profile, "profile", "p.json")
    assert caught.value.one_line() == (
        "p.json: columns.tenure_months.edges[2]: expected number, found a string "
        "(not a valid drift profile). Fix: write it again with `mlci drift profile build`"
    )


# -- readers: profiles --------------------------------------------------------------------

PROFILE_MAKE = "Fix: pass a drift profile (written by `mlci drift profile build`)"


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"schema": "mlci.run-record/v2"},
            "p.json: a run record (mlci.run-record/v2), not a drift profile. " + PROFILE_MAKE,
        ),
        (
            {"schema": "mlci.profile/v3"},
            "p.json: written by a newer mlci (mlci.profile/v3); this mlci reads up to v1. "
            "Fix: upgrade mlci",
        ),
        (
            {"schema": "mlci.sketch/v1"},
            "p.json: written by a newer mlci (mlci.sketch/v1); this mlci reads mlci.profile "
            "up to v1. Fix: upgrade mlci",
        ),
        (
            {"rows": "many"},
            "p.json: rows: expected integer, found a string (not a valid drift profile). "
            "Fix: write it again with `mlci drift profile build`",
        ),
        (
            {"columns": None},
            "p.json: columns: expected object, found null (not a valid drift profile). "
            "Fix: write it again with `mlci drift profile build`",
        ),
    ],
)
def test_profile_reader_refuses(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: dict, line: str
) -> None:
    monkeypatch.chdir(tmp_path)
    save(tmp_path / "p.json", {**load(demo / "out" / "profile.json"), **change})
    result = run("drift", "profile", "merge", "p.json", "p.json", "-o", "out.json")
    assert result.exit_code == 2, result.output
    assert error_line(result) == f"Error: {line}"
    assert not (tmp_path / "out.json").exists()


def test_profile_holding_a_list_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    save(tmp_path / "p.json", [1, 2])
    result = run("drift", "profile", "merge", "p.json", "p.json", "-o", "out.json")
    assert result.exit_code == 2
    assert error_line(result) == (
        "Error: p.json: not a drift profile (the top level is a list, not an object). "
        + PROFILE_MAKE
    )


def test_newer_profile_as_drift_reference_says_upgrade(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    save(tmp_path / "p.json", {**load(demo / "out" / "profile.json"), "schema": "mlci.profile/v2"})
    current = demo / "data" / "current.csv"
    result = run("drift", "check", "--reference", "p.json", "--current", str(current))
    assert result.exit_code == 2
    assert error_line(result) == (
        "Error: p.json: written by a newer mlci (mlci.profile/v2); this mlci reads up to v1. "
        "Fix: upgrade mlci"
    )


def test_profile_of_the_previous_release_still_loads_and_checks(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    old = {**load(demo / "out" / "profile.json"), "schema": "mlci.drift-profile/1"}
    save(tmp_path / "old.json", old)
    assert load_profile(tmp_path / "old.json").rows == old["rows"]
    current = demo / "data" / "current.csv"
    result = run("drift", "check", "--reference", "old.json", "--current", str(current))
    assert result.exit_code == 0, result.output
    result = run("drift", "profile", "merge", "old.json", "old.json", "-o", "new.json")
    assert result.exit_code == 0, result.output
    assert load(tmp_path / "new.json")["schema"] == "mlci.profile/v1"


# -- readers: run records -----------------------------------------------------------------


def record_of(demo: Path) -> dict[str, Any]:
    return load(written(demo)["run-record"][-1])


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"schema": "mlci.manifest/v1"},
            "a data manifest (mlci.manifest/v1), not a run record. "
            "Fix: pass a run record (written by `mlci train`)",
        ),
        (
            {"schema": "mlci.run-record/v3"},
            "written by a newer mlci (mlci.run-record/v3); this mlci reads up to v2. "
            "Fix: upgrade mlci",
        ),
        (
            {"schema": 3},
            "written by a newer mlci (mlci.run-record/v3); this mlci reads up to v2. "
            "Fix: upgrade mlci",
        ),
        (
            {"metrics": "0.9"},
            "metrics: expected object or null, found a string (not a valid run record). "
            "Fix: delete the file or restore it from git",
        ),
        (
            {"model": {"sha256": "abc"}},
            "model.path: missing (not a valid run record). "
            "Fix: delete the file or restore it from git",
        ),
    ],
)
def test_run_record_reader_refuses(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: dict, line: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = save(tmp_path / "record.json", {**record_of(demo), **change})
    result = run("runs", "show", "record.json")
    assert result.exit_code == 2, result.output
    assert error_line(result) == f"Error: {path}: {line}"


def test_run_record_baseline_of_another_kind_is_refused(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlci.yaml").write_text((demo / "mlci.yaml").read_text())
    (tmp_path / "metrics.json").write_text((demo / "metrics.json").read_text())
    save(tmp_path / "record.json", {**record_of(demo), "schema": "mlci.run-record/v9"})
    result = run("validate", "--baseline", "record.json")
    assert result.exit_code == 2, result.output
    assert error_line(result) == (
        "Error: record.json: written by a newer mlci (mlci.run-record/v9); this mlci reads "
        "up to v2. Fix: upgrade mlci"
    )


def test_run_records_of_the_previous_release_still_read(demo: Path, tmp_path: Path) -> None:
    new = record_of(demo)
    manifest = new["data_manifest"]
    old_manifest = {"kind": "mlci-data-manifest", "version": 1, "files": manifest["files"]}
    body = {k: v for k, v in new.items() if k != "schema"}
    v2 = save(tmp_path / "v2.json", {**body, "data_manifest": old_manifest, "schema": 2})
    v1 = {k: v for k, v in body.items() if k != "data_manifest"}
    v1_path = save(tmp_path / "v1.json", v1)
    record = read_run(v2)
    assert (record.schema, record.data_manifest is not None) == (2, True)
    assert record.to_dict()["schema"] == "mlci.run-record/v2"
    old = read_run(v1_path)
    assert (old.schema, old.data_manifest) == (1, None)
    assert old.to_dict()["schema"] == "mlci.run-record/v1"
    assert RunRecord.from_dict(new).metrics == old.metrics
    result = run("runs", "show", str(v2))
    assert result.exit_code == 0, result.output


# -- readers: manifests -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (
            {"schema": "mlci.profile/v1", "rows": 1, "columns": {}},
            "b.json: a drift profile (mlci.profile/v1), not a data manifest. "
            "Fix: pass a data manifest (written by `mlci data manifest`)",
        ),
        (
            {"schema": "mlci.manifest/v2", "files": []},
            "b.json: written by a newer mlci (mlci.manifest/v2); this mlci reads up to v1. "
            "Fix: upgrade mlci",
        ),
        (
            {"schema": "mlci.manifest/v1"},
            "b.json: files: missing (not a valid data manifest). "
            "Fix: write it again with `mlci data manifest`",
        ),
        (
            {"schema": "mlci.manifest/v1", "files": [{"path": "a.csv"}]},
            "b.json: files[0].size: missing (not a valid data manifest). "
            "Fix: write it again with `mlci data manifest`",
        ),
    ],
)
def test_manifest_reader_refuses(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: dict, line: str
) -> None:
    monkeypatch.chdir(tmp_path)
    save(tmp_path / "a.json", load(demo / "out" / "manifest.json"))
    save(tmp_path / "b.json", data)
    result = run("data", "diff", "a.json", "b.json")
    assert result.exit_code == 2, result.output
    assert error_line(result) == f"Error: {line}"


def test_manifest_of_the_previous_release_still_reads(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    new = load(demo / "out" / "manifest.json")
    assert list(new) == ["schema", "files"]  # `kind` and `version` folded into the name
    save(tmp_path / "new.json", new)
    save(tmp_path / "old.json", {"kind": "mlci-data-manifest", "version": 1, "files": new["files"]})
    result = run("data", "diff", "old.json", "new.json")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "no changes"


# -- readers: data check results (mlci report --data-check) --------------------------------


def test_data_check_reader_refuses_and_reads_old_files(demo: Path) -> None:
    data = load(demo / "out" / "data-check.json")
    assert quality_from_json(data, "c.json")[0].rows == 4000
    old = {k: v for k, v in data.items() if k != "schema"}
    assert quality_from_json(old, "c.json")[0].rows == 4000
    for bad, line in [
        (
            {**data, "schema": "mlci.data-check/v2"},
            "c.json: written by a newer mlci (mlci.data-check/v2); this mlci reads up to v1. "
            "Fix: upgrade mlci",
        ),
        (
            {**data, "schema": "mlci.fairness/v1"},
            "c.json: a fairness report (mlci.fairness/v1), not a data check result. "
            "Fix: pass a data check result (written by `mlci data check --json`)",
        ),
        (
            {**data, "files": [{**data["files"][0], "rows": "4000"}]},
            "c.json: files[0].rows: expected integer, found a string "
            "(not a valid data check result). Fix: write it again with `mlci data check --json`",
        ),
    ]:
        with pytest.raises(InputError) as caught:
            quality_from_json(bad, "c.json")
        assert caught.value.one_line() == line


# -- documents mlci does not read back ----------------------------------------------------


def test_drift_result_and_decision_are_checked_by_name_and_shape(demo: Path) -> None:
    drift = load(demo / "out" / "drift.json")
    validate_document({**drift, "schema": "mlci.drift-result/1"}, "drift-result", "r.json")
    decision = load(demo / "out" / "decision.json")
    validate_document({**decision, "schema": "mlci.drift-decision/1"}, "retrain-decision", "d")
    with pytest.raises(InputError) as caught:
        validate_document({**decision, "retrain": "yes"}, "retrain-decision", "d.json")
    assert caught.value.one_line() == (
        "d.json: retrain: expected boolean, found a string (not a valid retraining decision). "
        "Fix: write it again with `mlci drift check --decision`"
    )
    with pytest.raises(InputError, match=r"d.json: a drift result \(mlci.drift-result/1\)"):
        validate_document(drift | {"schema": "mlci.drift-result/1"}, "retrain-decision", "d.json")


@pytest.mark.parametrize(
    ("value", "problem"),
    [(-3, "-3 is less than the minimum of 0"), (2.5, "expected integer, found a number")],
)
def test_long_number_lists_are_checked_whole(
    value: Any, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long all-number lists are scanned, not walked item by item: an item far down the
    list still fails, with its own index in the path."""
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"{(i * 7919) % 1000 / 10}\n" for i in range(2000))
    (tmp_path / "ref.csv").write_text("x\n" + rows)
    assert run("drift", "profile", "build", "ref.csv", "-o", "p.json").exit_code == 0
    profile = json.loads((tmp_path / "p.json").read_text())
    counts = profile["columns"]["x"]["between"]
    assert len(counts) > 50
    validate_document(profile, "profile", "p.json")
    counts[50] = value
    with pytest.raises(InputError) as raised:
        validate_document(profile, "profile", "p.json")
    assert raised.value.message == (
        f"p.json: columns.x.between[50]: {problem} (not a valid drift profile)"
    )
