"""Lineage manifests and their diffs on real files (and a real dvc.lock)."""

import hashlib
import shutil
import subprocess

import pandas as pd
import pytest

from mlci.data.diff import diff_data_files, diff_manifests
from mlci.data.lineage import (
    ColumnType,
    build_manifest,
    read_manifest,
    schema_fingerprint,
    sha256_file,
    write_manifest,
)


def frame(rows: int = 6) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": range(rows),
            "x": [i * 1.5 for i in range(rows)],
            "s": [f"v{i}" for i in range(rows)],
        }
    )


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_hash_equals_sha256sum_on_a_file_bigger_than_one_chunk(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(bytes(range(256)) * 9000 + b"tail")  # ~2.2 MiB: three read chunks
    expected = subprocess.run(
        ["sha256sum", str(path)], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    assert sha256_file(path) == expected
    (record,) = build_manifest([path]).files
    assert record.sha256 == expected and record.size == path.stat().st_size
    assert record.rows is None and record.schema_fingerprint is None  # not a table


def test_manifest_records_rows_schema_and_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    frame().to_csv("data/a.csv", index=False)
    frame(4).to_parquet("data/b.parquet", index=False)
    manifest = build_manifest(["data"], command="python prep.py")
    a, b = manifest.files
    assert (a.path, a.rows, a.command, a.hash_source) == (
        "data/a.csv",
        6,
        "python prep.py",
        "computed",
    )
    assert a.columns == (
        ColumnType("id", "int64"),
        ColumnType("x", "float64"),
        ColumnType("s", "str"),
    )
    assert a.schema_fingerprint == schema_fingerprint(a.columns)
    assert a.sha256 == hashlib.sha256((tmp_path / "data/a.csv").read_bytes()).hexdigest()
    assert (b.path, b.rows) == ("data/b.parquet", 4)
    assert [c.name for c in b.columns] == ["id", "x", "s"]
    write_manifest(manifest, "m.json")
    assert read_manifest("m.json") == manifest


def test_dvc_lock_hashes_are_used_when_sizes_match(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame().to_csv("a.csv", index=False)
    frame(3).to_csv("b.csv", index=False)
    size_a = (tmp_path / "a.csv").stat().st_size
    (tmp_path / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  prepare:\n    cmd: python prepare.py\n    outs:\n"
        f"    - path: a.csv\n      hash: md5\n      md5: 0123456789abcdef0123456789abcdef\n"
        f"      size: {size_a}\n"
        "    - path: b.csv\n      hash: md5\n      md5: ffffffffffffffffffffffffffffffff\n"
        "      size: 1\n"
    )
    a, b = build_manifest(["a.csv", "b.csv"], dvc_lock="dvc.lock").files
    assert (a.hash_source, a.md5, a.sha256, a.command) == (
        "dvc.lock",
        "0123456789abcdef0123456789abcdef",
        None,
        "python prepare.py",
    )
    assert a.rows == 6  # rows and schema are still read: dvc does not know them
    # b.csv changed after `dvc repro` (size differs): its stale md5 is not trusted.
    assert (b.hash_source, b.md5) == ("computed", None)
    assert b.sha256 == sha256_file("b.csv")


def test_changed_row_and_column_show_in_the_diff(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame().to_csv("d.csv", index=False)
    old = build_manifest(["d.csv"])
    changed = frame()
    changed.loc[2, "x"] = 99.0
    changed["new"] = 1
    changed.to_csv("d.csv", index=False)
    new = build_manifest(["d.csv"])
    (change,) = diff_manifests(old, new).files
    assert change.status == "modified"
    assert change.content_changed is True
    assert change.columns_added == ("new",)
    assert change.details[0] == "content changed"
    assert change.details[-1] == "columns added: new"
    assert not diff_manifests(new, new).changed


def test_data_file_diff_counts_rows(tmp_path):
    frame().to_csv(tmp_path / "old.csv", index=False)
    new = frame()
    new.loc[2, "x"] = 99.0
    new = pd.concat([new, pd.DataFrame({"id": [6], "x": [1.0], "s": ["v6"]})])
    new.to_parquet(tmp_path / "new.parquet", index=False)
    plain = diff_data_files(tmp_path / "old.csv", tmp_path / "new.parquet")
    assert (plain.rows.removed, plain.rows.added) == (1, 2)
    keyed = diff_data_files(tmp_path / "old.csv", tmp_path / "new.parquet", key=["id"])
    rows = keyed.rows
    assert (rows.removed, rows.added, rows.changed, rows.changed_columns) == (0, 1, 1, ("x",))
    same = diff_data_files(tmp_path / "old.csv", tmp_path / "old.csv")
    assert not same.changed and same.rows.removed == same.rows.added == 0
