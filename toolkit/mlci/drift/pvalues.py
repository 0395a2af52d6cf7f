"""p-values of the count-based tests without scipy.stats.

Importing scipy.stats costs about a second per process, as much as counting a million
rows; a check against a stored profile needs only three distributions, whose tails are
written out here from their textbook forms (tests compare them with scipy's):

- the chi-square survival function for an integer number of degrees of freedom, from
  the finite sums the incomplete gamma function has at integer and half-integer shapes;
- the normal survival function, from `math.erfc`;
- Kolmogorov's limiting distribution (the two-sided KS test at large sample sizes).
"""

from __future__ import annotations

import math

# Above this effective sample size (n*m/(n+m)) the KS p-value is Kolmogorov's limit;
# below it scipy's distribution for finite n (the limit is conservative: it never gives
# a smaller p-value than the finite-sample one, so it never adds false alarms).
KS_ASYMPTOTIC_N = 10_000


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _log_sum(logs: list[float]) -> float:
    top = max(logs)
    if top == -math.inf:
        return -math.inf
    return top + math.log(sum(math.exp(v - top) for v in logs))


def chi2_sf(x: float, dof: int) -> float:
    """P(X > x) for X chi-square with `dof` (a positive integer) degrees of freedom."""
    if dof < 1:
        raise ValueError(f"degrees of freedom must be positive, got {dof}")
    if x <= 0:
        return 1.0
    half = x / 2.0
    log_half = math.log(half)
    if dof % 2 == 0:
        # Q(m, h) = exp(-h) * sum_{i<m} h^i / i!
        terms = [i * log_half - math.lgamma(i + 1) - half for i in range(dof // 2)]
        return min(1.0, math.exp(_log_sum(terms)))
    # Q(m + 1/2, h) = erfc(sqrt h) + exp(-h) * sum_{i<m} h^(i+1/2) / Gamma(i + 3/2)
    terms = [(i + 0.5) * log_half - math.lgamma(i + 1.5) - half for i in range(dof // 2)]
    tail = math.exp(_log_sum(terms)) if terms else 0.0
    return min(1.0, math.erfc(math.sqrt(half)) + tail)


def kolmogorov_sf(x: float) -> float:
    """P(K > x) for Kolmogorov's distribution (the limit of sqrt(n) * D_n)."""
    if x <= 0:
        return 1.0
    if x < 1.18:
        # The theta-function form converges fast for small x.
        scale = math.pi**2 / (8.0 * x * x)
        total = sum(math.exp(-((2 * k - 1) ** 2) * scale) for k in range(1, 8))
        return min(1.0, max(0.0, 1.0 - math.sqrt(2.0 * math.pi) / x * total))
    total = sum((-1) ** (k - 1) * math.exp(-2.0 * k * k * x * x) for k in range(1, 101))
    return min(1.0, max(0.0, 2.0 * total))


def ks_sf(d: float, n_reference: int, n_current: int) -> float:
    """Two-sided p-value of a two-sample KS statistic `d` (as scipy's asymptotic
    `ks_2samp`: the one-sample distribution at the effective size n*m/(n+m))."""
    effective = n_reference * n_current / (n_reference + n_current)
    if effective >= KS_ASYMPTOTIC_N:
        return kolmogorov_sf(math.sqrt(effective) * d)
    from scipy.stats import kstwo

    return float(min(1.0, max(0.0, kstwo.sf(d, round(effective)))))
