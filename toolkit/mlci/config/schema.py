"""The shape of mlci.yaml as frozen dataclasses; every field has a default.

The loader (`mlci.config.loader`) validates a YAML mapping against these classes by
reading their type hints, so adding a setting means adding a field here, nothing else.
Field metadata `doc` is shown by `mlci config show --explain` and in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


def _doc(
    text: str, *, minimum: float | None = None, maximum: float | None = None
) -> dict[str, object]:
    """Field metadata: its documentation and, for numbers, the range the loader enforces."""
    return {"doc": text, "minimum": minimum, "maximum": maximum}


@dataclass(frozen=True)
class BuildConfig:
    install: str = field(
        default="pip install -r requirements.txt", metadata=_doc("command that installs the code")
    )
    test: str | None = field(
        default="pytest -q",
        metadata=_doc("command that runs the tests (null: the project has none, no test step)"),
    )
    python: tuple[str, ...] = field(
        default=("3.11",), metadata=_doc("Python versions of the CI matrix")
    )
    runner: tuple[str, ...] = field(
        default=("ubuntu-latest",),
        metadata=_doc("runs-on labels of the jobs that need no GPU (test, data, drift, report)"),
    )
    timeout_minutes: int = field(
        default=30, metadata=_doc("timeout of the jobs without GPU", minimum=1)
    )


@dataclass(frozen=True)
class CacheConfig:
    """Runner-local caches of what training downloads (datasets, pretrained weights)."""

    paths: tuple[str, ...] = field(
        default=(), metadata=_doc("files or folders restored before training and saved after")
    )
    setup: str | None = field(
        default=None, metadata=_doc("command that fills train.cache.paths; skipped on a hit")
    )
    key: str | None = field(
        default=None,
        metadata=_doc(
            "command whose output is the cache key (default: hashes of train.data and the setup)"
        ),
    )
    dir: str | None = field(
        default=None,
        metadata=_doc("cache folder on the runner (default: $MLCI_CACHE_DIR or ~/.cache/mlci)"),
    )
    max_size_gb: float = field(
        default=20.0, metadata=_doc("size cap; the least recently used entries go first", minimum=0)
    )


# A value a sweep sets in the params file: int before float, so 4 stays 4, not 4.0.
SweepValue = int | float | bool | str
# `train.sweep`: a grid (dotted params key -> the values to try) or a list of parameter
# sets (each a mapping of dotted params keys to one value).
SweepSpec = dict[str, tuple[SweepValue, ...]] | tuple[dict[str, SweepValue], ...]


@dataclass(frozen=True)
class SelectConfig:
    """How `mlci sweep` and the candidates' report pick the best candidate."""

    metric: str | None = field(
        default=None, metadata=_doc("metric the best candidate is picked by (e.g. roc_auc)")
    )
    direction: Literal["higher", "lower"] | None = field(
        default=None,
        metadata=_doc("which way is better (default: from the metrics section, else the name)"),
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
    images: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "image files or folders the training writes besides train.plots (e.g. plot.png), "
            "shown in the PR comment"
        ),
    )
    data: tuple[str, ...] = field(
        default=(), metadata=_doc("data files whose hashes the run record keeps (lineage)")
    )
    runner: tuple[str, ...] = field(
        default=("self-hosted", "linux", "x64", "gpu"),
        metadata=_doc("runs-on labels of the training job"),
    )
    timeout_minutes: int = field(default=120, metadata=_doc("training job timeout", minimum=1))
    require_gpu: bool = field(default=False, metadata=_doc("fail early when no GPU is found"))
    min_gpu_memory_gb: float | None = field(
        default=None,
        metadata=_doc("fail early unless a GPU has this much memory (GB)", minimum=0),
    )
    cache: CacheConfig = field(
        default_factory=CacheConfig, metadata=_doc("runner-local caches (mlci train)")
    )
    checkpoints: str | None = field(
        default=None,
        metadata=_doc(
            "folder the training writes checkpoints to; a rerun of the same commit and "
            "params resumes from the last one"
        ),
    )
    sweep: SweepSpec | None = field(
        default=None,
        metadata=_doc(
            "candidates over params keys: a grid {model.max_depth: [4, 6]} or a list of "
            "parameter sets [{model.max_depth: 4}, ...] (mlci sweep)"
        ),
    )
    select: SelectConfig = field(
        default_factory=SelectConfig, metadata=_doc("how the best sweep candidate is picked")
    )
    max_candidates: int | None = field(
        default=None,
        metadata=_doc("budget: at most this many candidates, the first in order", minimum=1),
    )
    max_parallel: int = field(
        default=4, metadata=_doc("candidates trained at once in CI (max-parallel)", minimum=1)
    )


