"""data.reference, data.current and train.data: data anywhere, never a test split."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlci.detect.data import detect_data, find_data_files
from mlci.detect.files import project_files

Repo = Callable[[dict[str, str]], Path]
TABLE = "a,b,label\n1,2,0\n3,4,1\n"


def detect(root: Path, outputs: tuple[str, ...] = ()) -> tuple[dict[str, object], list[str]]:
    detection = detect_data(root, project_files(root), outputs)
    return {g.key: g.value for g in detection.guesses}, [n.line() for n in detection.notes]


def test_training_split_is_the_reference_and_the_test_split_is_named(repo: Repo) -> None:
    root = repo(
        {
            "train.csv": TABLE,
            "test.csv": TABLE,
            "train.py": "import pandas as pd\ntrain = pd.read_csv('train.csv')\n"
            "test = pd.read_csv('test.csv')\n",
        }
    )
    guesses, notes = detect(root)
    assert guesses == {"data.reference": "train.csv", "train.data": ["test.csv", "train.csv"]}
    assert "data.reference: test.csv is a test split, not used as the reference" in notes
    assert notes[-1].startswith("data.current: no current (production) data found")


def test_a_validation_and_a_holdout_split_are_called_what_they_are(repo: Repo) -> None:
    root = repo({"data/train.csv": TABLE, "data/valid.csv": TABLE, "data/holdout.csv": TABLE})
    guesses, notes = detect(root)
    assert guesses["data.reference"] == "data/train.csv"
    assert (
        "data.reference: data/valid.csv is a validation split, not used as the reference" in notes
    )
    assert "data.reference: data/holdout.csv is a holdout split, not used as the reference" in notes


def test_only_a_test_split_gives_no_reference(repo: Repo) -> None:
    root = repo({"data/holdout.csv": TABLE, "data/X_valid.parquet.csv": TABLE})
    guesses, notes = detect(root)
    assert "data.reference" not in guesses
    assert notes[-1] == (
        "data.reference: only test splits found: set data.reference to the training data"
    )


def test_data_anywhere_and_current_data_by_name(repo: Repo) -> None:
    root = repo(
        {
            "inputs/customers.tsv": "a\tb\n1\t2\n",
            "inputs/current_customers.csv": "a,b\n1,2\n",
            "train.py": "DATA = 'inputs/customers.tsv'\n",
        }
    )
    guesses, _ = detect(root)
    assert guesses["data.reference"] == "inputs/customers.tsv"
    assert guesses["data.current"] == {"path": "inputs/current_customers.csv"}
    assert guesses["train.data"] == ["inputs/customers.tsv"]


def test_headerless_space_separated_and_outputs_are_not_data(repo: Repo) -> None:
    root = repo(
        {
            "data/points.csv": "1 2 3\n4 5 6\n7 8 9\n",
            "metrics.csv": "name,value\nacc,0.9\n",
            "eval/scores.tsv": "step\tvalue\n1\t0.5\n",
            "out/written.csv": "a,b\n1,2\n",
            "requirements.txt": "numpy\n",
            "notes.txt": "key: value\nother: thing\n",
            "tests/data/sample.csv": TABLE,
        }
    )
    found = find_data_files(root, project_files(root), ("out/written.csv",))
    assert found.found == ()
    assert found.left_out == (
        (
            "data/points.csv",
            "reads as one column named '1 2 3'; it looks space-separated or has no header row",
        ),
    )
    _, notes = detect(root)
    assert notes[0].startswith("data.reference: data/points.csv is left out: reads as one column")


def test_git_ignored_files_and_virtualenvs_are_skipped(repo: Repo) -> None:
    root = repo({".gitignore": "cache/\n", "data/train.csv": TABLE})
    (root / "cache").mkdir()
    (root / "cache" / "big.csv").write_text(TABLE)
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / ".venv" / "lib" / "x.csv").write_text(TABLE)
    (root / "venv").mkdir()
    (root / "venv" / "y.csv").write_text(TABLE)
    (root / "extra.csv").write_text(TABLE)  # untracked, not ignored: counts
    assert project_files(root) == ("data/train.csv", "extra.csv")


def test_folder_without_git_is_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    folder = tmp_path / "plain"
    (folder / "node_modules").mkdir(parents=True)
    (folder / "node_modules" / "a.csv").write_text(TABLE)
    (folder / "raw").mkdir()
    (folder / "raw" / "train.csv").write_text(TABLE)
    assert project_files(folder) == ("raw/train.csv",)


def test_dvc_tracked_data_is_the_path_not_the_pointer(repo: Repo) -> None:
    root = repo(
        {
            ".gitignore": "/data/raw.csv\n",
            "data/raw.csv.dvc": "outs:\n- md5: abc\n  size: 10\n  path: raw.csv\n",
            "dvc.lock": "schema: '2.0'\nstages:\n  prepare:\n    cmd: python prepare.py\n"
            "    deps:\n    - path: data/raw.csv\n    outs:\n    - path: data/prepared/train.csv\n",
        }
    )
    guesses, _ = detect(root)
    # data/raw.csv is pulled with `dvc pull`; data/prepared/train.csv is made by the
    # pipeline (an out of dvc.lock, not on disk): no checkout has it.
    assert guesses["data.reference"] == "data/raw.csv"
    detection = detect_data(root, project_files(root))
    reference = detection.get("data.reference")
    assert reference is not None
    assert reference.evidence == (
        "the only data file, tracked by DVC (not in the checkout: pull it with `dvc pull`)"
    )
    (root / "data" / "prepared").mkdir(parents=True)
    (root / "data" / "prepared" / "train.csv").write_text(TABLE)
    guesses, _ = detect(root)
    assert guesses["data.reference"] == "data/prepared/train.csv"  # on disk: a training split
