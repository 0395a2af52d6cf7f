"""Profiles: streamed builds are exact, files round-trip, stay small and merge."""

import json

import numpy as np
import pandas as pd
import pytest

from mlci.drift import build_profile, load_profile, merge_profiles, run_check, save_profile
from mlci.errors import InputError

from .conftest import make_frame


def test_streamed_two_pass_parquet_profile_equals_in_memory(tmp_path, rng):
    frame = make_frame(rng, 30000, nulls=0.1)
    frame.to_parquet(tmp_path / "ref.parquet")
    whole = build_profile(frame)
    from mlci.drift.build import profile_source
    from mlci.drift.readers import open_source

    streamed, _ = profile_source(
        open_source(tmp_path / "ref.parquet"), batch_rows=4096, sketch_rows=5000
    )
    for name in ("tenure", "charges", "calls"):
        a, b = whole.column(name).numeric, streamed.column(name).numeric
        assert (b.count, b.nulls) == (a.count, a.nulls)
        assert b.mean == pytest.approx(a.mean) and b.std == pytest.approx(a.std)
        # edges differ (sampled), counts are exact: the CDF at each edge matches the data
        values = frame[name].dropna().to_numpy()
        _, upto = b.cumulative()
        assert upto.tolist() == [int((values <= e).sum()) for e in b.edges]
    assert streamed.column("contract").categories == whole.column("contract").categories
    assert streamed.column("customer_id").kind == "text"


def test_profile_file_round_trips_and_is_small(tmp_path, rng):
    n = 20000
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(20)})
    for i in range(5):
        frame[f"c{i}"] = rng.choice([f"level{j}" for j in range(12)], n)
    path = save_profile(build_profile(frame), tmp_path / "p.json")
    assert path.stat().st_size < 100_000
    text = path.read_text()
    assert text.count("\n") > 25 * 8  # one line per field: diffable
    loaded = load_profile(path)
    current = frame.sample(frac=0.5, random_state=1)
    direct = run_check(build_profile(frame), current)
    again = run_check(loaded, current)
    for a, b in zip(direct.columns, again.columns, strict=True):
        assert a.statistic == pytest.approx(b.statistic, rel=1e-9, abs=1e-12)


def test_bad_profile_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": "mlci.drift-profile/1", "rows": 1}))
    with pytest.raises(InputError, match=r"bad.json: columns: missing \(not a valid drift profile"):
        load_profile(bad)
    other = tmp_path / "other.json"
    other.write_text('{"schema": "mlci.drift-result/v1"}')
    with pytest.raises(InputError, match=r"a drift result \(mlci.drift-result/v1\), not a drift"):
        load_profile(other)


def test_merge_of_partitions(rng):
    a, b = make_frame(rng, 4000), make_frame(rng, 6000, shift=1.0)
    merged = merge_profiles([build_profile(a), build_profile(b)])
    whole = build_profile(pd.concat([a, b]))
    assert merged.rows == 10000
    assert merged.column("contract").categories == whole.column("contract").categories
    m, w = merged.column("tenure").numeric, whole.column("tenure").numeric
    assert (m.count, m.mean, m.minimum) == (w.count, pytest.approx(w.mean), w.minimum)
    assert m.std == pytest.approx(w.std)
    assert 0 < merged.cdf_error <= 0.02
    values = pd.concat([a, b])["tenure"].to_numpy()
    _, upto = m.cumulative()
    exact = np.array([(values <= e).sum() for e in m.edges]) / values.size
    assert np.max(np.abs(upto / m.count - exact)) <= merged.cdf_error + 1e-9
    same = merge_profiles([build_profile(a), build_profile(a)])
    assert same.cdf_error == 0.0 and same.column("tenure").numeric.count == 8000