@dataclass(frozen=True)
class GateConfig:
    """One metric's gate; every bound is optional. Drops follow the metric's direction:
    for a lower-is-better metric (loss, rmse, ...) a rise is a drop in quality."""

    min: float | None = field(default=None, metadata=_doc("fail below this value"))
    max: float | None = field(default=None, metadata=_doc("fail above this value"))
    max_drop: float | None = field(
        default=None,
        metadata=_doc("largest allowed worsening vs the baseline (absolute)", minimum=0),
    )
    max_drop_relative: float | None = field(
        default=None,
        metadata=_doc("largest allowed worsening as a fraction of the baseline", minimum=0),
    )
    max_rise: float | None = field(
        default=None, metadata=_doc("largest allowed raw increase vs the baseline", minimum=0)
    )
    required: bool = field(default=True, metadata=_doc("fail when the metric is missing"))
    allow_missing_baseline: bool = field(
        default=False,
        metadata=_doc("skip the baseline rules when no usable baseline exists (else exit 2)"),
    )


@dataclass(frozen=True)
class FairnessGate:
    """Bounds on one fairness metric; for per-group metrics, `min`/`max` hold for every group."""

    min: float | None = None
    max: float | None = None
    max_difference: float | None = None
    min_ratio: float | None = None


@dataclass(frozen=True)
class FairnessConfig:
    sensitive: tuple[str, ...] = field(
        default=(), metadata=_doc("sensitive feature columns (each is checked on its own)")
    )
    label: str | None = field(default=None, metadata=_doc("true label column"))
    prediction: str = field(default="prediction", metadata=_doc("predicted label column"))
    positive: str | None = field(
        default=None, metadata=_doc('positive label, e.g. "1" or "yes" (default 1/true)')
    )
    data: str | None = field(
        default=None, metadata=_doc("file with labels, predictions and sensitive columns")
    )
    metrics: tuple[str, ...] = field(
        default=(
            "demographic_parity_difference",
            "equalized_odds_difference",
            "accuracy",
            "recall",
            "selection_rate",
        ),
        metadata=_doc("metrics computed with fairlearn and shown per group"),
    )
    gates: dict[str, FairnessGate] = field(
        default_factory=dict,
        metadata=_doc("metric -> bounds (max, min, max_difference, min_ratio)"),
    )


@dataclass(frozen=True)
class ValidateConfig:
    gates: dict[str, GateConfig] = field(
        default_factory=dict, metadata=_doc("metric name -> bounds")
    )
    fairness: FairnessConfig = field(
        default_factory=FairnessConfig, metadata=_doc("fairness metrics and gates")
    )


@dataclass(frozen=True)
class MetricsConfig:
    higher_is_better: tuple[str, ...] = field(
        default=(), metadata=_doc("metrics where up is good (overrides name guesses)")
    )
    lower_is_better: tuple[str, ...] = field(
        default=(), metadata=_doc("metrics where down is good (loss, error, rmse, ...)")
    )
    precision: int = field(
        default=4, metadata=_doc("significant digits in reports", minimum=1, maximum=17)
    )


@dataclass(frozen=True)
class CurrentDataConfig:
    command: str | None = field(default=None, metadata=_doc("command that fetches current data"))
    path: str | None = field(default=None, metadata=_doc("where the current data lands"))


