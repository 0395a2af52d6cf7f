"""The DuckDB engine: files through read_parquet, and a SQL query as the source."""

from __future__ import annotations

import pytest

pytest.importorskip("duckdb")

from tests.drift.engines.conftest import (
    PARTITIONINGS,
    assert_same_profile,
    build,
)

from mlci.drift.engines import open_data
from mlci.errors import InputError


@pytest.mark.parametrize(("parts", "hive"), PARTITIONINGS)
def test_parity_with_the_single_file(parity_data, local_profile, parts, hive):
    source = open_data(str(parity_data[(parts, hive)]), engine="duckdb")
    assert type(source).__name__ == "DuckDBSource"
    assert_same_profile(build(source), local_profile)


def test_query_profiles_like_the_file(parity_data, local_profile):
    single = parity_data["single"].as_posix()
    source = open_data(None, engine="duckdb", query=f"SELECT * FROM read_parquet('{single}')")
    assert source.num_rows() is None
    assert_same_profile(build(source), local_profile)


def test_query_selects_rows(parity_data):
    single = parity_data["single"].as_posix()
    source = open_data(
        None,
        engine="duckdb",
        query=f"SELECT amount, plan FROM read_parquet('{single}') WHERE plan = 'rare'",
    )
    profile = build(source)
    assert profile.column("plan").categories == {"rare": profile.rows}


def test_memory_url_through_fsspec(parity_data, local_profile):
    import fsspec

    root = parity_data[(3, True)]
    memory = fsspec.filesystem("memory")
    for path in sorted(root.rglob("*.parquet")):
        memory.pipe(f"/mlci-duck/{path.relative_to(root).as_posix()}", path.read_bytes())
    source = open_data("memory://mlci-duck", engine="duckdb")
    assert_same_profile(build(source), local_profile)


def test_bad_query_is_one_line(parity_data):
    source = open_data(None, engine="duckdb", query="SELECT * FROM no_such_table")
    with pytest.raises(InputError) as error:
        source.kinds()
    assert "DuckDB cannot run it" in error.value.one_line()
    assert "\n" not in error.value.one_line()
