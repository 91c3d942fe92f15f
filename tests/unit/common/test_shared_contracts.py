"""The shared helpers the normalizer owns: bare enum names, carriers, business keys."""

from __future__ import annotations

import pytest

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common import canonical
from quanhub.common.carriers import CARRIERS, resolve_carrier
from quanhub.ingest.v1 import ingest_pb2 as ipb

ISSUE_PARCEL_STATUSES = [
    "INFO_RECEIVED",
    "PICKED_UP",
    "IN_TRANSIT",
    "OUT_FOR_DELIVERY",
    "AVAILABLE_FOR_PICKUP",
    "DELIVERED",
    "ATTEMPT_FAILED",
    "EXCEPTION",
    "RETURNING",
    "RETURNED",
    "CANCELLED",
    "UNKNOWN",
]
ISSUE_ORDER_STATUSES = [
    "CREATED",
    "PAID",
    "SHIPPED",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
    "RETURN_REQUESTED",
    "RETURNED",
    "REFUNDED",
    "UNKNOWN",
]


def test_parcel_and_order_status_names_are_exactly_the_issue_names() -> None:
    assert list(canonical.PARCEL_STATUS.names()) == ISSUE_PARCEL_STATUSES
    assert list(canonical.ORDER_STATUS.names()) == ISSUE_ORDER_STATUSES


def test_bare_names_round_trip_in_both_directions() -> None:
    assert canonical.parcel_status_name(cpb.PARCEL_STATUS_DELIVERED) == "DELIVERED"
    assert canonical.PARCEL_STATUS.value("delivered") == cpb.PARCEL_STATUS_DELIVERED
    assert canonical.PARCEL_STATUS.value("PARCEL_STATUS_DELIVERED") == cpb.PARCEL_STATUS_DELIVERED
    assert canonical.PARCEL_STATUS.value("NOPE") is None
    assert canonical.declaration_status_name(16) == "REQUEST_APPROVED"
    assert canonical.detention_name(cpb.DETENTION_TO_LEGAL) == "TO_LEGAL"
    assert canonical.customs_document_name(cpb.CUSTOMS_DOCUMENT_INVENTORY) == "INVENTORY"
    assert canonical.delivery_point_name(cpb.DELIVERY_POINT_SMART_LOCKER) == "SMART_LOCKER"
    for table in (canonical.PARCEL_SUB_STATUS, canonical.TRANSIT_BAG, canonical.DETENTION):
        for name in table.names():
            assert table.name(table.value(name) or 0) == name
    with pytest.raises(ValueError, match="999"):
        canonical.parcel_status_name(999)


@pytest.mark.parametrize(
    ("code", "carrier_id"),
    [
        ("shunfeng", "SF"),
        ("SF", "SF"),
        ("sf", "SF"),
        ("zhongtong", "ZTO"),
        ("ZTO", "ZTO"),
        ("yuantong", "YTO"),
        ("YTO", "YTO"),
        ("shentong", "STO"),
        ("STO", "STO"),
        ("yunda", "YUNDA"),
        ("YD", "YUNDA"),
        ("ems", "EMS"),
        ("EMS", "EMS"),
        ("youzhengguonei", "CHINAPOST"),
        ("YZPY", "CHINAPOST"),
        ("jd", "JD"),
        ("JD", "JD"),
        ("debangkuaidi", "DEPPON"),
        ("DBL", "DEPPON"),
        ("jtexpress", "JT"),
        ("JTSD", "JT"),
        (" Shunfeng ", "SF"),
    ],
)
def test_kuaidi100_and_kdniao_codes_resolve_to_one_carrier_id(code: str, carrier_id: str) -> None:
    assert resolve_carrier(code) == carrier_id


def test_every_carrier_id_resolves_to_itself_and_unknown_codes_to_none() -> None:
    for carrier_id in CARRIERS:
        assert resolve_carrier(carrier_id) == carrier_id
    assert resolve_carrier("fedex-ish") is None
    assert resolve_carrier("") is None


def test_business_keys_match_between_raw_and_canonical_events() -> None:
    raw = ipb.Event(
        event_id="e1", parcel=ipb.ParcelEvent(carrier_code="shunfeng", waybill_no=" sf123456 ")
    )
    assert canonical.event_business_key(raw, "sfexpress") == b"P|SF|SF123456"
    out = cpb.CanonicalEvent(
        source_partner="sfexpress", parcel=cpb.ParcelUpdate(carrier_id="SF", waybill_no="SF123456")
    )
    assert canonical.canonical_business_key(out) == b"P|SF|SF123456"
    order = ipb.Event(order=ipb.OrderEvent(platform_code="tmall", order_no="A1"))
    assert canonical.event_business_key(order, "tmall") == b"O|tmall|A1"
    customs = ipb.Event(customs=ipb.CustomsEvent(cop_no="", order_no="A1"))
    assert canonical.event_business_key(customs, "agent1") == b"C|agent1|A1"
    customs.customs.cop_no = "COP9"
    assert canonical.event_business_key(customs, "agent1") == b"C|agent1|COP9"


def test_customs_message_kinds() -> None:
    inventory_receipt = canonical.customs_message(" ceb622")
    assert inventory_receipt == canonical.CustomsMessage(cpb.CUSTOMS_DOCUMENT_INVENTORY, True)
    assert canonical.customs_message("CEB621") == canonical.CustomsMessage(
        cpb.CUSTOMS_DOCUMENT_INVENTORY, False
    )
    assert canonical.customs_message("CEB792") == canonical.CustomsMessage(
        cpb.CUSTOMS_DOCUMENT_SUMMARY, True
    )
    assert canonical.customs_message("CEB999") is None
