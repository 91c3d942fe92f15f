"""Raw in, canonical or dead letter out, through a real Kafka and a running normalizer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from normalizer_kafka import Flow, parcel_envelope

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.ids import canonical_event_id
from quanhub.common.topics import EventKind
from quanhub.normalizer.deadletter import header

pytestmark = pytest.mark.integration


def _canonical(record: Any) -> cpb.CanonicalEvent:
    event = cpb.CanonicalEvent()
    event.ParseFromString(record.value)
    return event


async def test_same_event_twice_gives_the_same_canonical_id(flow: Flow) -> None:
    partner = f"p{uuid.uuid4().hex[:8]}"
    raw = parcel_envelope(partner, "evt-dup", code="3").SerializeToString()
    for _ in range(2):
        await flow.producer.send_and_wait(
            flow.topics.raw(EventKind.PARCEL), raw, key=b"P|ZTO|ZT1234567890"
        )
    await flow.start()

    found = await flow.canonical(partner, 2)

    ids = {_canonical(r).event_id for r in found}
    assert ids == {str(canonical_event_id(partner, "evt-dup"))}
    assert len(found) == 2  # both deliveries flow; the ledger collapses them on the id
    assert {r.key for r in found} == {b"P|ZTO|ZT1234567890"}
    assert _canonical(found[0]).parcel.status == cpb.PARCEL_STATUS_DELIVERED


async def test_bad_messages_are_dead_lettered_and_the_rest_flows(flow: Flow) -> None:
    partner = f"p{uuid.uuid4().hex[:8]}"
    topic = flow.topics.raw(EventKind.PARCEL)
    key = b"P|ZTO|SAMEKEY1"
    headers = [("partner", partner.encode())]
    await flow.producer.send_and_wait(
        topic, parcel_envelope(partner, "before").SerializeToString(), key=key
    )
    await flow.producer.send_and_wait(topic, b"\xff\xfe not protobuf", key=key, headers=headers)
    no_waybill = parcel_envelope(partner, "no-waybill", waybill="")
    await flow.producer.send_and_wait(topic, no_waybill.SerializeToString(), key=key)
    await flow.producer.send_and_wait(
        topic, parcel_envelope(partner, "after").SerializeToString(), key=key
    )
    await flow.start()

    canonical = await flow.canonical(partner, 2)
    dead = await flow.dead_letters(partner, 2)

    assert sorted(_canonical(r).source_event_id for r in canonical) == ["after", "before"]
    reasons = {header(r.headers, "error_code"): r for r in dead}
    assert set(reasons) == {"undecodable", "missing_field"}
    assert "parcel.waybill_no" in header(reasons["missing_field"].headers, "error_message")
    for record in dead:
        assert header(record.headers, "source_topic") == topic
        assert header(record.headers, "source_offset").isdigit()
        assert header(record.headers, "first_seen")
        assert record.key == key
    assert reasons["undecodable"].value == b"\xff\xfe not protobuf"