@dataclass(frozen=True)
class ColumnCheck:
    """Checks on one column; every one is optional."""

    type: Literal["int", "float", "number", "string", "bool", "datetime"] | None = None
    required: bool = True
    nullable: bool = True
    max_null_share: float | None = None
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] = ()
    regex: str | None = None
    unique: bool = False


@dataclass(frozen=True)
class RowCountCheck:
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class FreshnessCheck:
    column: str | None = field(default=None, metadata=_doc("timestamp or date column"))
    max_age_days: float | None = field(
        default=None, metadata=_doc("newest value must be at most this old")
    )


@dataclass(frozen=True)
class DataChecksConfig:
    columns: dict[str, ColumnCheck] = field(
        default_factory=dict, metadata=_doc("column -> checks (type, nulls, range, values)")
    )
    unique: tuple[tuple[str, ...], ...] = field(
        default=(), metadata=_doc("compound keys that must be unique, e.g. [[region, id]]")
    )
    rows: RowCountCheck = field(default_factory=RowCountCheck)
    freshness: FreshnessCheck = field(default_factory=FreshnessCheck)
    strict: bool = field(default=False, metadata=_doc("columns not listed are failures"))
    schema: str | None = field(
        default=None, metadata=_doc("your own pandera schema: file.py:NAME or file.yaml")
    )
    batch_rows: int = field(default=250_000, metadata=_doc("rows read per batch", minimum=1))
    sample: int = field(default=5, metadata=_doc("failing values shown per check", minimum=0))
    # Not a key of mlci.yaml: the checks parsed into the plan `mlci data check` runs
    # (`mlci.data.spec.CheckPlan`), made once, here, so a bad check fails on load.
    plan: Any = field(init=False, repr=False, compare=False, metadata={"derived": True})

    def __post_init__(self) -> None:
        from mlci.data.spec import compile_checks

        object.__setattr__(self, "plan", compile_checks(self))


@dataclass(frozen=True)
class DataConfig:
    reference: str | None = field(default=None, metadata=_doc("data the model was trained on"))
    profile: str | None = field(default=None, metadata=_doc("stored reference profile"))
    current: CurrentDataConfig = field(default_factory=CurrentDataConfig)
    checks: DataChecksConfig = field(
        default_factory=DataChecksConfig, metadata=_doc("data quality checks (mlci data check)")
    )


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
        default_factory=dict,
        metadata=_doc(
            "column -> stat test (ks, chi2, z, wasserstein, jensenshannon, psi, hellinger)"
        ),
    )
    thresholds: dict[str, float] = field(
        default_factory=dict,
        metadata=_doc("column -> threshold of its test (p-value for ks/chi2/z, else distance)"),
    )
    alpha: float = field(
        default=0.01,
        metadata=_doc(
            "p-value level of ks/chi2/z (also under a named distance), after the "
            "correction: at most this share of no-drift checks flag any column",
            minimum=0,
            maximum=1,
        ),
    )
    min_effect: float = field(
        default=0.005,
        metadata=_doc(
            "smallest share of rows that moved (KS distance for numbers, total variation "
            "for categories) that counts as drift; a named distance uses its threshold",
            minimum=0,
            maximum=1,
        ),
    )
    small_reference: int = field(
        default=1000,
        metadata=_doc(
            "deprecated, no effect: every size gets the same calibrated tests", minimum=0
        ),
    )
    bins: int = field(
        default=100, metadata=_doc("quantile bins of numeric reference profiles", minimum=2)
    )
    correction: Literal["bonferroni", "bh", "none"] = field(
        default="bonferroni", metadata=_doc("multiple-testing correction of p-values")
    )
    target: str | None = field(default=None, metadata=_doc("label column"))
    prediction: str | None = field(default=None, metadata=_doc("prediction column"))
    drift_share: float = field(
        default=0.5,
        metadata=_doc(
            "share of drifted columns that marks the dataset drifted", minimum=0, maximum=1
        ),
    )
    engine: Literal["local", "duckdb", "polars", "dask", "spark"] = field(
        default="local",
        metadata=_doc("where profiles and checks are counted (each engine but local is an extra)"),
    )
    scheduler: str | None = field(
        default=None,
        metadata=_doc("Dask scheduler address (engine dask; default: a local cluster)"),
    )
    master: str | None = field(
        default=None, metadata=_doc("Spark master URL (engine spark; default: local[*])")
    )
    filters: tuple[str, ...] = field(
        default=(),
        metadata=_doc("partition filters of a partitioned dataset, e.g. day>=today-7d"),
    )
    window: Literal["daily", "weekly"] | None = field(
        default=None, metadata=_doc("check drift per window of drift.time_column")
    )
    time_column: str | None = field(
        default=None, metadata=_doc("timestamp column the windows are cut from")
    )
    history: str = field(
        default=".mlci/drift-history.jsonl",
        metadata=_doc("file each windowed run appends to and the next run reads"),
    )


