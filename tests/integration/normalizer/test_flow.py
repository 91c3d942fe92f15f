"""Raw in, canonical or dead letter out, through a real Kafka and a running normalizer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from normalizer_kafka import Running, collect, parcel_envelope

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.ids import canonical_event_id
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.normalizer.deadletter import header
from quanhub.normalizer.settings import NormalizerSettings

pytestmark = pytest.mark.integration


def _canonical(record: Any) -> cpb.CanonicalEvent:
    event = cpb.CanonicalEvent()
    event.ParseFromString(record.value)
    return event


def _from(partner: str) -> Any:
    return lambda r: _canonical(r).source_partner == partner


async def test_same_event_twice_gives_the_same_canonical_id(
    kafka_settings: KafkaSettings,
    topics: Topics,
    normalizer_settings: NormalizerSettings,
    running: Running,
    producer: Any,
) -> None:
    partner = f"p{uuid.uuid4().hex[:8]}"
    raw = parcel_envelope(partner, "evt-dup", code="3").SerializeToString()
    for _ in range(2):
        await producer.send_and_wait(topics.raw(EventKind.PARCEL), raw, key=b"P|ZTO|ZT1234567890")
    await running.start(normalizer_settings)

    found = await collect(kafka_settings, topics.canonical, lambda rs: len(rs) >= 2, _from(partner))

    ids = {_canonical(r).event_id for r in found}
    assert ids == {str(canonical_event_id(partner, "evt-dup"))}
    assert len(found) == 2  # both deliveries flow; the ledger collapses them on the id
    assert {r.key for r in found} == {b"P|ZTO|ZT1234567890"}
    assert _canonical(found[0]).parcel.status == cpb.PARCEL_STATUS_DELIVERED


async def test_bad_messages_are_dead_lettered_and_the_rest_flows(
    kafka_settings: KafkaSettings,
    topics: Topics,
    normalizer_settings: NormalizerSettings,
    running: Running,
    producer: Any,
) -> None:
    partner = f"p{uuid.uuid4().hex[:8]}"
    topic = topics.raw(EventKind.PARCEL)
    key = b"P|ZTO|SAMEKEY1"
    headers = [("partner", partner.encode())]
    await producer.send_and_wait(
        topic, parcel_envelope(partner, "before").SerializeToString(), key=key
    )
    await producer.send_and_wait(topic, b"\xff\xfe not protobuf", key=key, headers=headers)
    no_waybill = parcel_envelope(partner, "no-waybill", waybill="")
    await producer.send_and_wait(topic, no_waybill.SerializeToString(), key=key)
    await producer.send_and_wait(
        topic, parcel_envelope(partner, "after").SerializeToString(), key=key
    )
    await running.start(normalizer_settings)

    canonical = await collect(
        kafka_settings, topics.canonical, lambda rs: len(rs) >= 2, _from(partner)
    )
    dead = await collect(
        kafka_settings,
        topics.dlq,
        lambda rs: len(rs) >= 2,
        lambda r: header(r.headers, "partner") == partner,
    )

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
