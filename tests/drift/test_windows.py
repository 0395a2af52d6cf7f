"""Drift over time: window labels, the windowed check, its trend and the history file."""

import json
import re
from datetime import date, datetime, timedelta, timezone

import click
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner

from mlci.cli import cli
from mlci.cli._drift_window import run_windowed, window_options, window_settings
from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import output_option
from mlci.config.schema import DriftConfig, RetrainRule
from mlci.drift import history as drift_history
from mlci.drift.history import ColumnPoint, HistoryEntry
from mlci.drift.kernel import Window
from mlci.drift.windows import (
    assign,
    latest_streak,
    mermaid_chart,
    to_html,
    to_markdown,
    windowed_check,
)
from mlci.errors import InputError

FIRST_MONDAY = datetime(2026, 9, 28)  # Monday of ISO week 2026-W40
WEEKS = [f"2026-W{w}" for w in range(40, 48)]  # eight weeks; x shifts from the fifth
SHIFT_WEEK = WEEKS[4]  # 2026-W44


# -- assign -----------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_assign_timestamps_of_every_unit(unit):
    stamps = [datetime(2026, 11, 24, 0, 0), None, datetime(2026, 11, 24, 23, 59, 59)]
    stamps.append(datetime(2026, 11, 30, 12))
    array = pa.array(stamps, pa.timestamp(unit))
    labels, index = assign(array, "daily")
    assert labels == ["2026-11-24", "2026-11-30"]
    assert index.tolist() == [0, -1, 0, 1]
    labels, index = assign(array, "weekly")
    assert labels == ["2026-W48", "2026-W49"]  # 2026-11-30 is the next Monday
    assert index.tolist() == [0, -1, 0, 1]


def test_assign_time_zone_aware_timestamps_are_windowed_in_utc():
    local = timezone(timedelta(hours=-5))
    late = datetime(2026, 11, 24, 21, 30, tzinfo=local)  # 02:30 UTC on the 25th
    # From the instant itself: how pyarrow turns an aware datetime into a stored value
    # is not what is tested here.
    micros = round(late.timestamp() * 1_000_000)
    array = pa.array([micros], pa.timestamp("us", tz="America/New_York"))
    assert assign(array, "daily")[0] == ["2026-11-25"]


def test_assign_dates_strings_dictionaries_and_chunks():
    days = [date(2026, 11, 24), None, date(2026, 11, 25)]
    assert assign(pa.array(days, pa.date32()), "daily") == (
        ["2026-11-24", "2026-11-25"],
        pytest.approx(np.array([0, -1, 1])),
    )
    assert assign(pa.array(days, pa.date64()), "daily")[0] == ["2026-11-24", "2026-11-25"]
    strings = ["2026-11-24", "2026-11-24T23:30:00Z", "2026-11-24T23:30:00-02:00", None]
    labels, index = assign(pa.array(strings), "daily")
    assert labels == ["2026-11-24", "2026-11-25"]
    assert index.tolist() == [0, 0, 1, -1]
    encoded = pa.array(["2026-11-25", None, "2026-11-24", "2026-11-25"]).dictionary_encode()
    labels, index = assign(encoded, "daily")
    assert labels == ["2026-11-24", "2026-11-25"]
    assert index.tolist() == [1, -1, 0, 1]
    chunked = pa.chunked_array([pa.array(["2026-11-24"]), pa.array(["2026-12-01"])])
    assert assign(chunked, "weekly") == (["2026-W48", "2026-W49"], pytest.approx([0, 1]))
    assert assign(pa.array([None, None], pa.timestamp("s")), "daily")[0] == []


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2020, 12, 31), "2020-W53"),
        (date(2021, 1, 3), "2020-W53"),
        (date(2021, 1, 4), "2021-W01"),
        (date(2024, 12, 30), "2025-W01"),  # a Monday in December, week 1 of the next year
        (date(2026, 12, 31), "2026-W53"),
        (date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 4), "2027-W01"),
        (date(1969, 12, 31), "1970-W01"),  # before the epoch: floor, not truncation
    ],
)
def test_assign_iso_weeks_at_year_boundaries(day, week):
    assert assign(pa.array([day]), "weekly")[0] == [week]


