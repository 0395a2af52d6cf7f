"""The shape of mlci.yaml as frozen dataclasses; every field has a default.

The loader (`mlci.config.loader`) validates a YAML mapping against these classes by
reading their type hints, so adding a setting means adding a field here, nothing else.
Field metadata `doc` is shown by `mlci config show --explain` and in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class BuildConfig:
    install: str = field(
        default="pip install -r requirements.txt", metadata=_doc("command that installs the code")
    )
    test: str = field(default="pytest -q", metadata=_doc("command that runs the tests"))
    python: tuple[str, ...] = field(
        default=("3.11",), metadata=_doc("Python versions of the CI matrix")
    )


@dataclass(frozen=True)
class TrainConfig:
    command: str = field(default="python train.py", metadata=_doc("training command"))
    params: str | None = field(default="params.yaml", metadata=_doc("parameters file"))
    metrics: tuple[str, ...] = field(
        default=("metrics.json",), metadata=_doc("metric files the training writes")
    )
    model: str | None = field(default="model.joblib", metadata=_doc("model file it writes"))
    plots: str | None = field(default="plots", metadata=_doc("folder of plot data (csv/json)"))
    runner: tuple[str, ...] = field(
        default=("self-hosted", "linux", "x64", "gpu"),
        metadata=_doc("runs-on labels of the training job"),
    )
    timeout_minutes: int = field(default=120, metadata=_doc("training job timeout"))
    require_gpu: bool = field(default=False, metadata=_doc("fail early when no GPU is found"))


@dataclass(frozen=True)
class GateConfig:
    """One metric's gate; every bound is optional."""

    min: float | None = None
    max: float | None = None
    max_drop: float | None = None
    max_drop_relative: float | None = None
    max_rise: float | None = None
    required: bool = True


@dataclass(frozen=True)
class ValidateConfig:
    gates: dict[str, GateConfig] = field(
        default_factory=dict, metadata=_doc("metric name -> bounds")
    )


@dataclass(frozen=True)
class MetricsConfig:
    higher_is_better: tuple[str, ...] = field(
        default=(), metadata=_doc("metrics where up is good (overrides name guesses)")
    )
    lower_is_better: tuple[str, ...] = field(
        default=(), metadata=_doc("metrics where down is good (loss, error, rmse, ...)")
    )
    precision: int = field(default=4, metadata=_doc("significant digits in reports"))


@dataclass(frozen=True)
class CurrentDataConfig:
    command: str | None = field(default=None, metadata=_doc("command that fetches current data"))
    path: str | None = field(default=None, metadata=_doc("where the current data lands"))


@dataclass(frozen=True)
class DataConfig:
    reference: str | None = field(default=None, metadata=_doc("data the model was trained on"))
    profile: str | None = field(default=None, metadata=_doc("stored reference profile"))
    current: CurrentDataConfig = field(default_factory=CurrentDataConfig)


@dataclass(frozen=True)
class ColumnSelection:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriftConfig:
    schedule: str = field(default="0 6 * * 1", metadata=_doc("cron of the drift check"))
    columns: ColumnSelection = field(default_factory=ColumnSelection)
    types: dict[str, Literal["numeric", "categorical", "boolean", "datetime", "text"]] = field(
        default_factory=dict, metadata=_doc("column -> type, overriding inference")
    )
    tests: dict[str, str] = field(
        default_factory=dict, metadata=_doc("column -> stat test (ks, chi2, psi, ...)")
    )
    thresholds: dict[str, float] = field(
        default_factory=dict, metadata=_doc("column -> threshold of its test")
    )
    correction: Literal["bonferroni", "bh", "none"] = field(
        default="bonferroni", metadata=_doc("multiple-testing correction of p-values")
    )
    target: str | None = field(default=None, metadata=_doc("label column"))
    prediction: str | None = field(default=None, metadata=_doc("prediction column"))
    drift_share: float = field(
        default=0.5, metadata=_doc("share of drifted columns that marks the dataset drifted")
    )


@dataclass(frozen=True)
class RetrainRule:
    drift_share: float | None = None
    columns: tuple[str, ...] = ()
    psi: float | None = None
    performance_drop: float | None = None
    model_age_days: int | None = None


@dataclass(frozen=True)
class RetrainConfig:
    when: RetrainRule = field(default_factory=lambda: RetrainRule(drift_share=0.3))
    branch: str = field(default="mlci/retrain", metadata=_doc("the one retraining branch"))
    base: str | None = field(default=None, metadata=_doc("base branch (default: repo default)"))
    labels: tuple[str, ...] = field(default=("retrain",), metadata=_doc("labels of the PR"))
    reviewers: tuple[str, ...] = field(default=(), metadata=_doc("reviewers of the PR"))
    workflow: str = field(
        default="mlci-train.yml", metadata=_doc("workflow dispatched on the branch")
    )


@dataclass(frozen=True)
class GitHubConfig:
    fork_label: str = field(
        default="safe-to-train", metadata=_doc("label that lets a fork PR reach the GPU runner")
    )
    pin_actions: bool = field(default=False, metadata=_doc("pin third-party actions to SHAs"))
    comment_key: str = field(default="report", metadata=_doc("key of the sticky PR comment"))


@dataclass(frozen=True)
class MlciConfig:
    project: str = field(default="mlci-project", metadata=_doc("project name"))
    build: BuildConfig = field(default_factory=BuildConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    validate: ValidateConfig = field(default_factory=ValidateConfig)
    data: DataConfig = field(default_factory=DataConfig)
    drift: DriftConfig = field(default_factory=DriftConfig)
    retrain: RetrainConfig = field(default_factory=RetrainConfig)
    github: GitHubConfig = field(default_factory=GitHubConfig)
