"""The standalone HTML drift report: plots, readable figures and a real table."""

import numpy as np
import pandas as pd

from mlci.config.schema import DriftConfig
from mlci.drift import run_check
from mlci.drift.html import to_html


def test_html_report_has_a_table_dates_and_short_figures():
    rng = np.random.default_rng(3)
    days = pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 300, 3000), "D")
    reference = pd.DataFrame(
        {"x": rng.normal(0, 1, 3000), "when": days, "c": rng.choice(["a", "b"], 3000)}
    )
    current = reference.assign(x=reference["x"] + 1.0)
    html = to_html(run_check(reference, current, DriftConfig()))
    assert html.startswith("<!DOCTYPE html>")
    assert "<th>column</th><th>type</th><th>drift</th>" in html
    assert "<td><code>x</code></td><td>numeric</td><td><b>yes</b></td>" in html
    assert "| column |" not in html  # no markdown left in the page
    assert "2026-01-01" in html  # datetime axes are dates, not epoch seconds
    caption = html.split("<figcaption>", 1)[1].split("</figcaption>", 1)[0]
    assert caption.startswith("<b>x</b> (numeric, drifted; ks ")
    statistic = caption.split("; ks ", 1)[1].split(" ", 1)[0]
    assert len(statistic) <= 6  # 4 decimals, not 16 digits


def test_names_from_the_data_are_escaped():
    rng = np.random.default_rng(5)
    name = "<script>alert(1)</script>"
    reference = pd.DataFrame({name: rng.normal(0, 1, 500), "c": rng.choice(["<b>x</b>", "y"], 500)})
    current = reference.assign(**{name: reference[name] + 2.0})
    html = to_html(run_check(reference, current, DriftConfig()), plots=2)
    assert "<script>" not in html and "<b>x</b>" not in html
    assert "<td><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></td>" in html
    assert "<figcaption><b>&lt;script&gt;alert(1)&lt;/script&gt;</b>" in html
