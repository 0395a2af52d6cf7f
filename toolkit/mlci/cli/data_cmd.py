"""`mlci data check|manifest|diff`: data quality checks and lineage manifests."""

from __future__ import annotations

from pathlib import Path

import click

from mlci.cli._lazy import GuardedGroup
from mlci.cli._options import config_option, json_dumps, output_option


@click.group(cls=GuardedGroup)
def data() -> None:
    """Check data quality and record which data made a model.

    \b
    Example:
      mlci data check data/current.csv
      mlci data manifest data/ -o data-manifest.json --command "python prepare.py"
      mlci data diff old-manifest.json data-manifest.json
    """


@data.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@config_option
@output_option("md", "a markdown report")
@output_option("json", "a JSON report")
@click.option("--batch-rows", type=click.IntRange(min=1), help="Rows read at a time.")
def check(
    paths: tuple[str, ...],
    config_path: str | None,
    md_out: str | None,
    json_out: str | None,
    batch_rows: int | None,
) -> None:
    """Run the checks in `data.checks` of mlci.yaml on CSV or Parquet files.

    Without PATHS, checks data.reference and data.current.path. Every failure is
    reported with its count, sample values and rows (1-based, header not counted).
    Exits 1 when a check fails, 2 when the config or a file is wrong.

    \b
    Example:
      mlci data check
      mlci data check data/current.parquet --md data-check.md --json data-check.json
    """
    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import CONFIG_FILE, load_config
    from mlci.data.quality import check_data
    from mlci.data.render import failure_annotation, quality_json, quality_markdown, quality_text
    from mlci.errors import GateFailed, UsageError
    from mlci.gha import ActionsRuntime

    config = load_config(config_path)
    source = config_path or CONFIG_FILE
    files = list(paths) or [
        p for p in (config.data.reference, config.data.current.path) if p is not None
    ]
    if not files:
        raise UsageError("no data file to check", "pass a path, or set data.reference in mlci.yaml")
    outputs = [("--md", md_out), ("--json", json_out)]
    # Paths from mlci.yaml are relative to its folder; given ones to the working folder.
    relative = [Path(source).parent / f for f in files]
    printing = prepare_outputs(outputs, [*files, *relative, config_path])
    result = check_data(
        files,
        config.data.checks,
        source=source,
        base=Path(source).parent,
        batch_rows=batch_rows,
    )
    if not printing:
        click.echo(quality_text(result.reports))
    markdown = quality_markdown(result.reports)
    write_outputs(
        [("--md", md_out, markdown), ("--json", json_out, json_dumps(quality_json(result.reports)))]
    )
    runtime = ActionsRuntime()
    if runtime.in_actions:
        for report in result.reports:
            for failure in report.failures:
                runtime.error(
                    failure_annotation(report, failure), file=report.path, title="data check"
                )
        runtime.append_summary(markdown)
        runtime.set_output("data-check", "passed" if result.passed else "failed")
    if not result.passed:
        raise GateFailed(
            f"data checks failed: {result.failed_checks} failing checks in "
            f"{sum(not r.passed for r in result.reports)} of {len(result.reports)} files",
            "see the failures above; fix the data or data.checks in mlci.yaml",
        )


@data.command("manifest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the manifest here.")
@click.option("--command", "command", help="The command that produced the files.")
@click.option(
    "--dvc-lock",
    type=click.Path(dir_okay=False),
    help="dvc.lock whose hashes to reuse (default: ./dvc.lock if present).",
)
@click.option("--no-dvc", is_flag=True, help="Hash every file, ignoring dvc.lock.")
def manifest(
    paths: tuple[str, ...],
    output: str | None,
    command: str | None,
    dvc_lock: str | None,
    no_dvc: bool,
) -> None:
    """Record path, size, sha256, rows, schema and producing command of data files.

    Folders are walked. Where dvc.lock lists a file (with the same size), its md5
    and its stage command are used instead of hashing the file again. Without -o,
    the manifest is printed as JSON.

    \b
    Example:
      mlci data manifest data/ -o data-manifest.json --command "python prepare.py"
    """
    from mlci.cli._outputs import prepare_outputs
    from mlci.data.lineage import build_manifest, find_dvc_lock, manifest_to_dict, write_manifest
    from mlci.data.render import manifest_text
    from mlci.errors import InputError
    from mlci.output import STDOUT, write_output

    lock: Path | None = None
    if dvc_lock and not no_dvc:
        lock = Path(dvc_lock)
        if not lock.is_file():
            raise InputError(f"{lock}: file not found", "check the path, or drop --dvc-lock")
    elif not no_dvc:
        lock = find_dvc_lock(".")
    prepare_outputs([("-o", output)], [*paths, lock])
    result = build_manifest(list(paths), command=command, dvc_lock=lock)
    if output is None or output == STDOUT:
        write_output(STDOUT, json_dumps(manifest_to_dict(result)))
        return
    write_manifest(result, output, option="-o")
    click.echo(manifest_text(result))
    click.echo(f"wrote {output} ({len(result.files)} files)")


@data.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--key", "key", multiple=True, help="Key column(s) matching rows of two tables.")
@output_option("md", "a markdown report")
@output_option("json", "a JSON report")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when anything changed.")
def diff(
    old: str,
    new: str,
    key: tuple[str, ...],
    md_out: str | None,
    json_out: str | None,
    fail_on_change: bool,
) -> None:
    """Say what changed between two manifests, or two versions of a data file.

    Two manifests: files added, removed and modified (rows, schema, content). Two
    CSV/Parquet files: the same, plus rows removed and added (with --key: rows
    changed, and in which columns).

    \b
    Example:
      mlci data diff base-manifest.json data-manifest.json
      mlci data diff data/reference.csv data/current.csv --key customer_id
    """
    from dataclasses import asdict

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.data.diff import DataDiff, diff_data_files, diff_manifests
    from mlci.data.lineage import is_manifest_file, read_manifest
    from mlci.data.render import data_diff_markdown, data_diff_text
    from mlci.errors import GateFailed, InputError, UsageError

    for path in (old, new):
        if not Path(path).is_file():
            raise InputError(f"{path}: file not found", "check the path")
    printing = prepare_outputs([("--md", md_out), ("--json", json_out)], [old, new])
    manifests = (is_manifest_file(old), is_manifest_file(new))
    if all(manifests):
        if key:
            raise UsageError("--key compares tables, not manifests", "drop --key")
        result = DataDiff(files=diff_manifests(read_manifest(old), read_manifest(new)), rows=None)
    elif any(manifests):
        raise UsageError(
            "one argument is a manifest and the other is not",
            "compare two manifests, or two data files",
        )
    else:
        result = diff_data_files(old, new, key=key)
    if not printing:
        click.echo(data_diff_text(result))
    write_outputs(
        [
            ("--md", md_out, data_diff_markdown(result)),
            ("--json", json_out, json_dumps({"changed": result.changed, **asdict(result)})),
        ]
    )
    if fail_on_change and result.changed:
        raise GateFailed("the data changed", "drop --fail-on-change to only report it")
