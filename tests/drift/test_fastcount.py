"""The one-pass counting kernel against the sort-based algorithm it replaced.

`sorted_reference` is that algorithm (sort the batch, locate the edges in it, reduceat the
runs), kept here as the oracle: counts must be identical, sums equal within 1e-12 of the
magnitude of the values summed, min/max exact, moments within float noise.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

from mlci.drift import fastcount
from mlci.drift.sketch import BinCounts, edges_from_sorted

BACKENDS = ["numpy", "numba"]


def sorted_reference(values: np.ndarray, edges: np.ndarray) -> dict:
    ordered = np.sort(values)
    low = int(np.searchsorted(ordered, -np.inf, side="right"))
    high = int(np.searchsorted(ordered, np.inf, side="left"))
    finite = ordered[low:high]
    n = finite.size
    before = np.searchsorted(finite, edges, side="left")
    upto = np.searchsorted(finite, edges, side="right")
    bounds = np.concatenate([[0], np.column_stack([before, upto]).ravel(), [n]]).astype(int)
    lengths = np.diff(bounds)
    sums = np.array([finite[a:b].sum() for a, b in itertools.pairwise(bounds)])
    scale = np.array([np.abs(finite[a:b]).sum() for a, b in itertools.pairwise(bounds)])
    return {
        "between": lengths[0::2],
        "at": lengths[1::2],
        "sums": sums[0::2],
        "scale": scale[0::2],
        "count": n,
        "neginf": low,
        "posinf": ordered.size - high,
        "minimum": float(finite[0]) if n else float("inf"),
        "maximum": float(finite[-1]) if n else float("-inf"),
        "mean": float(finite.mean()) if n else 0.0,
        "m2": float(((finite - finite.mean()) ** 2).sum()) if n else 0.0,
    }


def assert_matches(tally: fastcount.Tally, values: np.ndarray, edges: np.ndarray) -> None:
    expected = sorted_reference(values, edges)
    np.testing.assert_array_equal(tally.between, expected["between"])
    np.testing.assert_array_equal(tally.at, expected["at"])
    assert tally.count == expected["count"]
    assert (tally.neginf, tally.posinf) == (expected["neginf"], expected["posinf"])
    assert (tally.minimum, tally.maximum) == (expected["minimum"], expected["maximum"])
    assert np.all(np.abs(tally.sums - expected["sums"]) <= 1e-12 * expected["scale"] + 1e-300)
    assert tally.mean == pytest.approx(expected["mean"], rel=1e-12, abs=1e-300)
    assert tally.m2 == pytest.approx(expected["m2"], rel=1e-9, abs=1e-300)


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "numba":
        pytest.importorskip("numba")
        assert fastcount.load_compiled()
    return request.param


def quantile_edges(values: np.ndarray) -> np.ndarray:
    return edges_from_sorted(np.sort(values))


@pytest.mark.parametrize(
    "draw",
    [
        lambda rng, n: rng.normal(0, 1, n),
        lambda rng, n: rng.gamma(0.5, 3.0, n),
        lambda rng, n: rng.standard_cauchy(n),
        lambda rng, n: rng.lognormal(0, 4, n),
    ],
    ids=["normal", "gamma", "cauchy", "lognormal"],
)
def test_random_data_matches_the_sort(backend, draw):
    rng = np.random.default_rng(7)
    edges = quantile_edges(draw(rng, 50_000))
    values = draw(rng, 200_000) + 0.1  # shifted: values fall outside the edges too
    assert_matches(fastcount.tally(values, edges, backend=backend), values, edges)


def test_int_like_values_tie_with_the_edges(backend):
    rng = np.random.default_rng(3)
    reference = rng.integers(0, 50, 40_000).astype(np.float64)
    edges = quantile_edges(reference)
    values = rng.integers(-5, 60, 100_000).astype(np.float64)
    tally = fastcount.tally(values, edges, backend=backend)
    assert_matches(tally, values, edges)
    assert tally.at.sum() == np.isin(values, edges).sum() > 0


def test_values_exactly_at_every_edge_and_between_neighbours(backend):
    edges = np.array([-1.5, 0.0, 1e-300, 2.0, 3.0, 1e6])
    values = np.concatenate(
        [edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf), edges, [0.5]]
    )
    tally = fastcount.tally(values, edges, backend=backend)
    assert_matches(tally, values, edges)
    np.testing.assert_array_equal(tally.at, np.full(edges.size, 2))


def test_infinities_are_counted_apart(backend):
    edges = np.array([0.0, 1.0, 2.0])
    values = np.array([np.inf, -np.inf, 0.5, np.inf, 1.0, 7.0])
    tally = fastcount.tally(values, edges, backend=backend)
    assert_matches(tally, values, edges)
    assert (tally.posinf, tally.neginf, tally.count) == (2, 1, 3)
    only_infinite = fastcount.tally(np.array([np.inf, -np.inf]), edges, backend=backend)
    assert (only_infinite.count, only_infinite.posinf, only_infinite.neginf) == (0, 1, 1)
    assert only_infinite.between.sum() == 0


def test_nan_is_counted_apart_and_poisons_nothing(backend):
    tally = fastcount.tally(np.array([np.nan, 1.0, 3.0]), np.array([2.0]), backend=backend)
    assert tally.nans == 1 and tally.count == 2
    assert np.isfinite(tally.sums).all() and tally.mean == 2.0


def test_empty_values_no_edges_and_one_edge(backend):
    empty = fastcount.tally(np.empty(0), np.array([1.0, 2.0]), backend=backend)
    assert empty.count == 0 and empty.between.tolist() == [0, 0, 0]
    values = np.array([3.0, -1.0, 2.0, 2.0])
    no_edges = fastcount.tally(values, np.empty(0), backend=backend)
    assert no_edges.between.tolist() == [4] and no_edges.at.size == 0
    assert_matches(no_edges, values, np.empty(0))
    one_edge = fastcount.tally(values, np.array([2.0]), backend=backend)
    assert (one_edge.between.tolist(), one_edge.at.tolist()) == ([1, 1], [2])


def test_huge_magnitudes(backend):
    rng = np.random.default_rng(11)
    edges = np.unique(np.concatenate([[-1e308, -1e300, 0.0, 1e-300, 1e300, 1e308]]))
    values = np.concatenate(
        [edges, rng.normal(0, 1, 1000) * 1e305, rng.normal(0, 1e-300, 1000), [1.7e308, -1.7e308]]
    )
    tally = fastcount.tally(values, edges, backend=backend)
    np.testing.assert_array_equal(tally.between, sorted_reference(values, edges)["between"])
    np.testing.assert_array_equal(tally.at, sorted_reference(values, edges)["at"])
    assert tally.count == values.size  # squares overflow: the moments use two passes
    assert np.isfinite(tally.m2) or np.isinf(tally.m2)


def test_a_large_offset_keeps_the_variance(backend):
    values = 1e9 + np.random.default_rng(5).normal(0, 1e-3, 10_000)
    edges = quantile_edges(values)
    tally = fastcount.tally(values, edges, backend=backend)
    # the shortcut sum(x^2) - n*mean^2 would lose every digit here (squares ~1e22)
    assert tally.m2 == pytest.approx(((values - values.mean()) ** 2).sum(), rel=1e-4)


def test_numba_and_numpy_agree_to_the_last_bit():
    pytest.importorskip("numba")
    assert fastcount.load_compiled()
    rng = np.random.default_rng(2)
    for draw in (rng.normal(0, 1, 300_000), rng.integers(0, 20, 300_000) * 0.5):
        edges = quantile_edges(draw[:10_000])
        values = np.concatenate([draw, [np.inf, -np.inf]])
        a = fastcount.tally(values, edges, backend="numba")
        b = fastcount.tally(values, edges, backend="numpy")
        for name in ("between", "at", "sums"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert (a.count, a.total, a.mean, a.m2, a.minimum, a.maximum) == (
            b.count,
            b.total,
            b.mean,
            b.m2,
            b.minimum,
            b.maximum,
        )


def test_bin_counts_streamed_in_batches_equal_one_count(backend, monkeypatch):
    rng = np.random.default_rng(9)
    values = rng.gamma(2.0, 1.0, 100_000)
    edges = quantile_edges(values[:5_000])
    original = fastcount.tally
    monkeypatch.setattr(fastcount, "tally", lambda v, e, g=None: original(v, e, g, backend=backend))
    streamed = BinCounts(edges=edges)
    for part in np.array_split(values, 7):
        streamed.add(part)
    whole = sorted_reference(values, edges)
    np.testing.assert_array_equal(streamed.between, whole["between"])
    np.testing.assert_array_equal(streamed.at, whole["at"])
    assert streamed.count == values.size
    assert streamed.mean == pytest.approx(whole["mean"], rel=1e-12)
    assert streamed.m2 == pytest.approx(whole["m2"], rel=1e-9)


def test_numpy_is_used_when_numba_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` raises ImportError
    monkeypatch.setattr(fastcount, "_compiled", fastcount._Compiled())
    monkeypatch.setattr(fastcount, "WARM_AFTER_VALUES", 0)
    assert fastcount.load_compiled() is False
    assert fastcount.backend() == "numpy"
    values = np.random.default_rng(1).normal(0, 1, 10_000)
    edges = quantile_edges(values)
    assert_matches(fastcount.tally(values, edges, backend="numba"), values, edges)
    assert_matches(fastcount.tally(values, edges), values, edges)


def test_numba_loads_in_the_background_only_after_enough_values(monkeypatch):
    pytest.importorskip("numba")
    state = fastcount._Compiled()
    monkeypatch.setattr(fastcount, "_compiled", state)
    monkeypatch.setattr(fastcount, "WARM_AFTER_VALUES", 1_000)
    edges = np.array([0.0, 1.0])
    fastcount.tally(np.zeros(500), edges)
    assert state.state == "idle"
    fastcount.tally(np.zeros(600), edges)
    assert state.state in ("loading", "ready")
    state.load()  # waits for the background load (same lock)
    assert fastcount.backend() == "numba"


def test_an_unwritable_cache_dir_still_counts(tmp_path):
    pytest.importorskip("numba")
    locked = tmp_path / "cache"
    locked.mkdir()
    locked.chmod(0o500)
    script = (
        "import numpy as np; from mlci.drift import fastcount;"
        "assert fastcount.load_compiled();"
        "t = fastcount.tally(np.array([0.5, 1.0, 2.0]), np.array([1.0]), backend='numba');"
        "print(t.between.tolist(), t.at.tolist())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"NUMBA_CACHE_DIR": str(locked), "PATH": "/usr/bin:/bin", "HOME": str(locked)},
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[1, 1] [1]"


# -- the Parquet reader that feeds it: whole row groups, read one ahead -------------------


def write_parquet(path, rows=30_000, group=7_000):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(4)
    values = rng.normal(0, 1, rows)
    values[::97] = np.nan
    table = pa.table(
        {
            "x": pa.array(values, mask=np.arange(rows) % 101 == 0),
            "n": rng.integers(0, 9, rows),
            "c": rng.choice(["a", "b", "c"], rows),
            "t": rng.choice(["a", "b"], rows),
        }
    )
    pq.write_table(table, path, row_group_size=group)
    return table


def read_all(source, **options):
    from mlci.drift.readers import CategoryChunk, NumericChunk

    rows, numeric, categories, nulls = 0, {}, {}, {}
    for batch in source.batches(
        {"x": "numeric", "n": "numeric", "c": "categorical"}, batch_rows=1_000, **options
    ):
        rows += batch.rows
        for name, chunk in batch.chunks.items():
            nulls[name] = nulls.get(name, 0) + chunk.nulls
            if isinstance(chunk, NumericChunk):
                numeric.setdefault(name, []).append(chunk.values)
            elif isinstance(chunk, CategoryChunk):
                for label, count in zip(chunk.labels, chunk.counts.tolist(), strict=True):
                    categories[label] = categories.get(label, 0) + count
    return rows, {n: np.concatenate(v) for n, v in numeric.items()}, categories, nulls


@pytest.mark.parametrize("budget", [8 << 20, 1, 40_000])
def test_parquet_batches_read_every_row_once(tmp_path, monkeypatch, budget):
    """Whole row groups, one column per read (budget 1: every part is streamed in
    batch_rows batches), or a few columns a read: the same values in the same order."""
    from mlci.drift import readers

    table = write_parquet(tmp_path / "d.parquet")
    monkeypatch.setattr(readers, "COLUMN_GROUP_BYTES", budget)
    rows, numeric, categories, nulls = read_all(readers.open_source(tmp_path / "d.parquet"))
    x = table.column("x").to_numpy(zero_copy_only=False)
    assert rows == table.num_rows
    np.testing.assert_array_equal(numeric["x"], x[~np.isnan(x)])
    np.testing.assert_array_equal(numeric["n"], table.column("n").to_numpy().astype(float))
    assert nulls["x"] == int(np.isnan(x).sum())
    expected = dict(
        zip(
            *np.unique(table.column("c").to_numpy(zero_copy_only=False), return_counts=True),
            strict=True,
        )
    )
    assert categories == {k: int(v) for k, v in expected.items()}


def test_parquet_sample_draws_one_mask_per_row_group(tmp_path, monkeypatch):
    from mlci.drift import readers

    write_parquet(tmp_path / "d.parquet")
    monkeypatch.setattr(readers, "COLUMN_GROUP_BYTES", 1)  # several parts per group
    rows, numeric, _, _ = read_all(readers.open_source(tmp_path / "d.parquet"), sample=0.3, seed=5)
    rng = np.random.default_rng(5)
    kept = sum(int((rng.random(size) < 0.3).sum()) for size in (7_000, 7_000, 7_000, 7_000, 2_000))
    assert rows == kept
    assert numeric["n"].size == kept  # every part of a group filtered by the same mask


def test_parquet_batches_closed_early_do_not_hang(tmp_path):
    from mlci.drift import readers

    write_parquet(tmp_path / "d.parquet")
    batches = readers.open_source(tmp_path / "d.parquet").batches({"x": "numeric"})
    first = next(batches)
    batches.close()
    assert first.rows == 7_000
