"""The steps every push format shares: find the channel, read the form, publish the events.

From the verified push on, its events take the route of POST /v1/events: the partner's
rate limit, admission (check_publish, then validation), tokenisation and the raw topics,
through the same functions. Each step refuses with PushRefused; the route answers it in
its sender's own format.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Request

from quanhub.common.access.model import PARTNER_CODE
from quanhub.common.access.push import PushChannel, verifying_secret
from quanhub.common.access.push_keys import PushKeyUnreadable
from quanhub.common.pii import EnvelopeWriter
from quanhub.common.tracehttp import current_trace
from quanhub.gateway.admission import admit
from quanhub.gateway.context import GatewayContext
from quanhub.gateway.inbound.shared import PushRefused
from quanhub.gateway.judging import Judgement
from quanhub.ingest.v1 import ingest_pb2

__all__ = ["Published", "open_channel", "publish", "read_form"]

_FORM = "application/x-www-form-urlencoded"
_FIELDS = 8  # a push has two or three fields; a few more are tolerated, not thousands


@dataclass(frozen=True, slots=True)
class Published:
    """What a push published: events accepted, and those refused with their codes."""

    accepted: int
    rejected: int
    codes: tuple[str, ...]


async def open_channel(ctx: GatewayContext, partner: str, fmt: str) -> tuple[PushChannel, str]:
    """The partner's `fmt` channel and the secret its pushes verify with, once its event
    budget is not spent.

    No channel, and a code no partner can have, are refused like a bad signature: the
    sender learns nothing about which partners exist."""
    code = partner.strip().upper()
    channel = await ctx.push_channels.find(code, fmt) if PARTNER_CODE.fullmatch(code) else None
    if channel is None:
        raise PushRefused(401, "bad_signature", "no push channel, or a bad signature")
    principal = channel.principal
    if not ctx.limiter.peek(principal.partner_code).allowed:
        raise PushRefused(429, "rate_limited", "the partner's event budget is spent")
    try:  # the partner's own key when one is set (push_keys), else the derived secret
        secret = verifying_secret(ctx.pii_secret, channel, fmt)
    except PushKeyUnreadable:  # another hub secret, or an altered row: nothing verifies
        msg = "no push channel, or a bad signature"
        raise PushRefused(401, "push_key_unreadable", msg) from None
    return channel, secret


async def read_form(request: Request, limit: int) -> dict[str, list[str]]:
    """The push's form fields, read no further than `limit` bytes."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != _FORM:
        raise PushRefused(415, "unsupported_media_type", f"a push is {_FORM}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PushRefused(413, "payload_too_large", f"a push may have at most {limit} bytes")
    try:
        return parse_qs(body.decode(), strict_parsing=True, max_num_fields=_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise PushRefused(400, "malformed_push", "the body is not a UTF-8 form") from None


async def publish(
    ctx: GatewayContext, channel: PushChannel, events: list[ingest_pb2.Event]
) -> Published:
    """Publish the push's events as the channel's partner; PushRefused (422) if none may be."""
    principal = channel.principal
    if not events:
        return Published(0, 0, ())
    if len(events) > ctx.limits.max_events:
        msg = f"{len(events)} events in one push; the limit is {ctx.limits.max_events}"
        raise PushRefused(413, "too_many_events", msg)
    decision = ctx.limiter.take(principal.partner_code, len(events))
    if not decision.allowed:
        raise PushRefused(429, "rate_limited", "the partner's event budget is spent")
    received_at = ctx.clock.now()
    admission = admit(principal, events, received_at, max_event_bytes=ctx.limits.max_event_bytes)
    rejected = len(admission.rejected)
    codes = tuple(sorted({r.code for r in admission.rejected}))
    ctx.metrics.events.labels(principal.partner_code, "rejected").inc(rejected)
    if not admission.accepted:
        raise PushRefused(422, "no_event_accepted", f"no event accepted ({', '.join(codes)})")
    writer = EnvelopeWriter(principal.partner_code, principal.role.value, received_at, "gateway")
    judgement = Judgement(len(events), admission, None)
    trace = current_trace()  # the push request's (its answer's traceparent names it)
    records = judgement.records(ctx, principal, trace.trace_id, writer, sampled=trace.sampled)
    await ctx.publisher.publish(records)
    ctx.metrics.events.labels(principal.partner_code, "accepted").inc(len(records))
    return Published(len(records), rejected, codes)
