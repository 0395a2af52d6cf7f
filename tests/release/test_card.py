"""The model card: Hugging Face front matter, sections, change wording, escaping."""

from __future__ import annotations

import dataclasses

import yaml
from markdown_it import MarkdownIt

from mlci.config.schema import MetricsConfig
from mlci.release.card import (
    CardAsset,
    CardData,
    GateLine,
    PreviousRelease,
    ProfileSummary,
    describe_change,
    escape_text,
    render_card,
)
from mlci.train.record import FileDigest, RunRecord


def record(metrics: dict, run_id: str = "run-2", commit: str = "b" * 40) -> RunRecord:
    return RunRecord(
        id=run_id,
        created_at="2025-01-02T00:00:00+00:00",
        command="python train.py",
        status="succeeded",
        exit_code=0,
        duration_s=3.0,
        git={"commit": commit, "dirty": False},
        params={"params.yaml": {"lr": 0.1}},
        metrics={"metrics.json": metrics},
        data=(FileDigest("data/train.csv", "c" * 64, 2048),),
        runner={"gpu": {"gpus": [{"index": 0, "name": "NVIDIA T4", "memory_total_gb": 16.1}]}},
    )


def card(**changes) -> CardData:
    base = CardData(
        model="churn",
        version="v0.1.1",
        tag="churn@v0.1.1",
        project="shop",
        commit="b" * 40,
        date="2025-01-02",
        record=record({"accuracy": 0.81, "loss": 0.42}),
        description="Predicts churn.",
        license="apache-2.0",
        library_name="sklearn",
        task="tabular-classification",
        repository="octo-org/demo",
        previous=PreviousRelease(
            "churn@v0.1.0", "a" * 40, record({"accuracy": 0.78, "loss": 0.40}, "run-1")
        ),
        gates=(GateLine("accuracy", "min", "pass", "accuracy = 0.81 ≥ 0.7"),),
        gates_source="run record `main` <b>",
        assets=(CardAsset("model.joblib", 11, "d" * 64, "model"),),
        profile=ProfileSummary("profile.json", 4000, ("age", "plan"), "e" * 64),
    )
    return dataclasses.replace(base, **changes)


def split(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    head, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(head), body


def html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_front_matter_is_yaml_with_the_hub_model_index():
    meta, _ = split(render_card(card()))
    assert meta["license"] == "apache-2.0"
    assert meta["library_name"] == "sklearn"
    assert meta["tags"] == ["mlci", "shop"]
    [entry] = meta["model-index"]
    assert entry["name"] == "churn"
    [result] = entry["results"]
    assert result["task"] == {"type": "tabular-classification"}
    assert result["metrics"] == [
        {"type": "accuracy", "value": 0.81, "name": "accuracy"},
        {"type": "loss", "value": 0.42, "name": "loss"},
    ]


def test_sections_in_order():
    _, body = split(render_card(card()))
    headings = [line for line in body.splitlines() if line.startswith("#")]
    assert headings == [
        "# churn v0.1.1",
        "## Model details",
        "## Metrics",
        "## Validation gates",
        "## Parameters",
        "## Training data",
        "## Drift profile",
        "## Training environment",
        "## Files",
        "## Verifying the files",
    ]
    assert "- **Commit:** [`bbbbbbbbbbbb`](https://github.com/octo-org/demo/commit/" in body
    assert "| `data/train.csv` | `" + "c" * 64 + "` | 2.0 KiB | 1 |" in body
    assert "- **GPU 0:** NVIDIA T4, 16.1 GB" in body
    assert "| `model.joblib` | model | 11 B | `" + "d" * 64 + "` |" in body
    assert "- **Columns (2):** `age`, `plan`" in body
    assert "Checked against run record `main` &lt;b&gt;." in body


def test_metric_changes_follow_each_metrics_direction():
    _, body = split(render_card(card()))
    assert "Compared with the previous release `churn@v0.1.0`." in body
    assert "| Metric | Value | churn@v0.1.0 | Change |" in body
    assert "| `accuracy` | 0.81 | 0.78 | rose by 0.03 (better) |" in body
    assert "| `loss` | 0.42 | 0.4 | rose by 0.02 (worse) |" in body


def test_describe_change_wording():
    config = MetricsConfig()
    assert describe_change("loss", 0.3, 0.4, config) == "fell by 0.1 (better)"
    assert describe_change("accuracy", 0.7, 0.8, config) == "fell by 0.1 (worse)"
    assert describe_change("accuracy", 0.8, 0.8, config) == "unchanged"
    flipped = MetricsConfig(lower_is_better=("accuracy",))
    assert describe_change("accuracy", 0.9, 0.8, flipped) == "rose by 0.1 (worse)"


def test_first_release_and_a_previous_release_without_record():
    _, body = split(render_card(card(previous=None)))
    assert "The first release of this model: nothing to compare with." in body
    missing = PreviousRelease("churn@v0.1.0", "a" * 40, None, "no run record of commit aaaa")
    _, body = split(render_card(card(previous=missing)))
    assert "Compared with `churn@v0.1.0`: no run record of commit aaaa." in body
    assert "| Metric | Value |\n" in body


def test_a_metric_named_with_a_pipe_keeps_the_table_whole():
    data = card(record=record({"a|b": 1.0, "accuracy": 0.9}), previous=None)
    text = render_card(data)
    meta, body = split(text)
    assert meta["model-index"][0]["results"][0]["metrics"][0]["name"] == "a|b"
    rendered = html(body)
    assert "<td><code>a|b</code></td>" in rendered
    metrics_table = rendered.split("<h2>Metrics</h2>")[1].split("</table>")[0]
    assert all(row.count("<td>") == 2 for row in metrics_table.split("<tr>")[2:])


def test_a_description_with_front_matter_markers_and_html_stays_text():
    description = (
        "Line one\n---\nname: evil\n---\n<script>alert(1)</script> *x* [l](http://e)\n1. a"
    )
    text = render_card(card(description=description))
    meta, body = split(text)
    assert "name" not in meta  # the front matter ends where the card's own `---` is
    details = html(body).split("<h2>Model details</h2>")[1].split("<ul>")[0]
    assert details.startswith("\n<p>Line one\n---\nname: evil\n---\n&lt;script&gt;")
    assert details.endswith("*x* [l](http://e)\n1. a</p>\n")  # one paragraph, all text


def test_escape_text_inline_joins_lines():
    assert escape_text("a\n- b") == "a - b"
    assert escape_text("1. x", block=True) == "1\\. x"


def test_yaml_front_matter_quotes_hostile_names():
    data = card(model="churn", project="p: {x}", license="mit\n---")
    meta, _ = split(render_card(data))
    assert meta["license"] == "mit\n---"
    assert meta["tags"] == ["mlci", "p: {x}"]
