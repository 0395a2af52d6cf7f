"""The matrix of mlci.yaml files every generated workflow is checked with."""

from __future__ import annotations

from pathlib import Path

MINIMAL = "project: tiny\n"

GPU_LABELS = """\
project: gpu
train:
  runner: [self-hosted, linux, x64, gpu, a100-80gb]
  require_gpu: true
  timeout_minutes: 240
data:
  reference: data/reference.parquet
  profile: data/reference.profile.json
  current: {command: python fetch.py --out data/current.parquet, path: data/current.parquet}
"""

NO_GPU = """\
project: cpu
build:
  install: |
    python -m pip install --upgrade pip
    pip install -e '.[test]'
  test: pytest -q tests
  python: ["3.10", "3.11", "3.12"]
train:
  runner: [ubuntu-latest]
  model: null
  plots: null
"""

CUSTOM_SCHEDULE = """\
project: sched
build: {runner: [ubuntu-24.04]}
data:
  reference: data/reference.csv
  current: {path: data/current.csv}
drift:
  schedule: "17 3 * * *"
retrain: {workflow: train-on-branch.yml}
"""

PINNED = """\
project: pinned
github:
  pin_actions: true
  actions_repo: acme/mlci
  actions_ref: v0.1.0
  pins:
    acme/mlci: 0123456789abcdef0123456789abcdef01234567
    actions/checkout: 89abcdef0123456789abcdef0123456789abcdef
data:
  reference: data/reference.csv
  current: {command: python fetch_current.py, path: data/current.csv}
"""

FORKS_NEVER = """\
project: closed
github:
  allow_fork_training: false
  fork_label: "ok to 'train'"
  default_branch: trunk
"""

CUSTOM_FORK_LABEL = """\
project: labelled
github:
  fork_label: "ok to 'train' \\"now\\""
data:
  reference: data/reference.csv
  checks:
    rows: {min: 10}
"""

# The whole merge loop: extra release files, a drift profile, a deploy job gated by an
# environment, promotion to a stage, on a pinned GitHub-hosted build runner.
DEPLOY = """\
project: shipped
build: {runner: [ubuntu-24.04]}
train:
  model: models/model.onnx
  metrics: [metrics.json, eval/scores.json]
data:
  reference: data/reference.csv
  profile: data/reference.profile.json
release:
  model: churn/model
  files: [models/tokenizer.json]
  stages: [staging, prod]
deploy:
  environment: production
  command: |
    python deploy.py --model "$MLCI_MODEL_PATH"
    echo "deployed $MLCI_MODEL_TAG"
  stage: prod
"""

# Deploying without promoting, with attestation off (a private repository without
# GitHub Enterprise Cloud) and no model file at all.
DEPLOY_NO_STAGE = """\
project: private
train: {model: null}
release: {attest: false}
deploy:
  environment: "prod east"
  command: ./deploy.sh
  stage: null
"""

# Refused by `mlci generate`: mlci-ci.yml runs on pull_request, which a fork controls.
SELF_HOSTED_BUILD = """\
project: refused
build: {runner: [self-hosted, linux, cpu-pool]}
"""

# Drift windows with a history kept between scheduled runs, and resumable training with
# a runner cache: the steps that carry state from one run or attempt to the next.
STATEFUL = """\
project: stateful
data: {reference: data/reference.parquet, current: {path: data/current.parquet}}
drift: {window: weekly, time_column: ts}
train:
  checkpoints: ckpt
  cache: {paths: [data/raw], setup: python download.py}
"""

MATRIX = {
    "minimal": MINIMAL,
    "gpu-labels": GPU_LABELS,
    "no-gpu": NO_GPU,
    "custom-schedule": CUSTOM_SCHEDULE,
    "pinned": PINNED,
    "forks-never": FORKS_NEVER,
    "custom-fork-label": CUSTOM_FORK_LABEL,
    "deploy": DEPLOY,
    "deploy-no-stage": DEPLOY_NO_STAGE,
    "stateful": STATEFUL,
}

# The embedded example: data checks, a drift check and GPU labels together.
MATRIX["example"] = (
    Path(__file__).resolve().parents[2] / "toolkit" / "mlci" / "example" / "mlci.yaml"
).read_text()
