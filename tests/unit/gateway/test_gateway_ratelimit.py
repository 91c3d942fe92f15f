"""The per-partner token bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quanhub.common.clock import FixedClock
from quanhub.gateway.ratelimit import RateLimiter


def test_bucket_spends_refills_and_reports() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = RateLimiter(clock, rate=10, burst=20)
    first = limiter.take("SF", 15)
    assert (first.allowed, first.limit, first.remaining) == (True, 20, 5)
    refused = limiter.take("SF", 10)
    assert not refused.allowed
    assert refused.remaining == 5
    assert refused.retry_after_seconds == 1  # 5 missing at 10/s
    assert refused.reset_seconds == 2
    assert limiter.take("ZTO", 20).allowed, "partners have separate buckets"
    clock.advance(timedelta(seconds=0.5))
    assert limiter.take("SF", 10).allowed
    clock.advance(timedelta(hours=1))
    assert limiter.take("SF", 20).remaining == 0
