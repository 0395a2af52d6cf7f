"""MLflow as an optional tracking and registry backend (`tracking.mlflow.uri`).

- `log_run`: a run record as an MLflow run (params, metrics, tags, the model, the
  record and the metric files as artifacts), status FINISHED or FAILED from the record;
- `register_version`: the released model as a version of a registered model, with the
  alias (`champion`) moved to it; idempotent by the release tag;
- `baseline_from_uri`: `--baseline mlflow:models:/NAME@ALIAS`, `mlflow:models:/NAME/VERSION`
  or `mlflow:runs:/RUN_ID` as a Baseline, so a PR can be compared with what is in the
  registry.

Errors: MLflow not installed or a model, alias, version or run that does not exist is an
InputError (exit 2); a server that fails or cannot be reached is a ServiceError (exit 3),
after the bounded retries of `mlci.tracking.connection`.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlci.config.schema import MlciConfig
from mlci.errors import ConfigError, InputError
from mlci.tracking.connection import (
    HttpLimits,
    as_service_error,
    is_not_found,
    mlflow_client,
    service_errors,
)
from mlci.tracking.keys import prepare, tag_text, value_from_text

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

    from mlci.train.record import RunRecord
    from mlci.validate.baseline import Baseline

MODEL_ARTIFACT = "model"  # the run's artifact folder holding train.model
RECORD_ARTIFACTS = "mlci"  # the record JSON and the metric files
SPEC_PREFIX = "mlflow:"
# MLflow's batch limits (mlflow.utils.validation): params and tags 100, metrics 1000.
_BATCH = 100
_METRIC_BATCH = 1000


@dataclass(frozen=True)
class MlflowRun:
    run_id: str
    uri: str  # the tracking URI the run lives on
    experiment_id: str
    # What could not be logged as given (renamed or skipped params and metrics, a
    # missing model file): the CLI shows them as warnings.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegisteredVersion:
    name: str
    version: str
    alias: str
    run_id: str
    reused: bool = False  # True: a version with this release tag existed already


def _uri(config: MlciConfig) -> str:
    uri = config.tracking.mlflow.uri
    if not uri:
        raise ConfigError(
            "tracking.mlflow.uri is not set in mlci.yaml",
            "set tracking.mlflow.uri to the MLflow tracking server (e.g. http://mlflow:5000)",
        )
    return uri


def experiment_name(config: MlciConfig) -> str:
    return config.tracking.mlflow.experiment or config.project


def registered_model_name(config: MlciConfig) -> str:
    return config.tracking.mlflow.registered_model or config.model_name


@contextlib.contextmanager
def _calls(uri: str, action: str) -> Iterator[None]:
    """MLflow's request failures inside the block as a ServiceError naming `action`."""
    try:
        yield
    except service_errors() as error:
        raise as_service_error(error, action, uri) from None


def _millis(timestamp: str) -> int | None:
    try:
        return int(datetime.fromisoformat(timestamp).timestamp() * 1000)
    except ValueError:
        return None


def _run_tags(record: RunRecord, record_file: str | None) -> dict[str, str]:
    git = record.git
    tags = {
        "mlflow.runName": record.id,
        "mlci.run_id": record.id,
        "mlci.status": record.status,
        "mlci.command": tag_text(record.command),
    }
    if record.commit:
        tags["mlci.commit"] = record.commit
        tags["mlflow.source.git.commit"] = record.commit  # shown by the MLflow UI
    if git.get("branch"):
        tags["mlci.branch"] = str(git["branch"])
        tags["mlflow.source.git.branch"] = str(git["branch"])
    if git.get("dirty") is not None:
        tags["mlci.dirty"] = "true" if git["dirty"] else "false"
    if record_file:
        tags["mlci.record"] = record_file
    if record.errors:
        tags["mlci.errors"] = tag_text("; ".join(record.errors))
    return tags


