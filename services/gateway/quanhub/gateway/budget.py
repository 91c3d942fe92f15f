"""A partner's event budget on the routes that publish: checked, spent, and charged for
refused bodies, one way on POST /v1/events and POST /v1/inbound/ceb."""

from __future__ import annotations

from quanhub.common.access.model import Principal
from quanhub.common.ratelimit import Decision, rate_headers
from quanhub.gateway.context import GatewayContext
from quanhub.gateway.errors import GatewayError, PayloadTooLarge, RateLimited

__all__ = ["charged", "ensure_budget", "spend_budget"]


def _rate_limited(decision: Decision, events: int) -> RateLimited:
    msg = (
        f"{events} events exceed your remaining budget of {decision.remaining} "
        f"(limit {decision.limit} events, refilled continuously)"
    )
    retry = {"Retry-After": str(decision.retry_after_seconds)}
    return RateLimited(msg, headers={**rate_headers(decision), **retry})


def spend_budget(ctx: GatewayContext, principal: Principal, events: int) -> dict[str, str]:
    """Take `events` from the partner's bucket; the rate headers, or RateLimited."""
    decision = ctx.limiter.take(principal.partner_code, events)
    if not decision.allowed:
        raise _rate_limited(decision, events)
    return rate_headers(decision)


def ensure_budget(ctx: GatewayContext, principal: Principal) -> None:
    """RateLimited before the body is read when the partner's budget is spent."""
    decision = ctx.limiter.peek(principal.partner_code)
    if not decision.allowed:
        raise _rate_limited(decision, 1)


def charged(ctx: GatewayContext, principal: Principal, exc: PayloadTooLarge) -> GatewayError:
    """A body refused for its size or count costs a full batch of the partner's budget:
    reading it was a batch's work, and a partner that keeps sending such bodies meets 429
    before they are read. The refusal (or RateLimited, when the budget is now spent)."""
    events = ctx.limits.max_events
    decision = ctx.limiter.drain(principal.partner_code, events)
    if not decision.allowed:
        return _rate_limited(decision, events)
    exc.headers.update(rate_headers(decision))
    return exc
