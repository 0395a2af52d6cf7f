"""`mlci sweep`: train every candidate of train.sweep locally and pick the best."""

from __future__ import annotations

from collections.abc import Mapping

import click

from mlci.cli._options import config_option, json_dumps, output_option

# GitHub Actions runs at most this many jobs of one matrix.
MATRIX_LIMIT = 256


@click.command("sweep")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Candidates trained at once (each in its own copy of the work tree).",
)
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="Only list the candidates (ids and params); train nothing.",
)
@click.option(
    "--out",
    "out_dir",
    default=".mlci/candidates",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of the candidates' records: OUT/<id>/run.json and their plot data.",
)
@config_option
@output_option("json", "the candidates (with --list) or the sweep's result as JSON")
def sweep(
    jobs: int, list_only: bool, out_dir: str, config_path: str | None, json_out: str | None
) -> None:
    """Train each candidate of train.sweep and mark the best by train.select.metric.

    Candidates are c1, c2, ... in order: a grid's product over its keys in file order,
    or the list of parameter sets as written; train.max_candidates keeps the first
    ones. Each trains in its own copy of the work tree (.mlci/sweep/<id>/: the files
    git knows plus the declared data) with its values set in the copy's params file,
    so your params file is never changed. Records go to OUT/<id>/run.json, the layout
    `mlci report --candidates OUT` reads. The best is the succeeded candidate with the
    best value of train.select.metric in its direction (ties: the first id).

    Exit 0 when at least one candidate succeeded, 2 when none did or the sweep is
    invalid (a key not in the params file, no train.select.metric). The gates are
    applied by `mlci report --candidates` (to the best candidate).

    \b
    Example:
      mlci sweep --list --json
      mlci sweep
      mlci sweep --jobs 2 --out build/candidates --json sweep.json
    """
    from pathlib import Path

    from mlci.cli._outputs import prepare_outputs, write_outputs
    from mlci.config import load_config
    from mlci.errors import InputError
    from mlci.gha import ActionsRuntime
    from mlci.train.sweep import plan_sweep, run_sweep

    config = load_config(config_path)
    printing = prepare_outputs([("--json", json_out)], [config_path, config.train.params])
    plan = plan_sweep(config, Path.cwd())
    note = (
        f"train.max_candidates keeps {len(plan.candidates)} of {plan.total} parameter sets"
        if plan.over_budget
        else None
    )
    echo = (lambda text: click.echo(text, err=True)) if printing else click.echo
    if list_only:
        if len(plan.candidates) > MATRIX_LIMIT:
            # The listing is the CI matrix: GitHub refuses a matrix of more jobs.
            raise InputError(
                f"train.sweep: {len(plan.candidates)} candidates, more than the "
                f"{MATRIX_LIMIT} jobs a GitHub Actions matrix can run",
                f"set train.max_candidates to {MATRIX_LIMIT} or fewer, or sweep fewer values",
            )
        listing = [c.to_dict() for c in plan.candidates]
        write_outputs([("--json", json_out, json_dumps(listing))])
        if not printing:
            for c in plan.candidates:
                echo(f"{c.id}: {_params_text(c.params)}")
        if note:
            echo(note)
        return
    runtime = ActionsRuntime()
    if note:
        runtime.warning(note, title="mlci sweep")
    echo(f"sweep: {len(plan.candidates)} candidates, {jobs} at a time; records in {out_dir}/")
    result = run_sweep(
        config,
        Path.cwd(),
        plan,
        jobs=jobs,
        out_dir=out_dir,
        on_output=lambda cid, line: echo(f"[{cid}] {line}"),
    )
    write_outputs([("--json", json_out, json_dumps(result.to_dict()))])
    for run in result.runs:
        value = f"{plan.metric} {run.value:.6g}" if run.value is not None else "no value"
        mark = "  <- best" if run.candidate.id == result.selected else ""
        params = _params_text(run.candidate.params)
        echo(f"{run.candidate.id}: {run.status}, {value} ({params}){mark}")
        if run.status != "succeeded" and run.note:
            runtime.warning(f"{run.candidate.id}: {run.note}", title="mlci sweep")
    runtime.set_outputs({"selected": result.selected or "", "candidates-dir": out_dir})
    if result.selected is None:
        raise InputError(
            f"no candidate succeeded with a number for {plan.metric}",
            "see the candidates' output above; their records are in " + out_dir,
        )
    echo(f"best: {result.selected} by {plan.metric} ({plan.direction} is better)")


def _params_text(params: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "the params file as it is"