@dataclass(frozen=True)
class RetrainRule:
    """Retrain when any set condition holds; unset conditions are not checked, except
    drift_share: unset, it is drift.drift_share (the dataset verdict's share), so a
    check never reads "no dataset drift" and "retrain" on the share alone."""

    drift_share: float | None = field(
        default=None,
        metadata=_doc(
            "retrain when at least this share of columns drifted (default: drift.drift_share)",
            minimum=0,
            maximum=1,
        ),
    )
    columns: tuple[str, ...] = field(
        default=(), metadata=_doc("retrain when any of these columns drifted")
    )
    psi: float | None = field(
        default=None,
        metadata=_doc("retrain when any column's PSI reaches this value", minimum=0),
    )
    performance_drop: float | None = field(
        default=None,
        metadata=_doc("retrain when accuracy fell (or MAE rose) by at least this much", minimum=0),
    )
    model_age_days: int | None = field(
        default=None,
        metadata=_doc("retrain when the model is at least this many days old", minimum=0),
    )


@dataclass(frozen=True)
class RetrainConfig:
    when: RetrainRule = field(default_factory=RetrainRule)
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
    allow_fork_training: bool = field(
        default=True,
        metadata=_doc("fork PRs may train once a maintainer adds fork_label (false: never)"),
    )
    default_branch: str = field(
        default="main", metadata=_doc("branch whose pushes record the new baseline")
    )
    actions_repo: str = field(
        default="mlci-dev/mlci", metadata=_doc("owner/name of the repository of mlci's actions")
    )
    actions_ref: str = field(default="v0", metadata=_doc("tag or branch of mlci's actions"))
    pins: dict[str, str] = field(
        default_factory=dict,
        metadata=_doc("action (owner/name) -> commit SHA, used when pin_actions is true"),
    )
    report_images: bool = field(
        default=True,
        metadata=_doc(
            "show the images the training writes in PR comments (the report workflow "
            "publishes them to assets_branch, so it gets contents: write)"
        ),
    )
    assets_branch: str = field(
        default="mlci/assets",
        metadata=_doc("orphan branch that holds the images of PR comments, one folder a commit"),
    )


@dataclass(frozen=True)
class TolerationConfig:
    """A Kubernetes toleration, so runner pods may land on tainted GPU nodes."""

    key: str = "nvidia.com/gpu"
    operator: Literal["Exists", "Equal"] = "Exists"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = "NoSchedule"


@dataclass(frozen=True)
class GpuClassConfig:
    """One runner scale set of actions-runner-controller: runners with the same GPUs."""

    gpus: int = field(default=1, metadata=_doc("nvidia.com/gpu limit of each runner pod"))
    min_runners: int = field(default=0, metadata=_doc("idle runners kept (0: scale to zero)"))
    max_runners: int = field(default=2, metadata=_doc("most runners at once"))
    labels: tuple[str, ...] = field(
        default=(), metadata=_doc("extra runs-on labels of this class (besides train.runner)")
    )
    node_selector: dict[str, str] = field(
        default_factory=dict,
        metadata=_doc("node labels (default for GPU classes: nvidia.com/gpu.present: 'true')"),
    )
    tolerations: tuple[TolerationConfig, ...] = field(
        default=(TolerationConfig(),), metadata=_doc("taints the runner pods tolerate")
    )
    cpu: str | None = field(default=None, metadata=_doc("CPU request, e.g. '8'"))
    memory: str | None = field(default=None, metadata=_doc("memory request and limit, e.g. 32Gi"))


