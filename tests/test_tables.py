"""The one table reader (`mlci.tables`): real CSV and Parquet files, exact messages."""

from __future__ import annotations

import builtins
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from mlci import tables
from mlci.cli import cli
from mlci.errors import InputError, UsageError
from mlci.output import check_output_path, inputs_scope
from mlci.tables import (
    iter_batches,
    open_table,
    read_header,
    read_table,
    require_shared_columns,
    sniff_delimiter,
    table_format,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    return caught.value.one_line()


# -- formats -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.csv", "csv"),
        ("a.TSV", "csv"),
        ("a.txt", "csv"),
        ("a.csv.gz", "csv"),
        ("a.tsv.gz", "csv"),
        ("a.csv.bz2", "csv"),
        ("a.csv.zip", "csv"),
        ("a.parquet", "parquet"),
        ("a.pq", "parquet"),
        ("a.parq", "parquet"),
        ("a.json", None),
        ("a.xlsx", None),
    ],
)
def test_table_format_by_extension(name, kind):
    assert table_format(name) == kind


def test_missing_folder_and_unknown_format(tmp_path):
    assert error_of(open_table, tmp_path / "nope.csv") == (
        f"{tmp_path / 'nope.csv'}: file not found. Fix: check the path (and data: in mlci.yaml)"
    )
    assert error_of(open_table, tmp_path) == (
        f"{tmp_path}: is a folder, not a file. Fix: pass a CSV or Parquet file"
    )
    other = write(tmp_path / "data.json", "{}")
    assert error_of(open_table, other) == (
        f"{other}: unknown table format. Fix: use a .csv, .tsv, .txt, .csv.gz, .parquet or .pq file"
    )


# -- delimiter sniffing ------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_delimiter_is_read_from_a_csv(tmp_path, delimiter):
    path = write(tmp_path / "t.csv", f"a{delimiter}b{delimiter}c\n1{delimiter}2{delimiter}x\n")
    table = open_table(path)
    assert (table.delimiter, table.columns) == (delimiter, ("a", "b", "c"))
    frame = read_table(path)
    assert frame.to_dict("list") == {"a": [1], "b": [2], "c": ["x"]}


def test_semicolon_csv_with_decimal_commas(tmp_path):
    path = write(tmp_path / "eu.csv", "a;b;c\n1,5;2;x\n3,25;4;y\n")
    assert list(read_table(path).columns) == ["a", "b", "c"]
    assert read_table(path)["a"].tolist() == ["1,5", "3,25"]


def test_tsv_stays_tab_unless_clearly_not(tmp_path):
    tabbed = write(tmp_path / "t.tsv", "a\tb,c\n1\t2,3\n")
    assert open_table(tabbed).columns == ("a", "b,c")
    commas = write(tmp_path / "c.tsv", "a,b,c\n1,2,3\n")
    assert open_table(commas).delimiter == ","


def test_comma_stays_when_text_holds_semicolons():
    assert sniff_delimiter("name,note\nx,a;b\ny,c;d\n") == ","
    assert sniff_delimiter("a;b;c\n1;2;3\n") == ";"
    assert sniff_delimiter('a,"b;c"\n1,"2;3;4"\n') == ","
    assert sniff_delimiter("a|b\n1|2\n", "\t") == "|"


def test_sniffing_reads_only_a_prefix(tmp_path, monkeypatch):
    # A ragged row after the prefix is pandas' to find, with the line it is on.
    monkeypatch.setattr(tables, "SNIFF_BYTES", 64)
    rows = "".join(f"{i};{i}\n" for i in range(100))
    path = write(tmp_path / "long.csv", "a;b\n" + rows + "1;2;3\n")
    table = open_table(path)
    assert (table.delimiter, table.columns, table.has_rows) == (";", ("a", "b"), True)
    message = error_of(read_table, path)
    assert message == (
        f"{path}: not a readable CSV file (Error tokenizing data. C error: Expected 2 fields "
        "in line 102, saw 3). Fix: check the delimiter and the quoting; every row needs one "
        "field per column"
    )


def test_compressed_csv_is_sniffed(tmp_path):
    path = tmp_path / "t.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("a;b\n1;2\n3;4\n")
    assert read_table(path).to_dict("list") == {"a": [1, 3], "b": [2, 4]}


