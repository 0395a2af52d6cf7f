"""The statistical tests, as a registry, and how one column's verdict is reached.

Every test compares one column's reference with its current data and returns a
`TestOutcome`. A column drifted when two things hold (`assess`, then `decide`):

- significance: the p-value of its kind's significance test (ks for numbers, z for two
  categories, chi2 for more), corrected across columns by drift.correction, is below
  alpha. This bounds the false alarms of a whole check at every sample size;
- effect: the change is big enough to matter. By default the effect is the share of
  rows that moved (the KS distance for numbers, the total variation distance for
  categories) and it must reach drift.min_effect; when drift.tests names a distance
  (wasserstein, psi, jensenshannon, hellinger) that distance is the effect and its
  threshold the minimum.

Distances alone are not calibrated (their noise shrinks with the sample size: a fixed
threshold alarms on noise at small sizes and misses real shifts at large ones), so they
never decide without significance. Count-based tests work on exact counts (categories,
or the reference's decile bins for numeric columns), so they are exact with a profile
too. KS and Wasserstein call scipy when both samples are at hand and use `distances.py`
(a conservative estimate + a bound) otherwise; an effect whose estimate and bound
straddle its minimum is "undecidable from the profile".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mlci.drift.distances import ks_from_bins, wasserstein_from_bins
from mlci.drift.pvalues import chi2_sf, ks_sf, normal_sf
from mlci.drift.sketch import BinCounts, decile_cuts

NUMERIC_KINDS = frozenset({"numeric", "datetime"})
CATEGORY_KINDS = frozenset({"categorical", "boolean"})
ALL_KINDS = NUMERIC_KINDS | CATEGORY_KINDS

# Added to every bin count on both sides before PSI (Jeffreys-style), so that empty
# bins give a finite PSI; with n rows it moves a share by at most 0.5 / n.
PSI_SMOOTHING = 0.5


@dataclass(frozen=True, eq=False)
class NumericPair:
    reference: BinCounts
    current: BinCounts
    reference_values: np.ndarray | None = None  # raw data when the reference is data
    current_values: np.ndarray | None = None

    def coarse(self) -> tuple[np.ndarray, np.ndarray]:
        cuts = decile_cuts(self.reference)
        return self.reference.coarse_counts(cuts), self.current.coarse_counts(cuts)


@dataclass(frozen=True, eq=False)
class CategoricalPair:
    labels: tuple[str, ...]
    reference: np.ndarray
    current: np.ndarray

    def coarse(self) -> tuple[np.ndarray, np.ndarray]:
        return self.reference, self.current


Pair = NumericPair | CategoricalPair


@dataclass(frozen=True)
class TestOutcome:
    statistic: float
    p_value: float | None = None
    error_bound: float = 0.0


@dataclass(frozen=True)
class TestSpec:
    name: str
    title: str
    kinds: frozenset[str]
    measure: Literal["p_value", "distance"]
    default_threshold: float
    run: Callable[[Pair], TestOutcome]


REGISTRY: dict[str, TestSpec] = {}


def register(
    name: str,
    title: str,
    kinds: frozenset[str],
    measure: Literal["p_value", "distance"],
    threshold: float,
) -> Callable[[Callable[[Pair], TestOutcome]], Callable[[Pair], TestOutcome]]:
    def wrap(run: Callable[[Pair], TestOutcome]) -> Callable[[Pair], TestOutcome]:
        REGISTRY[name] = TestSpec(name, title, kinds, measure, threshold, run)
        return run

    return wrap


def default_test(kind: str, categories: int) -> str:
    """The significance test of a kind, the same at every size: ks for numbers, the
    two-proportion z-test for two categories, chi-square for more."""
    if kind in NUMERIC_KINDS:
        return "ks"
    return "z" if categories <= 2 else "chi2"


# -- count-based helpers (both arrays have the same bins) --------------------------------


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else counts.astype(np.float64)


def _rel_entr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """scipy.special.rel_entr for shares (x, y >= 0).

    Written out on purpose: importing scipy.special costs 0.25-0.3 s per process, about
    30% of a whole drift check against a profile, for two lines of numpy. The tests hold
    this, `jensenshannon_counts` and `psi_counts` equal to scipy's functions.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(x / y), 0.0)


def jensenshannon_counts(reference: np.ndarray, current: np.ndarray) -> float:
    """scipy.spatial.distance.jensenshannon(p, q) (natural log) on two count vectors."""
    if not reference.sum() or not current.sum():  # no shares on one side (never in a check)
        return 0.0 if reference.sum() == current.sum() else float(np.sqrt(np.log(2.0) / 2.0))
    p, q = _shares(reference), _shares(current)
    m = (p + q) / 2.0
    js = (_rel_entr(p, m).sum() + _rel_entr(q, m).sum()) / 2.0
    return float(np.sqrt(max(js, 0.0)))


