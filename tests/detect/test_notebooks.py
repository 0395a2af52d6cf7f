"""Notebooks train only when nothing else does; they run headless into a copy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from mlci.detect.training import detect_training

Repo = Callable[[dict[str, str]], Path]


def notebook(*cells: str) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "markdown", "source": ["# Training\n"]},
                *({"cell_type": "code", "source": c.splitlines(keepends=True)} for c in cells),
            ],
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
        }
    )


CELLS = (
    "%matplotlib inline\n!pip install -q scikit-learn\nimport json, joblib\n",
    "model.fit(x, y)\njoblib.dump(model, 'model.joblib')\n",
    "with open('metrics.json', 'w') as f:\n    json.dump({'acc': acc}, f)\n",
)


def values(root: Path) -> dict[str, object]:
    return {guess.key: guess.value for guess in detect_training(root).guesses}


def test_a_notebook_only_project(repo: Repo) -> None:
    root = repo(
        {"notebooks/Train Model.ipynb": notebook(*CELLS), "notebooks/eda.ipynb": notebook("1\n")}
    )
    detection = detect_training(root)
    assert values(root) == {
        "train.command": (
            "jupyter nbconvert --to notebook --execute 'notebooks/Train Model.ipynb' "
            "--output 'Train Model.out.ipynb'"
        ),
        "build.install": "pip install nbconvert ipykernel",
        # the kernel runs in the notebook's folder: its relative paths start there
        "train.model": "notebooks/model.joblib",
        "train.metrics": ["notebooks/metrics.json"],
    }
    texts = [note.line() for note in detection.notes]
    assert (
        "train.command: ran notebooks/Train Model.ipynb; other notebooks: notebooks/eda.ipynb"
        in texts
    )


def test_papermill_when_the_project_uses_it(repo: Repo) -> None:
    root = repo({"train.ipynb": notebook(*CELLS), "requirements.txt": "papermill\nipykernel\n"})
    found = values(root)
    assert found["train.command"] == "papermill train.ipynb train.out.ipynb"
    assert "build.install" not in found
    assert found["train.model"] == "model.joblib"


def test_a_script_wins_over_a_notebook(repo: Repo) -> None:
    root = repo({"train.ipynb": notebook(*CELLS), "train.py": "model.fit(x, y)\n"})
    assert values(root)["train.command"] == "python train.py"
