"""KPI figures: no data is said, never 0%; distributions from bucket sums."""

from __future__ import annotations

import pytest

from quanhub.ledger.kpis.compute import distribution, share


def test_a_share_without_data_says_so() -> None:
    figure = share(0, 0, 0, 0.99)
    assert (figure.share, figure.status, figure.meets_target) == (None, "no_data", None)


def test_a_share_is_compared_with_its_target() -> None:
    figure = share(99, 100, 450, 0.99)
    assert figure.share == pytest.approx(0.99)
    assert (figure.meets_target, figure.events, figure.status) == (True, 450, "ok")
    assert share(98, 100, 1, 0.99).meets_target is False
    assert share(0, 10, 10).share == 0.0


def test_distribution_mean_buckets_and_percentiles_from_the_fine_histogram() -> None:
    # 10 durations: 4 in [0,12), 6 in [12,24); mean 15 h. The percentiles come from the
    # fine histogram (bucket 80 is [13:20, 13:30)), never from the 12-hour buckets.
    dist = distribution(10, 40, 15 * 3600 * 10, [4, 6, 0, 0, 0, 0], {0: 4, 80: 5, 120: 1})
    assert dist.mean_hours == pytest.approx(15.0)
    assert dist.p50_hours == pytest.approx(13 + 25 / 60)
    assert dist.p90_hours == pytest.approx(13 + 25 / 60)
    assert dist.p99_hours == pytest.approx(20 + 5 / 60)
    assert [b.count for b in dist.buckets] == [4, 6, 0, 0, 0, 0]
    assert dist.buckets[-1].upper_hours is None
    assert (dist.sample, dist.sufficient) == (10, False)


def test_an_empty_distribution_has_no_values() -> None:
    dist = distribution(0, 0, 0, [0] * 6, {})
    assert (dist.mean_hours, dist.p50_hours, dist.status) == (None, None, "no_data")
