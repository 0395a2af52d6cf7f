"""Every check type on passing and failing data, through the real engine and real files."""

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from mlci.config.loader import parse_config
from mlci.data.quality import check_data, run_checks
from mlci.data.spec import compile_checks
from mlci.errors import ConfigError

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)


def checks(yaml_text: str):
    return parse_config(yaml_text).data.checks


def run(tmp_path: Path, frame: pd.DataFrame, yaml_text: str, *, fmt="csv", batch_rows=None):
    path = tmp_path / f"data.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    result = check_data([path], checks(yaml_text), now=NOW, batch_rows=batch_rows)
    return result.reports[0]


# (config, passing column values, failing column values, failing check, failing count)
CASES = {
    "type_int": ("{type: int}", [1, 2, 3], [1, "x", 2.5], "type", 2),
    "type_float": ("{type: float}", [1.5, 2, None], [1.5, "abc", None], "type", 1),
    "type_bool": ("{type: bool}", ["true", "False", "yes"], ["true", "maybe", "0"], "type", 1),
    "type_datetime": (
        "{type: datetime}",
        ["2024-01-01", "2024-02-01T10:00:00"],
        ["2024-01-01", "01/02/2024"],
        "type",
        1,
    ),
    "not_null": ("{nullable: false}", ["a", "b", "c"], ["a", None, None], "not_null", 2),
    "max_null_share": (
        "{max_null_share: 0.25}",
        ["a", "b", "c", None],
        ["a", "b", None, None],
        "max_null_share",
        2,
    ),
    "min": ("{min: 0}", [0, 1, 5], [0, -1, -2], "min", 2),
    "max": ("{max: 10}", [1, 10, 3], [1, 11, 3], "max", 1),
    "allowed_text": (
        "{allowed: [a, b]}",
        ["a", "b", "a"],
        ["a", "c", "d"],
        "allowed",
        2,
    ),
    "allowed_numbers": (
        "{type: int, allowed: ['0', '1']}",
        [0, 1, 1],
        [0, 2, 1],
        "allowed",
        1,
    ),
    "regex": (r"{regex: '[A-Z]{2}\d+'}", ["AB1", "CD22"], ["AB1", "AB1x", "ab2"], "regex", 2),
    "unique": ("{unique: true}", [1, 2, 3], [1, 2, 2, 2], "unique", 2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_passes_on_good_data_and_fails_on_bad(tmp_path, name):
    spec, good, bad, check, count = CASES[name]
    yaml_text = f"data:\n  checks:\n    columns:\n      v: {spec}\n"
    passing = run(tmp_path, pd.DataFrame({"v": good}), yaml_text)
    assert passing.passed, passing.failures
    failing = run(tmp_path, pd.DataFrame({"v": bad}), yaml_text)
    assert [(f.check, f.column, f.count) for f in failing.failures] == [(check, "v", count)]


def test_failure_carries_sample_values_and_rows(tmp_path):
    frame = pd.DataFrame({"age": [30, -1, 40, 150, -1, 200]})
    report = run(tmp_path, frame, "data:\n  checks:\n    columns:\n      age: {min: 0, max: 120}\n")
    low, high = report.failures
    assert (low.check, low.count, low.sample, low.rows) == ("min", 2, ("-1",), (2, 5))
    assert (high.check, high.count, high.sample, high.rows) == ("max", 2, ("150", "200"), (4, 6))
    assert low.message == "value below 0"


def test_required_column_and_strict(tmp_path):
    yaml_text = (
        "data:\n  checks:\n    strict: true\n    columns:\n"
        "      a: {}\n      b: {required: false}\n      c: {}\n"
    )
    report = run(tmp_path, pd.DataFrame({"a": [1], "extra": [2]}), yaml_text)
    assert [(f.check, f.column) for f in report.failures] == [
        ("required", "c"),
        ("unexpected", "extra"),
    ]


def test_compound_key_uniqueness(tmp_path):
    frame = pd.DataFrame({"region": ["n", "n", "s", "n"], "id": [1, 2, 1, 1]})
    yaml_text = "data:\n  checks:\n    unique: [[region, id]]\n"
    report = run(tmp_path, frame, yaml_text)
    (failure,) = report.failures
    assert (failure.check, failure.column, failure.count, failure.sample, failure.rows) == (
        "unique_key",
        "region, id",
        1,
        ("n, 1",),
        (4,),
    )
    assert run(tmp_path, frame.iloc[:3], yaml_text).passed


def test_row_count_bounds(tmp_path):
    frame = pd.DataFrame({"a": range(5)})
    assert run(tmp_path, frame, "data:\n  checks:\n    rows: {min: 5, max: 5}\n").passed
    low = run(tmp_path, frame, "data:\n  checks:\n    rows: {min: 6}\n")
    assert [f.message for f in low.failures] == ["5 rows, fewer than the minimum 6"]
    high = run(tmp_path, frame, "data:\n  checks:\n    rows: {max: 4}\n")
    assert [f.message for f in high.failures] == ["5 rows, more than the maximum 4"]


def test_freshness(tmp_path):
    frame = pd.DataFrame({"ts": ["2024-05-20", "2024-05-28T12:00:00", None]})
    fresh = "data:\n  checks:\n    freshness: {column: ts, max_age_days: 4}\n"
    assert run(tmp_path, frame, fresh).passed
    stale = "data:\n  checks:\n    freshness: {column: ts, max_age_days: 3}\n"
    (failure,) = run(tmp_path, frame, stale).failures
    assert failure.check == "freshness"
    assert failure.message == "newest row is 3.5 days old, more than 3"
    assert failure.sample == ("2024-05-28T12:00:00+00:00",)


def test_fifty_different_violations_are_all_reported(tmp_path):
    # 50 columns, each failing a different check or value; every one must be reported.
    kinds = [
        ("{min: 0}", -1, "min"),
        ("{max: 10}", 11, "max"),
        ("{allowed: [a, b]}", "z", "allowed"),
        (r"{regex: '\d+'}", "x1", "regex"),
        ("{type: int}", "no", "type"),
    ]
    columns = {}
    lines = []
    for i in range(50):
        spec, bad, _ = kinds[i % len(kinds)]
        good = {"min": 1, "max": 1, "allowed": "a", "regex": "7", "type": 3}[kinds[i % 5][2]]
        columns[f"c{i}"] = [good, bad, good]
        lines.append(f"      c{i}: {spec}")
    yaml_text = "data:\n  checks:\n    columns:\n" + "\n".join(lines) + "\n"
    report = run(tmp_path, pd.DataFrame(columns), yaml_text)
    assert len(report.failures) == 50
    assert [f.column for f in report.failures] == [f"c{i}" for i in range(50)]
    assert [f.check for f in report.failures] == [kinds[i % 5][2] for i in range(50)]
    assert all(f.count == 1 and f.rows == (2,) for f in report.failures)


CONFIG_ALL = """
data:
  checks:
    columns:
      id: {type: int, nullable: false, unique: true}
      score: {type: float, min: 0, max: 1, max_null_share: 0.2}
      kind: {allowed: [a, b, c]}
      code: {regex: 'K\\d{3}'}
      when: {type: datetime}
    unique: [[kind, code]]
    rows: {min: 1}
    freshness: {column: when, max_age_days: 400}
"""


def messy_frame(rows: int = 97) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": list(range(rows)),
            "score": [(i % 10) / 10 for i in range(rows)],
            "kind": ["abc"[i % 3] for i in range(rows)],
            "code": [f"K{i:03d}" for i in range(rows)],
            "when": [f"2024-01-{1 + i % 28:02d}" for i in range(rows)],
        }
    )
    frame.loc[[5, 60], "id"] = 3
    frame.loc[[7, 8, 70], "score"] = [1.5, -0.2, float("nan")]
    frame.loc[[9, 90], "kind"] = "q"
    frame.loc[11, "code"] = "k1"
    frame.loc[[12, 80], "when"] = "not a date"
    frame.loc[[20, 21], ["kind", "code"]] = ["a", "K000"]
    return frame


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_batches_change_nothing(tmp_path, fmt):
    frame = messy_frame()
    whole = run(tmp_path, frame, CONFIG_ALL, fmt=fmt)
    in_batches = run(tmp_path, frame, CONFIG_ALL, fmt=fmt, batch_rows=7)
    assert whole.failures == in_batches.failures
    assert whole.rows == in_batches.rows == 97
    assert {(f.check, f.column, f.count) for f in whole.failures} == {
        ("unique", "id", 2),
        ("min", "score", 1),
        ("max", "score", 1),
        ("allowed", "kind", 2),
        ("regex", "code", 1),
        ("type", "when", 2),
        ("unique_key", "kind, code", 2),
    }


