"""Inputs that used to give a confident wrong answer: infinities, huge integers, tiny
files, identifier columns, profiles that do not merge; and scipy behind the statistics."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr
from scipy.stats import chi2_contingency

from mlci.cli import cli
from mlci.drift import stats
from mlci.drift.stats import TestOutcome as Outcome


def run(*args):
    return CliRunner().invoke(cli, list(args))


def strict_json(text):
    """json.loads that refuses NaN and Infinity (what other JSON parsers do)."""

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def normal_frame(seed, n, **extra):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(0, 1, n), "y": rng.normal(0, 1, n), **extra})


# -- 1. infinities ---------------------------------------------------------------------------


@pytest.fixture
def infinite_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    normal_frame(1, 2000).to_csv("ref.csv", index=False)
    current = normal_frame(2, 2000)
    current.loc[:49, "x"] = np.inf
    current.loc[50:59, "x"] = -np.inf
    current.to_csv("cur.csv", index=False)
    with_inf = normal_frame(3, 2000)
    with_inf.loc[:5, "x"] = np.inf
    with_inf.to_csv("ref_inf.csv", index=False)
    return tmp_path


def test_infinities_are_counted_apart_and_every_json_is_strict(infinite_files):
    result = run("drift", "check", "--reference", "ref.csv", "--current", "cur.csv")
    assert result.exit_code == 0, result.output
    assert "nan" not in result.output
    line = next(s for s in result.output.splitlines() if " x " in s)
    assert line.split()[0] == "DRIFT"
    assert line.endswith(
        "infinite values: 3.0% of current rows (50 +inf, 10 -inf), "
        "0.0% of reference rows (0 +inf, 0 -inf); left out of the statistics"
    )
    result = run(
        "drift", "check", "--reference", "ref.csv", "--current", "cur.csv", "--json", "r.json"
    )
    assert result.exit_code == 0, result.output
    report = strict_json((infinite_files / "r.json").read_text())
    x = next(c for c in report["columns"] if c["name"] == "x")
    assert x["verdict"] == "drift" and not x["test_drifted"]  # the finite values agree
    assert x["statistic"] < 0.1
    assert (x["current"]["count"], x["current"]["posinf"], x["current"]["neginf"]) == (1940, 50, 10)
    assert [f["code"] for f in x["findings"]] == ["infinite_values"]
    assert x["findings"][0]["severity"] == "drift"


def test_a_profile_of_data_with_infinities_is_strict_json(infinite_files):
    result = run("drift", "profile", "ref_inf.csv", "-o", "p.json")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote p.json: 2 columns, 2,000 rows, ")
    profile = strict_json((infinite_files / "p.json").read_text())
    x = profile["columns"]["x"]
    assert (x["count"], x["nulls"], x["posinf"], x["neginf"]) == (1994, 0, 6, 0)
    assert np.isfinite([x["min"], x["max"], x["mean"], x["std"], *x["edges"]]).all()
    result = run("drift", "check", "--reference", "p.json", "--current", "ref_inf.csv")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("no dataset drift: 0 of 2 columns drifted (0%, ")
    line = next(s for s in result.output.splitlines() if " x " in s)
    assert line.split()[0] == "ok"
    assert line.endswith(
        "infinite values: 0.3% of current rows (6 +inf, 0 -inf), "
        "0.3% of reference rows (6 +inf, 0 -inf); left out of the statistics"
    )
    merged = run("drift", "profile", "merge", "p.json", "p.json", "-o", "m.json")
    assert merged.exit_code == 0, merged.output
    assert strict_json((infinite_files / "m.json").read_text())["columns"]["x"]["posinf"] == 12


def test_a_statistic_that_is_not_a_number_is_never_ok(infinite_files, monkeypatch):
    spec = stats.REGISTRY["ks"]
    monkeypatch.setitem(stats.REGISTRY, "ks", spec.__class__(**{**spec.__dict__, "run": nan_test}))
    result = run(
        "drift", "check", "--reference", "ref.csv", "--current", "ref.csv", "--json", "r.json"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:3] == [
        "  n/a   x                        -  not compared: ks gave a value that is not a number",
        "  n/a   y                        -  not compared: ks gave a value that is not a number",
    ]
    report = strict_json((infinite_files / "r.json").read_text())
    assert [c["verdict"] for c in report["columns"]] == ["not compared", "not compared"]
    assert report["errors"] == [
        "x: ks gave a value that is not a number",
        "y: ks gave a value that is not a number",
    ]


def nan_test(pair):
    return Outcome(float("nan"))


# -- 2. integers beyond 2**53 in Parquet ---------------------------------------------------


def test_parquet_integers_beyond_2_53_are_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(5)
    n = 3000
    buckets = np.array([2**62 + k * 2**54 for k in range(20)], dtype=np.int64)
    frame = pd.DataFrame(
        {
            "hashed": rng.integers(2**60, 2**63 - 1, n, dtype=np.int64),
            "unsigned": rng.integers(2**63, 2**64 - 1, n, dtype=np.uint64),
            "bucket": rng.choice(buckets, n),  # repeats: a number, not an identifier
            "v": rng.normal(size=n),
        }
    )
    frame.to_parquet("ref.parquet", index=False)
    frame.sample(frac=1.0, random_state=1).to_parquet("cur.parquet", index=False)
    built = run("drift", "profile", "build", "ref.parquet", "-o", "p.json")
    assert built.exit_code == 0, built.output
    profile = strict_json((tmp_path / "p.json").read_text())
    assert profile["columns"]["hashed"]["identifier"] is True
    assert profile["columns"]["unsigned"]["identifier"] is True
    assert "identifier" not in profile["columns"]["bucket"]
    assert profile["columns"]["bucket"]["count"] == n
    for reference in ("p.json", "ref.parquet"):
        result = run("drift", "check", "--reference", reference, "--current", "cur.parquet")
        assert result.exit_code == 0, result.output
        assert result.output.startswith("no dataset drift: 0 of 2 columns drifted (0%, ")
        marks = {line.split()[1]: line.split()[0] for line in result.output.splitlines()[1:5]}
        assert marks == {"hashed": "skip", "unsigned": "skip", "bucket": "ok", "v": "ok"}


# -- 3. too few values -------------------------------------------------------------------------


def test_a_one_row_current_file_is_insufficient_data_not_drift(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    normal_frame(1, 2000).to_csv("ref.csv", index=False)
    normal_frame(2, 1).to_csv("one.csv", index=False)
    result = run(
        "drift",
        "check",
        "--reference",
        "ref.csv",
        "--current",
        "one.csv",
        "--json",
        "r.json",
        "--md",
        "r.md",
        "--fail-on-drift",
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "insufficient data: 2 of 2 columns have fewer than 30 values, none could be tested "
        "for drift; decision: no retraining",
        "  few   x                        -  insufficient data: 1 current value (at least 30 "
        "needed); not tested for drift",
        "  few   y                        -  insufficient data: 1 current value (at least 30 "
        "needed); not tested for drift",
        "  note: insufficient data: 2 column(s) have fewer than 30 values on a side (x, y); "
        "they were not tested and are not counted in the drift share",
    ]
    report = strict_json((tmp_path / "r.json").read_text())
    assert report["dataset"]["verdict"] == "insufficient data"
    assert report["dataset"]["drift_detected"] is False
    assert report["dataset"]["insufficient_columns"] == ["x", "y"]
    assert report["dataset"]["min_count"] == 30
    assert [c["verdict"] for c in report["columns"]] == ["insufficient data"] * 2
    assert [c["findings"][0]["severity"] for c in report["columns"]] == ["warning"] * 2
    markdown = (tmp_path / "r.md").read_text()
    assert "🟡 **insufficient data: 2 of 2 columns" in markdown
    assert "no dataset drift" not in markdown and "🟢" not in markdown
    assert "| `x` | numeric | insufficient data | - |" in markdown


def test_few_values_in_one_column_leave_it_out_of_the_share(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(8)
    frames = []
    for seed in (1, 2):
        frame = normal_frame(seed, 2000, z=rng.normal(size=2000), w=rng.normal(size=2000))
        frame.loc[20:, "w"] = np.nan  # 20 values in each file
        frames.append(frame)
    frames[0].to_csv("ref.csv", index=False)
    frames[1].to_csv("cur.csv", index=False)
    result = run("drift", "check", "--reference", "ref.csv", "--current", "cur.csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "no dataset drift: 0 of 3 columns drifted (0%, threshold 50%), 1 more with "
        "insufficient data (fewer than 30 values); decision: no retraining"
    )
    # With two of four untestable, "no drift" is no longer safe to say.
    few = np.where(np.arange(2000) < 10, rng.normal(size=2000), np.nan)
    frames[0].assign(z=few).to_csv("ref2.csv", index=False)
    frames[1].assign(z=few + 0.5).to_csv("cur2.csv", index=False)
    result = run(
        "drift", "check", "--reference", "ref2.csv", "--current", "cur2.csv", "--columns", "x,w,z"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "insufficient data: 0 of 1 columns drifted (0%, threshold 50%), 2 more with "
        "insufficient data (fewer than 30 values); decision: no retraining"
    )


# -- 4. identifiers --------------------------------------------------------------------------


def test_unique_integer_columns_are_skipped_unless_a_test_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(4)
    n = 2000
    for name, start in (("ref.csv", 0), ("cur.csv", 10 * n)):
        pd.DataFrame(
            {
                "row": np.arange(start, start + n),  # monotonic row ids
                "account": rng.permutation(n) * 7919 + start,  # shuffled ids
                "score": np.round(rng.normal(size=n), 6),  # unique, but not integers
                "visits": rng.poisson(3, n),  # integers that repeat
            }
        ).to_csv(name, index=False)
    result = run("drift", "profile", "ref.csv", "-o", "p.json")
    assert result.exit_code == 0, result.output
    columns = strict_json((tmp_path / "p.json").read_text())["columns"]
    assert {name: c.get("identifier", False) for name, c in columns.items()} == {
        "row": True,
        "account": True,
        "score": False,
        "visits": False,
    }
    assert columns["row"]["note"] == "looks like an identifier: every value is unique"
    for reference in ("ref.csv", "p.json"):
        result = run("drift", "check", "--reference", reference, "--current", "cur.csv")
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert lines[0].startswith("no dataset drift: 0 of 2 columns drifted (0%, ")
        assert (
            "  skip  row                      -  looks like an identifier: every value is "
            "unique; not compared (name a test in drift.tests.row to compare it)"
        ) in lines
    (tmp_path / "mlci.yaml").write_text("drift:\n  tests:\n    row: ks\n")
    result = run("drift", "check", "--reference", "p.json", "--current", "cur.csv")
    assert result.exit_code == 0, result.output
    # 1 of 3 is under drift.drift_share (50%), which retrain.when.drift_share (unset)
    # follows: never "no dataset drift ... retrain".
    assert result.output.splitlines()[0] == (
        "no dataset drift: 1 of 3 columns drifted (33%, threshold 50%); decision: no retraining"
    )
    assert result.output.splitlines()[1].split()[:3] == ["DRIFT", "row", "ks"]


# -- 5. merging --------------------------------------------------------------------------------


def test_merge_refuses_profiles_that_do_not_match(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(6)
    a = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    a.to_csv("ab.csv", index=False)
    a.rename(columns={"b": "c"}).to_csv("ac.csv", index=False)
    a.assign(b=rng.choice(["u", "v"], 100)).to_csv("ab_text.csv", index=False)
    for data, out, extra in (
        ("ab.csv", "ab.json", []),
        ("ac.csv", "ac.json", []),
        ("ab_text.csv", "ab_text.json", []),
        ("ab.csv", "ab50.json", ["--bins", "50"]),
    ):
        built = run("drift", "profile", data, "-o", out, *extra)
        assert built.exit_code == 0, built.output
    cases = {
        ("ab.json", "ac.json"): "Error: profiles with different columns cannot be merged: "
        "ab.json lacks c; ac.json lacks b. Fix: build every profile with the same columns "
        "(--columns/--exclude, drift.columns)\n",
        ("ab.json", "ab_text.json"): "Error: column 'b' has different types in the profiles: "
        "ab.json numeric, ab_text.json categorical. Fix: set drift.types.b in mlci.yaml and "
        "build the profiles again\n",
        ("ab.json", "ab50.json"): "Error: profiles with different bins cannot be merged: "
        "ab.json has 100, ab50.json has 50. Fix: build every profile with the same --bins "
        "(drift.bins)\n",
    }
    for (first, second), message in cases.items():
        result = run("drift", "profile", "merge", first, second, "-o", "out.json")
        assert (result.exit_code, result.output) == (2, message)
        assert not (tmp_path / "out.json").exists()
    result = run("drift", "profile", "merge", "ab.json", "ab.json", "-o", "out.json")
    assert result.exit_code == 0, result.output
    assert strict_json((tmp_path / "out.json").read_text())["columns"]["b"]["nulls"] == 0


# -- 6. scipy behind the statistics -------------------------------------------------------


def test_statistics_equal_the_formulas_they_replaced(rng):
    for _ in range(20):
        reference = rng.integers(0, 300, 10).astype(float)
        current = rng.integers(0, 300, 10).astype(float)
        p, q = reference / reference.sum(), current / current.sum()
        m = (p + q) / 2
        by_hand = np.sqrt((rel_entr(p, m).sum() + rel_entr(q, m).sum()) / 2)
        assert abs(stats.jensenshannon_counts(reference, current) - by_hand) <= 1e-12
        assert abs(stats.jensenshannon_counts(reference, current) - jensenshannon(p, q)) <= 1e-12
        ps = (reference + 0.5) / (reference.sum() + 5.0)
        qs = (current + 0.5) / (current.sum() + 5.0)
        by_hand = np.sum((qs - ps) * np.log(qs / ps))
        assert abs(stats.psi_counts(reference, current) - by_hand) <= 1e-12
        with_scipy = np.sum(rel_entr(qs, ps) + rel_entr(ps, qs))
        assert abs(stats.psi_counts(reference, current) - with_scipy) <= 1e-12
        table = np.vstack([reference, current])
        table = table[:, table.sum(axis=0) > 0]
        expected = chi2_contingency(table)
        assert stats.chi2_contingency_counts(reference, current) == pytest.approx(
            (expected.statistic, expected.pvalue), abs=1e-12
        )
        values = rng.random(12) ** 3
        order = np.argsort(values)
        ranked = values[order] * 12 / np.arange(1, 13)
        adjusted = np.empty(12)
        adjusted[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
        assert np.max(np.abs(np.array(stats.correct(values.tolist(), "bh")) - adjusted)) <= 1e-12