def total_variation_counts(reference: np.ndarray, current: np.ndarray) -> float:
    """Half the L1 distance of the shares: the share of rows that changed category (the
    largest gap in the share of any set of categories, as KS is for half-lines)."""
    if not reference.sum() or not current.sum():
        return 0.0 if reference.sum() == current.sum() else 1.0
    return float(np.abs(_shares(reference) - _shares(current)).sum() / 2.0)


def hellinger_counts(reference: np.ndarray, current: np.ndarray) -> float:
    p, q = _shares(reference), _shares(current)
    return float(np.sqrt(max(0.0, 1.0 - float(np.sum(np.sqrt(p * q))))))


def psi_counts(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI = sum((q - p) ln(q / p)) = KL(q || p) + KL(p || q), with smoothed shares."""
    k = reference.size
    p = (reference + PSI_SMOOTHING) / (reference.sum() + PSI_SMOOTHING * k)
    q = (current + PSI_SMOOTHING) / (current.sum() + PSI_SMOOTHING * k)
    return float(np.sum(_rel_entr(q, p) + _rel_entr(p, q)))


def chi2_contingency_counts(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """scipy.stats.chi2_contingency on the 2 x k table (Yates correction when dof is 1).

    Categories empty on both sides are dropped first (their expected count is zero).
    """
    table = np.vstack([reference, current]).astype(np.float64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 1.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    dof = table.shape[1] - 1
    observed = table
    if dof == 1:
        # Yates: move each count half a unit towards its expected value, no further.
        diff = expected - observed
        observed = observed + np.sign(diff) * np.minimum(0.5, np.abs(diff))
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    return statistic, chi2_sf(statistic, dof)


def two_proportion_z(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """Pooled two-proportion z-test on the share of the first category."""
    n0, n1 = float(reference.sum()), float(current.sum())
    if n0 == 0 or n1 == 0:
        return 0.0, 1.0
    p0, p1 = reference[0] / n0, current[0] / n1
    pooled = (reference[0] + current[0]) / (n0 + n1)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    if se == 0:
        return 0.0, 1.0
    z = float((p1 - p0) / se)
    return z, min(1.0, 2 * normal_sf(abs(z)))


# -- the tests ------------------------------------------------------------------------------


@register("ks", "Kolmogorov-Smirnov", NUMERIC_KINDS, "p_value", 0.05)
def _ks(pair: Pair) -> TestOutcome:
    assert isinstance(pair, NumericPair)
    if pair.reference_values is not None and pair.current_values is not None:
        from scipy.stats import ks_2samp

        result = ks_2samp(pair.reference_values, pair.current_values)
        return TestOutcome(float(result.statistic), float(result.pvalue))
    d, bound = ks_from_bins(pair.reference, pair.current)
    # scipy's asymptotic two-sided p-value for ks_2samp (Kolmogorov's limit when large)
    return TestOutcome(d, ks_sf(d, pair.reference.count, pair.current.count), bound)


def _std_scale(counts: BinCounts) -> float:
    std = counts.std
    return std if std > 0 else 1.0


@register("wasserstein", "Wasserstein distance (normed)", NUMERIC_KINDS, "distance", 0.1)
def _wasserstein(pair: Pair) -> TestOutcome:
    """Wasserstein-1 divided by the reference's standard deviation (ddof=0)."""
    assert isinstance(pair, NumericPair)
    if pair.reference_values is not None and pair.current_values is not None:
        from scipy.stats import wasserstein_distance

        scale = float(np.std(pair.reference_values)) or 1.0
        distance = float(wasserstein_distance(pair.reference_values, pair.current_values))
        return TestOutcome(distance / scale)
    scale = _std_scale(pair.reference)
    estimate, bound = wasserstein_from_bins(pair.reference, pair.current)
    return TestOutcome(estimate / scale, None, bound / scale)


@register("chi2", "chi-square", ALL_KINDS, "p_value", 0.05)
def _chi2(pair: Pair) -> TestOutcome:
    stat, p = chi2_contingency_counts(*pair.coarse())
    return TestOutcome(stat, p)


@register("z", "two-proportion z-test", CATEGORY_KINDS, "p_value", 0.05)
def _z(pair: Pair) -> TestOutcome:
    reference, current = pair.coarse()
    if reference.size > 2:
        raise ValueError(f"the z-test needs two categories, the column has {reference.size}")
    if reference.size < 2:
        return TestOutcome(0.0, 1.0)
    z, p = two_proportion_z(reference, current)
    return TestOutcome(z, p)


@register("jensenshannon", "Jensen-Shannon distance", ALL_KINDS, "distance", 0.1)
def _jensenshannon(pair: Pair) -> TestOutcome:
    return TestOutcome(jensenshannon_counts(*pair.coarse()))


@register("psi", "population stability index", ALL_KINDS, "distance", 0.1)
def _psi(pair: Pair) -> TestOutcome:
    return TestOutcome(psi_counts(*pair.coarse()))


@register("hellinger", "Hellinger distance", ALL_KINDS, "distance", 0.1)
def _hellinger(pair: Pair) -> TestOutcome:
    return TestOutcome(hellinger_counts(*pair.coarse()))


def correct(p_values: list[float], method: str) -> list[float]:
    """Adjusted p-values: Bonferroni (family-wise) or Benjamini-Hochberg (false discovery)."""
    m = len(p_values)
    if m == 0 or method == "none":
        return list(p_values)
    values = np.asarray(p_values, dtype=np.float64)
    if method == "bonferroni":
        return np.minimum(values * m, 1.0).tolist()
    if method == "bh":
        # Benjamini-Hochberg: p_(i) * m / i, made monotone from the largest down.
        order = np.argsort(values)
        ranked = values[order] * m / np.arange(1, m + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(ranked, 1.0)
        return adjusted.tolist()
    raise ValueError(f"unknown correction {method!r}")


# -- one column's verdict: significance and effect ---------------------------------------


@dataclass(frozen=True)
class Assessment:
    """What one column's verdict rests on, before the correction across columns.

    `test`/`statistic`/`error_bound` are the test the user sees (the named one, else the
    significance test); `p_value` always comes from `significance_test`; `effect` is a
    conservative estimate (never above the exact value) and `effect_bound` how far above
    it the exact value can be (0 when both samples are at hand or the counts are exact).
    """

    test: str
    measure: Literal["p_value", "distance"]
    statistic: float
    p_value: float
    error_bound: float
    significance_test: str
    effect_measure: str  # "ks", "total_variation" or the named distance
    effect: float
    effect_bound: float
    min_effect: float


@dataclass(frozen=True)
class Decision:
    adjusted_p_value: float
    significant: bool
    drifted: bool  # significant and the effect reaches its minimum
    undecidable: bool  # significant, the estimate is below the minimum, estimate + bound not


def span(pair: NumericPair) -> float:
    """The range of both samples in reference standard deviations: how far a CDF error
    of a merged or sampled profile can move the normed Wasserstein distance."""
    ref = pair.reference
    scale = ref.std if ref.std > 0 else 1.0
    return (max(ref.maximum, pair.current.maximum) - min(ref.minimum, pair.current.minimum)) / scale


def _widened(outcome: TestOutcome, name: str, pair: Pair, cdf_error: float) -> float:
    """The error bound plus what an inexact profile CDF (merged, sampled) adds to it."""
    bound = outcome.error_bound
    if cdf_error and isinstance(pair, NumericPair) and pair.reference_values is None:
        bound += cdf_error * (1.0 if name == "ks" else span(pair))
    return bound


def assess(
    pair: Pair,
    spec: TestSpec,
    significance: TestSpec,
    *,
    min_effect: float,
    cdf_error: float = 0.0,
) -> Assessment:
    """Run the shown test, the significance test and the effect size of one column.

    `spec` is the test drift.tests names (or the significance test itself);
    `min_effect` is the effect's minimum: drift.min_effect for the default effects, the
    distance threshold when `spec` is a distance.
    """
    outcome = spec.run(pair)
    if not all(np.isfinite(v) for v in (outcome.statistic, outcome.error_bound)):
        raise ValueError(f"{spec.name} gave a value that is not a number")
    bound = _widened(outcome, spec.name, pair, cdf_error)
    gate = outcome if significance.name == spec.name else significance.run(pair)
    if gate.p_value is None or not np.isfinite(gate.p_value):
        raise ValueError(f"{significance.name} gave a p-value that is not a number")
    if spec.measure == "distance":
        effect_name, effect, effect_bound = spec.name, outcome.statistic, bound
    elif isinstance(pair, NumericPair):
        ks = outcome if spec.name == "ks" else (gate if significance.name == "ks" else _ks(pair))
        effect_name, effect = "ks", ks.statistic
        effect_bound = _widened(ks, "ks", pair, cdf_error)
    else:
        effect_name, effect, effect_bound = (
            "total_variation",
            total_variation_counts(*pair.coarse()),
            0.0,
        )
    if not all(np.isfinite(v) for v in (bound, effect, effect_bound)):
        raise ValueError(f"{spec.name} gave a value that is not a number")
    return Assessment(
        test=spec.name,
        measure=spec.measure,
        statistic=outcome.statistic,
        p_value=float(gate.p_value),
        error_bound=bound,
        significance_test=significance.name,
        effect_measure=effect_name,
        effect=float(effect),
        effect_bound=float(effect_bound),
        min_effect=min_effect,
    )


def decide(assessments: list[Assessment], levels: list[float], correction: str) -> list[Decision]:
    """Correct the p-values of all columns together, then judge each column: drift when
    significant at its level and the effect reaches its minimum."""
    adjusted = correct([a.p_value for a in assessments], correction)
    out = []
    for a, p, level in zip(assessments, adjusted, levels, strict=True):
        significant = p < level
        big = a.effect >= a.min_effect
        maybe = a.effect + a.effect_bound >= a.min_effect
        out.append(Decision(p, significant, significant and big, significant and maybe and not big))
    return out
