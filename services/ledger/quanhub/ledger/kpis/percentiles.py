"""Percentiles of durations from fine histogram counts, and the minimum sample of a figure.

A percentile is the nearest-rank value (the ceil(p/100 x n)-th smallest duration) stated
as the middle of the fine bucket it falls in (quanhub.ledger.store.histogram): within
5 minutes of the true value below 72 h, 30 minutes up to 360 h. The ledger reads the
counts from its rollups and the simulator counts its ground truth into the same buckets,
so both state a percentile the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from quanhub.ledger.store.histogram import bucket_value_hours, fine_bucket

#: The percentiles every duration figure states.
PERCENTILES: tuple[int, ...] = (50, 90, 99)
#: Below this many parcels (or declarations) a share, rate or duration is too little data
#: to be read as a measure: it carries `sufficient: false` (and no verdict on a target).
MIN_SAMPLE = 30


def sufficient(sample: int) -> bool:
    """True when a figure over `sample` objects may be read as a measure."""
    return sample >= MIN_SAMPLE


def nearest_rank(p: int, count: int) -> int:
    """The 1-based rank of the p-th percentile of `count` values: ceil(p x count / 100), at
    least 1 (integer arithmetic: 0.9 x 10 in floating point is not 9)."""
    return max(1, -(-p * count // 100))


def histogram(seconds: Iterable[int]) -> dict[int, int]:
    """Fine bucket -> count of durations (whole seconds, >= 0)."""
    return dict(Counter(fine_bucket(s) for s in seconds))


def percentiles_hours(fine: Mapping[int, int]) -> dict[int, float | None]:
    """Each of PERCENTILES in hours from bucket -> count (None for every one when empty).

    One walk up the sorted buckets finds every rank (a 30-day city report asks this of
    about a thousand groups, so no cumulative list and no search per percentile)."""
    buckets = sorted(b for b, n in fine.items() if n > 0)
    total = sum(fine[b] for b in buckets)
    if total <= 0:
        return dict.fromkeys(PERCENTILES)
    out: dict[int, float | None] = {}
    ranks = [(p, nearest_rank(p, total)) for p in PERCENTILES]  # ascending with p
    i, seen = 0, 0
    for b in buckets:
        seen += fine[b]
        while seen >= ranks[i][1]:
            out[ranks[i][0]] = bucket_value_hours(b)
            i += 1
            if i == len(ranks):
                return out
    return out


def merge(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """The sum of several histograms."""
    total: Counter[int] = Counter()
    for h in histograms:
        total.update(h)
    return dict(total)
