"""Canonical record -> ledger row: keys, statuses, times, and refusal of unusable records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quanhub.bench.synthetic import customs_event, order_event, parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ledger.decode import declaration_id, decode
from quanhub.ledger.errors import UndecodableEvent
from quanhub.ledger.store.rows import LedgerRow

T = datetime(2026, 11, 20, 8, tzinfo=UTC)
NOW = datetime(2026, 11, 28, tzinfo=UTC)


def _decode(event: cpb.CanonicalEvent) -> LedgerRow:
    return decode(event.SerializeToString(), topic="t", partition=2, offset=7, recorded_at=NOW)


def test_parcel_row_has_bare_statuses_normalised_waybill_and_precedence() -> None:
    event = parcel_event(
        "e1",
        waybill_no=" sf123 ",
        status="DELIVERED",
        sub_status="SIGNED_BY_PROXY",
        occurred_at=T,
        delivery_point="SMART_LOCKER",
        e_waybill=False,
        transit_bag="RECYCLABLE",
    )
    row = decode(event.SerializeToString(), topic="t", partition=2, offset=7, recorded_at=NOW)
    assert (row.kind, row.carrier_id, row.waybill_no) == ("parcel", "SF", "SF123")
    assert (row.status, row.sub_status) == ("DELIVERED", "SIGNED_BY_PROXY")
    assert (row.delivery_point, row.transit_bag, row.e_waybill) == (
        "SMART_LOCKER",
        "RECYCLABLE",
        False,
    )
    assert (row.phase, row.status_time, row.recorded_at) == (1, T, NOW)
    assert (row.kafka_partition, row.kafka_offset) == (2, 7)
    assert str(row.event_id) == event.event_id
    assert row.body is None
    assert row.canonical == event.SerializeToString()


def test_unset_optional_flags_stay_unknown() -> None:
    row = _decode(parcel_event("e2", waybill_no="X1", status="IN_TRANSIT", occurred_at=T))
    assert (row.e_waybill, row.delivery_point, row.transit_bag) == (None, "", "")


def test_receipt_orders_by_return_time_and_gets_a_stable_declaration_id() -> None:
    receipt = customs_event(
        "r1",
        declarant="JNAGENT",
        message_type="CEB622",
        cop_no="INV1",
        occurred_at=T,
        status="RELEASED",
        return_status="800",
        return_time=T + timedelta(hours=3),
    )
    row = decode(receipt.SerializeToString(), topic="t", partition=0, offset=0, recorded_at=NOW)
    assert (row.document, row.is_receipt, row.status) == ("INVENTORY", True, "RELEASED")
    assert row.status_time == T + timedelta(hours=3)
    assert row.declaration_id == declaration_id("JNAGENT", "INVENTORY", "INV1")
    message = customs_event(
        "m1", declarant="JNAGENT", message_type="CEB621", cop_no="INV1", occurred_at=T
    )
    same = decode(message.SerializeToString(), topic="t", partition=0, offset=1, recorded_at=NOW)
    assert same.declaration_id == row.declaration_id
    assert same.status_time == T
    assert declaration_id("JNAGENT", "ORDER", "INV1") != row.declaration_id


def test_order_body_keeps_tokens_and_masks_only() -> None:
    event = order_event(
        "o1",
        platform_code="TMALL",
        order_no="A1",
        status="PAID",
        occurred_at=T,
        buyer="b9",
        actual_paid="10.00",
    )
    row = decode(event.SerializeToString(), topic="t", partition=0, offset=0, recorded_at=NOW)
    assert row.body is not None
    assert '"id_token":"t1:id-b9"' in row.body
    assert '"actual_paid":"10.00"' in row.body


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty"),
        (b"\xff\xff\xff", "not a CanonicalEvent"),
        (cpb.CanonicalEvent(event_id="not-a-uuid").SerializeToString(), "not a UUID"),
    ],
)
def test_unusable_records_are_refused(value: bytes | None, reason: str) -> None:
    with pytest.raises(UndecodableEvent, match=reason):
        decode(value, topic="t", partition=0, offset=0, recorded_at=NOW)


def test_events_without_keys_or_time_are_refused() -> None:
    no_waybill = parcel_event("e", waybill_no="", status="DELIVERED", occurred_at=T)
    with pytest.raises(UndecodableEvent, match="waybill"):
        _decode(no_waybill)
    no_time = parcel_event("e", waybill_no="W", status="DELIVERED", occurred_at=T)
    no_time.ClearField("occurred_at")
    with pytest.raises(UndecodableEvent, match="occurred_at"):
        _decode(no_time)
    no_body = parcel_event("e", waybill_no="W", status="DELIVERED", occurred_at=T)
    no_body.ClearField("parcel")
    with pytest.raises(UndecodableEvent, match="no body"):
        _decode(no_body)
    stray = parcel_event("e", waybill_no="W", status="DELIVERED", occurred_at=T)
    stray.parcel.status = 999  # type: ignore[assignment]
    with pytest.raises(UndecodableEvent, match="999"):
        _decode(stray)


def test_text_with_nul_is_refused_before_it_reaches_postgresql() -> None:
    event = parcel_event("n", waybill_no="W", status="IN_TRANSIT", occurred_at=T)
    event.raw_text = "scan\x00ned"
    with pytest.raises(UndecodableEvent, match="NUL"):
        _decode(event)


def test_spec_keyed_receipts_land_on_the_declaration_they_answer() -> None:
    """CEB412 carries only the payment transaction, CEB512 only the waybill; the CEB411 and
    CEB511 they answer carry those keys too (and an order number), but no copNo."""
    declared = {"declarant": "JNPAY", "occurred_at": T, "cop_no": ""}
    payment = customs_event("p", message_type="CEB411", order_no="O1", **declared)
    payment.customs.pay_transaction_id = "PT1"
    pay_receipt = customs_event(
        "pr", message_type="CEB412", return_status="120", return_time=T, **declared
    )
    pay_receipt.customs.pay_transaction_id = "PT1"
    waybill = customs_event(
        "w", message_type="CEB511", order_no="O1", logistics_no="sf1000001", **declared
    )
    wb_receipt = customs_event(
        "wr",
        message_type="CEB512",
        logistics_no="SF1000001",
        return_status="120",
        return_time=T,
        **declared,
    )
    rows = [_decode(e) for e in (payment, pay_receipt, waybill, wb_receipt)]
    assert rows[0].declaration_id == rows[1].declaration_id
    assert rows[0].declaration_id == declaration_id("JNPAY", "PAYMENT", "PT1")
    assert rows[2].declaration_id == rows[3].declaration_id
    assert rows[2].declaration_id == declaration_id("JNPAY", "WAYBILL", "SF1000001")
    assert [r.is_receipt for r in rows] == [False, True, False, True]


def test_the_row_s_trace_id_is_the_event_s_or_its_traceparent_s() -> None:
    trace, other = "4bf92f3577b34da6a3ce929d0e0e4736", "0af76519a6cd43dd8448eb211c8a319c"
    header = [("traceparent", f"00-{other}-00f067aa0ba902b7-01".encode())]
    event = parcel_event("e9", waybill_no="X1", status="IN_TRANSIT", occurred_at=T)
    event.trace_id = trace
    value = event.SerializeToString()
    row = decode(value, topic="t", partition=0, offset=0, recorded_at=NOW, headers=header)
    assert row.trace_id == trace
    event.trace_id = ""
    value = event.SerializeToString()
    row = decode(value, topic="t", partition=0, offset=0, recorded_at=NOW, headers=header)
    assert row.trace_id == other
    unsafe = [("traceparent", b"00-37010219900101123400000000000abc-00f067aa0ba902b7-01")]
    row = decode(value, topic="t", partition=0, offset=0, recorded_at=NOW, headers=unsafe)
    assert row.trace_id == ""
