"""The guessed mlci.yaml of each fixture shape, field by field, with its evidence."""

from __future__ import annotations

from pathlib import Path

import yaml
from tests.detect.conftest import copy_fixture

from mlci.config import parse_config
from mlci.workflows.guess import config_text, guess_config

SWITCH = (
    "note: train.runner: to train on a GPU, set train.runner: [self-hosted, linux, x64, gpu] "
    "(or rerun `mlci init --gpu` on a repository without mlci.yaml), then `mlci generate`"
)


def test_plain_sklearn(tmp_path: Path) -> None:
    root = copy_fixture("plain-sklearn", tmp_path)
    guess = guess_config(root)
    assert guess.data == {
        "project": "plain-sklearn",
        "build": {"install": "pip install -r requirements.txt", "test": None},
        "train": {
            "command": "python train.py",
            "params": None,
            "metrics": ["metrics.json"],
            "model": "model.joblib",
            "plots": None,
            "data": ["train.csv", "test.csv"],
            "runner": ["ubuntu-latest"],
        },
        "data": {"reference": "train.csv"},
    }
    lines = guess.lines()
    assert "guessed build.install: pip install -r requirements.txt, found requirements.txt" in lines
    assert "guessed build.test: none, no tests in the repository" in lines
    assert "guessed data.reference: train.csv, a training split, 5 columns" in lines
    assert "note: data.reference: test.csv is a test split, not used as the reference" in lines
    assert SWITCH in lines
    metrics = guess.guesses[[g.key for g in guess.guesses].index("train.metrics")]
    assert "train.py line 25" in metrics.evidence  # the json.dump that writes it
    # Guesses first, then notes, each in the config's key order.
    kinds = [line.split(" ", 1)[0] for line in lines]
    assert kinds == sorted(kinds)  # "guessed" < "note:"


def test_cml_example(tmp_path: Path) -> None:
    root = copy_fixture("cml-example", tmp_path)
    guess = guess_config(root)
    assert guess.data == {
        "project": "cml-example",
        "build": {"install": "pip install -r requirements.txt", "test": None},
        "train": {
            "command": "python train.py",
            "params": None,
            "metrics": ["metrics.txt"],
            "model": None,  # the CML example saves no model: none is guessed
            "plots": None,
            "images": ["plot.png"],  # the PNG CML users post: shown in the PR comment
            "data": ["data/train.csv", "data/test.csv"],
            "runner": ["ubuntu-latest"],
        },
        "data": {"reference": "data/train.csv"},
    }
    lines = guess.lines()
    metrics = next(line for line in lines if line.startswith("guessed train.metrics: "))
    assert metrics.startswith("guessed train.metrics: metrics.txt, ")
    assert "train.py line 22" in metrics and "key: value" in metrics
    assert "note: data.reference: data/test.csv is a test split, not used as the reference" in lines
    assert "guessed train.images: plot.png, written by train.py line 29 (plt.savefig)" in lines


def test_the_written_text_loads_as_the_same_config_with_evidence_comments(tmp_path: Path) -> None:
    root = copy_fixture("plain-sklearn", tmp_path)
    guess = guess_config(root)
    text = config_text(guess)
    assert yaml.safe_load(text) == guess.data
    config = parse_config(text)
    assert config.build.test is None
    assert config.train.metrics == ("metrics.json",)
    assert config.train.plots is None
    assert (
        "  # guessed: found requirements.txt\n  install: pip install -r requirements.txt\n" in text
    )
    assert (
        "  # note: test.csv is a test split, not used as the reference\n  reference: train.csv\n"
        in text
    )


def test_multi_line_installs_are_literal_blocks(tmp_path: Path) -> None:
    root = tmp_path / "uv-project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '1'\n")
    (root / "uv.lock").write_text("version = 1\n")
    (root / "train.py").write_text("print(1)\n")
    guess = guess_config(root)
    assert guess.data["build"]["install"] == "pip install uv\nuv sync --locked"
    assert guess.data["train"]["command"] == "uv run python train.py"
    text = config_text(guess)
    assert "  install: |-\n    pip install uv\n    uv sync --locked\n" in text
    assert (
        "guessed build.install: pip install uv && uv sync --locked, found uv.lock: the project "
        "uses uv"
    ) in guess.lines()
