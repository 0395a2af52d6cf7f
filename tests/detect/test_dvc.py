"""DVC pipelines: the whole pipeline, params as a file, every stage's outputs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mlci.detect.dvc import pipeline_commands, read_remotes
from mlci.detect.training import detect_training

from .conftest import copy_fixture

Repo = Callable[[dict[str, str]], Path]

STAGES = """\
stages:
  evaluate:
    cmd: python evaluate.py
    deps: [model.pkl, evaluate.py]
    metrics:
      - metrics.json:
          cache: false
  train:
    cmd: python train.py
    deps: [data/features.csv, train.py]
    params: [train.lr]
    outs: [model.pkl]
  featurize:
    cmd: python featurize.py
    deps: [data/raw.csv, featurize.py]
    outs: [data/features.csv]
"""
PIPELINE = {
    "dvc.yaml": STAGES,
    "params.yaml": "train:\n  lr: 0.1\n",
    "data/raw.csv": "a,b\n1,2\n",
    "train.py": "import pickle\nmodel.fit(x)\npickle.dump(model, open('model.pkl', 'wb'))\n",
    "featurize.py": "df.to_csv('data/features.csv')\n",
    "evaluate.py": "import json\njson.dump({'acc': 0.9}, open('metrics.json', 'w'))\n",
    ".dvc/config": "[core]\n    autostage = true\n",
}


def values(root: Path) -> dict[str, object]:
    return {guess.key: guess.value for guess in detect_training(root).guesses}


def notes(root: Path) -> list[str]:
    return [note.line() for note in detect_training(root).notes]


def test_fixture_dvc_pipeline_field_by_field(tmp_path: Path) -> None:
    root = copy_fixture("dvc-pipeline", tmp_path)
    detection = detect_training(root)
    assert values(root) == {
        "train.command": "dvc repro",
        "build.install": "pip install dvc",
        "train.params": "params.yaml",
        "train.metrics": ["eval/metrics.json"],
        "train.plots": "eval/plots",
        "train.model": "model.pkl",
        "train.data": ["data/raw.csv"],
    }
    command = detection.get("train.command")
    assert command is not None
    assert command.evidence == "runs every stage of dvc.yaml (prepare, train, evaluate)"
    params = detection.get("train.params")
    assert params is not None and "train.min_split" in params.evidence
    data = detection.get("train.data")
    assert data is not None and data.evidence == "the pipeline's input data, deps in dvc.lock"
    assert "train.runner.gpu" not in values(root)


def test_the_wrong_guesses_of_the_issue_do_not_happen(tmp_path: Path) -> None:
    root = copy_fixture("dvc-pipeline", tmp_path)
    found = values(root)
    assert found["train.params"] != "train.min_split"  # a params KEY is not a file
    assert found["train.command"] != "python src/train.py data/prepared/train.csv model.pkl"
    assert "eval/metrics.json" in found["train.metrics"]  # type: ignore[operator]


def test_every_guessed_output_is_written_by_the_pipeline(tmp_path: Path) -> None:
    """Run the fixture's stages as `dvc repro` would: each guessed path then exists."""
    root = copy_fixture("dvc-pipeline", tmp_path)
    found = values(root)
    for command in pipeline_commands(root):
        run = command.replace("python ", f"{sys.executable} ", 1)
        subprocess.run(run, shell=True, cwd=root, check=True, capture_output=True)
    for path in [*found["train.metrics"], found["train.model"], found["train.plots"]]:  # type: ignore[misc]
        assert (root / str(path)).exists(), path
    assert sorted(p.name for p in (root / "eval" / "plots").iterdir()) == [
        "confusion.csv",
        "prc.json",
    ]


def test_stages_in_dependency_order(repo: Repo) -> None:
    root = repo(PIPELINE)
    assert pipeline_commands(root) == [
        "python featurize.py",
        "python train.py",
        "python evaluate.py",
    ]
    found = values(root)
    assert found["train.command"] == "dvc repro"
    assert found["train.metrics"] == ["metrics.json"]
    assert found["train.model"] == "model.pkl"
    assert found["train.data"] == ["data/raw.csv"]  # features.csv is made by a stage


