"""The gateway's per-partner event budget: the shared token bucket
(quanhub.common.ratelimit), charged one token per event."""

from __future__ import annotations

from quanhub.common.ratelimit import Decision, RateLimiter

__all__ = ["Decision", "RateLimiter"]