@dataclass(frozen=True)
class RunnersConfig:
    github_config_url: str | None = field(
        default=None, metadata=_doc("repository or organisation URL the runners register with")
    )
    github_config_secret: str = field(
        default="mlci-arc-github",
        metadata=_doc("Kubernetes secret holding the GitHub App or token for ARC"),
    )
    namespace: str = field(default="arc-runners", metadata=_doc("namespace of the scale sets"))
    name_prefix: str = field(default="mlci-", metadata=_doc("prefix of scale set names"))
    runner_group: str | None = field(
        default="mlci-gpu",
        metadata=_doc("runner group of the scale sets (null: the Default group)"),
    )
    image: str = field(
        default="ghcr.io/actions/actions-runner:latest", metadata=_doc("runner container image")
    )
    classes: dict[str, GpuClassConfig] = field(
        default_factory=dict, metadata=_doc("GPU class name -> its scale set")
    )


@dataclass(frozen=True)
class BaselineConfig:
    branch: str = field(
        default="mlci/records",
        metadata=_doc("branch that holds the run records of the default branch (the baselines)"),
    )
    max_distance: int = field(
        default=100,
        metadata=_doc(
            "ancestors of the base commit searched for a record on the records branch", minimum=0
        ),
    )


@dataclass(frozen=True)
class ReleaseConfig:
    model: str | None = field(
        default=None,
        metadata=_doc("artifact name in the release tags <model>@v<semver> (default: project)"),
    )
    description: str | None = field(
        default=None, metadata=_doc("what the model is, for the model card")
    )
    files: tuple[str, ...] = field(
        default=(),
        metadata=_doc("release assets besides train.model (e.g. a tokenizer or a config file)"),
    )
    stages: tuple[str, ...] = field(
        default=("dev", "staging", "prod"),
        metadata=_doc("stages `mlci promote` accepts (empty: any)"),
    )
    license: str | None = field(
        default=None, metadata=_doc("licence of the model for the card (e.g. mit, apache-2.0)")
    )
    attest: bool = field(
        default=True,
        metadata=_doc(
            "attest the model file's build provenance (private repositories need "
            "GitHub Enterprise Cloud for it: set false there)"
        ),
    )


@dataclass(frozen=True)
class DeployConfig:
    environment: str | None = field(
        default=None,
        metadata=_doc("GitHub Environment that gates the deploy job (null: no deploy job)"),
    )
    command: str | None = field(
        default=None,
        metadata=_doc("deploy command; gets MLCI_MODEL_PATH, MLCI_MODEL_VERSION, MLCI_MODEL_TAG"),
    )
    stage: str | None = field(
        default="prod", metadata=_doc("stage the deployed version is promoted to (null: none)")
    )


@dataclass(frozen=True)
class MlflowConfig:
    uri: str | None = field(
        default=None, metadata=_doc("MLflow tracking URI (null: MLflow is not used)")
    )
    experiment: str | None = field(
        default=None, metadata=_doc("experiment of the runs mlci logs (default: project)")
    )
    registered_model: str | None = field(
        default=None, metadata=_doc("registered model name (default: release.model)")
    )
    alias: str = field(
        default="champion", metadata=_doc("alias `mlci release` sets on the new model version")
    )


@dataclass(frozen=True)
class TrackingConfig:
    mlflow: MlflowConfig = field(
        default_factory=MlflowConfig, metadata=_doc("MLflow as tracking and registry backend")
    )


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
    runners: RunnersConfig = field(default_factory=RunnersConfig)
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    release: ReleaseConfig = field(default_factory=ReleaseConfig)
    deploy: DeployConfig = field(default_factory=DeployConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)

    @property
    def model_name(self) -> str:
        """The artifact name of release tags (`<model>@v<semver>`)."""
        return self.release.model or self.project
