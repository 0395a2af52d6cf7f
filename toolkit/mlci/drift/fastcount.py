"""One pass over a numeric column: its counts on a profile's edges, sums and moments.

`BinCounts.add` needs, for a batch of values, the count of values equal to each edge,
the count and sum of values in each open segment between edges (and the two open ends),
the infinities apart, and the minimum, maximum, mean and sum of squared deviations of
the finite values. Sorting the batch gives all of that but costs O(n log n) and most of
a check's time; this module gets it in one pass without sorting.

Two implementations give identical counts (and identical segment sums: both add the
values of a segment in the order they come):

- numba (the `fast` extra), when it imports: a uniform grid over the edges' span tells
  each value which few edges it can fall between, so locating a value is one
  multiplication and, only in grid cells that hold edges, a short binary search. It
  runs without the GIL, so the column threads of a check count in parallel. Compiled
  code is cached on disk (`cache=True`, honouring NUMBA_CACHE_DIR): the first call of a
  process loads it instead of compiling; where no cache directory is writable it
  compiles per process and still works.
- numpy otherwise: `searchsorted` of the values among the edges, then one `bincount`
  per figure. Slower than the compiled kernel, still several times faster than a sort.

NaN must not reach either (the readers count NaN as null); if one does, it is counted in
`Tally.nans` and nowhere else, so it can never poison a sum.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

# Grid cells per edge: enough that almost every cell holds at most one edge, so the
# binary search inside a cell is one or two comparisons, and small enough to stay in L1.
CELLS_PER_EDGE = 16
# A batch's m2 from shifted sums loses digits when the mean is far from the shift; below
# this share of the shifted sum of squares the exact two-pass value is taken instead.
CANCELLATION = 1e-6


@dataclass(frozen=True, eq=False)
class Tally:
    """Counts of one batch of values on edges e[0] < ... < e[m-1].

    `between[0]` counts values below e[0], `between[i]` values in (e[i-1], e[i]),
    `between[m]` values above e[m-1]; `at[i]` values equal to e[i]. `sums` are the sums
    of the values counted in `between`. The moments are of the finite values only.
    """

    between: np.ndarray  # int64, m + 1
    at: np.ndarray  # int64, m
    sums: np.ndarray  # float64, m + 1
    count: int  # finite values
    total: float  # their sum
    mean: float
    m2: float  # sum of squared deviations from the mean
    minimum: float
    maximum: float
    neginf: int
    posinf: int
    nans: int


@dataclass(frozen=True)
class Grid:
    """Where to look for a value among the edges: cell c covers
    [origin + c / scale, origin + (c + 1) / scale) and the value's position (the count of
    edges below it) lies in [low[c], high[c]]; the kernel checks that and searches all
    the edges when rounding put a value in the wrong cell."""

    origin: float
    scale: float
    low: np.ndarray  # int64
    high: np.ndarray  # int64


def make_grid(edges: np.ndarray) -> Grid:
    m = int(edges.size)
    with np.errstate(over="ignore"):
        span = float(edges[-1] - edges[0]) if m >= 2 else 0.0
    cells = CELLS_PER_EDGE * m
    scale = cells / span if m >= 2 and np.isfinite(span) and span > 0.0 else 0.0
    if not np.isfinite(scale) or scale <= 0.0:
        # One cell holding every edge, a plain binary search: a single edge, or a span
        # too wide (or too narrow) for float arithmetic.
        origin = float(edges[0]) if m else 0.0
        return Grid(origin, 0.0, np.zeros(1, np.int32), np.full(1, m, np.int32))
    with np.errstate(over="ignore"):
        bounds = edges[0] + np.arange(cells + 1, dtype=np.float64) / scale
    # A value x in [bounds[c], bounds[c+1]) has between low[c] and high[c] edges below it.
    low = np.searchsorted(edges, bounds[:-1], side="left")
    high = np.searchsorted(edges, bounds[1:], side="left")
    return Grid(float(edges[0]), float(scale), low.astype(np.int32), high.astype(np.int32))


# -- numpy -------------------------------------------------------------------------------


def _numpy_positions(values: np.ndarray, edges: np.ndarray, grid: Grid) -> np.ndarray:
    """For each finite value, the count of edges below it.

    The grid's guess (the first edge position of the value's cell) is right for every
    value except those above an edge inside their cell, outside the edges' span, or put
    in the wrong cell by rounding; one vectorised check finds those few and a binary
    search places them.
    """
    m = int(edges.size)
    if grid.scale <= 0.0 or m < 2:
        return np.searchsorted(edges, values, side="left")
    cells = grid.low.size
    guess = (values - grid.origin) * grid.scale
    np.clip(guess, 0, cells - 1, out=guess)
    position = grid.low[guess.astype(np.intp)].astype(np.intp)
    below = np.concatenate([[-np.inf], edges])  # below[p] = edges[p - 1]
    above = np.append(edges, np.inf)  # above[p] = edges[p]
    wrong = np.flatnonzero((below[position] >= values) | (above[position] < values))
    if wrong.size:
        position[wrong] = np.searchsorted(edges, values[wrong], side="left")
    return position


def _numpy_tally(values: np.ndarray, edges: np.ndarray, grid: Grid) -> Tally:
    m = int(edges.size)
    neginf = posinf = nans = 0
    finite = np.isfinite(values)
    if not finite.all():
        nans = int(np.count_nonzero(np.isnan(values)))
        posinf = int(np.count_nonzero(values == np.inf))
        neginf = int(np.count_nonzero(values == -np.inf))
        values = values[finite]
    n = int(values.size)
    if n == 0:
        return _empty(m, neginf, posinf, nans)
    position = _numpy_positions(values, edges, grid)
    padded = np.append(edges, np.inf)  # position m: never equal to a finite value
    codes = 2 * position + (padded[position] == values)
    slots = 2 * m + 1
    counts = np.bincount(codes, minlength=slots)
    # bincount adds each slot's weights in the order of the values, as the compiled loop
    # does: both give the same sums to the last bit.
    sums = np.bincount(codes, weights=values, minlength=slots)
    squares = np.bincount(codes, weights=values * values, minlength=slots)

    def deviations(mean: float) -> float:
        shifted = values - mean
        return float(np.bincount(codes, weights=shifted * shifted, minlength=slots).sum())

    return _finish(
        counts,
        sums,
        squares,
        n,
        float(values.min()),
        float(values.max()),
        neginf,
        posinf,
        nans,
        deviations,
    )


def _finish(
    counts: np.ndarray,
    sums: np.ndarray,
    squares: np.ndarray,
    n: int,
    minimum: float,
    maximum: float,
    neginf: int,
    posinf: int,
    nans: int,
    deviations: Callable[[float], float],
) -> Tally:
    """The Tally from per-slot counts, sums and sums of squares (shared by both paths, so
    they agree exactly)."""
    total = float(sums.sum())
    mean = total / n
    square_sum = float(squares.sum())
    m2 = square_sum - n * mean * mean
    # The shortcut loses digits when the mean dwarfs the spread (or squares overflow);
    # then take the two-pass value.
    if not np.isfinite(m2) or m2 <= CANCELLATION * square_sum:
        m2 = deviations(mean)
    return Tally(
        counts[0::2].astype(np.int64),
        counts[1::2].astype(np.int64),
        sums[0::2].copy(),
        n,
        total,
        mean,
        max(m2, 0.0),
        minimum,
        maximum,
        neginf,
        posinf,
        nans,
    )


def _empty(m: int, neginf: int, posinf: int, nans: int) -> Tally:
    return Tally(
        np.zeros(m + 1, np.int64),
        np.zeros(m, np.int64),
        np.zeros(m + 1),
        0,
        0.0,
        0.0,
        0.0,
        float("inf"),
        float("-inf"),
        neginf,
        posinf,
        nans,
    )


# -- numba -------------------------------------------------------------------------------


def _count(values, edges, origin, scale, low, high, counts, sums, squares, stats):  # type: ignore[no-untyped-def]
    """The compiled loop. `edges` ends with a +inf sentinel; counts/sums/squares have
    2m + 1 slots (2p: the open segment below edge p, 2p + 1: equal to edge p); stats
    gets [finite count, -inf count, +inf count, NaN count, min, max]."""
    m = edges.size - 1
    cells = low.size
    lo_edge = edges[0]
    hi_edge = edges[m - 1] if m else 0.0
    n = 0
    neginf = 0
    posinf = 0
    nans = 0
    smallest = np.inf
    largest = -np.inf
    for x in values:
        if x - x != 0.0:  # NaN or an infinity
            if x == np.inf:
                posinf += 1
            elif x == -np.inf:
                neginf += 1
            else:
                nans += 1
            continue
        n += 1
        smallest = min(smallest, x)
        largest = max(largest, x)
        if m == 0 or x < lo_edge:
            p = 0
        elif x > hi_edge:
            p = m
        else:
            t = (x - origin) * scale
            c = int(t) if t < cells else cells - 1
            lo = low[c]
            hi = high[c]
            # The cell is right only if edges[lo-1] < x <= edges[hi]; rounding can put
            # a value next to its cell, and then all the edges are searched.
            if (lo > 0 and not edges[lo - 1] < x) or (hi < m and not edges[hi] >= x):
                lo = 0
                hi = m
            while lo < hi:  # the first edge >= x in [lo, hi)
                mid = (lo + hi) >> 1
                if edges[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            p = lo
        code = 2 * p + (edges[p] == x)
        counts[code] += 1
        sums[code] += x
        squares[code] += x * x
    stats[0] = n
    stats[1] = neginf
    stats[2] = posinf
    stats[3] = nans
    stats[4] = smallest
    stats[5] = largest


def _deviations(values, edges, origin, scale, low, high, mean, out):  # type: ignore[no-untyped-def]
    """Per-slot sums of squared deviations from `mean`, in the same order as numpy's."""
    m = edges.size - 1
    cells = low.size
    for x in values:
        if x - x != 0.0:
            continue
        lo = 0
        hi = m
        if m and x >= edges[0] and x <= edges[m - 1]:
            t = (x - origin) * scale
            c = int(t) if t < cells else cells - 1
            if not (
                (low[c] > 0 and not edges[low[c] - 1] < x)
                or (high[c] < m and not edges[high[c]] >= x)
            ):
                lo = low[c]
                hi = high[c]
        elif m and x > edges[m - 1]:
            lo = m
        while lo < hi:
            mid = (lo + hi) >> 1
            if edges[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        d = x - mean
        out[2 * lo + (edges[lo] == x)] += d * d


def _compile() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """The two loops compiled by numba (loaded from its on-disk cache after the first
    process), or None without numba."""
    try:
        import numba
    except ImportError:
        return None
    compiled = []
    for function in (_count, _deviations):
        try:
            compiled.append(numba.njit(cache=True, nogil=True)(function))
        except RuntimeError:
            # No writable cache directory (read-only install, no home): compile per process.
            compiled.append(numba.njit(cache=False, nogil=True)(function))
    count, deviations = compiled
    # One tiny call compiles (or loads) both now, not in the middle of a check.
    probe = np.array([0.5, 2.0])
    grid = make_grid(np.array([1.0]))
    edges = np.array([1.0, np.inf])
    slots = np.zeros(3)
    count(
        probe,
        edges,
        grid.origin,
        grid.scale,
        grid.low,
        grid.high,
        np.zeros(3, np.int64),
        slots,
        slots.copy(),
        np.zeros(6),
    )
    deviations(probe, edges, grid.origin, grid.scale, grid.low, grid.high, 1.0, slots)
    return count, deviations


def _numba_tally(
    kernels: tuple[Callable[..., Any], Callable[..., Any]],
    values: np.ndarray,
    edges: np.ndarray,
    grid: Grid,
) -> Tally:
    count, deviations = kernels
    m = int(edges.size)
    padded = np.append(edges, np.inf)
    slots = 2 * m + 1
    counts = np.zeros(slots, np.int64)
    sums = np.zeros(slots)
    squares = np.zeros(slots)
    stats = np.zeros(6)
    args = (grid.origin, grid.scale, grid.low, grid.high)
    count(values, padded, *args, counts, sums, squares, stats)
    n, neginf, posinf, nans = (int(v) for v in stats[:4])
    if n == 0:
        return _empty(m, neginf, posinf, nans)

    def two_pass(mean: float) -> float:
        out = np.zeros(slots)
        deviations(values, padded, *args, mean, out)
        return float(out.sum())

    return _finish(
        counts,
        sums,
        squares,
        n,
        float(stats[4]),
        float(stats[5]),
        neginf,
        posinf,
        nans,
        two_pass,
    )


# -- choosing ----------------------------------------------------------------------------


class _Compiled:
    """The numba kernels, loaded once per process: synchronously on request, or in the
    background once a process has counted enough values for the load (about a second of
    importing numba and reading its cache) to pay off."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kernels: Any = None
        self.state = "idle"  # idle | loading | ready | absent
        self.counted = 0

    def load(self) -> bool:
        with self.lock:
            if self.state in ("idle", "loading"):
                self.kernels = _compile()
                self.state = "ready" if self.kernels is not None else "absent"
            return self.state == "ready"

    def _load_in_background(self) -> None:
        try:
            self.load()
        except Exception:  # a broken numba install must never break a check
            with self.lock:
                self.state = "absent"

    def ready(self, values: int) -> Any:
        """The kernels if loaded; counts `values` towards starting the load."""
        if self.state == "ready":
            return self.kernels
        if self.state == "idle":
            self.counted += values
            if self.counted >= WARM_AFTER_VALUES:
                self.state = "loading"
                threading.Thread(target=self._load_in_background, daemon=True).start()
        return None


# Loading numba and its cached kernels takes about a second of CPU; numba counts about
# 25 ns a value faster than numpy, so the load pays for itself from some 60M values on.
# A count of unknown size starts loading after WARM_AFTER_VALUES; one whose size is known
# up front (`expect`) starts at once when it reaches LARGE_COUNT, and never below it.
WARM_AFTER_VALUES = 30_000_000
LARGE_COUNT = 80_000_000
_compiled = _Compiled()


def expect(values: int) -> None:
    """Say how many numeric values the coming count has (rows x numeric columns)."""
    compiled = _compiled
    if compiled.state != "idle":
        return
    if values >= LARGE_COUNT:
        compiled.state = "loading"
        threading.Thread(target=compiled._load_in_background, daemon=True).start()
    else:
        compiled.counted = -(2**62)  # small: numpy throughout, the load never pays


def load_compiled() -> bool:
    """Load the numba kernels now; False without numba."""
    return _compiled.load()


def backend() -> str:
    """'numba' once the compiled kernels are in use, else 'numpy'."""
    return "numba" if _compiled.state == "ready" else "numpy"


def reset() -> None:
    """Forget the compiled kernels (tests switch numba off and on)."""
    global _compiled
    _compiled = _Compiled()


def tally(
    values: np.ndarray, edges: np.ndarray, grid: Grid | None = None, *, backend: str | None = None
) -> Tally:
    """Count `values` (float64) on sorted, distinct, finite `edges`.

    `grid` is `make_grid(edges)`, made once per column by callers that count many
    batches on the same edges. `backend`: "numpy" or "numba" (numpy when numba is
    missing) forces one; by default numba is used once loaded, and loaded in the
    background after WARM_AFTER_VALUES values, so that small checks never pay for it.
    Both give the same Tally to the last bit, so the choice never changes a result.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    edges = np.ascontiguousarray(edges, dtype=np.float64)
    # Squares of values beyond 1e154 overflow: the moments then take two passes.
    with np.errstate(over="ignore", invalid="ignore"):
        return _tally(values, edges, grid, backend)


def _tally(values: np.ndarray, edges: np.ndarray, grid: Grid | None, backend: str | None) -> Tally:
    if backend == "numpy":
        kernels = None
    elif backend == "numba":
        kernels = _compiled.kernels if _compiled.load() else None
    else:
        kernels = _compiled.ready(int(values.size))
    grid = grid if grid is not None else make_grid(edges)
    if kernels is None:
        return _numpy_tally(values, edges, grid)
    return _numba_tally(kernels, values, edges, grid)
