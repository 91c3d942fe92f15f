"""POST /v1/events: the partner-facing ingestion route."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Annotated, Any

import structlog
from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from google.protobuf import json_format

from quanhub.common.access.deps import PrincipalDep
from quanhub.common.access.model import Principal
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.pii import EnvelopeWriter
from quanhub.common.tracehttp import request_trace
from quanhub.gateway.admission import Admission
from quanhub.gateway.authz import ensure_may_publish
from quanhub.gateway.budget import charged, ensure_budget, spend_budget
from quanhub.gateway.context import ContextDep, GatewayContext
from quanhub.gateway.errors import BatchRejected, InvalidHeader, MalformedBody, PayloadTooLarge
from quanhub.gateway.judging import judge, off_loop
from quanhub.gateway.parsing import (
    PROTOBUF_TYPES,
    BodyFormat,
    Counted,
    body_format,
    build_events,
    count_events,
    read_body,
)
from quanhub.gateway.schema import PUBLISH_REQUEST_BODY, PUBLISH_RESPONSES, PublishResult
from quanhub.ingest.v1 import ingest_pb2

if TYPE_CHECKING:
    from quanhub_gateway_native import Decoded

log = structlog.get_logger(__name__)
router = APIRouter(tags=["ingestion"])


def _behaviour(value: str | None) -> bool:
    """True for rollback (all or nothing), False for proceed (the default)."""
    mode = (value or "proceed").strip().lower()
    if mode not in {"proceed", "rollback"}:
        msg = "Quanhub-Error-Behaviour must be 'proceed' or 'rollback'"
        raise InvalidHeader(msg)
    return mode == "rollback"


def _rejections(admission: Admission) -> list[dict[str, Any]]:
    return [
        {"index": r.index, "eventId": r.event_id, "code": r.code, "message": r.message}
        for r in admission.rejected
    ]


async def _read(
    ctx: GatewayContext, principal: Principal, request: Request, fmt: BodyFormat
) -> tuple[bytes, Decoded | Counted]:
    """The body, decoded by the native path or counted by Python (a 429 before it is read
    when the budget is spent; a refusal for size charged)."""
    ensure_budget(ctx, principal)
    length = request.headers.get("content-length")
    try:
        body = await read_body(request.stream(), length, ctx.limits, fmt)
        fast = ctx.fast_path if fmt is BodyFormat.PROTOBUF else None
        # The native path decodes without the GIL: a large body's decoding leaves the loop.
        decoded = (
            None
            if fast is None
            else await off_loop(ctx, len(body), functools.partial(fast.decode, body))
        )
        if decoded is not None:
            return body, decoded
        work = functools.partial(count_events, body, fmt, ctx.limits)
        return body, await off_loop(ctx, len(body), work)
    except PayloadTooLarge as exc:
        raise charged(ctx, principal, exc) from None


def _respond(
    request: Request, accepted: int, admission: Admission, headers: dict[str, str]
) -> Response:
    result = ingest_pb2.PublishResponse(accepted=accepted)
    for r in admission.rejected:
        result.rejected.add(index=r.index, event_id=r.event_id, code=r.code, message=r.message)
    accept = request.headers.get("accept", "")
    if any(t in accept for t in PROTOBUF_TYPES):
        return Response(
            result.SerializeToString(), 202, headers, media_type="application/x-protobuf"
        )
    body = json_format.MessageToJson(result, always_print_fields_with_no_presence=True, indent=None)
    return Response(body, 202, headers, media_type="application/json")


@router.post(
    "/v1/events",
    status_code=202,
    response_model=PublishResult,
    responses=PUBLISH_RESPONSES,
    openapi_extra={"requestBody": PUBLISH_REQUEST_BODY},
    summary="Publish a batch of events",
)
async def publish_events(
    request: Request,
    principal: PrincipalDep,
    ctx: ContextDep,
    error_behaviour: Annotated[
        str | None, Header(alias="Quanhub-Error-Behaviour", include_in_schema=False)
    ] = None,
) -> Response:
    """Publish up to `max_events_per_request` events (500 by default) of your own kind.

    The body is a `quanhub.ingest.v1.PublishRequest`, as `application/x-protobuf` or as
    `application/json` in protobuf's JSON mapping (snake_case and lowerCamelCase names both
    accepted). Platforms publish order events under their own `platform_code`, carriers
    parcel events under their own carrier, customs agents customs events.

    Each event is checked on its own. By default valid events are accepted and the others
    listed in `rejected` with their index, a reason `code` and a `message`; with the header
    `Quanhub-Error-Behaviour: rollback` any rejection refuses the whole batch (422).

    **202 means durable**: the answer comes only after Kafka acknowledged every accepted
    event. Personal data (ID numbers, names, phones, addresses) is tokenised and masked
    before it is written anywhere. When Kafka is unavailable or slow the answer is 503 with
    `Retry-After`: retry the same batch; each `event_id` counts once however often it is
    sent. Answers carry `X-RateLimit-Limit/-Remaining/-Reset` (events, per gateway process).
    """
    started = time.perf_counter()
    rollback = _behaviour(error_behaviour)
    # `traceparent` or X-Trace-Id, kept only in a form that cannot carry text (tracehttp).
    trace = request_trace(request)
    trace_id = trace.trace_id
    bound = log.bind(partner=principal.partner_code, trace_id=trace_id, span_id=trace.span_id)
    ensure_may_publish(principal)
    fmt = body_format(request.headers.get("content-type"), request.headers.get("content-encoding"))
    # The body's size and event count are bounded, and the rate limit is spent on its count,
    # before any event is built (protobuf messages from JSON are what cost) or judged.
    body, read = await _read(ctx, principal, request, fmt)
    count = len(read) if not isinstance(read, Counted) else read.count
    if isinstance(read, Counted) and count == 0:
        build_events(read, ctx.limits)  # a malformed body is refused as such
        raise MalformedBody("the request holds no events", code="empty_batch")
    budget_headers = spend_budget(ctx, principal, count)
    received_at = ctx.clock.now()
    writer = EnvelopeWriter(principal.partner_code, principal.role.value, received_at, "gateway")
    judgement = await judge(
        ctx, principal, body, read, received_at=received_at, trace_id=trace_id, writer=writer
    )
    admission = judgement.admission
    ctx.metrics.events.labels(principal.partner_code, "rejected").inc(len(admission.rejected))
    if admission.rejected and (rollback or judgement.all_rejected):
        reason = "rollback: a rejected event refuses the batch" if rollback else "no event accepted"
        raise BatchRejected(
            reason,
            extra={"accepted": 0, "rejected": _rejections(admission)},
            headers=budget_headers,
        )
    records = judgement.records(ctx, principal, trace_id, writer, sampled=trace.sampled)
    publish_started = time.perf_counter()
    try:
        await ctx.publisher.publish(records)
    except DependencyUnavailable:
        ctx.metrics.events.labels(principal.partner_code, "unavailable").inc(len(records))
        bound.warning("publish_unavailable", events=len(records))
        raise
    ctx.metrics.publish_seconds.observe(time.perf_counter() - publish_started)
    ctx.metrics.events.labels(principal.partner_code, "accepted").inc(len(records))
    ctx.metrics.requests.labels("202").inc()
    bound.info(
        "events_published",
        accepted=len(records),
        rejected=len(admission.rejected),
        rejection_codes=sorted({r.code for r in admission.rejected}),
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return _respond(request, len(records), admission, {**budget_headers, "X-Trace-Id": trace_id})
