"""The example folders by name, and the PyTorch example run for real on the CPU."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlci.config import load_config
from mlci.errors import UsageError
from mlci.examples import example_names, example_path


def test_example_path_by_name():
    assert example_names() == ("sklearn", "torch")
    assert example_path("sklearn").name == "example"
    assert (example_path("torch") / "train.py").is_file()
    with pytest.raises(UsageError, match="unknown example 'tensorflow'") as caught:
        example_path("tensorflow")
    assert caught.value.hint == "use one of: sklearn, torch"


def test_torch_example_config_is_valid_and_targets_a_gpu_runner():
    config = load_config(example_path("torch") / "mlci.yaml", required=True)
    assert config.train.model == "model.pt"
    assert "gpu" in config.train.runner
    assert set(config.validate.gates) == {"accuracy", "roc_auc"}


def test_torch_example_trains_on_the_cpu_and_writes_the_same_files(tmp_path: Path):
    pytest.importorskip("torch")
    project = tmp_path / "project"
    shutil.copytree(example_path("torch"), project, ignore=shutil.ignore_patterns("__pycache__"))
    params = project / "params.yaml"
    # A smaller run than the shipped params: the test checks the files, not the speed.
    params.write_text(params.read_text().replace("epochs: 25", "epochs: 4"))
    done = subprocess.run(
        [sys.executable, "train.py"], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    assert printed["device"] in ("cpu", "cuda")
    metrics = json.loads((project / "metrics.json").read_text())
    assert set(metrics) == {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"}
    assert metrics["accuracy"] > 0.8 and metrics["roc_auc"] > 0.85
    assert (project / "plots" / "roc.csv").read_text().startswith("fpr,tpr,threshold\n")
    assert (project / "plots" / "pr.csv").read_text().startswith("recall,precision\n")
    matrix = json.loads((project / "plots" / "confusion_matrix.json").read_text())
    assert sum(map(sum, matrix["matrix"])) == 1500  # the 25% test split of 6000 rows
    assert (project / "model.pt").stat().st_size > 1000
