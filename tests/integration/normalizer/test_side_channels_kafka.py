"""Personal data a partner puts outside the personal fields of its own topic's events (the
trace id, the status code, a carrier code), through the real Kafka and PostgreSQL: it
reaches neither the canonical topic, nor the ledger (`ledger_events`), nor the dead-letter
topic's value or headers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from normalizer_kafka import Flow, ledger_rows, record_bytes

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.traceids import is_safe_trace_id
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import header

pytestmark = pytest.mark.integration

ID, PHONE = "110101198001011234", "13987654321"
CLEAR = [ID, PHONE, "139 8765 4321"]


def _order(partner: str, event_id: str, *, code: str, carrier: str = "") -> bytes:
    event = ipb.Event(event_id=event_id, trace_id=f"{ID}-{PHONE}")
    event.occurred_at.FromDatetime(datetime.now(UTC))
    event.order.CopyFrom(
        ipb.OrderEvent(
            platform_code=partner,
            order_no=event_id.upper(),
            code_system="taobao",
            code=code,
            carrier_code=carrier,
        )
    )
    return event.SerializeToString()


def _record_text(record: Any) -> str:
    return record_bytes(record).decode("utf-8", "replace")


def _assert_clean(text: str) -> None:
    for clear in CLEAR:
        assert clear not in text


async def test_trace_ids_codes_and_rejections_carry_no_personal_data(flow: Flow) -> None:
    partner = await flow.platform("SC")
    topic = flow.topics.partner(partner)
    valid = _order(partner, "sc-ok", code=f"身份证{ID}")  # an unknown code quoting an ID
    invalid = _order(partner, "sc-bad", code="WAIT_SELLER_SEND_GOODS", carrier=f"x{PHONE}")
    for value in (valid, invalid):
        await flow.producer.send_and_wait(topic, value)
    await flow.start()

    (canonical,) = await flow.canonical(partner)
    (letter,) = await flow.dead_letters(partner)
    rows = await ledger_rows(flow.kafka, flow.database, partner)

    event = cpb.CanonicalEvent.FromString(canonical.value)
    assert event.unmapped_code
    assert event.raw_code == "(withheld)"
    assert event.trace_id
    assert is_safe_trace_id(event.trace_id) or event.trace_id == event.event_id.replace("-", "")
    _assert_clean(_record_text(canonical))
    assert header(letter.headers, "error_code") == "unknown_carrier"
    assert "order.carrier_code" in header(letter.headers, "error_message")
    _assert_clean(_record_text(letter))
    assert len(rows) == 1
    _assert_clean(repr(dict(rows[0])))
