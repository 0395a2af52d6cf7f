"""The local engine: every partitioning profiles exactly as the single file does."""

from __future__ import annotations

import pytest
from tests.drift.engines.conftest import PARTITIONINGS, assert_same_profile, build

from mlci.drift.engines import get_engine, open_data
from mlci.drift.engines.local import DatasetSource
from mlci.drift.readers import ParquetSource


@pytest.mark.parametrize(("parts", "hive"), PARTITIONINGS)
def test_parity_with_the_single_file(parity_data, local_profile, parts, hive):
    source = open_data(str(parity_data[(parts, hive)]), engine="local")
    assert isinstance(source, DatasetSource)
    assert_same_profile(build(source), local_profile)


def test_glob_and_threads_do_not_change_the_profile(parity_data, local_profile):
    spec = str(parity_data[(8, False)] / "part-*.parquet")
    for threads in (1, 3):
        source = get_engine("local", threads=threads).source(spec)
        assert_same_profile(build(source), local_profile)


def test_a_plain_file_is_read_as_before(parity_data):
    source = open_data(str(parity_data["single"]), engine="local")
    assert isinstance(source, ParquetSource)


def test_progress_per_partition(parity_data):
    from mlci.drift.kernel import Plan

    source = open_data(str(parity_data[(8, False)]), engine="local")
    seen = []
    counts = source.count(
        Plan({"amount": "numeric"}), progress=lambda rows, total: seen.append((rows, total))
    )
    total = source.num_rows()
    assert len(seen) == len(source.dataset.partitions()) == 7  # the empty part is skipped
    assert seen[-1] == (total, total)
    assert [r for r, _ in seen] == sorted(r for r, _ in seen)
    assert counts[None].rows == total


def test_sample_is_seeded_per_partition(parity_data):
    from mlci.drift.kernel import Plan

    source = open_data(str(parity_data[(3, False)]), engine="local")
    plan = Plan({"plan": "categorical"})
    first = source.count(plan, sample=0.3, seed=5)[None]
    again = source.count(plan, sample=0.3, seed=5)[None]
    other = source.count(plan, sample=0.3, seed=6)[None]
    assert first.rows == again.rows and first.categories["plan"].counts == (
        again.categories["plan"].counts
    )
    assert 0.2 * source.num_rows() < first.rows < 0.4 * source.num_rows()
    assert other.categories["plan"].counts != first.categories["plan"].counts