def test_assign_agrees_with_isocalendar_on_every_day_of_a_decade():
    days = [date(2018, 1, 1) + timedelta(days=i) for i in range(3700)]
    labels, index = assign(pa.array(days), "weekly")
    expected = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in days]
    assert [labels[i] for i in index] == expected
    daily, index = assign(pa.array(days), "daily")
    assert [daily[i] for i in index] == [d.isoformat() for d in days]


def test_assign_refuses_what_is_not_a_timestamp():
    with pytest.raises(InputError, match="the time column is int64, not a timestamp"):
        assign(pa.array([1, 2, 3]), "daily")
    with pytest.raises(InputError, match="'yesterday', which is not an ISO 8601 date"):
        assign(pa.array(["2026-11-24", "yesterday"]), "daily")
    with pytest.raises(InputError, match="window period 'monthly' is not one of daily, weekly"):
        assign(pa.array([date(2026, 1, 1)]), "monthly")


def test_latest_streak_is_the_last_run_of_drifted_windows():
    labels = list("abcdefg")
    streak = latest_streak(labels, [True, False, True, True, False, True, True])
    assert (streak.began, streak.windows, streak.ongoing) == ("f", 2, True)
    streak = latest_streak(labels, [False, True, True, True, False, False, False])
    assert (streak.began, streak.windows, streak.ongoing) == ("b", 3, False)
    assert latest_streak(labels, [False] * 7).began is None


# -- the windowed check on a dataset whose shift starts in a known week ------------------


