"""`mlci train`: run the training command and write a run record."""

from __future__ import annotations

import click

from mlci.cli._options import config_option


@click.command("train")
@config_option
@click.option(
    "--command", "command", default=None, help="Run this instead of train.command from mlci.yaml."
)
def train(config_path: str | None, command: str | None) -> None:
    """Run train.command, stream its output, and write a run record to .mlci/runs/.

    `python` in the command is the Python that runs mlci. The record keeps the git
    commit, branch and dirty state, params, metrics, model and data hashes, the
    duration and the runner (CPU, memory, GPU from nvidia-smi). Exit 2 when the
    training command fails (the record is written anyway, with its status).

    With tracking.mlflow.uri set, the record is also logged as an MLflow run (params,
    metrics, tags, the model and the record as artifacts) and keeps the run's id under
    `tracking.mlflow`. When that logging fails the record and the training result stay
    as they are: mlci warns and exits 3 (2 when MLflow is not installed) after the
    record is written. MLFLOW_HTTP_REQUEST_MAX_RETRIES / _TIMEOUT, when set, bound the
    requests (mlci's default: 2 retries, so an unreachable server fails in seconds).

    \b
    Example:
      mlci train
      mlci train --command "python train.py --epochs 1"
    """
    import os
    from pathlib import Path

    from mlci.config import load_config
    from mlci.errors import InputError, MlciError
    from mlci.gha import ActionsRuntime
    from mlci.train import record_path, run_training
    from mlci.train.run import track_run

    config = load_config(config_path)
    runtime = ActionsRuntime()
    with runtime.group(f"mlci train: {command or config.train.command}"):
        record = run_training(
            config, Path.cwd(), on_output=click.echo, env=os.environ, command=command
        )
    path = record_path(Path.cwd(), record.id).relative_to(Path.cwd())
    click.echo(f"run {record.id}: {record.status} in {record.duration_s:.1f} s; record {path}")
    for error in record.errors:
        runtime.warning(error, title="mlci train")
    tracking_error: MlciError | None = None
    if config.tracking.mlflow.uri:
        from mlci.tracking.connection import limits_from

        try:
            tracked = track_run(config, Path.cwd(), record, limits=limits_from(os.environ))
        except MlciError as error:
            tracking_error = error
            runtime.warning(
                f"not logged to MLflow: {error.one_line()} The run record is kept.",
                title="mlci train",
            )
        else:
            record = tracked.record
            for note in tracked.notes:
                runtime.warning(note, title="mlci train: MLflow")
            logged = record.tracking["mlflow"]
            click.echo(
                f"run {record.id}: logged to MLflow run {logged['run_id']} at {logged['uri']}"
            )
    runtime.set_outputs(
        {
            "run-id": record.id,
            "metrics-path": ",".join(config.train.metrics),
            "run-record": path.as_posix(),
        }
    )
    if not record.succeeded:
        raise InputError(
            f"training {record.status}: {record.errors[0] if record.errors else record.command}",
            "see the training output above; the run record keeps the details",
        )
    if tracking_error is not None:
        raise tracking_error