def test_a_single_column_file_is_a_table(tmp_path):
    path = write(tmp_path / "one.csv", "total amount\n12.5\n3\n")
    assert read_table(path).to_dict("list") == {"total amount": [12.5, 3.0]}


def test_headerless_space_separated_file_is_refused(tmp_path):
    path = write(tmp_path / "space.csv", "1.5 2.5 3.5\n4 5 6\n7 8 9\n")
    assert error_of(open_table, path) == (
        f"{path}: reads as one column named '1.5 2.5 3.5'; it looks space-separated or has "
        "no header row. Fix: write one header row and separate the columns with , ; tab or |"
    )


def test_ragged_rows_are_refused(tmp_path):
    path = write(tmp_path / "ragged.csv", "a;b;c\n1;2;3\n4;5\n")
    assert error_of(open_table, path) == (
        f"{path}: rows have different numbers of fields with ';' as delimiter (the header "
        "has 3, line 3 has 2). Fix: check the delimiter and the quoting; every row needs one "
        "field per column"
    )
    commas = write(tmp_path / "commas.csv", "a,b\n1,2\n3,4,5\n")
    assert error_of(open_table, commas) == (
        f"{commas}: rows have different numbers of fields with ',' as delimiter (the header "
        "has 2, line 3 has 3). Fix: check the delimiter and the quoting; every row needs one "
        "field per column"
    )


