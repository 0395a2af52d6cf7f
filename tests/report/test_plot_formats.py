"""Plot data as DVC and DVCLive write it, read by `mlci.report.plots`.

Shapes follow dvclive 3.x (dvclive/plots/sklearn.py: Roc, PrecisionRecall, Det,
Calibration dump `{"<name>": [records]}`, ConfusionMatrix dumps one
`{"actual", "predicted"}` record per sample; dvclive/plots/metric.py writes
`[timestamp,] step, NAME` rows) and DVC's plot files (https://dvc.org/doc/user-guide/
experiment-management/visualizing-plots: CSV/TSV with a header, JSON lists of records,
`x`/`y`/`template` in dvc.yaml).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlci.report.plots import load_plots, parse_plot


def _records(name: str, rows: list[dict[str, object]]) -> str:
    return json.dumps({name: rows}, indent=4)


def test_dvclive_roc_precision_recall_det_calibration() -> None:
    roc = parse_plot(
        "dvclive/plots/sklearn/roc.json",
        _records(
            "roc",
            [
                {"fpr": 0.0, "tpr": 0.0, "threshold": 1.9},
                {"fpr": 0.1, "tpr": 0.8, "threshold": 0.7},
                {"fpr": 1.0, "tpr": 1.0, "threshold": 0.1},
            ],
        ),
    )
    assert (roc.kind, roc.x_label, roc.columns) == ("curve", "fpr", ("tpr",))
    assert roc.x == (0.0, 0.1, 1.0) and roc.y == ((0.0, 0.8, 1.0),)
    pr = parse_plot(
        "precision_recall.json",
        _records(
            "precision_recall",
            [
                {"precision": 0.5, "recall": 1.0, "threshold": 0.1},
                {"precision": 1.0, "recall": 0.5, "threshold": 0.9},
            ],
        ),
    )
    assert (pr.x_label, pr.columns, pr.x, pr.y) == (
        "recall",
        ("precision",),
        (1.0, 0.5),
        ((0.5, 1.0),),
    )
    det = parse_plot(
        "det.json",
        _records(
            "det",
            [
                {"fpr": 0.0, "fnr": 1.0, "threshold": 0.9},
                {"fpr": 1.0, "fnr": 0.0, "threshold": 0.1},
            ],
        ),
    )
    assert (det.x_label, det.columns) == ("fpr", ("fnr",))
    calibration = parse_plot(
        "calibration.json",
        _records(
            "calibration",
            [{"prob_true": 0.1, "prob_pred": 0.15}, {"prob_true": 0.8, "prob_pred": 0.7}],
        ),
    )
    assert (calibration.x_label, calibration.columns) == ("prob_pred", ("prob_true",))
    assert calibration.x == (0.15, 0.7) and calibration.y == ((0.1, 0.8),)


def test_dvclive_confusion_matrix_records_are_counted() -> None:
    samples = [("0", "0"), ("0", "0"), ("0", "1"), ("1", "1"), ("10", "2"), ("2", "2")]
    text = json.dumps([{"actual": a, "predicted": p} for a, p in samples], indent=4)
    matrix = parse_plot("dvclive/plots/sklearn/confusion_matrix.json", text)
    assert matrix.kind == "matrix"
    assert matrix.labels == ("0", "1", "2", "10")  # numeric order, not "10" before "2"
    assert matrix.matrix == (
        (2.0, 1.0, 0.0, 0.0),
        (0.0, 1.0, 0.0, 0.0),
        (0.0, 0.0, 1.0, 0.0),
        (0.0, 0.0, 1.0, 0.0),
    )


def test_dvc_confusion_csv_by_template_hint_with_other_column_names() -> None:
    text = "y,yhat\ncat,cat\ncat,dog\ndog,dog\n"
    matrix = parse_plot("eval/classes.csv", text, x="y", y="yhat", template="confusion")
    assert (matrix.kind, matrix.labels) == ("matrix", ("cat", "dog"))
    assert matrix.matrix == ((1.0, 1.0), (0.0, 1.0))


def test_a_regression_true_pred_scatter_is_not_a_confusion_matrix() -> None:
    text = "true,pred\n1.5,1.4\n2.25,2.5\n3.75,3.5\n"
    plot = parse_plot("residuals.csv", text)
    assert (plot.kind, plot.x_label, plot.columns) == ("curve", "true", ("pred",))


def test_dvclive_series_plots_step_against_the_value_not_the_timestamp() -> None:
    text = "timestamp\tstep\tloss\n1700000000000\t0\t0.9\n1700000001000\t1\t0.5\n"
    plot = parse_plot("dvclive/plots/metrics/train/loss.tsv", text)
    assert (plot.kind, plot.x_label, plot.columns) == ("curve", "step", ("loss",))
    assert plot.x == (0.0, 1.0) and plot.y == ((0.9, 0.5),)


def test_x_and_y_hints_choose_the_columns() -> None:
    text = "epoch,train_loss,val_loss,lr\n1,0.9,1.0,0.1\n2,0.5,0.7,0.05\n"
    plot = parse_plot("plots/loss.csv", text, x="epoch", y=["val_loss"])
    assert (plot.x_label, plot.columns, plot.y) == ("epoch", ("val_loss",), ((1.0, 0.7),))
    importance = parse_plot(
        "imp.json",
        json.dumps(
            [{"feature": "age", "gain": 0.4, "rank": 1}, {"feature": "bmi", "gain": 0.2, "rank": 2}]
        ),
        x="feature",
        y="gain",
    )
    assert (importance.kind, importance.labels, importance.y) == (
        "bar",
        ("age", "bmi"),
        ((0.4, 0.2),),
    )
    with pytest.raises(ValueError, match="no column 'nope' for y"):
        parse_plot("plots/loss.csv", text, x="epoch", y="nope")


def test_a_dvclive_plots_folder_loads_with_its_base_side(tmp_path: Path) -> None:
    head, base = tmp_path / "head", tmp_path / "base"
    for root, last in ((head, 0.25), (base, 0.4)):
        (root / "dvclive/plots/metrics").mkdir(parents=True)
        (root / "dvclive/plots/sklearn").mkdir(parents=True)
        (root / "dvclive/plots/metrics/loss.tsv").write_text(f"step\tloss\n0\t0.9\n1\t{last}\n")
        (root / "dvclive/plots/sklearn/confusion_matrix.json").write_text(
            json.dumps(
                [
                    {"actual": "0", "predicted": "0"},
                    {"actual": "1", "predicted": "0"},
                    {"actual": "1", "predicted": "1"},
                ]
            )
        )
    pairs = {p.path: p for p in load_plots("dvclive/plots", head, base_dir=base)}
    assert set(pairs) == {
        "dvclive/plots/metrics/loss.tsv",
        "dvclive/plots/sklearn/confusion_matrix.json",
    }
    loss = pairs["dvclive/plots/metrics/loss.tsv"]
    assert loss.error is None and loss.head is not None and loss.base is not None
    assert (loss.head.y, loss.base.y) == (((0.9, 0.25),), ((0.9, 0.4),))
    matrix = pairs["dvclive/plots/sklearn/confusion_matrix.json"]
    assert matrix.kind == "matrix" and matrix.head is not None
    assert matrix.head.matrix == ((1.0, 0.0), (1.0, 1.0))


def test_plots_of_one_name_in_two_folders_get_distinct_titles(tmp_path) -> None:
    """DVCLive writes `plots/metrics/train/loss.tsv` and `.../eval/loss.tsv`."""
    from mlci.report.plots import load_plots

    for split in ("train", "eval"):
        folder = tmp_path / "dvclive" / "plots" / "metrics" / split
        folder.mkdir(parents=True)
        (folder / "loss.tsv").write_text("step\tloss\n0\t0.9\n1\t0.5\n")
    titles = sorted(pair.title for pair in load_plots("dvclive/plots", tmp_path))
    assert titles == ["Loss (eval)", "Loss (train)"]
