"""sources.open_dataset: files, globs, directories, hive partitions, filters, fsspec URLs."""

from __future__ import annotations

from datetime import date

import pytest
from tests.drift.engines.partitioned import example_frame, split_sizes, write_parts

from mlci.drift.sources import open_dataset, parse_filter
from mlci.errors import InputError

TODAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def frame():
    return example_frame(4_000, seed=3)


@pytest.fixture(scope="module")
def hive(tmp_path_factory, frame):
    return write_parts(tmp_path_factory.mktemp("hive"), frame, 8, hive=True)


def test_layouts_hold_every_row_once(tmp_path, frame):
    flat = write_parts(tmp_path / "flat", frame, 8)
    for spec in (str(flat), str(flat / "*.parquet"), str(flat / "part-007.parquet")):
        dataset = open_dataset(spec)
        expected = split_sizes(len(frame), 8)[-1] if spec.endswith("7.parquet") else len(frame)
        assert dataset.num_rows() == expected
        assert sum(p.rows for p in dataset.partitions()) == expected
    # the empty part is listed but gives no partition
    assert len(open_dataset(str(flat)).files) == 8
    assert len(open_dataset(str(flat)).partitions()) == 7


def test_hive_keys_become_columns(hive, frame):
    dataset = open_dataset(str(hive))
    assert dataset.partition_keys == {"day": "string"}
    assert list(dataset.kinds())[-1] == "day"
    days = {}
    for partition in dataset.partitions():
        for batch in partition.arrow_batches(["day", "amount"], batch_rows=500):
            for day in batch.column("day").to_pylist():
                days[day] = days.get(day, 0) + 1
    assert days == frame["day"].value_counts().to_dict()


def test_integer_keys_compare_as_numbers(tmp_path, frame):
    for hour in (2, 10):
        folder = tmp_path / f"hour={hour}"
        folder.mkdir()
        frame.head(100).to_parquet(folder / "a.parquet")
    assert open_dataset(str(tmp_path)).partition_keys == {"hour": "int64"}
    # 10 > 9 as numbers ("10" < "9" as text)
    assert open_dataset(str(tmp_path), filters=("hour>9",)).num_rows() == 100
    with pytest.raises(InputError, match="not a whole number"):
        open_dataset(str(tmp_path), filters=("hour>nine",))


@pytest.mark.parametrize(
    ("filters", "days"),
    [
        (("day>=2026-11-24",), ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]),
        (("day>=today-2d",), ["2026-11-25", "2026-11-26", "2026-11-27"]),
        (("day in (2026-11-20, '2026-11-22')",), ["2026-11-20", "2026-11-22"]),
        (("day not in (2026-11-20)", "day<today-5d"), ["2026-11-21"]),
        (("day=2026-11-23",), ["2026-11-23"]),
        (("day!=2026-11-23", "day<=2026-11-21"), ["2026-11-20", "2026-11-21"]),
    ],
)
def test_filters_prune_partitions(hive, frame, filters, days):
    dataset = open_dataset(str(hive), filters=filters, today=lambda: TODAY)
    assert sorted({f.values["day"] for f in dataset.files}) == days
    assert dataset.num_rows() == int(frame["day"].isin(days).sum())


def test_today_is_the_injected_clock():
    assert parse_filter("day>=today-1w", TODAY).values == ("2026-11-20",)
    assert parse_filter("day<today", TODAY).values == ("2026-11-27",)
    assert parse_filter("day=today+1d", TODAY).values == ("2026-11-28",)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (("dya>=2026-11-24",), "'dya' is not a partition key (partition keys: day)"),
        (("day>>3",), "expected KEY OP VALUE"),
        (("day in ()",), "names no value"),
        (("day>=2030-01-01",), "no partition is left after the filters day>=2030-01-01"),
    ],
)
def test_bad_filters_are_one_line_errors(hive, filters, message):
    with pytest.raises(InputError) as error:
        open_dataset(str(hive), filters=filters)
    assert message in error.value.one_line()
    assert "\n" not in error.value.one_line()


def test_filter_without_partitions_names_it(tmp_path, frame):
    flat = write_parts(tmp_path, frame, 3)
    with pytest.raises(InputError, match="no key=value folders"):
        open_dataset(str(flat), filters=("day>=2026-11-24",))


def test_empty_inputs_are_errors(tmp_path, frame):
    with pytest.raises(InputError, match="no Parquet file matches the pattern"):
        open_dataset(str(tmp_path / "*.parquet"))
    with pytest.raises(InputError, match="no such file or directory"):
        open_dataset(str(tmp_path / "missing"))
    frame.head(0).to_parquet(tmp_path / "empty.parquet")
    with pytest.raises(InputError, match="hold no rows"):
        open_dataset(str(tmp_path))


def test_hidden_and_marker_files_are_skipped(tmp_path, frame):
    write_parts(tmp_path, frame, 3)
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / ".part-000.parquet.crc").write_text("x")
    (tmp_path / "_temporary").mkdir()
    frame.head(5).to_parquet(tmp_path / "_temporary" / "x.parquet")
    assert open_dataset(str(tmp_path)).num_rows() == len(frame)


def test_memory_and_file_urls_through_fsspec(tmp_path, frame):
    import fsspec

    local = write_parts(tmp_path / "h", frame, 3, hive=True)
    memory = fsspec.filesystem("memory")
    for path in sorted(local.rglob("*.parquet")):
        memory.pipe(f"/mlci-tests/h/{path.relative_to(local).as_posix()}", path.read_bytes())
    for url in ("memory://mlci-tests/h", local.as_uri()):
        dataset = open_dataset(url, filters=("day<=2026-11-22",))
        assert dataset.partition_keys == {"day": "string"}
        assert dataset.num_rows() == int((frame["day"] <= "2026-11-22").sum())
        assert all(p.path.startswith(url.split("://")[0]) for p in dataset.partitions())
        batches = dataset.partitions()[0].arrow_batches(["plan", "day"])
        assert next(iter(batches)).num_rows > 0


def test_missing_backend_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "s3fs", None)  # import s3fs now raises ImportError
    with pytest.raises(InputError) as error:
        open_dataset("s3://bucket/events/")
    assert "needs the s3fs package" in error.value.one_line()
    assert 'pip install "mlci[s3]"' in error.value.one_line()
