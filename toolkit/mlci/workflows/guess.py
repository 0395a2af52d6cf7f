"""Guess a first mlci.yaml from what a repository already holds.

Looks for the usual files of an ML project: requirements.txt or pyproject.toml, a
training script or a DVC `train` stage, params.yaml, metric files, a model file,
a plots folder and data files. Every guess is listed in `notes` so that `mlci init`
can say what it assumed.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRAIN_SCRIPTS = ("train.py", "src/train.py", "scripts/train.py", "training/train.py")
PARAMS_FILES = ("params.yaml", "params.yml", "params.json")
METRICS_FILES = ("metrics.json", "metrics.yaml", "metrics.yml", "metrics.csv", "scores.json")
MODEL_FILES = ("model.joblib", "model.pkl", "model.pt", "model.onnx")
DATA_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class ConfigGuess:
    data: dict[str, Any]  # the mlci.yaml mapping
    notes: tuple[str, ...]  # one line per assumption


def _first(root: Path, names: tuple[str, ...]) -> str | None:
    return next((name for name in names if (root / name).is_file()), None)


def _dvc_train_stage(root: Path) -> dict[str, Any] | None:
    from mlci.documents import parse_yaml_text

    path = root / "dvc.yaml"
    if not path.is_file():
        return None
    try:  # a guess: a dvc.yaml that does not parse is simply not used
        stages = (parse_yaml_text(path.read_text(encoding="utf-8")) or {}).get("stages") or {}
    except (ValueError, AttributeError, OSError, UnicodeDecodeError):
        return None
    if not isinstance(stages, dict):
        return None
    for name in ("train", "training"):
        stage = stages.get(name)
        if isinstance(stage, dict) and isinstance(stage.get("cmd"), str):
            return stage
    return None


def _dvc_paths(entries: Any) -> list[str]:
    """DVC lists params/metrics as strings or one-key mappings ({file: [keys]})."""
    paths = []
    for entry in entries or []:
        if isinstance(entry, str):
            paths.append(entry)
        elif isinstance(entry, dict):
            paths.extend(str(key) for key in entry)
    return paths


def _data_files(root: Path) -> list[str]:
    folder = root / "data"
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix() for p in folder.iterdir() if p.suffix in DATA_SUFFIXES
    )


def _git_branch(root: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", "symbolic-ref", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    branch = result.stdout.strip()
    return branch if result.returncode == 0 and branch else None


def guess_config(root: Path) -> ConfigGuess:
    notes: list[str] = []
    build: dict[str, Any] = {}
    if (root / "requirements.txt").is_file():
        build["install"] = "pip install -r requirements.txt"
        notes.append("build.install: found requirements.txt")
    elif (root / "pyproject.toml").is_file():
        build["install"] = "pip install -e ."
        notes.append("build.install: found pyproject.toml")
    else:
        build["install"] = "python -m pip install --upgrade pip"
        notes.append("build.install: no requirements.txt or pyproject.toml, set it by hand")
    has_tests = (root / "tests").is_dir() or any(root.glob("test_*.py"))
    build["test"] = "pytest -q"
    if not has_tests:
        notes.append("build.test: no tests/ folder found, pytest -q will find no tests")
    version_file = root / ".python-version"
    if version_file.is_file():
        version = version_file.read_text(encoding="utf-8").strip().split("\n")[0]
        if version:
            build["python"] = [".".join(version.split(".")[:2])]
            notes.append("build.python: from .python-version")

    train: dict[str, Any] = {}
    stage = _dvc_train_stage(root)
    if stage is not None:
        train["command"] = stage["cmd"]
        notes.append("train.command: the train stage of dvc.yaml")
        params = _dvc_paths(stage.get("params"))
        metrics = _dvc_paths(stage.get("metrics"))
        if params:
            train["params"] = params[0]
        if metrics:
            train["metrics"] = metrics
    script = _first(root, TRAIN_SCRIPTS)
    if "command" not in train:
        if script:
            train["command"] = f"python {script}"
            notes.append(f"train.command: found {script}")
        else:
            train["command"] = "python train.py"
            notes.append("train.command: no training script found, set it by hand")
    if "params" not in train:
        params_file = _first(root, PARAMS_FILES)
        train["params"] = params_file
        if params_file is None:
            notes.append("train.params: no params file found")
    if "metrics" not in train:
        metrics_file = _first(root, METRICS_FILES)
        train["metrics"] = [metrics_file or "metrics.json"]
        if metrics_file is None:
            notes.append("train.metrics: none found yet, assuming the training writes metrics.json")
    model = _first(root, MODEL_FILES)
    if model:
        train["model"] = model
    if (root / "plots").is_dir():
        train["plots"] = "plots"
    train["runner"] = ["self-hosted", "linux", "x64", "gpu"]

    config: dict[str, Any] = {"project": root.resolve().name, "build": build, "train": train}
    data_files = _data_files(root)
    if data_files:
        current = next((f for f in data_files if "current" in Path(f).stem), None)
        reference = next((f for f in data_files if f != current), None)
        if reference:
            data: dict[str, Any] = {"reference": reference}
            notes.append(f"data.reference: {reference}")
            if current:
                data["current"] = {"path": current}
                notes.append(f"data.current.path: {current} (add data.current.command)")
            config["data"] = data
    branch = _git_branch(root)
    if branch and branch != "main":
        config["github"] = {"default_branch": branch}
        notes.append(f"github.default_branch: {branch}, the branch checked out now")
    return ConfigGuess(config, tuple(notes))


def config_text(guess: ConfigGuess) -> str:
    import yaml

    head = (
        "# mlci configuration, guessed by `mlci init`: check every value, then run\n"
        "# `mlci generate`. `mlci config show` prints each setting with its default.\n"
    )
    return head + yaml.safe_dump(guess.data, sort_keys=False, default_flow_style=False)
