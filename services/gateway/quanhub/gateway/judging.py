"""A request's events judged, once: by the native path where it is sure, by Python for the
rest, and joined into one answer in request order.

The route sees a `Judgement`: Python's admission (every rejection, by request index) and,
on demand, the accepted events' Kafka records in request order. Which path judged which
event stays in here: the native path (`quanhub.gateway.fastpath`) answers for the events it
is sure of and leaves the others (`None`) to Python, which words every rejection; a body
the native path could not decode is Python's whole.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import structlog

from quanhub.common.access.model import Principal
from quanhub.common.canonical import event_business_key
from quanhub.common.ids import canonical_event_id_text
from quanhub.common.pii import EnvelopeWriter, protect_in_place
from quanhub.common.topics import EventKind
from quanhub.common.tracecontext import TRACEPARENT, PublishSpan
from quanhub.common.traceids import is_safe_trace_id
from quanhub.gateway.admission import Admission, admit
from quanhub.gateway.context import GatewayContext
from quanhub.gateway.fastpath import KINDS, Prepared
from quanhub.gateway.parsing import BodyFormat, Counted, build_events, count_events
from quanhub.gateway.publisher import Record
from quanhub.ingest.v1 import ingest_pb2

if TYPE_CHECKING:
    from quanhub_gateway_native import Decoded

__all__ = ["OFFLOAD_BYTES", "Judgement", "judge", "off_loop"]

log = structlog.get_logger(__name__)
_T = TypeVar("_T")
#: Bodies larger than this are built and judged on the gateway's worker thread (a body
#: this size is judged in Python within a few milliseconds, whatever its shape).
OFFLOAD_BYTES = 64 * 1024


async def off_loop(ctx: GatewayContext, size: int, work: Callable[[], _T]) -> _T:
    """`work()`, on the gateway's worker thread when the body is larger than OFFLOAD_BYTES:
    building and judging a large body in Python may take longer than the event loop may be
    held (the thread takes turns with the loop, which keeps answering other requests)."""
    if size <= OFFLOAD_BYTES:
        return work()
    return await asyncio.get_running_loop().run_in_executor(ctx.worker, work)


@dataclass(frozen=True, slots=True)
class Judgement:
    """Every event of one request judged."""

    #: The events in the request.
    size: int
    #: Python's judgement of the events it judged: its rejections are the request's (the
    #: native path rejects nothing), with request indexes.
    admission: Admission
    #: Per event, what the native path prepared (None: Python's); None when Python judged
    #: the whole body.
    native: Sequence[Prepared] | None

    @property
    def all_rejected(self) -> bool:
        """No event of the request is accepted."""
        return self.size == len(self.admission.rejected)

    def records(
        self,
        ctx: GatewayContext,
        principal: Principal,
        trace_id: str,
        writer: EnvelopeWriter,
        *,
        sampled: bool = True,
    ) -> list[Record]:
        """The accepted events' raw-topic records, in request order (one key's events keep
        theirs). Masks Python's events in place: the request owns them, and nothing reads
        them after this.

        Each record's `traceparent` names its event's trace and the request's publish span
        (one span for the batch, as OpenTelemetry's messaging conventions allow when no
        span is made per message); `sampled` is the request's sampling decision."""
        span = PublishSpan(sampled=sampled)
        python = _python_records(ctx, principal, self.admission, trace_id, writer, span=span)
        if self.native is None:
            return python
        by_index = {i: r for (i, _), r in zip(self.admission.accepted, python, strict=True)}
        topic_of = [ctx.topics.raw(kind) for kind in KINDS]
        partner_header = ("partner", principal.partner_code.encode())
        records: list[Record] = []
        for index, item in enumerate(self.native):
            if item is None:
                if (record := by_index.get(index)) is not None:
                    records.append(record)
                continue
            kind, key, key_hash, value, event_id, trace = item
            headers = [
                partner_header,
                ("event_id", event_id),
                ("trace_id", trace),
                (TRACEPARENT, span.header(trace)),
            ]
            records.append(Record(topic_of[kind], key, value, headers, key_hash))
        return records


async def judge(
    ctx: GatewayContext,
    principal: Principal,
    body: bytes,
    read: Decoded | Counted,
    *,
    received_at: datetime,
    trace_id: str,
    writer: EnvelopeWriter,
) -> Judgement:
    """Judge every event of `body`: `read` is the native path's decoding of it, or Python's
    count of a body the native path does not read (JSON, or a body it could not decode)."""
    if isinstance(read, Counted):
        work = functools.partial(_python_judges_all, ctx, principal, body, read, received_at)
        return await off_loop(ctx, len(body), work)
    size = len(read)
    native = None
    if ctx.fast_path is not None:  # it decoded the body, so it is there; judged on the loop
        native = ctx.fast_path.judge(read, principal, received_at, trace_id, writer)
    if native is not None and None not in native:
        ctx.metrics.fast_path_events.labels("native").inc(size)
        return Judgement(size, Admission(), native)
    work = functools.partial(
        _python_judges_rest, ctx, principal, body, size, native=native, received_at=received_at
    )
    return await off_loop(ctx, len(body), work)


