"""Drift engines: where the rows of a profile build or a check are counted.

    local   this process, a few threads (no extra; files, globs, directories, fsspec URLs)
    duckdb  DuckDB reads the files, or runs a SQL query (`mlci[duckdb]`)
    polars  a Polars lazy scan (`mlci[polars]`)
    dask    futures on a Dask cluster, local or `--scheduler` (`mlci[dask]`)
    spark   mapInArrow on a Spark session, `--master`, or a Spark table (`mlci[spark]`)

Every engine's `source(spec, *, filters=(), query=None, table=None)` returns a
`readers.Source` whose `count(plan)` runs `kernel.count_arrow` wherever the engine runs
and merges with `kernel.merge_counts`, so all of them give the same profile. Engines are
imported only when asked for by name: `mlci --help` imports none of them.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Protocol

from mlci.errors import InputError

ENGINES = ("local", "duckdb", "polars", "dask", "spark")

# name -> (module, class, packages it needs: the extra installs them)
_IMPLEMENTATIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "local": ("mlci.drift.engines.local", "LocalEngine", ("pyarrow",)),
    "duckdb": ("mlci.drift.engines.duckdb", "DuckDBEngine", ("pyarrow", "duckdb")),
    "polars": ("mlci.drift.engines.polars", "PolarsEngine", ("pyarrow", "polars")),
    "dask": ("mlci.drift.engines.dask", "DaskEngine", ("pyarrow", "dask", "distributed")),
    "spark": ("mlci.drift.engines.spark", "SparkEngine", ("pyarrow", "pyspark")),
}
_EXTRAS = {"local": "parquet", "duckdb": "duckdb", "polars": "polars", "dask": "dask"}


class Engine(Protocol):
    name: str

    def source(
        self,
        spec: str,
        *,
        filters: tuple[str, ...] = (),
        query: str | None = None,
        table: str | None = None,
    ) -> Any: ...


def install_hint(name: str) -> str:
    return f'pip install "mlci[{_EXTRAS.get(name, name)}]"'


def get_engine(name: str, **options: Any) -> Engine:
    """The engine called `name`, built with the options its constructor accepts.

    Options left None are dropped, and so are those an engine does not take (`scheduler`
    means nothing to DuckDB), so callers can pass every setting they have. An unknown
    name or a package that is not installed is a one-line InputError naming the fix.
    """
    if name not in _IMPLEMENTATIONS:
        raise InputError(
            f"--engine {name!r}: no such drift engine (drift.engine in mlci.yaml)",
            f"use one of: {', '.join(ENGINES)}",
        )
    module_name, class_name, packages = _IMPLEMENTATIONS[name]
    for package in packages:
        try:
            importlib.import_module(package)
        except ImportError:
            raise InputError(
                f"--engine {name} needs the {package} package, which is not installed",
                install_hint(name),
            ) from None
    engine_class = getattr(importlib.import_module(module_name), class_name)
    given = {k: v for k, v in options.items() if v is not None and _takes(engine_class, k)}
    engine: Engine = engine_class(**given)
    return engine


def open_data(
    spec: str | None,
    *,
    engine: str = "local",
    filters: tuple[str, ...] = (),
    query: str | None = None,
    table: str | None = None,
    **options: Any,
) -> Any:
    """A `readers.Source` for a path/glob/URL, a SQL query or a table, read by `engine`."""
    chosen = get_engine(engine, **options)
    extra: dict[str, Any] = {}
    if options.get("storage_options") is not None and _takes(chosen.source, "storage_options"):
        extra["storage_options"] = options["storage_options"]
    if query is not None or table is not None:
        return chosen.source(spec or "", filters=filters, query=query, table=table, **extra)
    if not spec:
        raise InputError("no data given", "pass a file, a directory, a glob or a URL")
    return chosen.source(spec, filters=filters, **extra)


def _takes(function: Any, name: str) -> bool:
    """Whether `function` accepts the keyword `name` (by name or through **kwargs)."""
    parameters = inspect.signature(function).parameters.values()
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
