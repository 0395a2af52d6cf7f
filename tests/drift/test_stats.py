"""Statistics equal scipy's on raw data; profile estimates stay within their bounds."""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance

from mlci.config.schema import DriftConfig
from mlci.drift import build_profile, run_check
from mlci.drift.distances import ks_from_bins, wasserstein_from_bins
from mlci.drift.sketch import BinCounts, edges_from_sorted
from mlci.drift.stats import (
    chi2_contingency_counts,
    correct,
    hellinger_counts,
    jensenshannon_counts,
    psi_counts,
)


def counts_of(reference, current, chunks=3):
    edges = edges_from_sorted(np.sort(reference))
    ref = BinCounts(edges=edges)
    for part in np.array_split(reference, chunks):
        ref.add(part)
    cur = BinCounts(edges=edges)
    cur.add(current)
    return ref, cur


@pytest.mark.parametrize("shift", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("n", [50, 3000, 40000])
def test_profile_ks_and_wasserstein_bracket_scipy(rng, shift, n):
    reference = rng.normal(0, 1, n)
    current = rng.normal(shift, 1.3 if shift else 1.0, n // 2 + 7)
    ref, cur = counts_of(reference, current)
    d, d_bound = ks_from_bins(ref, cur)
    exact_d = ks_2samp(reference, current).statistic
    assert d - 1e-12 <= exact_d <= d + d_bound + 1e-12
    assert d_bound <= 0.02 + 1.0 / n  # at most the largest segment share of either side
    w, w_bound = wasserstein_from_bins(ref, cur)
    exact_w = wasserstein_distance(reference, current)
    assert w - 1e-9 <= exact_w <= w + w_bound + 1e-9


def test_profile_statistics_are_exact_on_discrete_data(rng):
    reference = rng.integers(0, 6, 5000).astype(float)
    current = rng.integers(0, 8, 3000).astype(float)
    ref, cur = counts_of(reference, current)
    assert ks_from_bins(ref, cur) == pytest.approx((ks_2samp(reference, current).statistic, 0))
    w, bound = wasserstein_from_bins(ref, cur)
    assert bound == 0.0
    assert w == pytest.approx(wasserstein_distance(reference, current), abs=1e-9)


def test_moments_merge_across_batches(rng):
    values = rng.normal(1e6, 3.0, 10001)
    ref, _ = counts_of(values, values[:10], chunks=7)
    assert ref.mean == pytest.approx(values.mean(), rel=1e-12)
    assert ref.std == pytest.approx(values.std(), rel=1e-9)
    assert ref.count == values.size


def test_count_statistics_equal_scipy(rng):
    reference = rng.integers(1, 500, 7).astype(float)
    current = rng.integers(1, 500, 7).astype(float)
    assert jensenshannon_counts(reference, current) == pytest.approx(
        jensenshannon(reference, current), abs=1e-12
    )
    stat, p = chi2_contingency_counts(reference, current)
    expected = chi2_contingency(np.vstack([reference, current]))
    assert stat == pytest.approx(expected.statistic, abs=1e-9)
    assert p == pytest.approx(expected.pvalue, abs=1e-12)
    # 2 x 2: scipy applies Yates' correction, and so do we
    stat, p = chi2_contingency_counts(np.array([30.0, 12.0]), np.array([18.0, 25.0]))
    expected = chi2_contingency(np.array([[30, 12], [18, 25]]))
    assert (stat, p) == pytest.approx((expected.statistic, expected.pvalue), abs=1e-12)
    p_share, q_share = reference / reference.sum(), current / current.sum()
    assert hellinger_counts(reference, current) == pytest.approx(
        np.sqrt(np.sum((np.sqrt(p_share) - np.sqrt(q_share)) ** 2) / 2), abs=1e-12
    )


def test_psi_uses_half_count_smoothing():
    reference, current = np.array([50.0, 50.0, 0.0]), np.array([40.0, 40.0, 20.0])
    p = (reference + 0.5) / (100 + 1.5)
    q = (current + 0.5) / (100 + 1.5)
    assert psi_counts(reference, current) == pytest.approx(np.sum((q - p) * np.log(q / p)))


def test_corrections():
    p = [0.01, 0.02, 0.03, 0.5]
    assert correct(p, "bonferroni") == pytest.approx([0.04, 0.08, 0.12, 1.0])
    assert correct(p, "bh") == pytest.approx([0.04, 0.04, 0.04, 0.5])
    assert correct(p, "none") == p


def test_run_check_on_raw_data_equals_scipy(rng):
    reference = pd.DataFrame({"x": rng.normal(0, 1, 800), "c": rng.choice(list("abcd"), 800)})
    current = pd.DataFrame({"x": rng.normal(0.2, 1, 600), "c": rng.choice(list("abcde"), 600)})
    result = run_check(reference, current, DriftConfig(correction="none"))
    x, c = result.column("x"), result.column("c")
    exact = ks_2samp(reference["x"], current["x"])
    assert x.test == "ks"
    assert abs(x.statistic - exact.statistic) <= 1e-9
    assert abs(x.p_value - exact.pvalue) <= 1e-9
    table = pd.crosstab(
        np.r_[np.zeros(800), np.ones(600)], np.r_[reference["c"], current["c"]]
    ).to_numpy()
    assert c.test == "chi2"
    assert abs(c.statistic - chi2_contingency(table).statistic) <= 1e-9
    large = run_check(
        reference, current, DriftConfig(tests={"x": "wasserstein", "c": "jensenshannon"})
    )
    w = wasserstein_distance(reference["x"], current["x"]) / np.std(reference["x"])
    assert abs(large.column("x").statistic - w) <= 1e-9
    ref_share = reference["c"].value_counts()
    cur_share = current["c"].value_counts()
    labels = sorted(set(ref_share.index) | set(cur_share.index))
    js = jensenshannon(
        ref_share.reindex(labels, fill_value=0), cur_share.reindex(labels, fill_value=0)
    )
    assert abs(large.column("c").statistic - js) <= 1e-9


def test_profile_reference_reports_a_bound_that_holds(rng):
    reference = pd.DataFrame({"x": rng.lognormal(0, 1, 20000)})
    current = pd.DataFrame({"x": rng.lognormal(0.05, 1, 5000)})
    config = DriftConfig(tests={"x": "wasserstein"})
    exact = run_check(reference, current, config).column("x")
    estimate = run_check(build_profile(reference), current, config).column("x")
    assert exact.error_bound == 0.0
    assert estimate.statistic - 1e-9 <= exact.statistic <= estimate.statistic + estimate.error_bound
    ks = run_check(build_profile(reference), current, DriftConfig(tests={"x": "ks"})).column("x")
    exact_ks = ks_2samp(reference["x"], current["x"]).statistic
    assert ks.statistic - 1e-12 <= exact_ks <= ks.statistic + ks.error_bound + 1e-12
    assert ks.error_bound <= 0.011