def weeks_frame(rng, weeks, rows=1200, shift_from=4, shift=1.0):
    """Rows spread over `weeks` (indices from FIRST_MONDAY's week); x shifts from
    week index `shift_from` on, y never."""
    parts = []
    for week in weeks:
        seconds = rng.integers(0, 7 * 86400, rows)
        ts = pd.to_datetime(FIRST_MONDAY) + pd.to_timedelta(week * 7 * 86400 + seconds, "s")
        moved = shift if week >= shift_from else 0.0
        parts.append(
            pd.DataFrame(
                {
                    "ts": ts,
                    "x": rng.normal(moved, 1.0, rows),
                    "y": rng.normal(0.0, 1.0, rows),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(2026)
    reference = pd.DataFrame(
        {
            "ts": pd.date_range("2026-01-01", periods=4000, freq="h"),
            "x": rng.normal(0.0, 1.0, 4000),
            "y": rng.normal(0.0, 1.0, 4000),
        }
    )
    reference.to_parquet(tmp_path / "ref.parquet")
    weeks_frame(rng, range(8)).to_parquet(tmp_path / "cur.parquet")
    weeks_frame(rng, range(4)).to_parquet(tmp_path / "first.parquet")
    weeks_frame(rng, range(4, 8)).to_parquet(tmp_path / "second.parquet")
    return tmp_path


def test_windowed_check_finds_the_week_the_shift_began(data):
    result = windowed_check(
        data / "ref.parquet",
        data / "cur.parquet",
        DriftConfig(),
        RetrainRule(drift_share=0.5),
        Window("ts", "weekly"),
        run_at=datetime(2026, 11, 23, 6, tzinfo=timezone.utc),
        commit="abc123",
    )
    assert [label for label, _ in result.windows] == WEEKS
    assert [r.dataset_drift for _, r in result.windows] == [False] * 4 + [True] * 4
    assert result.began == SHIFT_WEEK
    assert (result.streak.windows, result.streak.ongoing) == (4, True)
    assert result.began_line() == (
        "Drift began in week 2026-W44 (first of 4 drifted windows in a row)"
    )
    assert result.column_trend("x").streak.began == SHIFT_WEEK
    # y never moved: at most a lone false alarm (each test is calibrated to 5%), never
    # a stretch that would read as a drift beginning.
    y = result.column_trend("y")
    assert sum(p.drifted for p in y.points) <= 1 and y.streak.windows <= 1
    assert result.trend[0].name == "x"
    # The time column is not compared (its values differ from the reference's by design).
    assert all(c.name != "ts" for _, r in result.windows for c in r.columns)
    assert result.latest.retrain.retrain
    assert result.windows[0][1].current.endswith("cur.parquet [2026-W40]")

    data_json = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data_json["schema"] == "mlci.drift-windows/v1"
    assert data_json["window"] == {"column": "ts", "period": "weekly"}
    assert data_json["dataset"]["began"] == SHIFT_WEEK
    assert data_json["dataset"]["windows"][4]["drift_detected"] is True
    assert data_json["dataset"]["windows"][0]["commit"] == "abc123"
    x = next(t for t in data_json["trend"] if t["name"] == "x")
    assert [p["window"] for p in x["points"]] == WEEKS
    assert [p["drifted"] for p in x["points"]] == [False] * 4 + [True] * 4
    assert all(p["score"] < 1 for p in x["points"][:4])
    assert all(p["score"] > 1 for p in x["points"][4:])
    assert data_json["latest"] == "2026-W47"
    assert len(data_json["windows"]) == 8

    markdown = to_markdown(result)
    assert "**Drift began in week 2026-W44 (first of 4 drifted windows in a row)**" in markdown
    assert "- `x` drifted from 2026-W44 (4 windows)" in markdown
    assert "```mermaid\nxychart-beta\n" in markdown
    assert '    x-axis ["2026-W40", "2026-W41",' in markdown
    assert '    line "x" [' in markdown
    assert markdown.count("<details>") == 8
    assert "| 2026-W44 | 1,200 | **drift** | 50% | `x` |" in markdown

    page = to_html(result)
    assert '<section class="mlci-drift-trend">' in page
    assert "Drift began in week 2026-W44" in page
    assert "<polyline" in page and "<script" not in page
    assert page.index("mlci-drift-trend") < page.index("Most drifted columns")


def test_windowed_check_daily_and_with_a_sample(data):
    result = windowed_check(
        data / "ref.parquet",
        data / "cur.parquet",
        DriftConfig(),
        None,
        Window("ts", "daily"),
        sample=0.999,
    )
    labels = [label for label, _ in result.windows]
    assert labels[0] == "2026-09-28" and labels[-1] == "2026-11-22" and len(labels) == 56
    # Daily windows have ~170 rows: still enough to see a one-sigma shift on day 29.
    assert result.column_trend("x").streak.began == "2026-10-26"
    assert result.began_line().startswith("Drift began on 2026-10-26 (first of 28 drifted")


def test_mermaid_labels_and_names_are_escaped():
    from mlci.drift.windows import build_trend

    entry = HistoryEntry(
        "2026-W01",
        "weekly",
        "ts",
        "2026-01-05T00:00:00Z",
        None,
        100,
        "drift",
        True,
        1.0,
        {'a"]\nb`': ColumnPoint("psi", "distance", 0.5, None, 0.1, True, "drift")},
    )
    result = build_trend("ts", "weekly", [("2026-W02", _fake_result())], [entry], run_at="x")
    chart = mermaid_chart(result)
    assert '    line "a b" [5' in chart
    assert chart.count('"') % 2 == 0


def _fake_result():
    from mlci.drift.engine import run_check

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"v": rng.normal(0, 1, 200)})
    return run_check(frame, frame.copy())


# -- history ------------------------------------------------------------------------------


def entry(window, share=0.0, run_at="2026-11-01T00:00:00Z", period="weekly", drifted=False):
    point = ColumnPoint(
        "wasserstein",
        "distance",
        0.3 if drifted else 0.01,
        None,
        0.1,
        drifted,
        "drift" if drifted else "ok",
    )
    return HistoryEntry(
        window,
        period,
        "ts",
        run_at,
        "c0ffee",
        1000,
        "drift" if drifted else "no drift",
        drifted,
        share,
        {"x": point},
    )


def test_history_append_read_and_dedupe(tmp_path):
    path = tmp_path / ".mlci" / "history.jsonl"
    assert drift_history.read_history(path) == []
    drift_history.append_history(path, [entry("2026-W40"), entry("2026-W41")])
    newer = entry("2026-W41", 0.5, run_at="2026-11-08T00:00:00Z", drifted=True)
    merged = drift_history.append_history(path, [newer, entry("2026-W42")])
    assert [e.window for e in merged] == ["2026-W40", "2026-W41", "2026-W42"]
    back = drift_history.read_history(path)
    assert back == merged
    assert back[1].run_at == "2026-11-08T00:00:00Z" and back[1].columns["x"].drifted
    lines = path.read_text().splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])["schema"] == "mlci.drift-history/v1"


