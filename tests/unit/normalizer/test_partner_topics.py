"""Partners' own topics: the partner is the topic's, clear personal data never leaves the
normalizer (canonical or dead letter), and no input makes decoding raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import header
from quanhub.normalizer.routing import LOG_APPEND_TIME, MAX_OUTPUT_BYTES, route
from quanhub.normalizer.sources import Sources

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TOPICS = Topics(KafkaSettings(topic_namespace="unit"))
SOURCES = Sources(TOPICS, b"s" * 32, partner_topics=True)
PARTNER_TOPIC = TOPICS.partner("Tmall")
ADDRESS = "山东省济南市历下区泉城路1号"
OWNERS = {"TMALL": Principal("TMALL", Role.PLATFORM, "Tmall")}


@dataclass
class Record:
    value: bytes | None
    topic: str = PARTNER_TOPIC
    partition: int = 0
    offset: int = 7
    key: bytes | None = b"k"
    timestamp: int = 0
    timestamp_type: int = 0
    headers: tuple[tuple[str, bytes], ...] = (("partner", b"someone-else"),)


def order(**buyer: str) -> ipb.Event:
    event = ipb.Event(event_id="o-1")
    event.occurred_at.FromDatetime(NOW)
    event.order.CopyFrom(
        ipb.OrderEvent(
            platform_code="TMALL",
            order_no="T1",
            code_system="taobao",
            code="TRADE_FINISHED",
            buyer=ipb.Person(**buyer),
            consignee=ipb.Consignee(name=buyer.get("name", ""), address=ADDRESS),
        )
    )
    return event


def test_subscription_pattern_covers_raw_and_partner_topics_only() -> None:
    import re

    pattern = re.compile(SOURCES.pattern)
    assert pattern.match(TOPICS.raw_topics[0])
    assert pattern.match(PARTNER_TOPIC)
    assert not pattern.match(TOPICS.canonical)
    assert not pattern.match(TOPICS.dlq)
    assert not pattern.match("other.raw.parcel.v1")
    assert SOURCES.partner_of(PARTNER_TOPIC) == "TMALL"  # registry codes are upper case


def test_partner_comes_from_the_topic_and_receive_time_from_the_broker() -> None:
    appended = int(datetime(2026, 11, 28, 11, 0, tzinfo=UTC).timestamp() * 1000)
    record = Record(
        order(name="张三").SerializeToString(), timestamp=appended, timestamp_type=LOG_APPEND_TIME
    )
    out = route(record, SOURCES, TOPICS, NOW, OWNERS)
    event = cpb.CanonicalEvent.FromString(out.value)
    assert (out.topic, event.source_partner, event.ingress) == (TOPICS.canonical, "TMALL", "kafka")
    assert event.partner_role == "platform"
    assert event.received_at.ToDatetime(tzinfo=UTC) == datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    create_time = Record(order(name="张三").SerializeToString(), timestamp=1, timestamp_type=0)
    event = cpb.CanonicalEvent.FromString(route(create_time, SOURCES, TOPICS, NOW, OWNERS).value)
    assert event.received_at.ToDatetime(tzinfo=UTC) == NOW  # the partner's clock is not trusted


def test_an_invalid_partner_event_is_dead_lettered_protected_with_its_replay_topic() -> None:
    bad = order(id_number="370102199001011234")
    bad.order.order_no = ""
    out = route(Record(bad.SerializeToString()), SOURCES, TOPICS, NOW, OWNERS)
    assert (out.topic, out.error_code) == (TOPICS.dlq, "missing_field")
    assert b"370102199001011234" not in out.value
    assert header(out.headers, "replay_topic") == TOPICS.raw_topics[0]
    assert cpb.RawEnvelope.FromString(out.value).pii_tokens["order.buyer.id_number"]


ids = st.from_regex(r"[1-6]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])[0-2]\d\d{3}[0-9X]", fullmatch=True)
phones = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)
names = st.text(alphabet="王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", min_size=2, max_size=4)


@settings(max_examples=200, deadline=None)
@given(ids, phones, names, st.booleans())
def test_clear_personal_data_never_leaves(
    id_number: str, phone: str, name: str, valid: bool
) -> None:
    event = order(id_number=id_number, telephone=phone, name=name)
    if not valid:
        event.order.code_system = ""
    out = route(Record(event.SerializeToString()), SOURCES, TOPICS, NOW, OWNERS)
    assert out.topic == (TOPICS.canonical if valid else TOPICS.dlq)
    for clear in (id_number, phone, name, "泉城路1号"):
        assert clear.encode() not in out.value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_partner_bytes_never_raise(data: bytes) -> None:
    out = route(Record(data), SOURCES, TOPICS, NOW, OWNERS)
    assert out.topic in {TOPICS.canonical, TOPICS.dlq}
    if out.error_code == "undecodable":
        assert out.value == b""


def test_an_unknown_owner_or_a_foreign_order_is_refused_and_never_replayable() -> None:
    event = order(name="张三")
    unknown = route(Record(event.SerializeToString()), SOURCES, TOPICS, NOW, {"TMALL": None})
    event.order.platform_code = "JD"
    foreign = route(Record(event.SerializeToString()), SOURCES, TOPICS, NOW, OWNERS)

    assert (unknown.topic, unknown.error_code) == (TOPICS.dlq, "unknown_partner")
    assert (foreign.topic, foreign.error_code) == (TOPICS.dlq, "partner_code_mismatch")
    for out in (unknown, foreign):
        assert header(out.headers, "not_replayable") == out.error_code
        assert header(out.headers, "replay_topic") == ""
        assert "张三".encode() not in out.value  # kept protected, for inspection only


def test_an_event_too_large_for_kafka_is_dead_lettered_not_produced() -> None:
    # Produced, it would be refused for good and stop the normalizer (nothing is dropped).
    event = order(name="张三")
    line = ipb.GoodsLine(item_name="商品" * 165, quantity=1, unit_price="1.00", total_price="1.00")
    event.order.lines.extend([line] * 1000)  # ~1 MB (MAX_LINES): under the broker's limit
    out = route(Record(event.SerializeToString()), SOURCES, TOPICS, NOW, OWNERS)
    assert (out.topic, out.error_code) == (TOPICS.dlq, "event_too_large")
    assert str(MAX_OUTPUT_BYTES) in out.error_message
    assert header(out.headers, "replay_topic") == TOPICS.raw_topics[0]
    # Its protected envelope would not fit a dead letter either: headers only.
    assert (out.value, header(out.headers, "payload_withheld")) == (b"", "too-large")
    normal = route(Record(order(name="张三").SerializeToString()), SOURCES, TOPICS, NOW, OWNERS)
    assert normal.topic == TOPICS.canonical


def test_a_dead_letter_under_the_limit_keeps_its_value() -> None:
    event = order(name="张三")
    event.order.order_no = ""  # invalid: dead-lettered with its protected envelope
    line = ipb.GoodsLine(item_name="商品" * 150, quantity=1, unit_price="1.00", total_price="1.00")
    event.order.lines.extend([line] * 500)  # ~460 KB
    out = route(Record(event.SerializeToString()), SOURCES, TOPICS, NOW, OWNERS)
    assert (out.topic, out.error_code) == (TOPICS.dlq, "missing_field")
    assert header(out.headers, "payload_withheld") == ""
    assert len(cpb.RawEnvelope.FromString(out.value).event.order.lines) == 500


TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _traced(event: ipb.Event, trace_header: bytes) -> str:
    headers = (("partner", b"TMALL"), ("trace_id", trace_header))
    out = route(Record(event.SerializeToString(), headers=headers), SOURCES, TOPICS, NOW, OWNERS)
    assert out.topic == TOPICS.canonical
    return cpb.CanonicalEvent.FromString(out.value).trace_id


def test_the_trace_id_header_of_a_partner_record_is_the_events_trace_id() -> None:
    """partners.md: a partner record's `trace_id` header travels on, as a request's
    X-Trace-Id does at the gateway; the event's own safe trace id wins over it."""
    assert _traced(order(), TRACE.encode()) == TRACE
    uuid_form = "0af7a5e9-16cd-43dd-8a48-eb2b1c8f319c"
    assert _traced(order(), uuid_form.encode()) == uuid_form
    own = order()
    own.trace_id = "a3ce929d0e0e47364bf92f3577b34da6"
    assert _traced(own, TRACE.encode()) == own.trace_id


def test_an_unsafe_trace_id_header_is_replaced() -> None:
    derived = _traced(order(), b"")
    assert derived
    assert derived != TRACE
    for unsafe in (b"13912345678", TRACE.upper().encode(), b"0" * 32, TRACE.encode() + b"x"):
        assert _traced(order(), unsafe) == derived
