"""The Spark engine: count a Spark DataFrame partition by partition with `mapInArrow`.

The source is Parquet (a file, a directory with hive partitions, a glob, any URL Spark's
file systems read) or a table of the session's catalog. Each Spark partition streams its
rows as Arrow record batches into `kernel.count_arrow` on the executor and yields one row:
its pickled partial counts. The driver collects those few rows, in partition order, and
merges them with `kernel.merge_counts`, so the profile equals the local engine's.

The session: the active one when there is one (a notebook, a job submitted to a cluster,
the tests' shared session), else one built for `master` (`local[*]` by default) with
small memory and no UI. A session the engine did not build is never stopped by it.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from typing import Any

from mlci.drift.readers import DEFAULT_BATCH_ROWS, Progress, Source
from mlci.errors import InputError

INSTALL_HINT = 'pip install "mlci[spark]"'
JAVA_HINT = (
    "install a Java runtime 17 or later (Debian: apt-get install openjdk-17-jre-headless) "
    "and put it on PATH or set JAVA_HOME"
)
TABLE_PREFIX = "spark:"
DEFAULT_MASTER = "local[*]"
# What a session built here is given: enough for counting, which holds one Arrow batch
# per task; the profile itself is small.
SESSION_CONFIG = {
    "spark.ui.enabled": "false",
    # mlci prints its own progress; Spark's stage bars would interleave with it.
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.memory": "1g",
    "spark.sql.session.timeZone": "UTC",
}


def _require_pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError as exc:
        raise InputError(
            f"the spark engine needs pyspark, which is not installed ({exc.name})",
            INSTALL_HINT,
        ) from exc
    return pyspark.sql


def storage_kind(data_type: Any) -> str:
    """The storage kind (as `readers.arrow_kind` names them) of a Spark column type."""
    from pyspark.sql import types as T

    if isinstance(data_type, T.BooleanType):
        return "boolean"
    if isinstance(data_type, T.NumericType):
        return "numeric"
    if isinstance(data_type, (T.DateType, T.TimestampType, T.TimestampNTZType)):
        return "datetime"
    if isinstance(data_type, (T.StringType, T.CharType, T.VarcharType)):
        return "string"
    return "unsupported"


class CountPartition:
    """The function `mapInArrow` runs on each partition: count its batches, yield one row
    holding the pickled `kernel.Counts`. A class (not a closure) so that executors import
    it from mlci rather than unpickling a copy of its code."""

    def __init__(self, plan: Any) -> None:
        self.plan = plan

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        from mlci.drift import kernel

        counts = kernel.count_arrow(batches, self.plan)
        payload = pickle.dumps(counts, protocol=pickle.HIGHEST_PROTOCOL)
        yield pa.RecordBatch.from_arrays([pa.array([payload], pa.binary())], names=["part"])


class SparkSource(Source):
    """A Spark DataFrame counted where Spark runs it."""

    def __init__(self, frame: Any, label: str) -> None:
        self.frame = frame
        self.label = label
        self._rows: int | None = None

    def kinds(self) -> dict[str, str]:
        return {field.name: storage_kind(field.dataType) for field in self.frame.schema.fields}

    def num_rows(self) -> int | None:
        # Counting the rows is a Spark job of its own; only progress wants it, and the
        # partition counts report rows anyway, so it is left unknown.
        return self._rows

    def peek(self, rows: int = 1000) -> Any:
        """The first rows of the text columns (the other kinds follow from the schema);
        None when there are none."""
        text = [name for name, kind in self.kinds().items() if kind == "string"]
        if not text:
            return None
        return self.frame.select(*text).limit(rows).toPandas()

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
        frame = self.frame.select(*plan.columns)
        if sample is not None:
            frame = frame.sample(fraction=sample, seed=seed)
        # Spark cuts files into partitions of similar size: equal shares of the budget.
        shared = kernel.partition_plans(plan, [None] * frame.rdd.getNumPartitions())[0]
        rows = frame.mapInArrow(CountPartition(shared), "part binary").collect()
        parts = [pickle.loads(row.part) for row in rows]
        merged = kernel.merge_counts(parts)
        self._rows = sum(partial.rows for partial in merged.values())
        if progress:
            progress(self._rows, self._rows)
        return merged


def _analysis_error(exc: Exception, what: str) -> InputError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(f"{what}: spark cannot read it ({first})", "check the path or table name")


class SparkEngine:
    """Counts with Spark: the active session, or one built for `master` (`local[*]`)."""

    name = "spark"

    def __init__(
        self,
        master: str | None = None,
        session: Any = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.master = master
        # The clock of `today-7d` in filters (the tests inject one).
        self.today = today or (lambda: datetime.now(timezone.utc).date())
        self._session = session
        self._built = False

    def session(self) -> Any:
        if self._session is None:
            sql = _require_pyspark()
            active = sql.SparkSession.getActiveSession()
            if active is not None:
                self._session = active
            else:
                self._session = self._build(sql)
                self._built = True
        return self._session

    def _build(self, sql: Any) -> Any:
        builder = sql.SparkSession.builder.master(self.master or DEFAULT_MASTER).appName("mlci")
        for key, value in SESSION_CONFIG.items():
            builder = builder.config(key, value)
        try:
            return builder.getOrCreate()
        except Exception as exc:  # pyspark raises PySparkRuntimeError without Java
            if "JAVA_GATEWAY_EXITED" in str(exc) or "JAVA_HOME" in str(exc):
                raise InputError(
                    f"the spark engine cannot start Java: {' '.join(str(exc).split())[:200]}",
                    JAVA_HINT,
                ) from exc
            raise

    def close(self) -> None:
        """Stop the session if this engine built it; a session it found is left alone."""
        if self._built and self._session is not None:
            self._session.stop()
        self._session, self._built = None, False

    def source(
        self,
        spec: str | None,
        *,
        filters: tuple[str, ...] = (),
        query: str | None = None,
        table: str | None = None,
        **_: Any,
    ) -> Source:
        if query is not None:
            raise InputError(
                "--query: a SQL query is read by the duckdb engine only",
                "use --engine duckdb with --query, or --table for a Spark table",
            )
        if table is None and spec and spec.startswith(TABLE_PREFIX):
            table = spec[len(TABLE_PREFIX) :]
        session = self.session()
        from pyspark.errors import AnalysisException

        if table is not None:
            label = f"{TABLE_PREFIX}{table}"
            try:
                frame = session.table(table)
            except AnalysisException as exc:
                raise _analysis_error(exc, f"table {table}") from exc
        else:
            if not spec:
                raise InputError("the spark engine needs Parquet paths or --table", None)
            label = spec
            try:
                frame = session.read.parquet(spec)
            except AnalysisException as exc:
                raise _analysis_error(exc, spec) from exc
        if filters:
            frame = apply_filters(frame, filters, label, self.today())
        return SparkSource(frame, label)


def apply_filters(frame: Any, filters: tuple[str, ...], label: str, today: date) -> Any:
    """Apply filters (the syntax of `sources.parse_filter`) as Spark filters, so Spark
    prunes the partitions it does not need. Each literal is typed like its column, as the
    local engine compares them: whole numbers as numbers, dates as dates, else text."""
    from pyspark.sql import functions as F

    from mlci.drift import sources

    types = {field.name: field.dataType for field in frame.schema.fields}
    for text in filters:
        rule = sources.parse_filter(text, today)
        if rule.column not in types:
            raise InputError(
                f"{label}: filter {rule.text!r}: no column {rule.column!r} "
                f"(columns: {', '.join(list(types)[:20])})",
                "fix the column name or drop the filter (--filter, drift.filters)",
            )
        values = [_spark_literal(v, types[rule.column], rule.text) for v in rule.values]
        column = F.col(rule.column)
        if rule.op == "in":
            condition = column.isin(values)
        elif rule.op == "not in":
            condition = ~column.isin(values)
        else:
            literal = F.lit(values[0])
            condition = {
                "==": column == literal,
                "!=": column != literal,
                ">=": column >= literal,
                "<=": column <= literal,
                ">": column > literal,
                "<": column < literal,
            }[rule.op]
        frame = frame.filter(condition)
    return frame


def _spark_literal(text: str, data_type: Any, rule: str) -> Any:
    from pyspark.sql import types as T

    try:
        if isinstance(data_type, T.IntegralType):
            return int(text)
        if isinstance(data_type, T.NumericType):
            return float(text)
        if isinstance(data_type, T.DateType):
            return date.fromisoformat(text[:10])
        if isinstance(data_type, (T.TimestampType, T.TimestampNTZType)):
            return datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"filter {rule!r}: {text!r} is not a value of the column's type "
            f"({data_type.simpleString()})",
            "e.g. --filter 'day>=2026-11-24' or --filter 'hour>=6'",
        ) from None
    return text
