"""Numeric columns as counts on a fixed grid of edges: the heart of fast drift checks.

A reference column is summarised by edges at its quantiles. For every edge we keep the
count of values equal to it (`at`), and for every open segment between two edges (plus
the two open ends below the first and above the last edge) the count and the sum of the
values inside it. Counts and sums add up across batches, so current data can be
streamed through `BinCounts.add` with bounded memory and the result is the same as if
all the data had been counted at once. Infinite values are counted apart (`posinf`,
`neginf`), like nulls: they are not in `count`, the moments or the segments, so every
statistic is computed on the finite values. Everything a test needs (CDF values at the
edges, within-segment integrals, coarse bins) is exact on these counts; see
`distances.py` for what is bounded rather than exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Finer quantile levels near both ends keep the wide tail segments narrow, which keeps
# the Wasserstein error bound small for long-tailed data.
TAIL_LEVELS = (0.0001, 0.0005, 0.001, 0.002, 0.005)
DEFAULT_BINS = 100
SIGNIFICANT_DIGITS = 10


def round_significant(values: np.ndarray) -> np.ndarray:
    """Edges rounded to 10 significant digits, so the profile file stays small.

    Counts are always taken against the rounded edges, so rounding moves an edge but
    never makes a count wrong.
    """
    return np.array([float(f"{v:.{SIGNIFICANT_DIGITS}g}") for v in values], dtype=np.float64)


def quantile_levels(bins: int) -> np.ndarray:
    tails = np.array(TAIL_LEVELS)
    levels = np.concatenate([np.linspace(0.0, 1.0, bins + 1), tails, 1.0 - tails])
    return np.unique(np.round(levels, 12))


def finite_part(sorted_values: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The finite values of a sorted array (a view), and the counts of -inf and +inf.

    Infinities sort to the two ends, so finding them is two binary searches.
    """
    low = int(np.searchsorted(sorted_values, -np.inf, side="right"))
    high = int(np.searchsorted(sorted_values, np.inf, side="left"))
    return sorted_values[low:high], low, int(sorted_values.size) - high


def edges_from_sorted(sorted_values: np.ndarray, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Edges at the order statistics nearest to the quantile levels of the finite values
    (deduplicated)."""
    sorted_values, _, _ = finite_part(sorted_values)
    if sorted_values.size == 0:
        return np.empty(0, dtype=np.float64)
    positions = np.round(quantile_levels(bins) * (sorted_values.size - 1)).astype(np.int64)
    return np.unique(round_significant(sorted_values[positions]))


@dataclass(eq=False)
class BinCounts:
    """Counts of one numeric column on fixed edges; mutable while data streams in.

    `between[0]` is the open end below `edges[0]`, `between[i]` the segment
    (edges[i-1], edges[i]) and `between[m]` the open end above the last edge. `count`
    is the number of finite values; infinities are in `posinf` and `neginf`.
    """

    edges: np.ndarray
    at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    between: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sums: np.ndarray = field(default_factory=lambda: np.zeros(0))
    count: int = 0
    nulls: int = 0
    mean: float = 0.0
    m2: float = 0.0  # sum of squared deviations from the mean (Chan et al. merge)
    minimum: float = float("inf")
    maximum: float = float("-inf")
    posinf: int = 0
    neginf: int = 0
    # Where each value falls among the edges (fastcount.Grid), built on the first add.
    _grid: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def infinite(self) -> int:
        return self.posinf + self.neginf

    def __post_init__(self) -> None:
        m = self.edges.size
        if self.at.size != m:
            self.at = np.zeros(m, dtype=np.int64)
        if self.between.size != m + 1:
            self.between = np.zeros(m + 1, dtype=np.int64)
        if self.sums.size != m + 1:
            self.sums = np.zeros(m + 1, dtype=np.float64)

    def add(self, values: np.ndarray, nulls: int = 0) -> None:
        """Count a batch of non-null float64 values (infinities are counted apart)."""
        from mlci.drift import fastcount

        self.nulls += int(nulls)
        if values.size == 0:
            return
        # One pass without sorting (see fastcount): each value is located among the edges
        # through a uniform grid, in compiled code once numba is loaded.
        if self._grid is None:
            self._grid = fastcount.make_grid(self.edges)
        tally = fastcount.tally(values, self.edges, self._grid)
        self.nulls += tally.nans  # NaN is a null wherever it slips through
        self.neginf += tally.neginf
        self.posinf += tally.posinf
        if tally.count == 0:
            return
        self.between += tally.between
        self.at += tally.at
        self.sums += tally.sums
        self._merge_moments(tally.count, tally.mean, tally.m2)
        self.minimum = min(self.minimum, tally.minimum)
        self.maximum = max(self.maximum, tally.maximum)

    def _merge_moments(self, n: int, mean: float, m2: float) -> None:
        total = self.count + n
        delta = mean - self.mean
        self.m2 += m2 + delta * delta * self.count * n / total
        self.mean += delta * n / total
        self.count = total

    def merge(self, other: BinCounts) -> None:
        """Add counts taken on the same edges."""
        if not np.array_equal(self.edges, other.edges):
            raise ValueError("BinCounts on different edges cannot be added")
        self.at += other.at
        self.between += other.between
        self.sums += other.sums
        self.nulls += other.nulls
        self.posinf += other.posinf
        self.neginf += other.neginf
        if other.count:
            self._merge_moments(other.count, other.mean, other.m2)
            self.minimum = min(self.minimum, other.minimum)
            self.maximum = max(self.maximum, other.maximum)

    @property
    def std(self) -> float:
        """Population standard deviation (ddof=0), as numpy's default."""
        return float(np.sqrt(self.m2 / self.count)) if self.count else 0.0

    def cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        """Counts strictly below and at-or-below each edge."""
        before = np.cumsum(self.between[:-1]) + np.concatenate([[0], np.cumsum(self.at[:-1])])
        return before, before + self.at

    def coarse_counts(self, cuts: np.ndarray) -> np.ndarray:
        """Counts in the right-closed bins (-inf, e[c0]], (e[c0], e[c1]], ..., (e[ck], inf)."""
        _, upto = self.cumulative()
        inner = upto[cuts] if cuts.size else np.empty(0, dtype=np.int64)
        bounds = np.concatenate([[0], inner, [self.count]])
        return np.diff(bounds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "edges": self.edges.tolist(),
            "at": self.at.tolist(),
            "between": self.between.tolist(),
            "sums": [float(f"{s:.15g}") for s in self.sums],
        }


def decile_cuts(reference: BinCounts, parts: int = 10) -> np.ndarray:
    """Edge indices where the reference CDF first reaches k/parts: coarse quantile bins.

    Used by PSI, Jensen-Shannon, Hellinger and chi-square on numeric columns; the bins
    are the reference's quantile bins with open ends, and counts in them are exact.
    """
    if reference.edges.size == 0 or reference.count == 0:
        return np.empty(0, dtype=np.int64)
    _, upto = reference.cumulative()
    targets = np.arange(1, parts) * reference.count / parts
    cuts = np.searchsorted(upto, targets, side="left")
    cuts = cuts[cuts < reference.edges.size - 1]  # the last edge closes the top open end
    return np.unique(cuts)
