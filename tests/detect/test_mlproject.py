"""MLflow projects: the main entry point's command with its defaults, metrics from MLflow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mlci.detect.mlproject import entry_command
from mlci.detect.training import detect_training

from .conftest import copy_fixture

Repo = Callable[[dict[str, str]], Path]

LOGGING = (
    "import mlflow\nmodel.fit(x, y)\nmlflow.log_param('alpha', a)\nmlflow.log_metric('rmse', r)\n"
)


def values(root: Path) -> dict[str, object]:
    return {guess.key: guess.value for guess in detect_training(root).guesses}


def notes(root: Path) -> list[str]:
    return [note.line() for note in detect_training(root).notes]


def test_fixture_mlflow_project_field_by_field(tmp_path: Path) -> None:
    root = copy_fixture("mlflow-project", tmp_path)
    detection = detect_training(root)
    assert values(root) == {
        "train.command": "python train.py --alpha 0.5 --l1-ratio 0.1",
        "train.metrics": ["mlflow.db"],
        "train.params": "mlflow.db",
        "train.data": ["wine-quality.csv"],
    }
    command = detection.get("train.command")
    assert command is not None
    assert (
        command.evidence
        == "the main entry point of MLproject, with its defaults alpha=0.5, l1_ratio=0.1"
    )
    metrics = detection.get("train.metrics")
    assert metrics is not None and metrics.evidence.startswith(
        "train.py line 36 calls mlflow.log_metric"
    )
    # The model goes to MLflow's artifacts, not a file: no train.model guess.
    assert "train.model: no model file is written by train.py; left out" in notes(root)
    assert "train.runner.gpu" not in values(root)


def test_a_parameter_without_default_stays_and_is_noted(repo: Repo) -> None:
    mlproject = (
        "name: x\nentry_points:\n  main:\n    parameters:\n      data: path\n"
        "      alpha: {type: float, default: 0.1}\n    command: python train.py {data} {alpha}\n"
    )
    root = repo({"MLproject": mlproject, "train.py": LOGGING})
    assert values(root)["train.command"] == "python train.py {data} 0.1"
    assert any("data have no default" in line for line in notes(root))


def test_string_defaults_are_quoted() -> None:
    entry = {
        "parameters": {
            "name": {"type": "string", "default": "two words"},
            "flag": {"default": True},
        },
        "command": "python   train.py --name {name}\n  --flag {flag}",
    }
    assert entry_command(entry) == (
        "python train.py --name 'two words' --flag true",
        {"name": "two words", "flag": True},
        [],
    )


def test_no_main_entry_point(repo: Repo) -> None:
    mlproject = (
        "entry_points:\n  fit:\n    command: python fit.py\n"
        "  score:\n    command: python score.py\n"
    )
    root = repo({"MLproject": mlproject, "fit.py": LOGGING})
    assert values(root)["train.command"] == "python fit.py"
    assert "train.command: MLproject has no main entry point; used 'fit'" in notes(root)
    assert "train.command: other MLproject entry points not run: score" in notes(root)


def test_old_mlflow_logs_to_mlruns(repo: Repo) -> None:
    mlproject = "entry_points:\n  main:\n    command: python train.py\n"
    root = repo(
        {"MLproject": mlproject, "train.py": LOGGING, "requirements.txt": "mlflow==2.9.2\n"}
    )
    assert values(root)["train.metrics"] == ["mlruns"]


def test_a_metrics_file_wins_over_mlflow(repo: Repo) -> None:
    script = LOGGING + "import json\njson.dump({'rmse': r}, open('metrics.json', 'w'))\n"
    mlproject = "entry_points:\n  main:\n    command: python train.py\n"
    root = repo({"MLproject": mlproject, "train.py": script})
    found = values(root)
    assert found["train.metrics"] == ["metrics.json"]
    assert found["train.params"] == "mlflow.db"  # params still come only from MLflow


def test_log_model_is_not_a_model_file(repo: Repo) -> None:
    script = LOGGING + "import mlflow.sklearn\nmlflow.sklearn.log_model(model, name='model')\n"
    mlproject = "entry_points:\n  main:\n    command: python train.py\n"
    root = repo({"MLproject": mlproject, "train.py": script})
    assert "train.model" not in values(root)
    assert (
        "train.model: no model file is written by train.py; left out "
        "(the model is logged to MLflow: train.py line 6 calls mlflow.sklearn.log_model)"
    ) in notes(root)
