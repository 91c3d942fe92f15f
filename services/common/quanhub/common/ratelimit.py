"""Per-partner budgets: a token bucket per partner, kept in one process.

The gateway charges events to it, the ledger API requests. N processes behind a load
balancer give a partner up to N times the rate: the limit protects each process, it is not
a global quota.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from quanhub.common.clock import Clock


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of asking for n tokens' worth of budget."""

    allowed: bool
    limit: int
    remaining: int
    #: Seconds until the bucket is full again.
    reset_seconds: int
    #: Seconds until the request could pass (0 when allowed).
    retry_after_seconds: int


def rate_headers(decision: Decision) -> dict[str, str]:
    """`X-RateLimit-Limit/-Remaining/-Reset` of a decision (tokens, per process)."""
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_seconds),
    }


class RateLimiter:
    """Token buckets refilled at `rate` tokens/s up to `burst` tokens, one per partner."""

    def __init__(self, clock: Clock, *, rate: float, burst: int) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, partner_code: str, cost: int) -> Decision:
        """Spend `cost` tokens if the partner has them; either way report the budget."""
        tokens, now = self._refilled(partner_code)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets[partner_code] = (tokens, now)
        return self._decision(tokens, cost, allowed=allowed)

    def drain(self, partner_code: str, cost: int) -> Decision:
        """Spend `cost` tokens, or all there are when fewer: the charge for work done on a
        request that is refused anyway (allowed: the partner had them all)."""
        tokens, now = self._refilled(partner_code)
        allowed = tokens >= cost
        tokens = max(0.0, tokens - cost)
        self._buckets[partner_code] = (tokens, now)
        return self._decision(tokens, cost, allowed=allowed)

    def peek(self, partner_code: str) -> Decision:
        """Whether the partner could spend one token now, spending nothing: a request is
        refused before its body is read when the answer is no."""
        tokens, _ = self._refilled(partner_code)
        return self._decision(tokens, 1, allowed=tokens >= 1)

    def _refilled(self, partner_code: str) -> tuple[float, float]:
        """The partner's tokens now, and now (epoch seconds)."""
        now = self._clock.now().timestamp()
        tokens, last = self._buckets.get(partner_code, (float(self._burst), now))
        return min(float(self._burst), tokens + max(0.0, now - last) * self._rate), now

    def _decision(self, tokens: float, cost: int, *, allowed: bool) -> Decision:
        missing = 0.0 if allowed else cost - tokens
        return Decision(
            allowed=allowed,
            limit=self._burst,
            remaining=math.floor(tokens),
            reset_seconds=math.ceil((self._burst - tokens) / self._rate),
            retry_after_seconds=max(1, math.ceil(missing / self._rate)) if not allowed else 0,
        )