def test_user_pandera_schema_python_and_yaml(tmp_path):
    import pandera.pandas as pa

    (tmp_path / "schema.py").write_text(
        "import pandera.pandas as pa\n"
        "schema = pa.DataFrameSchema({'a': pa.Column(int, pa.Check.gt(1))})\n"
    )
    pa.DataFrameSchema({"a": pa.Column(int, pa.Check.gt(1))}).to_yaml(tmp_path / "schema.yaml")
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": [1, 2, 0]}).to_csv(path, index=False)
    for reference in ("schema.py:schema", "schema.yaml"):
        config = checks(f"data:\n  checks:\n    schema: {reference}\n")
        (report,) = check_data([path], config, base=tmp_path, now=NOW).reports
        (failure,) = report.failures
        assert (failure.check, failure.column, failure.count) == ("schema", "a", 2)
        assert failure.sample == ("1", "0")
        assert failure.message == "pandera check greater_than(1) failed"


@pytest.mark.parametrize(
    ("yaml_body", "message"),
    [
        (
            "columns: {age: {min: 5, max: 1}}",
            "mlci.yaml: data.checks.columns.age.min: min (5) is above max (1)",
        ),
        (
            "columns: {age: {type: int, allowed: ['1', two]}}",
            "mlci.yaml: data.checks.columns.age.allowed[1]: 'two' is not a number, "
            "but the column's type is int",
        ),
        (
            "columns: {code: {regex: '(['}}",
            "mlci.yaml: data.checks.columns.code.regex: not a valid regular expression "
            "(unterminated character set at position 1)",
        ),
        (
            "columns: {x: {max_null_share: 1.5}}",
            "mlci.yaml: data.checks.columns.x.max_null_share: must be a share between 0 and 1, "
            "got 1.5",
        ),
        (
            "columns: {d: {type: datetime, min: 0}}",
            "mlci.yaml: data.checks.columns.d.min: min and max apply to numbers, "
            "but the column's type is datetime",
        ),
        ("unique: [[a, a]]", "mlci.yaml: data.checks.unique[0]: a column is listed twice"),
        ("rows: {min: 9, max: 2}", "mlci.yaml: data.checks.rows.min: min (9) is above max (2)"),
        ("freshness: {column: ts}", "mlci.yaml: data.checks.freshness.max_age_days: missing"),
        (
            "freshness: {max_age_days: 0, column: ts}",
            "mlci.yaml: data.checks.freshness.max_age_days: must be above 0, got 0",
        ),
        ("schema: nowhere.py:schema", "mlci.yaml: data.checks.schema: nowhere.py: file not found"),
    ],
)
def test_bad_check_config_names_the_key(tmp_path, yaml_body, message):
    if message.endswith("file not found"):  # a file mlci.yaml names: read by the check
        config = checks(f"data:\n  checks:\n    {yaml_body}\n")
        with pytest.raises(ConfigError) as caught:
            check_data([tmp_path / "unused.csv"], config, base=tmp_path)
    else:  # everything else is refused when mlci.yaml is loaded, on the key's line
        with pytest.raises(ConfigError) as caught:
            checks(f"data:\n  checks:\n    {yaml_body}\n")
        message = message.replace("mlci.yaml: ", "mlci.yaml line 3: ", 1)
    assert caught.value.message == message


def test_a_type_error_in_check_config_names_the_key():
    with pytest.raises(ConfigError) as caught:
        parse_config("data:\n  checks:\n    columns:\n      age: {min: low}\n")
    assert "data.checks.columns.age.min: expected a number" in caught.value.message


def test_run_checks_reads_parquet_types(tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"n": [1, 2, 3], "t": pd.to_datetime(["2024-01-01"] * 3)}).to_parquet(path)
    plan = compile_checks(
        checks(
            "data:\n  checks:\n    columns: {n: {type: int}, t: {type: datetime}}\n"
            "    freshness: {column: t, max_age_days: 100}\n"
        )
    )
    report = run_checks(path, plan, now=NOW)
    assert report.rows == 3 and report.columns == ("n", "t")
    assert report.checks == 5  # two required-column checks, two type checks, freshness
    # Naive Parquet timestamps are read as UTC: 2024-01-01 is 152 days before NOW.
    assert [f.message for f in report.failures] == ["newest row is 152.0 days old, more than 100"]
