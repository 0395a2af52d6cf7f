"""Mermaid charts a reviewer can read: unique labels, two colours, a legend line."""

from __future__ import annotations

import re

from mlci.report.charts import BASE_COLOUR, HEAD_COLOUR, plot_markdown, unique_labels
from mlci.report.plots import PlotData, PlotPair

BASE = "main (3f2a1b2)"


def _chart(markdown: str) -> list[str]:
    """The lines of the first mermaid block."""
    block = markdown.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    return block.splitlines()


def _palette(lines: list[str]) -> list[str]:
    (directive,) = [line for line in lines if line.startswith("%%{init:")]
    found = re.search(r'"plotColorPalette": "([^"]*)"', directive)
    assert found is not None
    return [c.strip() for c in found.group(1).split(",")]


def test_unique_labels() -> None:
    assert unique_labels(["age", "income"]) == ["age", "income"]
    # Cut at the end when that keeps them apart.
    assert unique_labels(["a" * 30, "b"]) == ["a" * 23 + "…", "b"]
    # Names sharing a long prefix keep both ends instead.
    shared = unique_labels(["feature_importance_alpha_one", "feature_importance_alpha_two"])
    assert shared == ["feature_imp…ce_alpha_one", "feature_imp…ce_alpha_two"]
    # Still alike (or alike once quotes and spaces are normalised): a numbered suffix.
    assert unique_labels(['say "hi"', "say 'hi'", "say  'hi'"]) == [
        "say 'hi'",
        "say 'hi'~2",
        "say 'hi'~3",
    ]
    assert unique_labels(["x" * 30, "x" * 31]) == ["x" * 11 + "…" + "x" * 12, "x" * 21 + "…~2"]
    labels = unique_labels([f"{'customer_segment_' * 2}{i}" for i in range(12)])
    assert len(set(labels)) == 12 and all(len(label) <= 24 for label in labels)


def _bars(names: list[str]) -> PlotPair:
    """The same importances on both sides, largest first."""
    values = (tuple(1 / (i + 1) for i in range(len(names))),)
    side = PlotData("bar", "feature", ("importance",), y=values, labels=tuple(names))
    return PlotPair("plots/importance.csv", "Feature importance", side, side)


def test_bar_chart_has_unique_labels_colours_and_a_legend() -> None:
    names = [f"feature_importance_of_column_{i}" for i in range(12)]
    text = plot_markdown(_bars(names), BASE)
    lines = _chart(text)
    (axis,) = [line for line in lines if line.strip().startswith("x-axis")]
    shown = re.findall(r'"([^"]*)"', axis)
    assert len(shown) == 10 and len(set(shown)) == 10  # the top 10, each with its own name
    assert shown[0] == "feature_imp…_of_column_0"
    # Bars are the head, drawn first; the line is the base: colours in that order.
    assert [line.split()[0] for line in lines if line.startswith("    ") and "[" in line][-2:] == [
        "bar",
        "line",
    ]
    assert _palette(lines) == [HEAD_COLOUR, BASE_COLOUR]
    assert "_🟧 bars: this pull request · 🟦 line: base `main (3f2a1b2)`_ _Top 10 of 12._" in text
    assert "| feature_importance_of_column_11 |" in text  # the data table keeps full names


def test_curve_legend_names_the_base_by_branch_and_colours_differ() -> None:
    base = PlotData("curve", "epoch", ("loss",), x=(1, 2, 3), y=((0.9, 0.6, 0.5),))
    head = PlotData("curve", "epoch", ("loss",), x=(1, 2, 3), y=((0.8, 0.5, 0.4),))
    text = plot_markdown(PlotPair("plots/loss.csv", "Loss", base, head), BASE)
    lines = _chart(text)
    assert _palette(lines) == [BASE_COLOUR, HEAD_COLOUR]  # base drawn first
    assert BASE_COLOUR != HEAD_COLOUR
    assert sum(line.startswith("    line [") for line in lines) == 2
    legend = text.split("```\n\n", 1)[1].splitlines()[0]
    assert legend == "_🟦 base `main (3f2a1b2)` · 🟧 this pull request_"
    only_head = plot_markdown(PlotPair("plots/loss.csv", "Loss", None, head), BASE)
    assert "_🟧 this pull request: the base has no such plot_" in only_head
    assert _palette(_chart(only_head)) == [HEAD_COLOUR]
    only_base = plot_markdown(PlotPair("plots/loss.csv", "Loss", base, None), BASE)
    assert "_🟦 base `main (3f2a1b2)`: this pull request has no such plot_" in only_base


def test_close_values_and_axis_points_stay_apart() -> None:
    """Steps 1000..1010 printed with 3 digits all read "1e+03"; accuracies of 0.9012 and
    0.9034 both read "0.901"/"0.903" only with enough digits."""
    xs = tuple(float(1000 + i) for i in range(11))
    base = PlotData(
        "curve", "step", ("acc",), x=xs, y=(tuple(0.9010 + i * 1e-4 for i in range(11)),)
    )
    head = PlotData(
        "curve", "step", ("acc",), x=xs, y=(tuple(0.9012 + i * 2e-4 for i in range(11)),)
    )
    lines = _chart(plot_markdown(PlotPair("plots/acc.csv", "Accuracy", base, head), BASE))
    (axis,) = [line for line in lines if line.strip().startswith("x-axis")]
    points = axis.split("[", 1)[1].rstrip("]").split(", ")
    assert len(set(points)) == 11 and points[0] == "1000" and points[-1] == "1010"
    base_line, head_line = [line for line in lines if line.startswith("    line [")]
    assert base_line != head_line
    assert "0.9012" in head_line and "0.9032" in head_line