def _experiment_id(client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            raise InputError(
                f"tracking.mlflow.experiment: MLflow experiment '{name}' is deleted",
                "restore it in MLflow (mlflow experiments restore) or set another name",
            )
        return str(experiment.experiment_id)
    return str(client.create_experiment(name))


def _log_values(
    client: MlflowClient, run_id: str, record: RunRecord, tags: dict[str, str]
) -> tuple[str, ...]:
    from mlflow.entities import Metric, Param, RunTag

    ready = prepare(record.params, record.metrics)
    when = _millis(record.created_at) or 0
    params = [Param(k, v) for k, v in ready.params.items()]
    metrics = [Metric(k, v, when, 0) for k, v in ready.metrics.items()]
    run_tags = [RunTag(k, v) for k, v in tags.items()]
    for start in range(0, len(params), _BATCH):
        client.log_batch(run_id, params=params[start : start + _BATCH], synchronous=True)
    for start in range(0, len(run_tags), _BATCH):
        client.log_batch(run_id, tags=run_tags[start : start + _BATCH], synchronous=True)
    for start in range(0, len(metrics), _METRIC_BATCH):
        client.log_batch(run_id, metrics=metrics[start : start + _METRIC_BATCH], synchronous=True)
    return ready.notes


def _log_model(client: MlflowClient, run_id: str, model: Path) -> None:
    if model.is_dir():
        client.log_artifacts(run_id, str(model), MODEL_ARTIFACT)
    else:
        client.log_artifact(run_id, str(model), MODEL_ARTIFACT)


def _finish(client: MlflowClient, run_id: str, record: RunRecord) -> None:
    status = "FINISHED" if record.succeeded else "FAILED"
    start = _millis(record.created_at)
    end = start + int(record.duration_s * 1000) if start is not None else None
    # set_terminated prints "View run ... at: URL" to stdout; mlci's stdout may be JSON.
    with contextlib.redirect_stdout(io.StringIO()):
        client.set_terminated(run_id, status, end_time=end)


def _new_run(
    client: MlflowClient,
    config: MlciConfig,
    record: RunRecord,
    *,
    model: Path | None,
    record_file: str | None,
    artifacts: list[tuple[Path, str]],
) -> MlflowRun:
    uri = _uri(config)
    experiment_id = _experiment_id(client, experiment_name(config))
    run = client.create_run(experiment_id, start_time=_millis(record.created_at))
    run_id = run.info.run_id
    notes = list(_log_values(client, run_id, record, _run_tags(record, record_file)))
    if model is not None:
        if model.exists():
            _log_model(client, run_id, model)
        else:
            notes.append(f"{model.name}: model not logged to MLflow: the file does not exist")
    for path, folder in artifacts:
        if path.is_file():
            client.log_artifact(run_id, str(path), folder)
    _finish(client, run_id, record)
    return MlflowRun(run_id, uri, experiment_id, tuple(notes))


def log_run(
    config: MlciConfig, record: RunRecord, root: Path, *, limits: HttpLimits | None = None
) -> MlflowRun:
    """Log `record` (saved under `root`) as a new MLflow run in `tracking.mlflow.experiment`.

    The experiment is created when missing. Params and metrics that MLflow cannot take
    as they are are renamed or skipped with a note (`MlflowRun.notes`), never a crash.
    """
    from mlci.train.record import record_path

    uri = _uri(config)
    root = Path(root)
    record_json = record_path(root, record.id)
    artifacts = [(record_json, RECORD_ARTIFACTS)]
    for file in record.metrics:
        parent = Path(file).parent.as_posix()
        folder = RECORD_ARTIFACTS + "/metrics" + ("" if parent == "." else f"/{parent}")
        artifacts.append((root / file, folder))
    model = root / config.train.model if config.train.model else None
    record_file = record_json.relative_to(root).as_posix()
    with mlflow_client(uri, limits) as client, _calls(uri, f"logging run {record.id}"):
        return _new_run(
            client, config, record, model=model, record_file=record_file, artifacts=artifacts
        )


def _tracked_run_id(record: RunRecord, uri: str) -> str | None:
    """The MLflow run `mlci train` logged this record as, when on the same server."""
    entry = record.tracking.get("mlflow") if isinstance(record.tracking, dict) else None
    if isinstance(entry, dict) and entry.get("uri") == uri and entry.get("run_id"):
        return str(entry["run_id"])
    return None


def _version_with_tag(client: MlflowClient, name: str, tag: str) -> Any:
    found = client.search_model_versions(
        f"name = '{_quoted(name)}' and tags.`mlci.tag` = '{_quoted(tag)}'"
    )
    return min(found, key=lambda v: int(v.version)) if found else None


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def register_version(
    config: MlciConfig,
    record: RunRecord,
    tag: str,
    model_path: Path,
    *,
    limits: HttpLimits | None = None,
) -> RegisteredVersion:
    """The model of release `tag` as a version of `tracking.mlflow.registered_model`.

    The version's source is the model artifact of the record's MLflow run (the run
    `mlci train` logged; when there is none on this server, a run is logged now with
    `model_path` as its model). The registered model is created when missing; the
    alias (`tracking.mlflow.alias`) is set on the version; the version carries the tags
    `mlci.tag` and `mlci.commit`. A version already tagged `mlci.tag=<tag>` is reused.
    """
    uri = _uri(config)
    name = registered_model_name(config)
    alias = config.tracking.mlflow.alias
    with mlflow_client(uri, limits) as client, _calls(uri, f"registering {name} for {tag}"):
        existing = _version_with_tag(client, name, tag)
        if existing is not None:
            client.set_registered_model_alias(name, alias, existing.version)
            return RegisteredVersion(name, str(existing.version), alias, existing.run_id, True)
        run_id = _tracked_run_id(record, uri)
        if run_id is None:
            run_id = _new_run(
                client, config, record, model=Path(model_path), record_file=None, artifacts=[]
            ).run_id
        try:
            client.get_registered_model(name)
        except service_errors() as error:
            if not is_not_found(error):
                raise
            client.create_registered_model(name, description=config.release.description or None)
        version_tags = {"mlci.tag": tag}
        if record.commit:
            version_tags["mlci.commit"] = record.commit
        version = client.create_model_version(
            name,
            f"runs:/{run_id}/{MODEL_ARTIFACT}",
            run_id=run_id,
            tags=version_tags,
            description=f"{tag} (mlci run {record.id})",
        )
        client.set_registered_model_alias(name, alias, version.version)
        return RegisteredVersion(name, str(version.version), alias, run_id)


@dataclass(frozen=True)
class _Target:
    """What a `mlflow:` baseline names: a model version (by alias or number) or a run."""

    model: str | None = None
    alias: str | None = None
    version: str | None = None
    run_id: str | None = None


_SPEC_HINT = (
    "use mlflow:models:/NAME@ALIAS (e.g. mlflow:models:/churn@champion), "
    "mlflow:models:/NAME/VERSION or mlflow:runs:/RUN_ID"
)


def parse_spec(spec: str) -> _Target:
    """`mlflow:models:/NAME@ALIAS`, `mlflow:models:/NAME/VERSION` or `mlflow:runs:/RUN_ID`."""
    body = spec[len(SPEC_PREFIX) :] if spec.startswith(SPEC_PREFIX) else spec
    if body.startswith("models:/"):
        rest = body[len("models:/") :].strip("/")
        if "@" in rest:
            model, _, alias = rest.rpartition("@")
            if model and alias and "/" not in alias:
                return _Target(model=model, alias=alias)
        else:
            model, _, version = rest.rpartition("/")
            if model and version.isdigit():
                return _Target(model=model, version=version)
    elif body.startswith("runs:/"):
        run_id = body[len("runs:/") :].strip("/")
        if run_id and "/" not in run_id:
            return _Target(run_id=run_id)
    raise InputError(f"--baseline {spec}: not an MLflow model or run", _SPEC_HINT)


def _not_found(spec: str, what: str, hint: str) -> InputError:
    return InputError(f"--baseline {spec}: {what}", hint)


def _resolve_version(client: MlflowClient, spec: str, target: _Target) -> Any:
    assert target.model is not None
    try:
        client.get_registered_model(target.model)
    except service_errors() as error:
        if is_not_found(error):
            raise _not_found(
                spec,
                f"no registered model '{target.model}' in MLflow",
                "check the name (tracking.mlflow.registered_model; `mlci release` registers it)",
            ) from None
        raise
    try:
        if target.alias is not None:
            return client.get_model_version_by_alias(target.model, target.alias)
        return client.get_model_version(target.model, str(target.version))
    except service_errors() as error:
        if not is_not_found(error):
            raise
        if target.alias is not None:
            raise _not_found(
                spec,
                f"registered model '{target.model}' has no alias '{target.alias}'",
                "set the alias in MLflow or with `mlci release`, "
                f"or name a version: mlflow:models:/{target.model}/VERSION",
            ) from None
        raise _not_found(
            spec,
            f"registered model '{target.model}' has no version {target.version}",
            "see the versions in the MLflow UI or with MlflowClient.search_model_versions",
        ) from None


def _get_run(client: MlflowClient, spec: str, run_id: str) -> Any:
    try:
        return client.get_run(run_id)
    except service_errors() as error:
        if is_not_found(error):
            raise _not_found(
                spec, f"no MLflow run '{run_id}'", "check the run id in the MLflow UI"
            ) from None
        raise


def baseline_from_uri(
    config: MlciConfig, spec: str, label: str, *, limits: HttpLimits | None = None
) -> Baseline:
    """The metrics and params of an MLflow model version or run as a Baseline.

    The metrics are filed under `label` (the head's first metrics file) and the params
    under train.params (else `label`), so the diff lines up with the head's files.
    """
    from mlci.metrics.load import MetricFile, MetricSet
    from mlci.validate.baseline import Baseline

    uri = _uri(config)
    target = parse_spec(spec)
    with mlflow_client(uri, limits) as client, _calls(uri, f"reading {spec}"):
        if target.run_id is not None:
            run = _get_run(client, spec, target.run_id)
            description = f"MLflow run {target.run_id[:7]}"
        else:
            version = _resolve_version(client, spec, target)
            if not version.run_id:
                raise _not_found(
                    spec,
                    f"model version {target.model}/{version.version} has no MLflow run, "
                    "so no metrics",
                    "register versions from a run (as `mlci release` does)",
                )
            run = _get_run(client, spec, version.run_id)
            named = f"{target.model}@{target.alias}" if target.alias else target.model
            description = (
                f"MLflow model {named} (version {version.version}, run {version.run_id[:7]})"
            )
    metrics = dict(run.data.metrics)
    params = {key: value_from_text(value) for key, value in run.data.params.items()}
    source = f"mlflow {spec[len(SPEC_PREFIX) :] if spec.startswith(SPEC_PREFIX) else spec}"
    params_label = config.train.params or label
    return Baseline(
        "mlflow",
        description,
        MetricSet((MetricFile(label, metrics),), source),
        MetricSet((MetricFile(params_label, params),), source),
        commit=run.data.tags.get("mlci.commit"),
        problem=None if metrics else f"{description} has no metrics",
    )


def tracking_entry(run: MlflowRun) -> dict[str, Any]:
    """What a run record keeps of its MLflow run (`record.tracking["mlflow"]`)."""
    return {"run_id": run.run_id, "uri": run.uri, "experiment_id": run.experiment_id}


__all__ = [
    "HttpLimits",
    "MlflowRun",
    "RegisteredVersion",
    "baseline_from_uri",
    "experiment_name",
    "log_run",
    "parse_spec",
    "register_version",
    "registered_model_name",
    "tracking_entry",
]
