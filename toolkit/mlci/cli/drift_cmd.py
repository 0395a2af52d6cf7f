"""`mlci drift profile|check`: reference profiles and drift checks."""

from __future__ import annotations

from typing import Any

import click

from mlci.cli._drift_window import window_options
from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, output_option

CORRECTIONS = ("bonferroni", "bh", "none")


class _DefaultBuildGroup(GuardedGroup):
    """`mlci drift profile DATA` runs `build`; `mlci drift profile merge ...` merges."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["build", *args]
        return super().parse_args(ctx, args)


def _split(values: tuple[str, ...], option: str) -> tuple[str, ...]:
    from mlci.errors import UsageError

    names = tuple(n.strip() for v in values for n in v.split(",") if n.strip())
    if values and not names:  # `--columns ,` would silently mean "every column"
        raise UsageError(f"{option} {','.join(values)!r}: names no column", "e.g. age,income")
    return names


def _pairs(values: tuple[str, ...], option: str, convert: Any) -> dict[str, Any]:
    from mlci.errors import UsageError

    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"{option} {item!r}: expected COLUMN=VALUE", f"e.g. {option} age=ks")
        try:
            out[name.strip()] = convert(value.strip())
        except ValueError:
            raise UsageError(f"{option} {item!r}: {value!r} is not valid", "use a number") from None
    return out


def _progress(label: str) -> Any:
    """Progress lines on stderr, at most one every two seconds, only on long runs."""
    import time

    started = time.monotonic()
    last = [started]

    def report(rows: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] < 2.0:
            return
        last[0] = now
        of = f" of {total:,}" if total else ""
        click.echo(f"{label}: {rows:,}{of} rows ({now - started:.0f} s)", err=True)

    return report


ENGINE_NAMES = ("local", "duckdb", "polars", "dask", "spark")


def _engine_options(function: Any) -> Any:
    """`--engine`, `--scheduler`, `--master`: where the rows are counted (drift.engine)."""
    for option in reversed(
        [
            click.option(
                "--engine",
                default=None,
                metavar="|".join(ENGINE_NAMES),
                help="Where rows are counted (default: drift.engine, else local); "
                'each engine but local is an extra: pip install "mlci[duckdb]".',
            ),
            click.option(
                "--scheduler",
                default=None,
                metavar="ADDRESS",
                help="Dask scheduler (engine dask; default: drift.scheduler, else a local "
                "cluster).",
            ),
            click.option(
                "--master",
                default=None,
                metavar="URL",
                help="Spark master (engine spark; default: drift.master, else local[*]).",
            ),
        ]
    ):
        function = option(function)
    return function


def _open_data(
    spec: str | None,
    *,
    config: Any,
    engine: str | None,
    scheduler: str | None,
    master: str | None,
    filters: tuple[str, ...] = (),
    query: str | None = None,
    table: str | None = None,
    role: str = "DATA",
) -> Any:
    """A path for a plain local file read by the local engine (as before); otherwise a
    `readers.Source` of a directory, glob, URL, query or table read by the engine."""
    from mlci.drift.engines import open_data
    from mlci.drift.engines.local import is_plain_file
    from mlci.errors import UsageError

    name = engine or config.engine
    if spec and (query is not None or table is not None):
        given = "--query" if query is not None else "--table"
        raise UsageError(
            f"{role} {spec!r} and {given}: give the data one way", f"drop {role} or {given}"
        )
    if query is not None and name != "duckdb":
        raise UsageError(
            f"a SQL query is read by the duckdb engine, not by --engine {name}",
            "add --engine duckdb (or set drift.engine: duckdb)",
        )
    if table is not None and name != "spark":
        raise UsageError(
            f"a table name is read by the spark engine, not by --engine {name}",
            "add --engine spark (or set drift.engine: spark)",
        )
    if name == "local" and spec and not filters and _plain_path(spec, is_plain_file):
        return spec
    return open_data(
        spec,
        engine=name,
        filters=filters,
        query=query,
        table=table,
        scheduler=scheduler or config.scheduler,
        master=master or config.master,
    )


def _plain_path(spec: str, is_plain_file: Any) -> bool:
    """A local file, or a path that names nothing (readers says "file not found")."""
    import os

    from mlci.drift.sources import url_scheme

    if is_plain_file(spec):
        return True
    glob_or_url = url_scheme(spec) is not None or any(ch in spec for ch in "*?[")
    return not glob_or_url and not os.path.exists(os.path.expanduser(spec))


@click.group(cls=GuardedGroup)
def drift() -> None:
    """Profile reference data and check current data for drift.

    \b
    Example:
      mlci drift profile data/reference.parquet -o drift-profile.json
      mlci drift check --reference drift-profile.json --current data/current.parquet
    """


@drift.group("profile", cls=_DefaultBuildGroup)
def profile() -> None:
    """Write a reference profile (`profile DATA -o FILE`), or merge profiles (`profile merge`).

    \b
    Example:
      mlci drift profile data/reference.parquet -o drift-profile.json
      mlci drift profile merge part-1.json part-2.json -o drift-profile.json
    """


@profile.command("build")
@click.argument("data", required=False)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Profile file to write (JSON).",
)
@config_option
@click.option("--columns", multiple=True, help="Only these columns (comma-separated).")
@click.option("--exclude", multiple=True, help="Leave these columns out (comma-separated).")
@click.option(
    "--bins",
    type=click.IntRange(2, 10_000),
    default=None,
    help="Quantile bins per numeric column (default: drift.bins, 100).",
)
@click.option(
    "--sample",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Profile a random share of the rows (e.g. 0.1); the profile records it.",
)
@_engine_options
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="EXPR",
    help="Partition filter of a hive dataset, e.g. 'day>=today-7d' or 'region in (eu,us)' "
    "(repeatable; default: drift.filters).",
)
@click.option("--query", default=None, metavar="SQL", help="Profile a DuckDB SQL query's result.")
@click.option("--table", default=None, metavar="NAME", help="Profile a Spark table.")
def build(
    data: str | None,
    output: str,
    config_path: str | None,
    columns: tuple[str, ...],
    exclude: tuple[str, ...],
    bins: int | None,
    sample: float | None,
    engine: str | None,
    scheduler: str | None,
    master: str | None,
    filters: tuple[str, ...],
    query: str | None,
    table: str | None,
) -> None:
    """Profile DATA into a small, diffable JSON file, streamed.

    DATA is a CSV or Parquet file, a directory of Parquet files (hive key=value folders
    too), a glob or an fsspec URL (s3://, gs://, az://); or leave it out and give
    --query (engine duckdb) or --table (engine spark).

    \b
    Example:
      mlci drift profile build data/reference.csv -o drift-profile.json --exclude id
      mlci drift profile build 'events/' --filter 'day>=today-28d' -o drift-profile.json
      mlci drift profile build --engine duckdb -o drift-profile.json \\
          --query "SELECT * FROM read_parquet('events/*/*.parquet') WHERE country = 'DE'"
    """
    from dataclasses import replace
    from pathlib import Path

    from mlci.cli._outputs import prepare_outputs
    from mlci.config import load_config
    from mlci.config.schema import ColumnSelection
    from mlci.drift import build_profile, save_profile
    from mlci.errors import UsageError
    from mlci.output import STDOUT
    from mlci.tables import table_format

    if table_format(output) is not None:
        # `-o data/reference.csv` would replace the data with its profile.
        raise UsageError(
            f"-o {output}: a profile is JSON; this would overwrite data",
            "write the profile to a .json file, e.g. -o drift-profile.json",
        )
    config = load_config(config_path).drift
    if not data and query is None and table is None:
        raise UsageError(
            "no data to profile", "pass DATA (a file, directory, glob or URL), --query or --table"
        )
    prepare_outputs([("-o", output)], [data, config_path])
    if columns or exclude:
        selection = ColumnSelection(
            _split(columns, "--columns") or config.columns.include,
            config.columns.exclude + _split(exclude, "--exclude"),
        )
        config = replace(config, columns=selection)
    if bins:
        config = replace(config, bins=bins)
    source = _open_data(
        data,
        config=config,
        engine=engine,
        scheduler=scheduler,
        master=master,
        filters=filters or config.filters,
        query=query,
        table=table,
    )
    progress = _progress(f"profiling {data or 'the query' if query else data or table}")
    if isinstance(source, str):
        result = build_profile(source, config, sample=sample, progress=progress)
    else:
        from mlci.drift.build import profile_with_config

        result, _ = profile_with_config(source, config, sample=sample, progress=progress)
    path = save_profile(result, output, option="-o")
    summary = f"{len(result.columns)} columns, {result.rows:,} rows"
    if output == STDOUT:
        click.echo(f"profile: {summary}", err=True)
    else:
        size = Path(path).stat().st_size
        click.echo(f"wrote {path}: {summary}, {size / 1024:.1f} KiB")


@profile.command("merge")
@click.argument("profiles", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Merged profile file to write.",
)
def merge(profiles: tuple[str, ...], output: str) -> None:
    """Merge profiles of partitions (e.g. one per day) into one profile.

    \b
    Example:
      mlci drift profile merge monday.json tuesday.json -o week.json
    """
    from mlci.cli._outputs import prepare_outputs
    from mlci.drift import load_profile, merge_profiles, save_profile

    prepare_outputs([("-o", output)], profiles)
    merged = merge_profiles([load_profile(p) for p in profiles], labels=list(profiles))
    save_profile(merged, output, option="-o")
    note = f" (CDF uncertainty {merged.cdf_error:.2%})" if merged.cdf_error else ""
    summary = f"{len(profiles)} profiles, {merged.rows:,} rows{note}"
    click.echo(f"wrote {output}: {summary}", err=output == "-")


@drift.command("check")
@click.option(
    "--reference",
    "reference",
    default=None,
    help="Reference profile or data: a CSV/Parquet file, a directory, a glob or a URL "
    "(default: data.profile, then data.reference in mlci.yaml).",
)
@click.option(
    "--current",
    "current",
    default=None,
    help="Current data: a CSV/Parquet file, a directory, a glob or a URL "
    "(default: data.current.path).",
)
@_engine_options
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="EXPR",
    help="Partition filter of the current data, e.g. 'day>=today-7d' (repeatable; "
    "default: drift.filters).",
)
@click.option(
    "--reference-filter",
    "reference_filters",
    multiple=True,
    metavar="EXPR",
    help="Partition filter of the reference data (repeatable).",
)
@click.option(
    "--current-query", default=None, metavar="SQL", help="Current data from a DuckDB query."
)
@click.option(
    "--reference-query", default=None, metavar="SQL", help="Reference data from a DuckDB query."
)
@click.option("--current-table", default=None, metavar="NAME", help="Current data: a Spark table.")
@click.option(
    "--reference-table", default=None, metavar="NAME", help="Reference data: a Spark table."
)
@config_option
@click.option("--columns", multiple=True, help="Only these columns (comma-separated).")
@click.option("--exclude", multiple=True, help="Leave these columns out (comma-separated).")
@click.option(
    "--test",
    "tests",
    multiple=True,
    metavar="COLUMN=TEST",
    help="Test of a column: ks, chi2, z, wasserstein, jensenshannon, psi, hellinger.",
)
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="COLUMN=VALUE",
    help="Threshold of a column's test.",
)
@click.option(
    "--correction",
    type=click.Choice(CORRECTIONS),
    default=None,
    help="Multiple-testing correction of p-values (default: bonferroni).",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="p-value level (default 0.05).",
)
@click.option(
    "--drift-share",
    type=click.FloatRange(0, 1),
    default=None,
    help="Share of drifted columns that marks the dataset drifted (default 0.5).",
)
@click.option(
    "--sample",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Compare a random share of the rows; the report states it.",
)
@click.option(
    "--model-age-days",
    type=float,
    default=None,
    help="Age of the model, for retrain.when.model_age_days.",
)
@output_option("json", "the JSON result")
@output_option("md", "a markdown summary")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Write an HTML report.")
@click.option(
    "--decision",
    "decision_path",
    type=click.Path(dir_okay=False),
    help="Write the retraining decision (JSON).",
)
@click.option("--fail-on-drift", is_flag=True, help="Exit 1 when the dataset drifted.")
@click.option(
    "--fail-on-bias",
    is_flag=True,
    help="Exit 1 when a validate.fairness gate fails on the current data.",
)
@click.option("--quiet", is_flag=True, help="Print only the headline.")
@window_options
def check(
    reference: str | None,
    current: str | None,
    config_path: str | None,
    columns: tuple[str, ...],
    exclude: tuple[str, ...],
    tests: tuple[str, ...],
    thresholds: tuple[str, ...],
    correction: str | None,
    alpha: float | None,
    drift_share: float | None,
    sample: float | None,
    model_age_days: float | None,
    json_out: str | None,
    md_out: str | None,
    html_path: str | None,
    decision_path: str | None,
    fail_on_drift: bool,
    fail_on_bias: bool,
    quiet: bool,
    engine: str | None = None,
    scheduler: str | None = None,
    master: str | None = None,
    filters: tuple[str, ...] = (),
    reference_filters: tuple[str, ...] = (),
    current_query: str | None = None,
    reference_query: str | None = None,
    current_table: str | None = None,
    reference_table: str | None = None,
    window: str | None = None,
    time_column: str | None = None,
    history_path: str | None = None,
    no_history: bool = False,
) -> None:
    """Compare current data with a reference; report per column and decide on retraining.

    Settings come from the drift and retrain sections of mlci.yaml; options override them.

    Bias monitoring: when validate.fairness.sensitive is set and the current data has
    the label (drift.target or validate.fairness.label), the prediction and the
    sensitive columns, the fairness metrics and gates are computed on it too (a `bias`
    entry in --json, a section in --md). Failed bias gates are reported; they exit 1
    only with --fail-on-bias. Absent columns give a note, not an error.

    Current (and reference) data may be partitioned: a directory of Parquet files (hive
    key=value folders, selected with --filter), a glob, an fsspec URL, a DuckDB query
    (--current-query, engine duckdb) or a Spark table (--current-table, engine spark).

    \b
    Example:
      mlci drift check --reference drift-profile.json --current data/current.parquet \\
          --json drift.json --md drift.md --html drift.html --fail-on-drift
      mlci drift check --json | jq .dataset.drift_share
      mlci drift check --reference drift-profile.json --current s3://lake/events/ \\
          --filter 'day>=today-7d' --engine duckdb
      mlci drift check --current data/current.parquet --window weekly --time-column ts \\
          --history .mlci/drift-history.jsonl
    """
    from dataclasses import replace

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import CONFIG_FILE, load_config
    from mlci.config.checks import check_drift_tests
    from mlci.config.schema import ColumnSelection
    from mlci.drift import run_check
    from mlci.drift.bias import bias_markdown, bias_text, check_bias
    from mlci.drift.render import to_json, to_markdown, to_text
    from mlci.errors import UsageError

    settings = load_config(config_path)
    config = settings.drift
    if reference_query is None and reference_table is None:
        reference = reference or settings.data.profile or settings.data.reference
    if current_query is None and current_table is None:
        current = current or settings.data.current.path
    if not reference and reference_query is None and reference_table is None:
        raise UsageError("no reference given", "pass --reference or set data.profile in mlci.yaml")
    if not current and current_query is None and current_table is None:
        raise UsageError(
            "no current data given", "pass --current or set data.current.path in mlci.yaml"
        )
    outputs = [
        ("--json", json_out),
        ("--md", md_out),
        ("--html", html_path),
        ("--decision", decision_path),
    ]
    printing = prepare_outputs(outputs, [reference, current, config_path])
    changes: dict[str, Any] = {}
    if columns or exclude:
        changes["columns"] = ColumnSelection(
            _split(columns, "--columns") or config.columns.include,
            config.columns.exclude + _split(exclude, "--exclude"),
        )
    if tests:
        changes["tests"] = {**config.tests, **_pairs(tests, "--test", str)}
    if thresholds:
        changes["thresholds"] = {**config.thresholds, **_pairs(thresholds, "--threshold", float)}
    for key, value in (("correction", correction), ("alpha", alpha), ("drift_share", drift_share)):
        if value is not None:
            changes[key] = value
    config = replace(config, **changes)
    if tests or thresholds:
        check_drift_tests(config)  # the same checks the loader ran on mlci.yaml
    from mlci.drift.profile import is_profile_file

    open_options: dict[str, Any] = {
        "config": config,
        "engine": engine,
        "scheduler": scheduler,
        "master": master,
    }
    reference_data = (
        reference
        if reference and not reference_filters and is_profile_file(reference)
        else _open_data(
            reference,
            filters=reference_filters,
            query=reference_query,
            table=reference_table,
            role="--reference",
            **open_options,
        )
    )
    current_data = _open_data(
        current,
        filters=filters or config.filters,
        query=current_query,
        table=current_table,
        role="--current",
        **open_options,
    )
    current = current or current_query or current_table or ""
    from mlci.cli._drift_window import run_windowed, window_settings

    windowed = window_settings(config, window, time_column, history_path, no_history)
    if windowed is not None:
        run_windowed(
            windowed,
            reference=reference_data,
            current=current_data,
            config=config,
            rule=settings.retrain.when,
            config_path=config_path,
            sample=sample,
            model_age_days=model_age_days,
            json_out=json_out,
            md_out=md_out,
            html_path=html_path,
            decision_path=decision_path,
            fail_on_drift=fail_on_drift,
            quiet=quiet,
            progress=_progress(f"checking {current}"),
        )
        return
    result = run_check(
        reference_data,
        current_data,
        config,
        settings.retrain.when,
        sample=sample,
        model_age_days=model_age_days,
        progress=_progress(f"checking {current}"),
    )
    fairness = settings.validate.fairness
    if isinstance(current_data, str):
        bias = check_bias(current, config, fairness, config_path or CONFIG_FILE)
    elif fairness.sensitive:  # fairness metrics need the rows in memory: one file only
        from mlci.drift.bias import BiasCheck

        bias = BiasCheck(
            str(current),
            config.target or fairness.label,
            config.prediction or fairness.prediction,
            tuple(fairness.sensitive),
            note="bias is measured on a single current file, not on partitioned or query data",
        )
    else:
        bias = None
    text = to_text(result)
    if not printing:
        click.echo(text.splitlines()[0] if quiet else text)
        if bias is not None and not quiet:
            click.echo("\n".join(bias_text(bias)))
    markdown = to_markdown(result)
    if bias is not None:
        markdown = markdown.rstrip("\n") + "\n\n" + bias_markdown(bias)
    written: list[tuple[str, str | None, str]] = [
        ("--md", md_out, markdown),
    ]
    if json_out:
        written.append(("--json", json_out, _with_bias(to_json(result), bias)))
    if html_path:
        from mlci.drift.html import to_html

        written.append(("--html", html_path, to_html(result)))
    if decision_path:
        from mlci.cli._options import json_dumps
        from mlci.drift.result import DECISION_SCHEMA

        decision = {
            "schema": DECISION_SCHEMA,
            **result.retrain.to_dict(),
            "verdict": result.verdict,
            "drift_detected": result.dataset_drift,
            "drift_share": result.drift_share,
            "drifted_columns": list(result.drifted_columns),
        }
        written.append(("--decision", decision_path, json_dumps(decision)))
    write_outputs(written)
    _actions(result, markdown, bias, current)
    from mlci.errors import GateFailed

    if fail_on_drift and result.dataset_drift:
        raise GateFailed(
            f"drift detected in {len(result.drifted_columns)} columns "
            f"({result.drift_share:.0%} >= {result.share_threshold:.0%})",
            "look at the report; retrain or raise drift.drift_share if this is expected",
        )
    if fail_on_bias and bias is not None and bias.report is not None and not bias.passed:
        raise GateFailed(
            f"fairness gates failed on the current data: {len(bias.report.failed)} of "
            f"{len(bias.report.gates)}",
            "see the bias lines above; retrain or adjust validate.fairness.gates",
        )


def _with_bias(json_text: str, bias: Any) -> str:
    """The drift JSON with a `bias` entry (null when validate.fairness has no sensitive)."""
    import json

    from mlci.drift.bias import bias_json

    data = json.loads(json_text)
    data["bias"] = bias_json(bias)
    return json.dumps(data, indent=2, allow_nan=False, default=str) + "\n"


def _actions(result: Any, markdown: str, bias: Any, current: str) -> None:
    """Outputs, bias gate warnings and step summary when running inside GitHub Actions."""
    from mlci.gha import ActionsRuntime

    runtime = ActionsRuntime()
    if not runtime.in_actions:
        return
    from datetime import datetime, timezone
    from pathlib import Path

    from mlci.gha import load_event_context
    from mlci.gha.schedule import schedule_inactivity_warning
    from mlci.gitutil import last_commit_time

    stale = schedule_inactivity_warning(
        load_event_context(runtime.env).event_name,
        last_commit_time(Path.cwd()),
        datetime.now(timezone.utc),
    )
    if stale:
        runtime.warning(stale, title="scheduled drift check")
    if bias is not None and bias.report is not None:
        for gate in bias.report.failed:
            runtime.warning(gate.describe(), file=current, title="bias on current data")
    runtime.set_outputs(
        {
            "drift-detected": "true" if result.dataset_drift else "false",
            "drift-share": f"{result.drift_share:.4f}",
            "drifted-columns": ",".join(result.drifted_columns),
            "retrain-needed": "true" if result.retrain.retrain else "false",
            "bias": (
                "off"
                if bias is None
                else "skipped"
                if bias.report is None
                else ("passed" if bias.passed else "failed")
            ),
        }
    )
    runtime.append_summary(markdown)
