"""traceparent of webhook deliveries and feed records: the events' trace when they share
one, else a trace named by the delivery, always a new span."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import orjson
import pytest

from quanhub.common.clock import FixedClock
from quanhub.common.tracecontext import parse_traceparent
from quanhub.ledger.dispatcher.sender import Sender
from quanhub.ledger.dispatcher.tracing import delivery_traceparent, event_traceparent
from quanhub.ledger.feeds.signing import QUANHUB, new_secret

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OTHER = "0af76519-a6cd-43dd-8448-eb211c8a319c"
UNSAFE = "37010219900101123400000000000abc"
DELIVERY = uuid.UUID("6a1f3c2e-9b4d-4e8f-a2c1-d3e4f5a6b7c8")


def _doc(seq: int, trace: str | None) -> dict[str, object]:
    event: dict[str, object] = {"event_id": f"e{seq}"}
    if trace is not None:
        event["trace_id"] = trace
    return {"seq": seq, "event_id": f"e{seq}", "kind": "parcel", "event": event}


def _trace_of(value: str | None) -> str:
    parsed = parse_traceparent(value)
    assert parsed is not None, value
    assert parsed.sampled
    return parsed.trace_id


def test_a_delivery_of_one_event_continues_its_trace() -> None:
    events = orjson.dumps([_doc(1, TRACE)])
    first, second = delivery_traceparent(DELIVERY, events), delivery_traceparent(DELIVERY, events)
    assert _trace_of(first) == _trace_of(second) == TRACE
    assert first != second  # each attempt is a span of its own


def test_a_batch_of_one_trace_continues_it_in_w3c_form() -> None:
    events = [_doc(1, OTHER), _doc(2, OTHER)]
    assert _trace_of(delivery_traceparent(DELIVERY, events)) == OTHER.replace("-", "")


def test_a_batch_of_several_traces_is_traced_by_its_delivery() -> None:
    for events in ([_doc(1, TRACE), _doc(2, OTHER)], [_doc(1, TRACE), _doc(2, None)], []):
        assert _trace_of(delivery_traceparent(DELIVERY, events)) == DELIVERY.hex


def test_an_unsafe_or_missing_trace_is_not_continued() -> None:
    assert _trace_of(delivery_traceparent(DELIVERY, [_doc(1, UNSAFE)])) == DELIVERY.hex
    assert event_traceparent(_doc(1, UNSAFE)) is None
    assert event_traceparent(_doc(1, None)) is None
    assert event_traceparent({"seq": 1}) is None


def test_a_feed_record_continues_its_event_s_trace() -> None:
    assert _trace_of(event_traceparent(_doc(1, TRACE))) == TRACE


@pytest.mark.parametrize("envelope", ["quanhub", "cloudevents"])
async def test_a_webhook_delivery_carries_traceparent(envelope: str) -> None:
    sent: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    events = orjson.dumps([_doc(1, TRACE) | {"occurred_at": "2026-12-05T00:00:00+00:00"}])
    async with httpx.AsyncClient(transport=httpx.MockTransport(receive)) as client:
        sender = Sender(client, FixedClock(datetime.now(UTC)), allow_private=True, deadline=5)
        outcome = await sender.send(
            url="http://127.0.0.1:9/hook",
            secret=new_secret(QUANHUB),
            subscription_id=uuid.uuid4(),
            delivery_id=DELIVERY,
            events=events,
            envelope=envelope,
        )
    assert outcome.ok, outcome.error
    assert _trace_of(sent[0].headers["traceparent"]) == TRACE
