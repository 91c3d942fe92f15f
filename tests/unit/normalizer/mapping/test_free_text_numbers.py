"""The mapping scrubs numbers from every free text itself, so a raw-topic record written
before a scrubbing rule (or by anything but the gateway) reaches the canonical topic
masked: location, raw_text, return_info and goods lines' item_name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.mapping import Normalized, normalize

RECEIVED = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
QUOTED = "联系 138 1234 5678 或 370102 19900101 1234"


def _envelope(event: ipb.Event) -> cpb.RawEnvelope:
    envelope = cpb.RawEnvelope(partner_code="TEST", partner_role="carrier", ingress="gateway")
    envelope.received_at.FromDatetime(RECEIVED)
    envelope.event.CopyFrom(event)
    envelope.event.event_id = "e-1"
    envelope.event.occurred_at.FromDatetime(RECEIVED - timedelta(hours=1))
    return envelope


def _canonical(event: ipb.Event) -> cpb.CanonicalEvent:
    result = normalize(_envelope(event))
    assert isinstance(result, Normalized), result
    return result.event


def _assert_masked(text: str) -> None:
    assert "1234 5678" not in text
    assert "19900101" not in text
    assert "138 **** 5678" in text, text


def test_a_parcel_s_location_and_raw_text_are_scrubbed() -> None:
    parcel = ipb.ParcelEvent(
        carrier_code="shunfeng",
        waybill_no="SF1234567",
        code_system="kuaidi100",
        code="0",
        description=QUOTED,
        location=f"济南 {QUOTED}",
    )
    out = _canonical(ipb.Event(parcel=parcel))
    _assert_masked(out.parcel.location)
    _assert_masked(out.raw_text)


def test_an_order_s_raw_text_and_item_names_are_scrubbed() -> None:
    order = ipb.OrderEvent(
        platform_code="TMALL",
        order_no="O1",
        code_system="quanhub",
        code="PAID",
        description=QUOTED,
        lines=[ipb.GoodsLine(gnum=1, item_name=QUOTED, quantity=1)],
    )
    out = _canonical(ipb.Event(order=order))
    _assert_masked(out.raw_text)
    _assert_masked(out.order.lines[0].item_name)


def test_a_receipt_s_return_info_is_scrubbed() -> None:
    customs = ipb.CustomsEvent(
        message_type="CEB622",
        cop_no="C1",
        return_status="2",
        return_time="20261128180000000",
        return_info=QUOTED,
        lines=[ipb.GoodsLine(gnum=1, item_name=QUOTED, quantity=1)],
    )
    out = _canonical(ipb.Event(customs=customs))
    _assert_masked(out.customs.return_info)
    _assert_masked(out.raw_text)
    _assert_masked(out.customs.lines[0].item_name)
