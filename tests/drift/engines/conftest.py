"""Shared fixtures of the engine tests: one Dask cluster and one Spark session per test run.

Both are real: a `distributed.LocalCluster` of two single-threaded worker processes (the
partial counts are pickled back as they would be from a remote cluster) and Spark
`local[2]` on the JDK that .ci/run installs. Starting them once per run keeps the suite
fast; they are torn down when the run ends.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.drift.engines.partitioned import example_frame, write_parts, write_single

from mlci.drift.build import profile_source
from mlci.drift.profile import DatasetProfile
from mlci.drift.readers import Source, open_source

PARITY_ROWS = 6_000
PARTITIONINGS = [(1, False), (3, False), (8, False), (3, True), (8, True)]
RELATIVE = 1e-9


def _java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return True
    return shutil.which("java") is not None


@pytest.fixture(scope="session")
def dask_client() -> Any:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="session")
def spark_session() -> Any:
    if not _java_available():
        reason = "Spark needs Java 17+ (no java on PATH, JAVA_HOME unset)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; .ci/run installs it, so under CI it must be present")
        pytest.skip(f"{reason}; install openjdk-17-jre-headless to run the Spark tests")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("mlci-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "512m")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def parity_data(tmp_path_factory: pytest.TempPathFactory) -> dict[Any, Path]:
    """The example table as one file (key "single") and as every partitioning."""
    root = tmp_path_factory.mktemp("parity")
    frame = example_frame(PARITY_ROWS, seed=7)
    layouts: dict[Any, Path] = {"single": write_single(root / "all.parquet", frame)}
    for parts, hive in PARTITIONINGS:
        name = f"{'hive' if hive else 'flat'}-{parts}"
        layouts[(parts, hive)] = write_parts(root / name, frame, parts, hive=hive)
    return layouts


def build(source: Source) -> DatasetProfile:
    profile, _ = profile_source(source, target="label", prediction="prediction")
    return profile


@pytest.fixture(scope="session")
def local_profile(parity_data: dict[Any, Path]) -> DatasetProfile:
    """The parity reference: the profile of the single file, read by `readers`."""
    return build(open_source(parity_data["single"]))


def assert_same_profile(actual: DatasetProfile, expected: DatasetProfile) -> None:
    """Counts equal exactly, floats within 1e-9 relative; the source label may differ."""
    got, want = actual.to_dict(), expected.to_dict()
    got.pop("source"), want.pop("source")
    _assert_close(got, want, "profile")


def _assert_close(got: Any, want: Any, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        assert list(got) == list(want), f"{where}: keys {list(got)} != {list(want)}"
        for key in want:
            _assert_close(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for index, (a, b) in enumerate(zip(got, want, strict=True)):
            _assert_close(a, b, f"{where}[{index}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert isinstance(got, (int, float)), where
        if math.isnan(want):
            assert math.isnan(got), where
        else:
            assert math.isclose(got, want, rel_tol=RELATIVE, abs_tol=1e-12), (
                f"{where}: {got!r} != {want!r}"
            )
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


@pytest.fixture(scope="session")
def stored_profile(parity_data: dict[Any, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The single file's profile, written by `mlci drift profile build` (engine local)."""
    from click.testing import CliRunner

    from mlci.cli import cli

    path = tmp_path_factory.mktemp("stored") / "profile.json"
    result = CliRunner().invoke(
        cli, ["drift", "profile", "build", str(parity_data["single"]), "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    return path


def drift_check(*args: str) -> Any:
    """`mlci drift check ARGS` in-process; returns (exit code, output, JSON report)."""
    import json
    import tempfile

    from click.testing import CliRunner

    from mlci.cli import cli

    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        result = CliRunner().invoke(cli, ["drift", "check", *args, "--json", str(report)])
        data = json.loads(report.read_text()) if report.exists() else None
    return result.exit_code, result.output, data
