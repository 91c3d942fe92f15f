"""The per-partner token bucket (the gateway's events, the ledger API's requests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quanhub.common.clock import FixedClock
from quanhub.common.ratelimit import RateLimiter, rate_headers


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


def test_drain_spends_what_there_is_and_peek_spends_nothing() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = RateLimiter(clock, rate=10, burst=20)
    assert limiter.peek("SF").allowed
    assert limiter.peek("SF").remaining == 20, "peeking spends nothing"
    charged = limiter.drain("SF", 15)
    assert (charged.allowed, charged.remaining) == (True, 5)
    short = limiter.drain("SF", 15)  # 5 left: all of them are spent, and it says so
    assert (short.allowed, short.remaining) == (False, 0)
    assert short.retry_after_seconds == 2
    empty = limiter.peek("SF")
    assert not empty.allowed
    assert empty.retry_after_seconds == 1
    clock.advance(timedelta(seconds=0.2))
    assert limiter.peek("SF").allowed, "two events' worth refilled"


def test_rate_headers_name_the_budget() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = RateLimiter(clock, rate=10, burst=20)
    assert rate_headers(limiter.take("SF", 5)) == {
        "X-RateLimit-Limit": "20",
        "X-RateLimit-Remaining": "15",
        "X-RateLimit-Reset": "1",
    }
