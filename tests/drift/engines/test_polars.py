"""The Polars engine: a lazy scan of the selected files."""

from __future__ import annotations

import pytest

pytest.importorskip("polars")

from tests.drift.engines.conftest import (
    PARTITIONINGS,
    assert_same_profile,
    build,
)

from mlci.drift.engines import open_data
from mlci.errors import InputError


@pytest.mark.parametrize(("parts", "hive"), PARTITIONINGS)
def test_parity_with_the_single_file(parity_data, local_profile, parts, hive):
    source = open_data(str(parity_data[(parts, hive)]), engine="polars")
    assert type(source).__name__ == "PolarsSource"
    assert_same_profile(build(source), local_profile)


def test_file_url(parity_data, local_profile):
    source = open_data(parity_data[(8, True)].as_uri(), engine="polars")
    assert_same_profile(build(source), local_profile)


def test_filters_select_the_same_rows_as_local(parity_data):
    spec = str(parity_data[(8, True)])
    rows = {
        engine: build(open_data(spec, engine=engine, filters=("day>=2026-11-25",))).rows
        for engine in ("local", "polars")
    }
    assert rows["local"] == rows["polars"] > 0


def test_memory_urls_are_refused_with_a_hint():
    with pytest.raises(InputError) as error:
        open_data("memory://x/y", engine="polars")
    assert "cannot read memory:// URLs" in error.value.one_line()
    assert "--engine local or --engine duckdb" in error.value.one_line()
