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

# Refused by `mlci generate`: mlci-ci.yml runs on pull_request, which a fork controls.
SELF_HOSTED_BUILD = """\
project: refused
build: {runner: [self-hosted, linux, cpu-pool]}
"""

MATRIX = {
    "minimal": MINIMAL,
    "gpu-labels": GPU_LABELS,
    "no-gpu": NO_GPU,
    "custom-schedule": CUSTOM_SCHEDULE,
    "pinned": PINNED,
    "forks-never": FORKS_NEVER,
    "custom-fork-label": CUSTOM_FORK_LABEL,
}

# The embedded example: data checks, a drift check and GPU labels together.
MATRIX["example"] = (
    Path(__file__).resolve().parents[2] / "toolkit" / "mlci" / "example" / "mlci.yaml"
).read_text()
