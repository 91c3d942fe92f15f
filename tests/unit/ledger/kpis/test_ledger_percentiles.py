"""Percentiles from the fine histograms: exact to the bucket against sorted lists."""

from __future__ import annotations

import random

import pytest

from quanhub.ledger.kpis.compute import durations, share
from quanhub.ledger.kpis.percentiles import (
    MIN_SAMPLE,
    PERCENTILES,
    histogram,
    nearest_rank,
    percentiles_hours,
)
from quanhub.ledger.store.histogram import (
    OPEN_BUCKET,
    bucket_bounds,
    bucket_value_hours,
    fine_bucket,
)

H = 3600


def _sorted_percentile(values: list[int], p: int) -> int:
    """The nearest-rank percentile of a list: its ceil(p% x n)-th smallest value."""
    ordered = sorted(values)
    k = max(1, -(-p * len(ordered) // 100))
    return ordered[k - 1]


def test_buckets_are_ten_minutes_to_72_hours_then_hourly_to_360_then_open() -> None:
    assert fine_bucket(0) == 0
    assert fine_bucket(599) == 0
    assert fine_bucket(600) == 1
    assert fine_bucket(72 * H - 1) == 431
    assert fine_bucket(72 * H) == 432
    assert fine_bucket(73 * H - 1) == 432
    assert fine_bucket(360 * H - 1) == 719
    assert fine_bucket(360 * H) == OPEN_BUCKET == 720
    assert fine_bucket(9999 * H) == OPEN_BUCKET
    assert bucket_bounds(1) == (600, 1200)
    assert bucket_bounds(432) == (72 * H, 73 * H)
    assert bucket_bounds(OPEN_BUCKET) == (360 * H, None)


@pytest.mark.parametrize("seconds", [0, 1, 599, 600, 7_777, 72 * H - 1, 72 * H, 200 * H + 5])
def test_every_duration_lies_in_the_bounds_of_its_bucket(seconds: int) -> None:
    lower, upper = bucket_bounds(fine_bucket(seconds))
    assert lower <= seconds < (upper if upper is not None else seconds + 1)


def test_nearest_rank_is_integer_exact() -> None:
    # 0.9 x 10 is 9.000000000000002 in floating point; the rank is still 9.
    assert nearest_rank(90, 10) == 9
    assert nearest_rank(50, 10) == 5
    assert nearest_rank(50, 11) == 6
    assert nearest_rank(99, 1) == 1
    assert nearest_rank(1, 1000) == 10


@pytest.mark.parametrize("seed", range(6))
def test_percentiles_equal_the_sorted_list_to_the_bucket(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.choice([1, 2, 7, 30, 101, 1000])
    values = [int(rng.lognormvariate(10.5, 0.9)) for _ in range(n)]
    got = percentiles_hours(histogram(values))
    for p in PERCENTILES:
        truth = _sorted_percentile(values, p)
        assert got[p] == bucket_value_hours(fine_bucket(truth))
        _, upper = bucket_bounds(fine_bucket(truth))
        if upper is not None and upper <= 72 * H:
            assert abs(got[p] * H - truth) <= 300  # within 5 minutes below 72 h


def test_1210_clearance_is_no_longer_a_bucket_fraction() -> None:
    """The issue's case: clearances around two hours read p50 about two hours, not 6.2 h
    (the old interpolation inside [0, 12) h)."""
    values = [2 * H + 60 * i for i in range(-30, 31)]  # 1.5 h .. 2.5 h, mean 2 h
    dist = durations([(v, 3) for v in values])
    assert dist.mean_hours == pytest.approx(2.0)
    # Ranks 31, 55 and 61: 2:00, 2:24 and 2:30, in the buckets starting 2:00, 2:20, 2:30.
    assert dist.p50_hours == pytest.approx(2 + 5 / 60)
    assert dist.p90_hours == pytest.approx(2 + 25 / 60)
    assert dist.p99_hours == pytest.approx(2 + 35 / 60)
    assert [b.count for b in dist.buckets] == [61, 0, 0, 0, 0, 0]
    assert (dist.sample, dist.sufficient) == (61, True)


def test_an_empty_histogram_has_no_percentiles() -> None:
    assert percentiles_hours({}) == dict.fromkeys(PERCENTILES)
    dist = durations([])
    assert (dist.p50_hours, dist.p99_hours, dist.sufficient, dist.status) == (
        None,
        None,
        False,
        "no_data",
    )


def test_the_open_bucket_states_its_lower_bound() -> None:
    assert percentiles_hours(histogram([400 * H]))[50] == 360.0


def test_a_share_of_four_parcels_gives_no_verdict() -> None:
    small = share(4, 4, 20, 0.99)
    assert (small.share, small.sample, small.sufficient, small.meets_target) == (
        1.0,
        4,
        False,
        None,
    )
    enough = share(MIN_SAMPLE, MIN_SAMPLE, 200, 0.99)
    assert (enough.sufficient, enough.meets_target) == (True, True)
