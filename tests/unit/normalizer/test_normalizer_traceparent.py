"""traceparent through the normalizer: read from raw and partner records, written on every
canonical record and dead letter with the event's trace-id and a span of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role
from quanhub.common.pii import protect_event
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.common.tracecontext import TraceParent, parse_traceparent
from quanhub.common.traceids import is_safe_trace_id
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import header, read_dead_letter
from quanhub.normalizer.routing import route
from quanhub.normalizer.sources import Sources

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TOPICS = Topics(KafkaSettings(topic_namespace="unit"))
SOURCES = Sources(TOPICS, b"s" * 32, partner_topics=True)
OWNERS = {"SF": Principal("SF", Role.CARRIER, "SF Express")}
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OTHER = "0af76519a6cd43dd8448eb211c8a319c"
SPAN = "00f067aa0ba902b7"
UNSAFE = "37010219900101123400000000000abc"


@dataclass
class Record:
    value: bytes | None
    topic: str
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int = 0
    offset: int = 7
    key: bytes | None = b"k"
    timestamp: int = 0
    timestamp_type: int = 0


def _parcel(trace_id: str = "", waybill: str = "SF1000001") -> ipb.Event:
    event = ipb.Event(event_id="p-1", trace_id=trace_id)
    event.occurred_at.FromDatetime(NOW)
    parcel = event.parcel
    parcel.carrier_code, parcel.waybill_no = "SF", waybill
    parcel.code_system, parcel.code = "quanhub", "DELIVERED"
    return event


def _raw(event: ipb.Event, envelope_trace: str) -> bytes:
    envelope = protect_event(event, "SF", "carrier", NOW, envelope_trace, "gateway", b"s" * 32)
    return envelope.SerializeToString()


def _parent(headers: list[tuple[str, bytes]]) -> TraceParent:
    parsed = parse_traceparent(header(headers, "traceparent"))
    assert parsed is not None, headers
    return parsed


def test_a_canonical_record_continues_the_raw_record_s_trace() -> None:
    headers = (("traceparent", f"00-{TRACE}-{SPAN}-00".encode()),)
    record = Record(_raw(_parcel(), TRACE), TOPICS.raw(EventKind.PARCEL), headers)
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    assert out.topic == TOPICS.canonical
    assert cpb.CanonicalEvent.FromString(out.value).trace_id == TRACE
    parent = _parent(out.headers)
    assert (parent.trace_id, parent.sampled) == (TRACE, False)
    assert parent.parent_id != SPAN  # a new span per hop


def test_a_raw_record_without_traceparent_still_gets_one() -> None:
    uuid_form = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    record = Record(_raw(_parcel(), uuid_form), TOPICS.raw(EventKind.PARCEL))
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    assert cpb.CanonicalEvent.FromString(out.value).trace_id == uuid_form
    assert _parent(out.headers) == (TRACE, _parent(out.headers).parent_id, True)


def test_an_envelope_without_a_trace_id_takes_the_traceparent_s() -> None:
    headers = (("traceparent", f"00-{TRACE}-{SPAN}-01".encode()),)
    record = Record(_raw(_parcel(), ""), TOPICS.raw(EventKind.PARCEL), headers)
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    assert cpb.CanonicalEvent.FromString(out.value).trace_id == TRACE


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((("traceparent", f"00-{TRACE}-{SPAN}-01".encode()),), TRACE),
        ((("traceparent", f"00-{TRACE}-{SPAN}-01".encode()), ("trace_id", OTHER.encode())), TRACE),
        ((("traceparent", f"00-{UNSAFE}-{SPAN}-01".encode()), ("trace_id", OTHER.encode())), OTHER),
        ((("traceparent", b"garbage"), ("trace_id", OTHER.encode())), OTHER),
        ((("trace_id", OTHER.encode()),), OTHER),
    ],
)
def test_a_partner_record_s_traceparent_then_trace_id_header_names_the_trace(
    headers: tuple[tuple[str, bytes], ...], expected: str
) -> None:
    record = Record(_parcel().SerializeToString(), TOPICS.partner("SF"), headers)
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    assert out.topic == TOPICS.canonical
    assert cpb.CanonicalEvent.FromString(out.value).trace_id == expected
    assert _parent(out.headers).trace_id == expected


def test_an_event_s_own_trace_id_wins_over_the_headers() -> None:
    headers = (("traceparent", f"00-{TRACE}-{SPAN}-01".encode()),)
    record = Record(_parcel(OTHER).SerializeToString(), TOPICS.partner("SF"), headers)
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    assert _parent(out.headers).trace_id == OTHER


def test_an_unsafe_traceparent_never_reaches_an_output() -> None:
    headers = (("traceparent", f"00-{UNSAFE}-{SPAN}-01".encode()),)
    record = Record(_parcel().SerializeToString(), TOPICS.partner("SF"), headers)
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    canonical = cpb.CanonicalEvent.FromString(out.value)
    assert canonical.trace_id != UNSAFE
    assert _parent(out.headers).trace_id == canonical.trace_id
    assert UNSAFE.encode() not in b"".join(v for _, v in out.headers)


def test_a_dead_letter_carries_the_event_s_trace() -> None:
    headers = (("traceparent", f"00-{TRACE}-{SPAN}-01".encode()),)
    bad = _parcel(waybill="")  # refused: missing waybill
    record = Record(_raw(bad, TRACE), TOPICS.raw(EventKind.PARCEL), headers)
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    assert out.topic == TOPICS.dlq
    parent = _parent(out.headers)
    assert parent.trace_id == TRACE
    assert parent.parent_id != SPAN


@pytest.mark.parametrize("headers", [(), (("traceparent", f"00-{UNSAFE}-{SPAN}-01".encode()),)])
def test_an_undecodable_record_s_dead_letter_gets_a_trace_of_the_hub_s(
    headers: tuple[tuple[str, bytes], ...],
) -> None:
    record = Record(b"\xff\xff not protobuf", TOPICS.raw(EventKind.PARCEL), headers)
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    assert out.topic == TOPICS.dlq
    parent = _parent(out.headers)
    assert is_safe_trace_id(parent.trace_id)
    assert parent.trace_id != UNSAFE


def test_a_dead_letter_read_back_keeps_its_trace_for_a_replay() -> None:
    headers = (("traceparent", f"00-{TRACE}-{SPAN}-01".encode()),)
    record = Record(_raw(_parcel(waybill=""), TRACE), TOPICS.raw(EventKind.PARCEL), headers)
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    assert read_dead_letter(0, 0, out.key, out.value, out.headers).trace_id == TRACE
    unsafe = [("traceparent", f"00-{UNSAFE}-{SPAN}-01".encode())]
    assert read_dead_letter(0, 0, None, b"", unsafe).trace_id == ""
