"""POST /v1/inbound/ceb: customs messages in the single window's CEB XML.

A customs agent's system can set headers, so the agent authenticates with its API key as
on POST /v1/events; from the parsed documents on, its events take that route's path: the
partner's rate limit, admission (check_publish, then validation), tokenisation of the
personal fields and the raw customs topic, through the same functions.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import orjson
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response

from quanhub.common.access.deps import PrincipalDep
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.http import AUTH_PROBLEMS, problem_response, problems
from quanhub.common.pii import EnvelopeWriter
from quanhub.common.tracehttp import request_trace
from quanhub.gateway.admission import admit
from quanhub.gateway.authz import ensure_may_publish
from quanhub.gateway.budget import charged, ensure_budget, spend_budget
from quanhub.gateway.context import ContextDep
from quanhub.gateway.errors import BatchRejected, MalformedBody, PayloadTooLarge
from quanhub.gateway.inbound.ceb.answer import CebAnswer, summary
from quanhub.gateway.inbound.ceb.mapping import customs_events
from quanhub.gateway.inbound.ceb.reading import CebMessage, read_messages
from quanhub.gateway.judging import Judgement, off_loop
from quanhub.ingest.v1 import ingest_pb2

__all__ = ["router"]

log = structlog.get_logger(__name__)
router = APIRouter(tags=["inbound"])
#: The media types of a CEB submission.
XML_TYPES = ("application/xml", "text/xml")

_RESPONSES = problems(
    {
        400: "Not well-formed XML (`malformed_xml`), a DOCTYPE, entity or external reference "
        "(`xml_forbidden`), or no document (`empty_batch`)",
        401: AUTH_PROBLEMS[401],
        403: "Your role does not publish events",
        413: "Body larger than max_json_body_bytes, or more documents than max_events_per_request",
        415: "Content-Type other than application/xml or text/xml",
        422: "A message type the hub does not read (`unknown_message_type`), or no document "
        "accepted (`batch_rejected`, with the per-message summary)",
        429: "Event rate exceeded; see Retry-After and X-RateLimit-* headers",
        503: "Kafka (nothing acknowledged) or the key registry unavailable; retry the same "
        "request after Retry-After",
    }
)
_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        media: {"schema": {"type": "string", "description": "A CEB message or a CEBBatch"}}
        for media in XML_TYPES
    },
}


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"a CEB submission may have at most {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"a CEB submission may have at most {limit} bytes")
    return bytes(body)


def _events(body: bytes, max_events: int) -> tuple[list[CebMessage], list[ingest_pb2.Event]]:
    messages = read_messages(body)
    documents = sum(len(m.documents) for m in messages)
    if documents > max_events:
        msg = f"{documents} documents; one request may carry at most {max_events}"
        raise PayloadTooLarge(msg)
    if documents == 0:
        raise MalformedBody("the request holds no CEB document", code="empty_batch")
    return messages, customs_events(messages)


@router.post(
    "/v1/inbound/ceb",
    status_code=202,
    summary="Submit customs messages as CEB XML",
    response_model=CebAnswer,
    response_description="The accepted documents are durable in Kafka",
    responses=_RESPONSES,
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def submit_ceb(
    request: Request,
    principal: PrincipalDep,
    ctx: ContextDep,
) -> Response:
    """A customs agent's CEB messages, as the single window's XML (namespace
    `http://www.chinaport.gov.cn/ceb`): one message, or several in a `<CEBBatch>` element.

    Declarations (CEB311 order, CEB411 payment, CEB511 waybill, CEB621 inventory, CEB623
    cancel, CEB625 return; export CEB303, CEB505, CEB603, CEB605) and their receipts
    (CEB312, CEB412, CEB512, CEB622, CEB624, CEB626, CEB304, CEB506, CEB604, CEB606): each
    document becomes one customs event (`event_id` `CEBnnn-<guid>`, so a message sent
    again counts once), judged like an event of POST /v1/events. The XML is parsed with
    DTDs, entities and external references refused.

    **202 means durable**: the answer lists each message's documents, accepted or with a
    reason `code`; when no document is accepted the answer is 422 with the same list.
    """
    started = time.perf_counter()
    trace = request_trace(request)  # traceparent or X-Trace-Id, when safe (tracehttp)
    trace_id = trace.trace_id
    ensure_may_publish(principal)
    media = _media_type(request)
    if media not in XML_TYPES:
        ctx.metrics.requests.labels("415").inc()
        detail = "a CEB submission is application/xml or text/xml"
        return problem_response(
            415,
            "unsupported_media_type",
            detail,
            instance=request.url.path,
            headers={"Accept-Post": ", ".join(XML_TYPES)},
        )
    ensure_budget(ctx, principal)
    try:  # a body refused for its size or its count costs a batch, as on POST /v1/events
        body = await _read(request, ctx.limits.max_json_body_bytes)
        work = functools.partial(_events, body, ctx.limits.max_events)
        messages, events = await off_loop(ctx, len(body), work)
    except PayloadTooLarge as exc:
        raise charged(ctx, principal, exc) from None
    budget = spend_budget(ctx, principal, len(events))
    received_at = ctx.clock.now()
    admission = admit(principal, events, received_at, max_event_bytes=ctx.limits.max_event_bytes)
    answer = summary(messages, admission)
    ctx.metrics.events.labels(principal.partner_code, "rejected").inc(len(admission.rejected))
    if not admission.accepted:
        raise BatchRejected("no document accepted", extra=answer, headers=budget)
    writer = EnvelopeWriter(principal.partner_code, principal.role.value, received_at, "gateway")
    judgement = Judgement(len(events), admission, None)
    records = judgement.records(ctx, principal, trace_id, writer, sampled=trace.sampled)
    bound = log.bind(partner=principal.partner_code, trace_id=trace_id, push_format="ceb")
    try:
        await ctx.publisher.publish(records)
    except DependencyUnavailable:
        bound.warning("publish_unavailable", events=len(records))
        raise
    ctx.metrics.events.labels(principal.partner_code, "accepted").inc(len(records))
    ctx.metrics.requests.labels("202").inc()
    bound.info(
        "ceb_published",
        messages=len(messages),
        accepted=len(records),
        rejected=len(admission.rejected),
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
    headers = {**budget, "X-Trace-Id": trace_id}
    return Response(orjson.dumps(answer), 202, headers, media_type="application/json")
