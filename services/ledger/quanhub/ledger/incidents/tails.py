"""Lower tails of the counts incident tests compare: pure arithmetic."""

from __future__ import annotations

import math


def poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean)."""
    if k < 0:
        return 0.0
    if mean <= 0:
        return 1.0
    term = math.exp(-mean)
    total = term
    for i in range(1, k + 1):
        term *= mean / i
        total += term
    return min(1.0, total)


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n or p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    total = 0.0
    for i in range(k + 1):
        log_choose = math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
        total += math.exp(log_choose + i * log_p + (n - i) * log_q)
    return min(1.0, total)


def two_count_tail(observed: int, expected: float, variance: float, factor: float) -> float:
    """How plausible `observed` scans are when the baseline itself is an estimate: the
    baseline `expected` (with sampling `variance`) stands for E^2/variance scans counted over
    E/variance times the observed span. Given the two counts' total, the observed one is
    Binomial(total, f / (f + E/variance)) when both flows run at the same rate (times the
    peers' `factor` f): the exact conditional test of two Poisson counts. Its lower tail."""
    if expected <= 0 or variance <= 0:
        return 1.0
    history = expected * expected / variance
    exposure = expected / variance
    total = observed + round(history)
    return binomial_cdf(observed, total, factor / (factor + exposure))


def share_tail(observed: int, others: int, own: int, rest: int) -> float:
    """How plausible `observed` scans are next to the `others` the district's other
    carriers scanned meanwhile, for a flow that carried `own` scans to their `rest` before:
    given both counts' total, the flow's is Binomial(total, own / (own + rest)) while its
    share holds. Its lower tail. The reference counts are hours of a district's scans, so
    their own noise is left out."""
    return binomial_cdf(observed, observed + others, own / (own + rest))
