"""The p-values written out in mlci.drift.pvalues equal scipy's (which a check against a
profile no longer imports: scipy.stats costs about a second per process)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import chi2, chi2_contingency, false_discovery_control, kstwo, kstwobign, norm

from mlci.drift.pvalues import KS_ASYMPTOTIC_N, chi2_sf, kolmogorov_sf, ks_sf, normal_sf
from mlci.drift.stats import chi2_contingency_counts, correct, two_proportion_z


@pytest.mark.parametrize("dof", [1, 2, 3, 4, 9, 10, 49, 50, 199])
def test_chi2_tail_equals_scipy(dof):
    for x in [1e-3, 0.5, 1, 2, 5, 10, 50, 100, 400, 1000, 3000]:
        expected = chi2.sf(x, dof)
        if expected > 1e-300:
            assert chi2_sf(x, dof) == pytest.approx(expected, rel=1e-10)
    assert chi2_sf(0.0, dof) == 1.0
    with pytest.raises(ValueError):
        chi2_sf(1.0, 0)


def test_normal_and_kolmogorov_tails_equal_scipy():
    for z in np.linspace(-6, 30, 121):
        assert normal_sf(z) == pytest.approx(norm.sf(z), rel=1e-10, abs=1e-300)
    for x in np.linspace(0.01, 8, 400):
        assert kolmogorov_sf(x) == pytest.approx(kstwobign.sf(x), rel=1e-10, abs=1e-300)
    assert kolmogorov_sf(0.0) == 1.0


def test_ks_p_value_is_never_below_the_finite_sample_one():
    # Above KS_ASYMPTOTIC_N the limit is used: conservative (no extra false alarms) and
    # within a few percent of scipy's finite-n value.
    for n in [KS_ASYMPTOTIC_N, 100_000, 1_000_000]:
        for d in [0.5 / math.sqrt(n), 1.5 / math.sqrt(n), 3 / math.sqrt(n)]:
            ours, finite = ks_sf(d, 2 * n, 2 * n), kstwo.sf(d, n)
            assert ours >= finite
            assert ours == pytest.approx(finite, rel=0.03)
    assert ks_sf(0.05, 1000, 1000) == pytest.approx(kstwo.sf(0.05, 500))


def test_count_tests_equal_scipy():
    rng = np.random.default_rng(0)
    for k in [2, 3, 5, 20]:
        for _ in range(30):
            a, b = rng.integers(0, 50, k), rng.integers(0, 50, k)
            table = np.vstack([a, b]).astype(float)
            table = table[:, table.sum(0) > 0]
            if table.shape[1] < 2:
                continue
            statistic, p = chi2_contingency_counts(a, b)
            expected = chi2_contingency(table, correction=True)
            assert statistic == pytest.approx(expected.statistic, rel=1e-10)
            assert p == pytest.approx(expected.pvalue, rel=1e-10)
    z, p = two_proportion_z(np.array([400, 600]), np.array([450, 550]))
    assert p == pytest.approx(2 * norm.sf(abs(z)), rel=1e-12)
    values = rng.random(30) ** 3
    assert correct(list(values), "bh") == pytest.approx(false_discovery_control(values), abs=1e-15)


def test_a_check_against_a_profile_does_not_import_scipy_stats(tmp_path):
    import pandas as pd

    from mlci.drift import build_profile, save_profile

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=30000), "c": rng.choice(list("abc"), 30000)})
    frame.to_parquet(tmp_path / "d.parquet")
    save_profile(build_profile(frame), tmp_path / "p.json")
    script = (
        "import sys\n"
        "from mlci.drift import run_check\n"
        f"result = run_check({str(tmp_path / 'p.json')!r}, {str(tmp_path / 'd.parquet')!r})\n"
        "assert not result.dataset_drift and result.compared == 2\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
