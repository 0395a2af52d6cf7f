"""`mlci train`: run the training command and write a run record."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlci.cli._options import config_option

if TYPE_CHECKING:
    from mlci.config.schema import MlciConfig


@click.command("train")
@config_option
@click.option(
    "--command", "command", default=None, help="Run this instead of train.command from mlci.yaml."
)
@click.option(
    "--candidate",
    "candidate_id",
    default=None,
    metavar="ID",
    help="Train this candidate of train.sweep (c1, c2, ...; see `mlci sweep --list`) in a "
    "copy of the work tree; its record goes to CANDIDATES_DIR/ID/run.json.",
)
@click.option(
    "--candidates-dir",
    default=".mlci/candidates",
    show_default=True,
    type=click.Path(file_okay=False),
    help="With --candidate: the folder of the candidates' records.",
)
@click.option(
    "--resume-from",
    "resume_from",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Resume from this folder: the checkpoints of a failed attempt (e.g. its "
    "downloaded artifact), put in train.checkpoints before the command runs.",
)
def train(
    config_path: str | None,
    command: str | None,
    candidate_id: str | None,
    candidates_dir: str,
    resume_from: str | None,
) -> None:
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

    With --candidate ID, one candidate of train.sweep trains in .mlci/sweep/ID/ (a
    copy of the work tree with the candidate's values in its params file; yours is not
    changed) and its record, with `candidate: {id, params}`, goes to
    CANDIDATES_DIR/ID/run.json: what each job of a sweep's CI matrix runs.

    With train.cache, its paths are restored from the runner cache (train.cache.dir, else
    $MLCI_CACHE_DIR, else ~/.cache/mlci) before the command and saved after; a hit skips
    train.cache.setup. With train.checkpoints, a run that does not finish saves that
    folder to the cache, and a rerun of the same commit and params restores it: the
    command gets MLCI_CHECKPOINT_DIR (the folder) and MLCI_RESUME_FROM (its newest
    checkpoint), and the record says it resumed.

    \b
    Example:
      mlci train
      mlci train --command "python train.py --epochs 1"
      mlci train --candidate c2
      mlci train --resume-from .mlci/resume
    """
    import os
    from pathlib import Path

    from mlci.config import load_config
    from mlci.errors import InputError, MlciError
    from mlci.gha import ActionsRuntime
    from mlci.train import record_path, run_training
    from mlci.train.run import track_run

    config = load_config(config_path)
    if candidate_id is not None:
        _train_candidate(config, candidate_id, candidates_dir, command)
        return
    runtime = ActionsRuntime()
    with runtime.group(f"mlci train: {command or config.train.command}"):
        record = run_training(
            config,
            Path.cwd(),
            on_output=click.echo,
            env=os.environ,
            command=command,
            resume_from=resume_from,
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


def _train_candidate(
    config: MlciConfig, candidate_id: str, candidates_dir: str, command: str | None
) -> None:
    """`mlci train --candidate ID`: one candidate of the sweep, its record in the folder."""
    import dataclasses
    import os
    from pathlib import Path

    from mlci.errors import InputError
    from mlci.gha import ActionsRuntime
    from mlci.train.sweep import RECORD_NAME, plan_sweep, train_candidate

    if command is not None:
        config = dataclasses.replace(
            config, train=dataclasses.replace(config.train, command=command)
        )
    candidate = plan_sweep(config, Path.cwd()).candidate(candidate_id)
    runtime = ActionsRuntime()
    with runtime.group(f"mlci train --candidate {candidate.id}: {config.train.command}"):
        record = train_candidate(
            config,
            Path.cwd(),
            candidate,
            out_dir=candidates_dir,
            on_output=click.echo,
            env=os.environ,
        )
    path = Path(candidates_dir) / candidate.id / RECORD_NAME
    click.echo(
        f"candidate {candidate.id}: {record.status} in {record.duration_s:.1f} s; record {path}"
    )
    for error in record.errors:
        runtime.warning(error, title=f"mlci train --candidate {candidate.id}")
    runtime.set_outputs(
        {"run-id": record.id, "run-record": path.as_posix(), "candidate": candidate.id}
    )
    if not record.succeeded:
        raise InputError(
            f"candidate {candidate.id}: training {record.status}: "
            f"{record.errors[0] if record.errors else record.command}",
            "see the training output above; the run record keeps the details",
        )