def test_s3_remote_pulls_first_and_installs_the_extra(repo: Repo) -> None:
    config = "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/dvc\n"
    root = repo({**PIPELINE, ".dvc/config": config, "data/raw.csv.dvc": "outs:\n- path: raw.csv\n"})
    assert [r.url for r in read_remotes(root)] == ["s3://bucket/dvc"]
    found = values(root)
    assert found["train.command"] == "dvc pull --allow-missing && dvc repro"
    assert found["build.install"] == "pip install 'dvc[s3]'"
    assert any("credentials" in line for line in notes(root))


def test_a_local_remote_is_not_pulled(repo: Repo) -> None:
    config = "[core]\n    remote = local\n['remote \"local\"']\n    url = /tmp/dvc-store\n"
    root = repo({**PIPELINE, ".dvc/config": config})
    assert values(root)["train.command"] == "dvc repro"
    assert any("local folder" in line for line in notes(root))


def test_tracked_data_without_a_remote_is_noted(repo: Repo) -> None:
    root = repo({**PIPELINE, "data/raw.csv.dvc": "outs:\n- md5: abc\n  path: raw.csv\n"})
    assert values(root)["train.command"] == "dvc repro"
    assert any("names no remote" in line for line in notes(root))


def test_dvc_already_in_requirements(repo: Repo) -> None:
    root = repo({**PIPELINE, "requirements.txt": "scikit-learn\ndvc[s3]>=3\n"})
    assert "build.install" not in values(root)
    assert "build.install: DVC comes from requirements.txt" in notes(root)


def test_experiments_when_the_project_uses_them(repo: Repo) -> None:
    root = repo({**PIPELINE, "README.md": "Run `dvc exp run -S train.lr=0.2` to try a value.\n"})
    assert values(root)["train.command"] == "dvc exp run"


def test_without_a_dvc_folder_the_stages_run_in_order(repo: Repo) -> None:
    files = {k: v for k, v in PIPELINE.items() if not k.startswith(".dvc/")}
    root = repo(files)
    assert (
        values(root)["train.command"]
        == "python featurize.py && python train.py && python evaluate.py"
    )
    assert "build.install" not in values(root)  # the stages run without DVC: none installed


def test_custom_params_file_plots_and_artifacts(repo: Repo) -> None:
    dvc_yaml = """\
stages:
  train:
    cmd: python src/train.py
    wdir: .
    deps: [src/train.py, data]
    params:
      - config/train.yaml:
          - lr
          - epochs
    outs: [models/net]
plots:
  - roc:
      x: fpr
      y:
        eval/roc/train.json: tpr
        eval/roc/test.json: tpr
  - eval/importance.png
artifacts:
  net:
    path: models/net
    type: model
"""
    root = repo(
        {
            "dvc.yaml": dvc_yaml,
            "config/train.yaml": "lr: 0.1\nepochs: 2\n",
            "data/a.csv": "x\n1\n",
            "src/train.py": "import torch\nmodel = Net().to('cuda')\n",
            ".dvc/config": "",
        }
    )
    detection = detect_training(root)
    found = {g.key: g.value for g in detection.guesses}
    assert found["train.params"] == "config/train.yaml"
    assert found["train.plots"] == "eval"
    assert found["train.model"] == "models/net"
    assert found["train.data"] == ["data"]
    gpu = detection.get("train.runner.gpu")
    assert gpu is not None and gpu.evidence == "src/train.py line 2 moves Net to cuda"
    assert any(
        line.startswith("train.metrics: no stage of dvc.yaml declares") for line in notes(root)
    )


def test_dvclive_in_a_stage(repo: Repo) -> None:
    dvc_yaml = (
        "stages:\n  train:\n    cmd: python train.py\n    deps: [train.py]\n    outs: [model.pt]\n"
    )
    script = "from dvclive import Live\nlive = Live('live')\nlive.log_metric('acc', 1)\n"
    root = repo({"dvc.yaml": dvc_yaml, "train.py": script, ".dvc/config": ""})
    found = values(root)
    assert found["train.metrics"] == ["live/metrics.json"]
    assert found["train.plots"] == "live/plots"
    assert found["train.model"] == "model.pt"
