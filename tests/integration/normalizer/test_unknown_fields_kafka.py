"""Unknown protobuf fields on a partner's own topic, through the real Kafka and PostgreSQL:
clear personal data hidden in them reaches neither the canonical topic, nor the ledger
(`ledger_events`), nor the dead-letter topic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from google.protobuf.message import Message
from normalizer_kafka import Flow, ledger_rows, record_bytes

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import header

pytestmark = pytest.mark.integration

CLEAR = ["110101198001011234", "欧阳小明", "13987654321"]
PAYLOAD = " ".join(CLEAR).encode()
#: Unknown to every message of the schema: a new number, a nested message, a group, and a
#: number 1 with the wrong wire type (Timestamp.seconds, GoodsLine.gnum are varints).
UNKNOWN = (
    b"\xfa\x3e"
    + bytes([len(PAYLOAD)])
    + PAYLOAD  # field 1007, bytes
    + b"\x82\x3f"
    + bytes([len(PAYLOAD) + 2])
    + b"\x0a"
    + bytes([len(PAYLOAD)])
    + PAYLOAD
    + b"\x8b\x3f"
    + b"\x0a"
    + bytes([len(PAYLOAD)])
    + PAYLOAD
    + b"\x8c\x3f"  # group 1009
)
WRONG_WIRE_TYPE = b"\x0a" + bytes([len(PAYLOAD)]) + PAYLOAD


def _messages(message: Message) -> Iterator[Message]:
    """`message` and every message inside it (repeated ones included)."""
    yield message
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        for item in value if field.is_repeated else [value]:
            yield from _messages(item)


def _order(partner: str, event_id: str, order_no: str) -> bytes:
    """An order of `partner` with the unknown fields inside every message it has."""
    event = ipb.Event(event_id=event_id)
    event.occurred_at.FromDatetime(datetime.now(UTC))
    person = ipb.Person(id_number="370102199001011234", name="张三", telephone="13812345678")
    event.order.CopyFrom(
        ipb.OrderEvent(
            platform_code=partner,
            order_no=order_no,
            code_system="taobao",
            code="WAIT_SELLER_SEND_GOODS",
            buyer=person,
            payer=person,
            consignee=ipb.Consignee(name="张三", address="山东省济南市历下区泉城路1号"),
            lines=[ipb.GoodsLine(gnum=1, item_name="奶粉", quantity=1, unit_price="1.00")],
        )
    )
    for inner in list(_messages(event)):
        inner.MergeFromString(UNKNOWN)
    event.occurred_at.MergeFromString(WRONG_WIRE_TYPE)
    event.order.lines[0].MergeFromString(WRONG_WIRE_TYPE)
    value = event.SerializeToString()
    assert value.count(PAYLOAD) == 3 * 7 + 2  # the attack is really in every message
    return value


def _assert_clean(blob: bytes) -> None:
    for clear in CLEAR:
        assert clear.encode() not in blob


async def test_unknown_fields_reach_no_topic_and_no_ledger_row(flow: Flow) -> None:
    partner = await flow.platform("UF")
    topic = flow.topics.partner(partner)
    headers = [("first_seen", PAYLOAD), ("partner", PAYLOAD)]
    valid = _order(partner, "uf-ok", "U1")
    invalid = _order(partner, "", "U2")  # no event id: dead-lettered, protected
    foreign = _order("JDCOM", "uf-foreign", "U3")  # refused: dead-lettered, not replayable
    for value in (valid, invalid, foreign):
        await flow.producer.send_and_wait(topic, value, key=PAYLOAD, headers=headers)
    await flow.start()

    (canonical,) = await flow.canonical(partner)
    letters = await flow.dead_letters(partner, 2)
    rows = await ledger_rows(flow.kafka, flow.database, partner)

    assert cpb.CanonicalEvent.FromString(canonical.value).order.buyer.id_token
    _assert_clean(record_bytes(canonical))
    assert {header(r.headers, "error_code") for r in letters} == {
        "missing_field",
        "partner_code_mismatch",
    }
    for letter in letters:
        assert cpb.RawEnvelope.FromString(letter.value).event.order.buyer.name == "张*"
        _assert_clean(record_bytes(letter))
    assert len(rows) == 1
    _assert_clean(repr(dict(rows[0])).encode() + rows[0]["canonical"])