def _python_judges_all(
    ctx: GatewayContext,
    principal: Principal,
    body: bytes,
    read: Counted,
    received_at: datetime,
) -> Judgement:
    fmt = BodyFormat.PROTOBUF if read.request is not None else BodyFormat.JSON
    events = build_events(read, ctx.limits)
    ctx.metrics.fast_path_events.labels("json" if fmt is BodyFormat.JSON else "python").inc(
        len(events)
    )
    # A JSON body is no bound on its events' protobuf size (a negative int is 2 characters
    # there and 10 bytes in protobuf): each is checked. No event of a protobuf body is larger
    # than the body, so a small one skips the check.
    limit = ctx.limits.max_event_bytes
    size_limit = limit if fmt is BodyFormat.JSON or len(body) > limit else None
    admission = admit(
        principal, events, received_at, max_event_bytes=size_limit, oversized=read.oversized
    )
    return Judgement(len(events), admission, None)


def _python_judges_rest(
    ctx: GatewayContext,
    principal: Principal,
    body: bytes,
    size: int,
    *,
    native: Sequence[Prepared] | None,
    received_at: datetime,
) -> Judgement:
    """Python decodes the body (upb) and judges the events the native path left to it: all
    of them when its judging failed (`native` None)."""
    counted = count_events(body, BodyFormat.PROTOBUF, ctx.limits)
    events = build_events(counted, ctx.limits)
    oversized = counted.oversized
    if native is not None and len(events) != size:  # never expected: the decoders disagree
        log.error("native_fast_path_miscounted", native=size, python=len(events))
        native = None
    limit = ctx.limits.max_event_bytes
    size_limit = None if len(body) <= limit else limit
    if native is None:
        ctx.metrics.fast_path_events.labels("python").inc(len(events))
        admission = admit(
            principal, events, received_at, max_event_bytes=size_limit, oversized=oversized
        )
        return Judgement(len(events), admission, None)
    indexes = [i for i, item in enumerate(native) if item is None]
    ctx.metrics.fast_path_events.labels("native").inc(size - len(indexes))
    ctx.metrics.fast_path_events.labels("python").inc(len(indexes))
    judged = [events[i] for i in indexes]
    admission = admit(
        principal,
        judged,
        received_at,
        max_event_bytes=size_limit,
        indexes=indexes,
        oversized=oversized,
    )
    return Judgement(size, admission, native)


def _python_records(
    ctx: GatewayContext,
    principal: Principal,
    admission: Admission,
    trace_id: str,
    writer: EnvelopeWriter,
    *,
    span: PublishSpan,
) -> list[Record]:
    """The raw-topic record of each event Python accepted, in admission order."""
    partner = principal.partner_code
    partner_header = ("partner", partner.encode())
    topic_of: dict[str, str] = {}  # body name -> raw topic, looked up once per request
    records: list[Record] = []
    for _, event in admission.accepted:
        record = _record(ctx, event, partner, partner_header, topic_of, trace_id, writer, span)
        records.append(record)
    return records


def _record(  # noqa: PLR0917 - one event's record from the request's shared parts
    ctx: GatewayContext,
    event: ingest_pb2.Event,
    partner: str,
    partner_header: tuple[str, bytes],
    topic_of: dict[str, str],
    trace_id: str,
    writer: EnvelopeWriter,
    span: PublishSpan,
) -> Record:
    body = event.WhichOneof("body") or ""  # admitted events have a body
    topic = topic_of.get(body)
    if topic is None:
        topic = topic_of[body] = ctx.topics.raw(EventKind(body))
    if event.trace_id and not is_safe_trace_id(event.trace_id):
        event.trace_id = ""  # it may carry text (personal data): the request's is used
    event_trace = event.trace_id or trace_id
    key = event_business_key(event, partner)
    tokens = protect_in_place(event, ctx.pii_secret)
    event_id = canonical_event_id_text(partner, event.event_id)
    return Record(
        topic=topic,
        key=key,
        value=writer.envelope(event.SerializeToString(), event_trace, tokens),
        headers=[
            partner_header,
            ("event_id", event_id.encode()),
            ("trace_id", event_trace.encode()),
            (TRACEPARENT, span.header(event_trace.encode())),
        ],
    )
