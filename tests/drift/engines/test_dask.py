"""The Dask engine, run for real on the shared LocalCluster of two worker processes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.drift.engines.conftest import (
    PARITY_ROWS,
    PARTITIONINGS,
    assert_same_profile,
    build,
    drift_check,
)

from mlci.drift import kernel
from mlci.drift.engines.dask import DaskEngine, DaskSource
from mlci.errors import InputError, ServiceError


@pytest.mark.parametrize(("parts", "hive"), PARTITIONINGS)
def test_profile_equals_the_local_one(
    dask_client: Any, parity_data: dict[Any, Path], local_profile: Any, parts: int, hive: bool
) -> None:
    source = DaskEngine(client=dask_client).source(str(parity_data[(parts, hive)]))
    profile = build(source)
    assert_same_profile(profile, local_profile)
    assert profile.column("plan").categories["rare"] > 0


def test_partitions_are_counted_in_other_processes(
    dask_client: Any, parity_data: dict[Any, Path]
) -> None:
    """The partial counts cross a process boundary (pickled), as from a real cluster."""
    workers = set(dask_client.run(os.getpid).values())
    assert len(workers) == 2 and os.getpid() not in workers
    source = DaskEngine(client=dask_client).source(str(parity_data[(8, True)]))
    plan = kernel.Plan({"plan": "categorical", "day": "datetime"})
    counts = source.count(plan)[None]
    frame = pd.read_parquet(parity_data["single"], columns=["plan"])
    assert counts.rows == PARITY_ROWS
    assert counts.categories["plan"].counts == frame["plan"].value_counts().to_dict()


def test_progress_is_reported_per_finished_partition(
    dask_client: Any, parity_data: dict[Any, Path]
) -> None:
    source = DaskEngine(client=dask_client).source(str(parity_data[(8, False)]))
    assert isinstance(source, DaskSource)
    calls: list[tuple[int, int | None]] = []
    source.count(kernel.Plan({"calls": "numeric"}), progress=lambda r, t: calls.append((r, t)))
    # 8 files, the empty one left out by the dataset: one call per counted partition
    assert len(calls) == len(source.dataset.partitions()) == 7
    assert [r for r, _ in calls] == sorted(r for r, _ in calls)
    assert calls[-1] == (PARITY_ROWS, PARITY_ROWS)


def test_hive_filters_select_the_partitions(dask_client: Any, parity_data: dict[Any, Path]) -> None:
    source = DaskEngine(client=dask_client).source(
        str(parity_data[(8, True)]), filters=("day>=2026-11-24", "day!=2026-11-26")
    )
    counts = source.count(kernel.Plan({"day": "categorical"}))[None]
    frame = pd.read_parquet(parity_data["single"], columns=["day"])
    kept = frame[(frame["day"] >= "2026-11-24") & (frame["day"] != "2026-11-26")]
    assert counts.rows == len(kept)
    assert counts.categories["day"].counts == kept["day"].value_counts().to_dict()


def test_a_scheduler_address_connects_and_leaves_the_cluster_running(
    dask_client: Any, parity_data: dict[Any, Path], local_profile: Any
) -> None:
    address = dask_client.scheduler.address
    source = DaskEngine(scheduler=address).source(str(parity_data[(3, True)]))
    assert_same_profile(build(source), local_profile)
    assert dask_client.submit(sum, [1, 2]).result() == 3  # the shared cluster still serves


def test_without_a_scheduler_a_local_cluster_is_started_and_closed(
    parity_data: dict[Any, Path], local_profile: Any
) -> None:
    engine = DaskEngine()
    clients = []
    with engine.client() as client:
        clients.append(client)
        assert client.status == "running"
    assert clients[0].status == "closed"
    assert_same_profile(build(engine.source(str(parity_data[(3, False)]))), local_profile)


def test_an_unreachable_scheduler_is_a_service_error(parity_data: dict[Any, Path]) -> None:
    source = DaskEngine(scheduler="tcp://127.0.0.1:1", timeout=1).source(
        str(parity_data[(1, False)])
    )
    with pytest.raises(ServiceError, match=r"tcp://127\.0\.0\.1:1") as raised:
        source.count(kernel.Plan({"calls": "numeric"}))
    assert "--scheduler" in raised.value.one_line()


def test_a_file_a_worker_cannot_read_is_named_with_its_fix(
    dask_client: Any, parity_data: dict[Any, Path], tmp_path: Path
) -> None:
    root = tmp_path / "data"
    root.mkdir()
    for name in ("a.parquet", "b.parquet"):
        (root / name).write_bytes(parity_data["single"].read_bytes())
    source = DaskEngine(client=dask_client).source(str(root))
    (root / "b.parquet").write_bytes(b"not parquet any more")  # broken after listing
    with pytest.raises(InputError, match=r"b\.parquet") as raised:
        source.count(kernel.Plan({"calls": "numeric"}))
    assert raised.value.hint  # the hint survived the trip from the worker


def test_a_query_or_a_table_is_refused_with_the_engine_that_reads_it(
    parity_data: dict[Any, Path],
) -> None:
    engine = DaskEngine()
    with pytest.raises(InputError, match="duckdb"):
        engine.source("", query="SELECT 1")
    with pytest.raises(InputError, match="spark"):
        engine.source("", table="events")


def test_cli_check_with_the_dask_engine_on_a_hive_dataset(
    dask_client: Any, parity_data: dict[Any, Path], stored_profile: Path
) -> None:
    code, output, report = drift_check(
        "--reference",
        str(stored_profile),
        "--current",
        str(parity_data[(8, True)]),
        "--engine",
        "dask",
        "--scheduler",
        dask_client.scheduler.address,
        "--fail-on-drift",
    )
    assert code == 0, output
    assert report["dataset"]["drifted_columns"] == []
    assert report["current"] == str(parity_data[(8, True)])
    compared = {c["name"] for c in report["columns"]}
    assert {"amount", "calls", "plan", "seen", "day"} <= compared
    code, output, report = drift_check(
        "--reference",
        str(stored_profile),
        "--current",
        str(parity_data[(8, True)]),
        "--engine",
        "dask",
        "--filter",
        "day>=2026-11-26",
        "--scheduler",
        dask_client.scheduler.address,
    )
    assert code == 0, output
    # the last days only (the filter reached the workers): the time columns moved
    assert {"day", "seen"} <= set(report["dataset"]["drifted_columns"])
    assert "amount" not in report["dataset"]["drifted_columns"]