def test_history_is_capped_per_period(tmp_path):
    path = tmp_path / "h.jsonl"
    weekly = [entry(f"{2024 + i // 52}-W{i % 52 + 1:02d}") for i in range(110)]
    daily = [
        entry((date(2026, 1, 1) + timedelta(days=i)).isoformat(), period="daily") for i in range(5)
    ]
    merged = drift_history.append_history(path, weekly + daily)
    kept = [e.window for e in merged if e.period == "weekly"]
    assert len(kept) == 104 and kept[0] == "2024-W07" and kept[-1] == "2026-W06"
    assert sum(e.period == "daily" for e in merged) == 5
    small = drift_history.append_history(path, [], caps={"weekly": 3, "daily": 2})
    assert [e.window for e in small if e.period == "weekly"] == ["2026-W04", "2026-W05", "2026-W06"]
    assert [e.window for e in small if e.period == "daily"] == ["2026-01-04", "2026-01-05"]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("{not json", "not a drift history entry (Expecting property name"),
        ('{"schema": "other/v1"}', "schema is 'other/v1'"),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_malformed_history_names_file_and_line_and_is_not_overwritten(tmp_path, line, why):
    path = tmp_path / "h.jsonl"
    good = drift_history.render_history([entry("2026-W40")])
    path.write_text(good + "\n" + line + "\n")
    before = path.read_bytes()
    with pytest.raises(InputError, match=rf"h\.jsonl:3: .*{re.escape(why)}") as raised:
        drift_history.append_history(path, [entry("2026-W41")])
    assert "\n" not in raised.value.one_line()
    assert path.read_bytes() == before


def test_history_entry_field_types_are_checked(tmp_path):
    path = tmp_path / "h.jsonl"
    data = entry("2026-W40").to_dict()
    data["rows"] = True
    path.write_text(json.dumps(data) + "\n")
    with pytest.raises(InputError, match=r"h\.jsonl:1: .*'rows' is True, not int"):
        drift_history.read_history(path)
    data = entry("2026-W40").to_dict()
    del data["columns"]["x"]["drifted"]
    path.write_text(json.dumps(data) + "\n")
    with pytest.raises(InputError, match=r"column 'x': no 'drifted'"):
        drift_history.read_history(path)


# -- CLI ------------------------------------------------------------------------------------


@click.group(cls=GuardedGroup)
def harness():
    """Stands in for `mlci drift` until `check` takes the window options."""


@harness.command("check")
@click.argument("reference")
@click.argument("current")
@window_options
@output_option("json", "the JSON result")
@output_option("md", "a markdown summary")
@click.option("--html", "html_path", default=None)
@click.option("--decision", "decision_path", default=None)
@click.option("--fail-on-drift", is_flag=True)
@click.option("--quiet", is_flag=True)
def harness_check(
    reference,
    current,
    window,
    time_column,
    history_path,
    no_history,
    json_out,
    md_out,
    html_path,
    decision_path,
    fail_on_drift,
    quiet,
):
    config = DriftConfig()
    settings = window_settings(config, window, time_column, history_path, no_history)
    assert settings is not None
    run_windowed(
        settings,
        reference=reference,
        current=current,
        config=config,
        rule=RetrainRule(drift_share=0.5),
        config_path=None,
        sample=None,
        model_age_days=None,
        json_out=json_out,
        md_out=md_out,
        html_path=html_path,
        decision_path=decision_path,
        fail_on_drift=fail_on_drift,
        quiet=quiet,
    )


def _wired():
    command = cli.get_command(click.Context(cli), "drift").get_command(None, "check")
    return any(p.name == "window" for p in command.params)


@pytest.fixture(params=["harness", "mlci"])
def drift_check(request):
    if request.param == "mlci":
        if not _wired():
            pytest.skip("mlci drift check does not take --window yet")

        def invoke(reference, current, *args):
            args = ["drift", "check", "--reference", reference, "--current", current, *args]
            return CliRunner().invoke(cli, args)

        return invoke

    def invoke(reference, current, *args):
        return CliRunner().invoke(harness, ["check", reference, current, *args])

    return invoke


