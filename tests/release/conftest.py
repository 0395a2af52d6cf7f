"""A real git repository with a trained model, its run record and mlci.yaml."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.github_fake` is imported as a package
    sys.path.insert(0, str(ROOT))

from tests.github.conftest import client, clock, fake, make_client  # noqa: E402, F401

from mlci.gitutil import commit_all, init_repository  # noqa: E402
from mlci.train.record import FileDigest, RunRecord, save_run  # noqa: E402

CONFIG = """\
project: churn
train:
  model: model.joblib
  metrics: [metrics.json]
  params: params.yaml
validate:
  gates:
    accuracy: {min: 0.7}
release:
  description: Predicts which customers leave.
  license: mit
"""


@dataclass
class Project:
    root: Path
    runs: int = 0

    def train(
        self,
        accuracy: float,
        loss: float = 0.5,
        *,
        model: bytes = b"model-bytes",
        status: str = "succeeded",
        dirty: bool = False,
        commit_message: str | None = None,
    ) -> RunRecord:
        """Write the model and metrics, commit, and save the run record of that commit."""
        (self.root / "model.joblib").write_bytes(model)
        metrics = {"accuracy": accuracy, "loss": loss}
        (self.root / "metrics.json").write_text(json.dumps(metrics))
        commit = commit_all(self.root, commit_message or f"train {accuracy}")
        self.runs += 1
        record = RunRecord(
            id=f"20250101-00000{self.runs}-abcdef",
            created_at=f"2025-01-01T00:00:0{self.runs}+00:00",
            command="python train.py",
            status=status,
            exit_code=0 if status == "succeeded" else 1,
            duration_s=12.5,
            git={"commit": commit, "branch": "main", "dirty": dirty},
            params={"params.yaml": {"model.max_depth": 4}},
            metrics={"metrics.json": metrics},
            model=FileDigest("model.joblib", "0" * 64, len(model)),
            data=(FileDigest("data/train.csv", "a" * 64, 1234),),
            runner={
                "hostname": "gpu-1",
                "python": "3.11.7",
                "os": {"system": "Linux", "release": "6.1", "machine": "x86_64"},
                "gpu": {
                    "gpus": [{"index": 0, "name": "NVIDIA H100", "memory_total_gb": 85.0}],
                    "driver_version": "550.54",
                    "cuda_version": "12.4",
                },
            },
        )
        save_run(self.root, record)
        return record


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "repo"
    root.mkdir()
    init_repository(root)
    (root / "mlci.yaml").write_text(CONFIG)
    (root / "params.yaml").write_text("model:\n  max_depth: 4\n")
    (root / ".gitignore").write_text(".mlci/\n")
    monkeypatch.chdir(root)
    for name in ("GITHUB_TOKEN", "GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    return Project(root)
