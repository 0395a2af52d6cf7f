"""The Dask engine: count a partitioned dataset's partitions as futures on a Dask cluster.

Each partition (a Parquet file, or some of its row groups) is read by a worker with
pyarrow and counted there by `kernel.count_arrow`; only the small partial counts travel
back, and they are merged in partition order, so the profile equals the local engine's
whatever the cluster's size. Without a scheduler address a `LocalCluster` in this process
is started for the one count and closed after it; with an address (`--scheduler
tcp://host:8786`, `drift.scheduler`) the same code runs on a real cluster, whose workers
must reach the same paths (a shared file system or an fsspec URL) and have mlci installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlci.drift.readers import DEFAULT_BATCH_ROWS, Progress, Source
from mlci.errors import InputError, MlciError, ServiceError

INSTALL_HINT = 'pip install "mlci[dask]"'
# How long to wait for a given scheduler before calling it unreachable.
CONNECT_TIMEOUT_S = 30


def _require_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise InputError(
            f"the dask engine needs dask.distributed, which is not installed ({exc.name})",
            INSTALL_HINT,
        ) from exc
    return distributed


def _sampled(batches: Iterator[Any], fraction: float | None, seed: int, index: int) -> Any:
    """Keep each row with probability `fraction`; the generator is seeded per partition,
    so a sample does not depend on which worker counts which partition."""
    if fraction is None:
        yield from batches
        return
    import pyarrow as pa

    rng = np.random.default_rng([seed, index])
    for batch in batches:
        yield batch.filter(pa.array(rng.random(batch.num_rows) < fraction))


@dataclass(frozen=True)
class WorkerError:
    """An mlci error raised on a worker, sent back as data: an exception is pickled with
    its message only, and the hint (the fix) would be lost on the way."""

    kind: type[MlciError]
    message: str
    hint: str | None


def count_partition(
    partition: Any,
    plan: Any,
    batch_rows: int,
    sample: float | None,
    seed: int,
    index: int,
) -> Any:
    """What a worker runs: read one partition's columns and count them (`kernel.Counts`)."""
    from mlci.drift import kernel

    # The partition carries the dataset's storage options (credentials of a URL).
    batches = partition.arrow_batches(plan.columns, batch_rows=batch_rows)
    try:
        return kernel.count_arrow(_sampled(batches, sample, seed, index), plan)
    except MlciError as error:
        return WorkerError(type(error), error.message, error.hint)


def _rows(counts: Any) -> int:
    return sum(partial.rows for partial in counts.values())


class DaskSource(Source):
    """A partitioned dataset whose counts are made on a Dask cluster."""

    def __init__(self, dataset: Any, engine: DaskEngine) -> None:
        self.dataset = dataset
        self.engine = engine
        self.label = dataset.label

    def kinds(self) -> dict[str, str]:
        return dict(self.dataset.kinds())

    def num_rows(self) -> int | None:
        return self.dataset.num_rows()

    def peek(self, rows: int = 1000) -> Any:
        return self.dataset.peek(rows)

    def count(
        self,
        plan: Any,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        sample: float | None = None,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> Any:
        from mlci.drift import kernel

        plan.refuse_sample(sample)
        partitions = list(self.dataset.partitions())
        plans = kernel.partition_plans(plan, [p.rows or None for p in partitions])
        distributed = _require_distributed()
        total = self.num_rows()
        with self.engine.client() as client:
            futures = [
                client.submit(
                    count_partition,
                    partition,
                    plans[index],
                    batch_rows,
                    sample,
                    seed,
                    index,
                    # pure=False: the same partition counted twice (pass 1 and pass 2 of
                    # a build have different plans anyway) is never served from a cache.
                    pure=False,
                )
                for index, partition in enumerate(partitions)
            ]
            where = {
                future.key: partition for future, partition in zip(futures, partitions, strict=True)
            }
            rows = 0
            try:
                for future in distributed.as_completed(futures):
                    counts = future.result()
                    if isinstance(counts, WorkerError):
                        raise counts.kind(counts.message, counts.hint)
                    rows += _rows(counts)
                    if progress:
                        progress(rows, total)
                results = [future.result() for future in futures]
            except MlciError:
                raise
            except distributed.KilledWorker as exc:
                raise ServiceError(
                    f"{self.label}: a dask worker died while counting ({exc})",
                    "give the workers more memory, or cut the data into smaller files",
                ) from exc
            except (OSError, ValueError) as exc:
                # pyarrow's errors (ArrowInvalid, ArrowIOError) are ValueError / OSError.
                failed = next((f for f in futures if f.status == "error"), None)
                path = where[failed.key].path if failed is not None else self.label
                raise InputError(
                    f"{path}: cannot be read by the dask workers: {exc}",
                    "check that every worker can reach the file (a shared file system "
                    "or an fsspec URL) and that it is Parquet",
                ) from exc
            finally:
                client.cancel(futures)
        return kernel.merge_counts(results)


class DaskEngine:
    """Counts on a Dask cluster: a LocalCluster by default, or the one at `scheduler`.

    A `client` passed in (a `distributed.Client`) is used as is and left open; a client
    the engine opened itself is closed after each count, with its LocalCluster.
    """

    name = "dask"

    def __init__(
        self, scheduler: str | None = None, client: Any = None, timeout: float = CONNECT_TIMEOUT_S
    ) -> None:
        self.scheduler = scheduler
        self._client = client
        self.timeout = timeout

    @contextmanager
    def client(self) -> Iterator[Any]:
        if self._client is not None:
            yield self._client
            return
        distributed = _require_distributed()
        if self.scheduler:
            try:
                client = distributed.Client(self.scheduler, timeout=self.timeout)
            except (OSError, TimeoutError) as exc:
                raise ServiceError(
                    f"dask scheduler {self.scheduler}: cannot connect ({exc})",
                    "start the scheduler, or fix --scheduler / drift.scheduler "
                    "(e.g. tcp://host:8786); leave it out for a local cluster",
                ) from exc
            with client:
                yield client
            return
        # Threads in this process: no worker processes to start, no partial to pickle,
        # and the counting (numpy, pyarrow) releases the GIL.
        cluster = distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=max(1, min(8, os.cpu_count() or 1)),
            processes=False,
            dashboard_address=None,
        )
        with cluster, distributed.Client(cluster) as client:
            yield client

    def source(
        self,
        spec: str,
        *,
        filters: tuple[str, ...] = (),
        query: str | None = None,
        table: str | None = None,
        storage_options: dict[str, Any] | None = None,
        **_: Any,
    ) -> Source:
        from mlci.drift import sources

        if query is not None:
            raise InputError(
                "--query: a SQL query is read by the duckdb engine only",
                "use --engine duckdb with --query, or give the dask engine Parquet paths",
            )
        if table is not None:
            raise InputError(
                "--table: a table name is read by the spark engine only",
                "use --engine spark with --table, or give the dask engine Parquet paths",
            )
        dataset = sources.open_dataset(spec, filters=filters, storage_options=storage_options)
        return DaskSource(dataset, self)
