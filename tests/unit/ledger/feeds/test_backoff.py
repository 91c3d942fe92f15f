"""The retry schedule: exponential, jittered, capped, and spanning more than a day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quanhub.ledger.feeds.backoff import RetryPolicy


def test_waits_double_from_the_base_until_the_cap() -> None:
    policy = RetryPolicy(base_seconds=5, cap_seconds=3600, jitter=0, max_attempts=21)
    assert [policy.nominal_delay(n) for n in range(1, 6)] == [5, 10, 20, 40, 80]
    assert policy.nominal_delay(20) == 3600
    assert policy.nominal_delay(1000) == 3600


def test_default_schedule_retries_for_more_than_a_day_even_with_the_least_jitter() -> None:
    policy = RetryPolicy()
    total = sum(policy.delay(n, rand=lambda: 0.0).total_seconds() for n in range(1, 21))
    assert len(policy.schedule()) == policy.max_attempts - 1
    assert total >= 24 * 3600
    assert sum(policy.schedule()) == pytest.approx(29.6875 * 3600)


def test_jitter_stays_within_its_band() -> None:
    policy = RetryPolicy(base_seconds=100, jitter=0.1)
    low = policy.delay(1, rand=lambda: 0.0)
    high = policy.delay(1, rand=lambda: 0.999999)
    assert low == timedelta(seconds=90)
    assert timedelta(seconds=109.99) < high <= timedelta(seconds=110)


def test_pauses_after_max_attempts_failures() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert not policy.exhausted(2)
    assert policy.exhausted(3)


def test_failures_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        RetryPolicy().nominal_delay(0)
