"""Parquet is streamed a few columns at a time, without pandas, to the same results."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from mlci.config.schema import DriftConfig
from mlci.drift import build_profile, readers, run_check, save_profile
from mlci.drift.build import profile_source
from mlci.drift.readers import column_groups, open_source

from .conftest import make_frame


def awkward_frame(rng, n, *, shift=0.0):
    frame = make_frame(rng, n, shift=shift, nulls=0.1)
    frame["contract"] = frame["contract"].astype("category")  # read as a dictionary
    frame.loc[rng.random(n) < 0.05, "contract"] = None
    frame["grade"] = rng.choice(["a", "b", None], n)  # plain strings with nulls
    frame["ratio"] = rng.normal(size=n).astype(np.float32)
    frame.loc[rng.random(n) < 0.05, "ratio"] = np.nan
    frame["seen"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), "D")
    frame.loc[rng.random(n) < 0.05, "seen"] = pd.NaT
    frame["flag_as_number"] = rng.random(n) < 0.3
    frame["empty"] = np.nan
    return frame


def comparable(result):
    """Column results with floats rounded: batch sizes change only the summation order."""

    def rounded(value):
        if isinstance(value, float):
            return float(f"{value:.9g}")
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [rounded(v) for v in value]
        return value

    return [rounded(c.to_dict()) for c in result.columns]


CONFIG = DriftConfig(types={"flag_as_number": "numeric"})


def test_parquet_read_in_column_groups_equals_the_dataframe(tmp_path, rng, monkeypatch):
    reference = awkward_frame(rng, 3000)
    current = awkward_frame(rng, 2500, shift=2.0)
    current.to_parquet(tmp_path / "cur.parquet", row_group_size=700)
    profile = build_profile(reference, CONFIG)
    expected = comparable(run_check(profile, current, CONFIG))
    # every column read on its own, several row groups, batches smaller than a group
    monkeypatch.setattr(readers, "COLUMN_GROUP_BYTES", 1)
    streamed = run_check(profile, tmp_path / "cur.parquet", CONFIG, batch_rows=256)
    assert streamed.current_rows == 2500
    assert comparable(streamed) == expected
    # a sample draws the same rows whatever the column grouping
    sampled = run_check(profile, tmp_path / "cur.parquet", CONFIG, sample=0.5, seed=3)
    monkeypatch.setattr(readers, "COLUMN_GROUP_BYTES", 1 << 30)
    together = run_check(profile, tmp_path / "cur.parquet", CONFIG, sample=0.5, seed=3)
    assert 1000 < sampled.current_rows == together.current_rows < 1500
    assert comparable(sampled) == comparable(together)


def test_column_groups_respect_the_byte_budget(tmp_path):
    frame = pd.DataFrame({f"x{i}": np.arange(1000, dtype=np.float64) for i in range(6)})
    frame["label"] = 1
    frame.to_parquet(tmp_path / "t.parquet")
    group = pq.ParquetFile(tmp_path / "t.parquet").metadata.row_group(0)
    size = group.column(0).total_uncompressed_size
    names = [f"x{i}" for i in range(6)]
    assert column_groups(group, names, (), 2 * size) == [names[0:2], names[2:4], names[4:6]]
    assert column_groups(group, names, (), 1) == [[n] for n in names]
    assert column_groups(group, names[:2], ("label", "x5"), 10**9) == [["label", "x5", *names[:2]]]


def test_parquet_check_against_a_profile_does_not_import_pandas(tmp_path, rng):
    reference = awkward_frame(rng, 2000)
    awkward_frame(rng, 2000, shift=5.0).to_parquet(tmp_path / "cur.parquet")
    save_profile(build_profile(reference, CONFIG), tmp_path / "profile.json")
    code = (
        "import json, sys\n"
        "from mlci.config.schema import DriftConfig\n"
        "from mlci.drift import run_check\n"
        "r = run_check('profile.json', 'cur.parquet', DriftConfig(types={'flag_as_number': "
        "'numeric'}))\n"
        "print(json.dumps([r.current_rows, 'pandas' in sys.modules, list(r.drifted_columns)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    rows, imported, drifted = json.loads(done.stdout)
    assert (rows, imported) == (2000, False)
    assert "tenure" in drifted


def test_profile_with_sampled_edges_keeps_exact_counts_and_valid_bounds(tmp_path, monkeypatch):
    from scipy.stats import ks_2samp, wasserstein_distance

    from mlci.drift import build

    rng = np.random.default_rng(11)
    frame = pd.DataFrame({"a": rng.gamma(2.0, 3.0, 40000), "b": rng.normal(size=40000)})
    frame.to_parquet(tmp_path / "ref.parquet", row_group_size=5000)
    exact = build_profile(frame)  # every value kept: edges at the exact quantiles
    # the default budget, shrunk: two numeric columns share 16,000 sampled values
    monkeypatch.setattr(build, "SKETCH_BYTES", 8 * 16000)
    monkeypatch.setattr(build, "MIN_SKETCH_ROWS", 100)
    profile, _ = profile_source(open_source(tmp_path / "ref.parquet"), batch_rows=3000)
    current = pd.DataFrame({"a": rng.gamma(2.2, 3.0, 9000), "b": rng.normal(0.05, 1, 9000)})
    result = run_check(profile, current, DriftConfig(tests={"a": "wasserstein", "b": "ks"}))
    for name in ("a", "b"):
        sketch = profile.column(name).numeric
        assert not np.array_equal(sketch.edges, exact.column(name).numeric.edges)
        values = frame[name].to_numpy()
        _, upto = sketch.cumulative()
        assert upto.tolist() == [int((values <= e).sum()) for e in sketch.edges]
        assert sketch.std == pytest.approx(values.std(), rel=1e-12)
    a, b = result.column("a"), result.column("b")
    scale = frame["a"].std(ddof=0)
    true_w = wasserstein_distance(frame["a"], current["a"]) / scale
    assert a.statistic - 1e-9 <= true_w <= a.statistic + a.error_bound + 1e-9
    true_d = ks_2samp(frame["b"], current["b"]).statistic
    assert b.statistic - 1e-12 <= true_d <= b.statistic + b.error_bound + 1e-12
