"""`mlci drift profile build` and `check` with --engine, --filter and --query."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner
from tests.drift.engines.conftest import assert_same_profile
from tests.drift.engines.partitioned import example_frame, write_parts, write_single

from mlci.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    frame = example_frame(3_000, seed=11)
    write_single(root / "all.parquet", frame)
    write_parts(root / "hive", frame, 8, hive=True)
    return root


def _profile(path):
    from mlci.drift import load_profile

    return load_profile(path)


@pytest.mark.parametrize("engine", ["local", "duckdb", "polars"])
def test_build_from_a_directory_equals_the_file(data, tmp_path, engine):
    single = run(
        "drift", "profile", "build", str(data / "all.parquet"), "-o", str(tmp_path / "a.json")
    )
    assert single.exit_code == 0, single.output
    result = run(
        "drift", "profile", "build", str(data / "hive"), "--engine", engine,
        "-o", str(tmp_path / "b.json"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_same_profile(_profile(tmp_path / "b.json"), _profile(tmp_path / "a.json"))


def test_filter_and_engine_from_config(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlci.yaml").write_text(
        "drift:\n  engine: duckdb\n  filters: ['day>=2026-11-26']\n"
    )
    result = run("drift", "profile", "build", str(data / "hive"), "-o", "p.json")
    assert result.exit_code == 0, result.output
    profile = _profile(tmp_path / "p.json")
    frame = example_frame(3_000, seed=11)
    assert profile.rows == int((frame["day"] >= "2026-11-26").sum())


def test_build_from_a_query(data, tmp_path):
    sql = f"SELECT * FROM read_parquet('{(data / 'all.parquet').as_posix()}') WHERE calls > 3"
    result = run(
        "drift", "profile", "build", "--engine", "duckdb", "--query", sql,
        "-o", str(tmp_path / "q.json"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = example_frame(3_000, seed=11)
    assert _profile(tmp_path / "q.json").rows == int((frame["calls"] > 3).sum())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "sparkle"], "no such drift engine"),
        (["--query", "SELECT 1"], "a SQL query is read by the duckdb engine"),
        (["--filter", "dya>=2026-11-01"], "'dya' is not a partition key"),
        (["--filter", "day>>1"], "expected KEY OP VALUE"),
        (["--filter", "day>=2031-01-01"], "no partition is left after the filters"),
        (["--table", "db.events", "--engine", "local"], "a table name is read by the spark"),
    ],
)
def test_bad_inputs_exit_2_with_one_line(data, tmp_path, args, message):
    spec = [] if "--query" in args or "--table" in args else [str(data / "hive")]
    result = run("drift", "profile", "build", *spec, *args, "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.count("\n") == 1


def test_empty_glob_exits_2(tmp_path):
    result = run(
        "drift", "profile", "build", str(tmp_path / "*.parquet"), "-o", str(tmp_path / "x.json")
    )
    assert result.exit_code == 2
    assert "no Parquet file matches the pattern" in result.output


def test_missing_engine_package_names_the_extra(data, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)
    result = run(
        "drift", "profile", "build", str(data / "hive"), "--engine", "duckdb",
        "-o", str(tmp_path / "x.json"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert 'pip install "mlci[duckdb]"' in result.output
    assert result.output.count("\n") == 1


def test_check_partitioned_current_against_a_profile(data, tmp_path):
    profile = tmp_path / "p.json"
    assert (
        run("drift", "profile", "build", str(data / "all.parquet"), "-o", str(profile)).exit_code
        == 0
    )
    result = run(
        "drift", "check", "--reference", str(profile), "--current", str(data / "hive"),
        "--engine", "duckdb", "--filter", "day>=2026-11-20", "--json", str(tmp_path / "d.json"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "d.json").read_text())
    assert report["dataset"]["drift_share"] == 0