def test_binary_and_non_utf8_files_are_refused(tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 4)
    assert error_of(open_table, garbage) == (
        f"{garbage}: not a text table (it holds binary data). "
        "Fix: pass a CSV file (UTF-8 text) or a Parquet file"
    )
    renamed = tmp_path / "renamed.csv"
    pd.DataFrame({"a": [1, 2]}).to_parquet(renamed)
    assert error_of(open_table, renamed) == (
        f"{renamed}: not a text table (it holds binary data). "
        "Fix: it looks like a Parquet file: give it a .parquet extension"
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,city\nJosé,Zürich\n".encode("latin-1"))
    assert error_of(open_table, latin) == (
        f"{latin}: not UTF-8 text (byte 0xe9 at offset 13). Fix: save the file as UTF-8"
    )


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_name(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffa;b\n1;2\n".encode())
    assert read_header(path) == ("a", "b")
    assert list(read_table(path).columns) == ["a", "b"]


def test_empty_file_is_refused(tmp_path):
    path = write(tmp_path / "empty.csv", "")
    assert error_of(open_table, path) == (
        f"{path}: the file is empty (no header row). Fix: write a header"
    )


# -- header ------------------------------------------------------------------------------


def test_duplicate_header_names_are_refused(tmp_path):
    path = write(tmp_path / "dup.csv", "age,id,age,id,x\n1,2,3,4,5\n")
    assert error_of(open_table, path) == (
        f"{path}: the header repeats column names: age, id. Fix: give every column a unique name"
    )
    parquet = tmp_path / "dup.parquet"
    pq.write_table(pa.table([pa.array([1]), pa.array([2])], names=["age", "age"]), parquet)
    assert error_of(open_table, parquet) == (
        f"{parquet}: the header repeats column names: age. Fix: give every column a unique name"
    )


def test_empty_header_names_are_refused(tmp_path):
    path = write(tmp_path / "gap.csv", "a,,c\n1,2,3\n")
    assert error_of(read_table, path) == (
        f"{path}: the header has an empty column name (column 2 of 3). "
        "Fix: name every column in the header row"
    )
    blank = write(tmp_path / "blank.csv", ",a, \n0,1,2\n")
    assert error_of(read_table, blank) == (
        f"{blank}: the header has an empty column name (column 3 of 3). "
        "Fix: name every column in the header row"
    )


def test_pandas_index_column_is_left_out(tmp_path):
    # DataFrame.to_csv() writes its index as a first column with an empty name.
    path = tmp_path / "indexed.csv"
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=[7, 8]).to_csv(path)
    table = open_table(path)
    assert (table.columns, table.index_column) == (("a", "b"), True)
    assert read_table(path).to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
    assert list(read_table(path, columns=["b"]).columns) == ["b"]


def test_missing_columns_are_named(tmp_path):
    path = write(tmp_path / "t.csv", "a;b\n1;2\n")
    assert error_of(read_table, path, columns=["b", "z"]) == (
        f"{path}: no column 'z' (it has: a, b). "
        "Fix: check the column names in mlci.yaml or on the command line"
    )


# -- rows --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_zero_rows_refused_only_when_required(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    frame = pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype="str")})
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    assert not open_table(path).has_rows
    batches = list(iter_batches(path))
    assert [(list(b.columns), len(b)) for b in batches] == [(["a", "b"], 0)]
    message = (
        f"{path}: the table has no data rows (only a header). "
        "Fix: pass a file with at least one row (was it written completely?)"
    )
    assert error_of(open_table, path, require_rows=True) == message
    assert error_of(read_table, path, require_rows=True) == message


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_batches_are_bounded_and_indexed_by_row(tmp_path, suffix):
    path = tmp_path / f"t{suffix}"
    frame = pd.DataFrame({"a": np.arange(10), "b": [f"v{i}" for i in range(10)]})
    if suffix == ".csv":
        frame.to_csv(path, index=False, sep="|")
    else:
        frame.to_parquet(path)
    batches = list(iter_batches(path, batch_rows=4, require_rows=True))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert [list(b.index) for b in batches][-1] == [8, 9]
    assert pd.concat(batches)["a"].tolist() == list(range(10))


def test_shared_columns():
    require_shared_columns("cur.csv", ["a", "b"], ["b", "c"])
    with pytest.raises(InputError) as caught:
        require_shared_columns("cur.csv", ["a;b"], ["a", "b"], "the reference profile")
    assert caught.value.one_line() == (
        "cur.csv shares no column with the reference profile; reference has: a, b, "
        "current has: a;b. Fix: compare the same table: check the header row and the "
        "delimiter of both files"
    )


# -- inputs and pyarrow ------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_every_table_opened_is_remembered_as_an_input(tmp_path, suffix):
    path = tmp_path / f"t{suffix}"
    frame = pd.DataFrame({"a": [1]})
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    with inputs_scope():
        check_output_path(path)  # not read yet
        read_table(path)
        with pytest.raises(UsageError) as caught:
            check_output_path(path, option="--json")
    assert caught.value.one_line() == (
        f"--json {path}: is a file this command reads; writing there would overwrite it. "
        "Fix: write the output to another path"
    )


def test_parquet_without_pyarrow(tmp_path, monkeypatch):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(path)
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(UsageError) as caught:
        open_table(path)
    assert caught.value.one_line() == (
        f"{path}: reading Parquet needs pyarrow, which is not installed. "
        "Fix: pip install 'mlci[parquet]' (or pass a CSV file)"
    )


def test_unreadable_parquet(tmp_path):
    path = write(tmp_path / "bad.parquet", "not parquet at all")
    message = error_of(open_table, path)
    assert message.startswith(f"{path}: not a readable Parquet file (")
    assert message.endswith("). Fix: check that it is a Parquet file")


# -- the drift command -------------------------------------------------------------------


@pytest.fixture
def drift_files(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, 400),
            "income": rng.normal(50, 10, 400).round(2),
            "plan": rng.choice(["basic", "pro"], 400),
        }
    )
    frame.to_csv(tmp_path / "ref.csv", index=False)
    frame.to_csv(tmp_path / "semicolon.csv", index=False, sep=";")
    frame.head(0).to_csv(tmp_path / "empty.csv", index=False)
    frame.rename(columns=str.upper).to_csv(tmp_path / "other.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert drift("profile", "ref.csv", "-o", "p.json").exit_code == 0
    return tmp_path


def drift(*args: str):
    return CliRunner().invoke(cli, ["drift", *args])


def test_drift_check_of_a_semicolon_csv(drift_files):
    # It used to be read as one column "age;income;plan": 100% drift, retrain.
    result = drift("check", "--reference", "p.json", "--current", "semicolon.csv", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "no dataset drift: 0 of 3 columns drifted (0%, threshold 50%); decision: no retraining\n"
    )
    result = drift("check", "--reference", "ref.csv", "--current", "semicolon.csv", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("no dataset drift: 0 of 3 columns drifted")


def test_drift_check_of_zero_rows_exits_2(drift_files):
    result = drift("check", "--reference", "p.json", "--current", "empty.csv")
    assert result.exit_code == 2
    assert result.output == (
        "Error: empty.csv: the table has no data rows (only a header). "
        "Fix: pass a file with at least one row (was it written completely?)\n"
    )
    result = drift("profile", "empty.csv", "-o", "e.json")
    assert result.exit_code == 2
    assert result.output.startswith("Error: empty.csv: the table has no data rows")


def test_drift_check_without_a_shared_column_exits_2(drift_files):
    result = drift("check", "--reference", "p.json", "--current", "other.csv")
    assert result.exit_code == 2
    assert result.output == (
        "Error: other.csv shares no column with the reference profile; reference has: age, "
        "income, plan, current has: AGE, INCOME, PLAN. Fix: compare the same table: check the "
        "header row and the delimiter of both files\n"
    )
    result = drift("check", "--reference", "ref.csv", "--current", "other.csv")
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: other.csv shares no column with the reference data; reference has: age, "
    )


def test_drift_check_with_a_duplicate_header_exits_2(drift_files):
    write(drift_files / "dup.csv", "age,income,plan,age\n30,50.5,basic,31\n")
    result = drift("check", "--reference", "p.json", "--current", "dup.csv")
    assert result.exit_code == 2
    assert result.output == (
        "Error: dup.csv: the header repeats column names: age. "
        "Fix: give every column a unique name\n"
    )


def test_drift_check_of_a_headerless_space_separated_file_exits_2(drift_files):
    write(drift_files / "space.csv", "30 50.5 basic\n41 60.1 pro\n52 44.0 basic\n")
    result = drift("check", "--reference", "p.json", "--current", "space.csv")
    assert result.exit_code == 2
    assert result.output == (
        "Error: space.csv: reads as one column named '30 50.5 basic'; it looks space-separated "
        "or has no header row. Fix: write one header row and separate the columns with , ; "
        "tab or |\n"
    )


# -- the data commands -------------------------------------------------------------------

DATA_CONFIG = """
data:
  checks:
    columns:
      id: {type: int, unique: true}
      age: {min: 0, max: 120}
"""


def data(*args: str):
    return CliRunner().invoke(cli, ["data", *args], env={"GITHUB_ACTIONS": ""})


def test_data_check_reads_a_semicolon_csv_and_refuses_duplicates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "mlci.yaml", DATA_CONFIG)
    write(tmp_path / "semi.csv", "id;age\n1;30\n2;40\n")
    result = data("check", "semi.csv")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("semi.csv: 2 rows, 2 columns, ")
    write(tmp_path / "dup.csv", "id,age,age\n1,30,31\n")
    result = data("check", "dup.csv")
    assert result.exit_code == 2
    assert result.output == (
        "Error: dup.csv: the header repeats column names: age. "
        "Fix: give every column a unique name\n"
    )


