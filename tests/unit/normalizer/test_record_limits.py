"""Every output fits a Kafka record whatever the input carried: a record at the broker's
limit for key, value or headers (alone or together, on a partner or a raw topic) becomes
a canonical event or a dead letter under MAX_OUTPUT_BYTES, a reference when its dead
letter would not fit, and never copies the input's headers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import (
    MAX_HEADER_TEXT,
    MAX_MESSAGE,
    RecordSizes,
    header,
    read_dead_letter,
    record_bytes,
)
from quanhub.normalizer.routing import MAX_OUTPUT_BYTES, Output, route
from quanhub.normalizer.sources import Sources

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TOPICS = Topics(KafkaSettings(topic_namespace="unit"))
SOURCES = Sources(TOPICS, b"s" * 32, partner_topics=True)
OWNERS = {"TMALL": Principal("TMALL", Role.PLATFORM, "Tmall")}
#: The broker's default max.message.bytes: what a partner's record may reach.
BROKER_LIMIT = 1_048_588
Headers = tuple[tuple[str, bytes], ...]


@dataclass
class Record:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    partition: int = 1
    offset: int = 99
    timestamp: int = 0
    timestamp_type: int = 0


def _order(event_id: str = "o-1", order_no: str = "T1", lines: int = 0) -> bytes:
    event = ipb.Event(event_id=event_id)
    event.occurred_at.FromDatetime(NOW)
    event.order.CopyFrom(
        ipb.OrderEvent(platform_code="TMALL", order_no=order_no, code_system="taobao", code="PAID")
    )
    line = ipb.GoodsLine(item_name="商品" * 150, quantity=1, unit_price="1.00")
    event.order.lines.extend([line] * lines)
    return event.SerializeToString()


VALUES = {
    "valid": _order(),
    "invalid": _order(event_id=""),
    "undecodable": b"\xff",
    "long_order_no": _order(order_no="N" * 1_000_000),  # its business key is ~1 MB too
    "many_lines": _order(event_id="", lines=1100),  # protected, over the limit
}
KEYS = {"none": None, "small": b"k", "huge": b"K" * 1_000_000}
HEADERS: dict[str, Headers] = {
    "none": (),
    "one_huge": (("h", b"H" * 1_000_000),),
    "many": tuple((f"h{i}", b"H" * 90) for i in range(10_000)),
    "huge_first_seen": (("first_seen", b"2" * 1_000_000),),
    "huge_partner": (("partner", b"P" * 1_000_000),),
    "bad_first_seen": (("first_seen", "13812345678 张三".encode()),),
}
TOPIC_NAMES = {"partner": TOPICS.partner("TMALL"), "raw": TOPICS.raw_topics[0]}


def _check(out: Output, record: Record) -> None:
    assert record_bytes(out.key, out.value, out.headers) <= MAX_OUTPUT_BYTES
    if out.topic == TOPICS.canonical:
        return
    assert out.topic == TOPICS.dlq
    names = [name for name, _ in out.headers]
    assert len(names) == len(set(names)) <= 12  # ours only: nothing copied from the input
    assert header(out.headers, "first_seen") == NOW.isoformat()
    assert len(header(out.headers, "partner")) <= MAX_HEADER_TEXT
    assert len(header(out.headers, "error_message")) <= MAX_MESSAGE
    letter = read_dead_letter(0, 0, out.key, out.value, out.headers)
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
        record.topic,
        1,
        99,
    )
    assert letter.original_sizes == str(RecordSizes.of(record.key, record.value, record.headers))
    if letter.is_reference:
        assert (out.key, out.value, letter.payload_withheld) == (None, b"", "too-large")
        assert "reference" in letter.replay_refusal()


@pytest.mark.parametrize("topic", TOPIC_NAMES)
@pytest.mark.parametrize("headers", HEADERS)
@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("value", VALUES)
def test_every_output_fits_a_kafka_record(topic: str, headers: str, key: str, value: str) -> None:
    record = Record(TOPIC_NAMES[topic], KEYS[key], VALUES[value], HEADERS[headers])
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    _check(out, record)


def test_a_dead_letter_that_would_not_fit_is_a_reference() -> None:
    raw = Record(TOPICS.raw_topics[0], b"K" * 1_000_000, b"\xff")
    out = route(raw, SOURCES, TOPICS, NOW, OWNERS)
    assert (out.key, out.value, header(out.headers, "key_withheld")) == (None, b"", "too-large")
    assert header(out.headers, "original_sizes") == ("key=1000000 value=1 headers=0 header_bytes=0")
    partner = Record(TOPICS.partner("TMALL"), b"k", VALUES["many_lines"])
    out = route(partner, SOURCES, TOPICS, NOW, OWNERS)
    assert (out.error_code, out.key, out.value) == ("missing_field", None, b"")
    # A field over its limit is withheld from the dead letter (routing._withheld), which
    # then fits: the rest of the event is kept.
    partner = Record(TOPICS.partner("TMALL"), b"k", VALUES["long_order_no"])
    out = route(partner, SOURCES, TOPICS, NOW, OWNERS)
    assert (out.error_code, out.key) == ("too_long", b"O|TMALL|(withheld)")
    assert cpb.RawEnvelope.FromString(out.value).event.order.order_no == "(withheld)"
    small = route(Record(TOPICS.raw_topics[0], b"k", b"\xff"), SOURCES, TOPICS, NOW, OWNERS)
    assert (small.key, small.value, header(small.headers, "key_withheld")) == (b"k", b"\xff", "")


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(sorted(TOPIC_NAMES)),
    st.integers(0, BROKER_LIMIT),
    st.integers(0, BROKER_LIMIT),
    st.sampled_from(sorted(VALUES)),
)
def test_any_split_of_the_limit_between_key_and_headers_fits(
    topic: str, key_bytes: int, header_bytes: int, value: str
) -> None:
    headers = (("first_seen", b"x" * header_bytes), ("partner", b"p" * (header_bytes // 2)))
    record = Record(TOPIC_NAMES[topic], b"K" * key_bytes, VALUES[value], headers)
    _check(route(record, SOURCES, TOPICS, NOW, OWNERS), record)
