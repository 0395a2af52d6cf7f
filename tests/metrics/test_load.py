from __future__ import annotations

from pathlib import Path

from mlci.metrics import flatten, load_metrics
from mlci.metrics.direction import direction_of


def test_flatten_nested_and_lists() -> None:
    assert flatten({"a": {"b": {"c": 1}}, "l": [1, {"x": 2}], "e": {}}) == {
        "a.b.c": 1,
        "l.0": 1,
        "l.1.x": 2,
        "e": None,
    }


def test_formats_and_per_file_errors(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("val:\n  loss: .nan\n  acc: 0.9\n")
    (tmp_path / "m.tsv").write_text("class\tprecision\tf1\ncat\t0.9\t0.8\ndog\t0.7\tinf\n")
    (tmp_path / "one.csv").write_text("acc,loss\n0.91,0.3\n")
    (tmp_path / "bad.json").write_text('{"acc": 0.9,,}')
    loaded = load_metrics(["m.yaml", "m.tsv", "one.csv", "bad.json", "gone.json"], tmp_path)
    files = {f.path: f for f in loaded.files}
    assert files["m.yaml"].values["val.acc"] == 0.9
    assert files["m.tsv"].values == {
        "cat.precision": 0.9,
        "cat.f1": 0.8,
        "dog.precision": 0.7,
        "dog.f1": float("inf"),
    }
    assert files["one.csv"].values == {"acc": 0.91, "loss": 0.3}
    assert files["bad.json"].error == "bad.json: invalid JSON at line 1 column 13"
    assert files["gone.json"].missing and files["gone.json"].error == "gone.json: file not found"
    assert set(loaded.errors) == {"bad.json", "gone.json"}


def test_merged_names_are_unique_or_qualified(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"acc": 1, "only_a": 2}')
    (tmp_path / "b.json").write_text('{"acc": 3}')
    merged = load_metrics(["a.json", "b.json"], tmp_path).merged()
    assert "acc" not in merged
    assert merged["a.json:acc"] == 1 and merged["b.json:acc"] == 3 and merged["only_a"] == 2


def test_direction_defaults() -> None:
    lower = ["loss", "val.loss", "train_loss", "log_loss", "rmse", "mae", "error_rate", "wer"]
    higher = ["accuracy", "roc_auc", "f1", "precision", "r2", "lossless_ratio"]
    assert all(direction_of(n) == "lower" for n in lower)
    assert all(direction_of(n) == "higher" for n in higher)