def test_data_check_and_manifest_of_zero_rows_report_them(tmp_path, monkeypatch):
    # A data check has its own rows.min gate and a manifest records what is there.
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "mlci.yaml", DATA_CONFIG)
    write(tmp_path / "empty.csv", "id;age\n")
    result = data("check", "empty.csv")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("empty.csv: 0 rows, 2 columns, ")
    result = data("manifest", "empty.csv", "-o", "m.json")
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "m.json").read_text())["files"][0]
    assert (saved["rows"], [c["name"] for c in saved["columns"]]) == (0, ["id", "age"])


def test_zip_and_bz2_tables(tmp_path):
    import bz2
    import zipfile

    zipped = tmp_path / "t.csv.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("t.csv", "a|b\n1|2\n")
    assert read_table(zipped).to_dict("list") == {"a": [1], "b": [2]}
    packed = tmp_path / "t.csv.bz2"
    packed.write_bytes(bz2.compress(b"a;b\n1;2\n"))
    assert read_table(packed).to_dict("list") == {"a": [1], "b": [2]}
    broken = write(tmp_path / "broken.csv.zip", "not a zip")
    assert error_of(open_table, broken) == (
        f"{broken}: cannot be read (File is not a zip file). Fix: check the file"
    )
    two = tmp_path / "two.csv.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", "a\n1\n")
        archive.writestr("b.csv", "b\n2\n")
    assert error_of(open_table, two) == (
        f"{two}: a .zip table must hold exactly one file, it holds 2. "
        "Fix: zip one CSV file per archive"
    )


def test_a_header_longer_than_the_prefix(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "SNIFF_BYTES", 16)
    names = [f"column_{i}" for i in range(50)]
    path = write(tmp_path / "wide.csv", ";".join(names) + "\n" + ";".join("1" * 50) + "\n")
    table = open_table(path)
    assert (table.delimiter, table.columns, table.has_rows) == (";", tuple(names), True)
    assert read_table(path).shape == (1, 50)