def test_cli_twice_second_run_reads_the_first_runs_history(data, monkeypatch, drift_check):
    monkeypatch.chdir(data)
    common = ["--window", "weekly", "--time-column", "ts", "--history", "h.jsonl"]
    first = drift_check("ref.parquet", "first.parquet", *common, "--md", "one.md")
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[1] == "no window drifted"
    assert len((data / "h.jsonl").read_text().splitlines()) == 4

    second = drift_check(
        "ref.parquet",
        "second.parquet",
        *common,
        "--md",
        "two.md",
        "--json",
        "two.json",
        "--html",
        "two.html",
        "--decision",
        "decision.json",
    )
    assert second.exit_code == 0, second.output
    lines = (data / "h.jsonl").read_text().splitlines()
    assert [json.loads(line)["window"] for line in lines] == WEEKS
    result = json.loads((data / "two.json").read_text())
    assert result["history_windows"] == 4
    assert [w["this_run"] for w in result["dataset"]["windows"]] == [False] * 4 + [True] * 4
    assert result["dataset"]["began"] == SHIFT_WEEK
    markdown = (data / "two.md").read_text()
    assert "| 2026-W40 (history) | 1,200 | no drift |" in markdown
    assert "Drift began in week 2026-W44 (first of 4 drifted windows in a row)" in markdown
    assert "The trend includes 4 earlier window(s) from the drift history." in markdown
    assert "Drift began in week 2026-W44" in (data / "two.html").read_text()
    decision = json.loads((data / "decision.json").read_text())
    assert decision["retrain"] is True and decision["drift_began"] == SHIFT_WEEK
    assert decision["window"] == "2026-W47"

    # The same week again: replaced, not duplicated; --fail-on-drift exits 1 on the newest.
    again = drift_check("ref.parquet", "second.parquet", *common, "--fail-on-drift", "--quiet")
    assert again.exit_code == 1, again.output
    assert "drift detected in window 2026-W47" in again.output
    assert len((data / "h.jsonl").read_text().splitlines()) == 8


def test_cli_time_column_missing_or_not_a_timestamp(data, monkeypatch, drift_check):
    monkeypatch.chdir(data)
    pd.DataFrame({"ts": np.arange(300), "x": np.zeros(300), "y": np.ones(300)}).to_parquet(
        "numbers.parquet"
    )
    missing = drift_check(
        "ref.parquet", "cur.parquet", "--window", "weekly", "--time-column", "when", "--no-history"
    )
    assert missing.exit_code == 2, missing.output
    message = missing.output.strip()
    assert "\n" not in message
    assert "'when'" in message and "cur.parquet" in message and "Fix: use one of:" in message
    numbers = drift_check(
        "ref.parquet", "numbers.parquet", "--window", "daily", "--time-column", "ts", "--no-history"
    )
    assert numbers.exit_code == 2, numbers.output
    assert "\n" not in numbers.output.strip()
    assert "numbers.parquet" in numbers.output
    assert "is int64, not a timestamp" in numbers.output
    assert not (data / ".mlci").exists()


def test_cli_malformed_history_stops_before_the_check(data, monkeypatch, drift_check):
    monkeypatch.chdir(data)
    (data / "h.jsonl").write_text("oops\n")
    result = drift_check(
        "ref.parquet",
        "cur.parquet",
        "--window",
        "weekly",
        "--time-column",
        "ts",
        "--history",
        "h.jsonl",
    )
    assert result.exit_code == 2
    assert "h.jsonl:1: not a drift history entry" in result.output
    assert (data / "h.jsonl").read_text() == "oops\n"


def test_window_settings_resolve_config_defaults():
    config = DriftConfig(window="daily", time_column="ts")
    settings = window_settings(config, None, None, None, False)
    assert (settings.period, settings.column, settings.history) == (
        "daily",
        "ts",
        ".mlci/drift-history.jsonl",
    )
    assert window_settings(DriftConfig(), None, None, None, False) is None
    from mlci.errors import UsageError

    with pytest.raises(UsageError, match="--window weekly: no time column"):
        window_settings(DriftConfig(), "weekly", None, None, False)
    with pytest.raises(UsageError, match="--time-column is given without a window"):
        window_settings(DriftConfig(), None, "ts", None, False)
