"""The Spark engine, run for real on the shared local[2] session (see conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.drift.engines.conftest import PARTITIONINGS, assert_same_profile, build, drift_check

from mlci.drift import kernel
from mlci.drift.engines.spark import CountPartition, SparkEngine, SparkSource
from mlci.errors import InputError


@pytest.mark.parametrize(("parts", "hive"), PARTITIONINGS)
def test_profile_equals_the_local_one(
    spark_session: Any, parity_data: dict[Any, Path], local_profile: Any, parts: int, hive: bool
) -> None:
    source = SparkEngine(session=spark_session).source(str(parity_data[(parts, hive)]))
    profile = build(source)
    assert_same_profile(profile, local_profile)
    assert profile.column("plan").categories["rare"] > 0
    if hive:  # the day directories come back as a column, compared like the file's text
        assert profile.column("day").kind == "datetime"


def test_a_table_of_the_catalog_is_a_source(
    spark_session: Any, parity_data: dict[Any, Path], local_profile: Any
) -> None:
    spark_session.read.parquet(str(parity_data[(8, True)])).createOrReplaceTempView("events")
    by_prefix = SparkEngine(session=spark_session).source("spark:events")
    by_option = SparkEngine(session=spark_session).source(None, table="events")
    assert by_prefix.label == by_option.label == "spark:events"
    assert_same_profile(build(by_prefix), local_profile)


def test_every_spark_partition_is_counted_on_an_executor(
    spark_session: Any, parity_data: dict[Any, Path]
) -> None:
    import pandas as pd

    source = SparkEngine(session=spark_session).source(str(parity_data[(8, False)]))
    assert isinstance(source, SparkSource)
    frame = source.frame.repartition(5)  # more partitions than files
    plan = kernel.Plan({"plan": "categorical", "calls": "numeric"})
    rows = frame.select(*plan.columns).mapInArrow(CountPartition(plan), "part binary").collect()
    assert len(rows) == 5  # one pickled partial per partition
    counts = SparkSource(frame, "repartitioned").count(plan)[None]
    expected = pd.read_parquet(parity_data["single"], columns=["plan", "calls"])
    assert counts.rows == len(expected)
    assert counts.categories["plan"].counts == expected["plan"].value_counts().to_dict()
    assert counts.samples["calls"].values().sum() == expected["calls"].sum()


def test_a_path_spark_cannot_read_names_it(spark_session: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    with pytest.raises(InputError, match="nothing-here"):
        SparkEngine(session=spark_session).source(str(missing))


def test_a_query_is_refused_with_the_engine_that_reads_it(spark_session: Any) -> None:
    with pytest.raises(InputError, match="duckdb"):
        SparkEngine(session=spark_session).source(None, query="SELECT 1")


def test_without_pyspark_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    engine = SparkEngine()
    engine._session = None
    with pytest.raises(InputError, match="pyspark") as raised:
        engine.session()
    assert 'pip install "mlci[spark]"' in raised.value.one_line()


def test_without_java_the_error_names_the_fix(tmp_path: Path) -> None:
    """A real pyspark launch whose JAVA_HOME holds no Java: one InputError, no traceback."""
    env = {k: v for k, v in os.environ.items() if k != "SPARK_HOME"}
    env["JAVA_HOME"] = str(tmp_path / "no-jdk-here")  # spark-submit runs $JAVA_HOME/bin/java
    script = (
        "from mlci.drift.engines.spark import SparkEngine\n"
        "from mlci.errors import InputError\n"
        "try:\n"
        "    SparkEngine(master='local[1]').session()\n"
        "except InputError as exc:\n"
        "    print('INPUT-ERROR', exc.one_line())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert "INPUT-ERROR" in done.stdout, done.stdout + done.stderr
    assert "Java" in done.stdout and "openjdk-17-jre-headless" in done.stdout


def test_filters_are_applied_as_spark_filters(
    spark_session: Any, parity_data: dict[Any, Path]
) -> None:
    import pandas as pd

    engine = SparkEngine(session=spark_session, today=lambda: date(2026, 11, 30))
    source = engine.source(
        str(parity_data[(8, True)]), filters=("day>=today-6d", "day not in (2026-11-26)")
    )
    assert "PartitionFilters" in _plan_text(source.frame)  # pruned by Spark, not row by row
    counts = source.count(kernel.Plan({"plan": "categorical"}))[None]
    frame = pd.read_parquet(parity_data["single"], columns=["day", "plan"])
    kept = frame[(frame["day"] >= "2026-11-24") & (frame["day"] != "2026-11-26")]
    assert counts.rows == len(kept) > 0
    assert counts.categories["plan"].counts == kept["plan"].value_counts().to_dict()


def test_a_bad_filter_is_one_input_error(spark_session: Any, parity_data: dict[Any, Path]) -> None:
    engine = SparkEngine(session=spark_session)
    root = str(parity_data[(3, True)])
    with pytest.raises(InputError, match="no column 'dya'"):
        engine.source(root, filters=("dya>=2026-11-24",))
    with pytest.raises(InputError, match="'soon' is not a value"):
        engine.source(root, filters=("day>=soon",))
    with pytest.raises(InputError, match="expected KEY OP VALUE"):
        engine.source(root, filters=("day",))


def _plan_text(frame: Any) -> str:
    return frame._jdf.queryExecution().executedPlan().toString()


def test_cli_check_with_the_spark_engine_on_a_hive_dataset_and_a_table(
    spark_session: Any, parity_data: dict[Any, Path], stored_profile: Path
) -> None:
    """The CLI's engine finds the active session (as in a Spark job) and leaves it running."""
    hive = str(parity_data[(8, True)])
    code, output, report = drift_check(
        "--reference", str(stored_profile), "--current", hive, "--engine", "spark",
        "--master", "local[1]", "--fail-on-drift",
    )  # fmt: skip
    assert code == 0, output
    assert report["dataset"]["drifted_columns"] == []
    assert {"amount", "calls", "plan", "seen", "day"} <= {c["name"] for c in report["columns"]}
    spark_session.read.parquet(hive).createOrReplaceTempView("current_events")
    code, output, report = drift_check(
        "--reference", str(stored_profile), "--current-table", "current_events",
        "--engine", "spark", "--fail-on-drift",
    )  # fmt: skip
    assert code == 0, output
    assert report["current"] == "spark:current_events"
    assert spark_session.range(3).count() == 3  # not stopped by the command
