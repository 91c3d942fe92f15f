"""POST /v1/inbound/{format}/{partner}: tracking pushes in the sender's own format.

The sender cannot set headers, so the partner is named in the URL and the push proves it
with the channel's signature. From the verified push on, its events take the route of
POST /v1/events: the partner's rate limit, admission (check_publish, then validation),
tokenisation and the raw topics, through the same functions.
"""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import parse_qs

import orjson
import structlog
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from quanhub.common.access.model import PARTNER_CODE
from quanhub.common.access.push import PushChannel, push_secret
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.pii import EnvelopeWriter
from quanhub.common.traceids import new_trace_id
from quanhub.gateway.admission import admit
from quanhub.gateway.context import ContextDep, GatewayContext
from quanhub.gateway.inbound import kuaidi100
from quanhub.gateway.inbound.kuaidi100 import PushRefused
from quanhub.gateway.judging import Judgement

__all__ = ["router"]

log = structlog.get_logger(__name__)
router = APIRouter(tags=["inbound"])
_FORM = "application/x-www-form-urlencoded"
_FIELDS = 8  # a push has two fields; a few more are tolerated, not thousands


class Kuaidi100Answer(BaseModel):
    """The answer Kuaidi100 expects from a subscriber's callback URL."""

    result: bool = Field(description="true: the push is taken; false: Kuaidi100 pushes again")
    returnCode: str = Field(description='"200" when taken, else the HTTP status of the refusal')
    message: str = Field(description="成功, or why the push was refused")


_REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": Kuaidi100Answer, "description": why}
    for status, why in {
        400: "A malformed form or param (result false)",
        401: "A bad signature, or no push channel for this partner (result false)",
        413: "A push larger than max_json_body_bytes (result false)",
        415: "Not application/x-www-form-urlencoded (result false)",
        422: "No scan of the push may be published; the reason codes in message",
        429: "The partner's event budget is spent (result false)",
        503: "Kafka is unavailable; nothing was accepted (result false)",
    }.items()
}


def _answer(status: int, ok: bool, message: str) -> Response:
    """Kuaidi100's answer: `result` false (any returnCode but 200) makes it push again."""
    body = {"result": ok, "returnCode": str(status), "message": message}
    return Response(orjson.dumps(body), status, media_type="application/json")


async def _channel(ctx: GatewayContext, partner: str) -> PushChannel | None:
    """The partner's channel; None for no such channel (or a code no partner can have:
    refused in Kuaidi100's answer, not by path validation)."""
    code = partner.strip().upper()
    if not PARTNER_CODE.fullmatch(code):
        return None
    return await ctx.push_channels.find(code, "kuaidi100")


async def _read_form(request: Request, limit: int) -> dict[str, list[str]]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != _FORM:
        raise PushRefused(415, "unsupported_media_type", f"a push is {_FORM}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PushRefused(413, "payload_too_large", f"a push may have at most {limit} bytes")
    try:
        text = body.decode()
        return parse_qs(text, strict_parsing=True, max_num_fields=_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise PushRefused(400, "malformed_push", "the body is not a UTF-8 form") from None


async def _publish(
    ctx: GatewayContext, channel: PushChannel, param: dict[str, Any]
) -> tuple[int, int]:
    """Publish the push's events as the channel's partner: (accepted, rejected)."""
    principal = channel.principal
    events = kuaidi100.parcel_events(param)
    if not events:
        return 0, 0
    decision = ctx.limiter.take(principal.partner_code, len(events))
    if not decision.allowed:
        raise PushRefused(429, "rate_limited", "the partner's event budget is spent")
    received_at = ctx.clock.now()
    trace_id = new_trace_id()
    admission = admit(principal, events, received_at, max_event_bytes=ctx.limits.max_event_bytes)
    rejected = len(admission.rejected)
    codes = sorted({r.code for r in admission.rejected})
    ctx.metrics.events.labels(principal.partner_code, "rejected").inc(rejected)
    if not admission.accepted:
        raise PushRefused(422, "no_event_accepted", f"no scan accepted ({', '.join(codes)})")
    writer = EnvelopeWriter(principal.partner_code, principal.role.value, received_at, "gateway")
    judgement = Judgement(len(events), admission, None)
    records = judgement.records(ctx, principal, trace_id, writer)
    await ctx.publisher.publish(records)
    ctx.metrics.events.labels(principal.partner_code, "accepted").inc(len(records))
    return len(records), rejected


@router.post(
    "/v1/inbound/kuaidi100/{partner}",
    summary="Receive a Kuaidi100 subscription push",
    response_model=Kuaidi100Answer,
    response_description="The push's events are durable in Kafka (result true)",
    responses=_REFUSALS,
)
async def kuaidi100_push(
    request: Request,
    ctx: ContextDep,
    partner: Annotated[str, Path(description="The partner's hub code, e.g. YTO")],
) -> Response:
    """Kuaidi100's subscription push for `partner`, as Kuaidi100 sends it.

    Set this URL as the subscription's `callbackurl` and the partner's push secret
    (`quanhub partners push-secret CODE --format kuaidi100`) as its `salt`. The form's
    `param` is verified against `sign` = MD5(param + salt); each scan of `lastResult`
    becomes a parcel event (`code_system` kuaidi100) published as the partner, under the
    same rules as POST /v1/events: a carrier partner publishes its own carrier's parcels.

    The answer is Kuaidi100's: `{"result": true, "returnCode": "200", "message": ...}` once
    the events are durable in Kafka; otherwise `result` false with the HTTP status as
    `returnCode` (401 bad signature or unknown channel, 400 malformed, 413 too large,
    415 not a form, 422 no scan accepted, 429 rate limited, 503 Kafka unavailable).
    """
    started = time.perf_counter()
    bound = log.bind(partner=partner, push_format="kuaidi100")
    try:
        channel = await _channel(ctx, partner)
        if channel is None:
            raise PushRefused(401, "bad_signature", "no push channel, or a bad signature")
        decision = ctx.limiter.peek(channel.principal.partner_code)
        if not decision.allowed:
            raise PushRefused(429, "rate_limited", "the partner's event budget is spent")
        form = await _read_form(request, ctx.limits.max_json_body_bytes)
        salt = push_secret(
            ctx.pii_secret, channel.principal.partner_code, "kuaidi100", channel.nonce
        )
        param = kuaidi100.verify_and_read(form, salt)
        accepted, rejected = await _publish(ctx, channel, param)
    except PushRefused as exc:
        ctx.metrics.requests.labels(str(exc.status)).inc()
        bound.info("push_refused", code=exc.code, status=exc.status)
        return _answer(exc.status, False, exc.message)
    except DependencyUnavailable:
        ctx.metrics.requests.labels("503").inc()
        bound.warning("push_unavailable")
        return _answer(503, False, "Kafka unavailable; nothing was accepted, push again later")
    ctx.metrics.requests.labels("200").inc()
    ms = round((time.perf_counter() - started) * 1000, 1)
    bound.info("push_published", accepted=accepted, rejected=rejected, ms=ms)
    return _answer(200, True, "成功")
