"""Customs return statuses per issue 3, and delivery-point inference."""

from __future__ import annotations

import pytest

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import CUSTOMS_DOCUMENT, DECLARATION_STATUS, DETENTION
from quanhub.normalizer.mapping.points import delivery_point
from quanhub.normalizer.vocab import customs
from quanhub.normalizer.vocab.types import PointHint


@pytest.mark.parametrize(
    ("return_status", "status", "detention"),
    [
        ("1", "STORED", "UNSPECIFIED"),
        ("2", "DECLARING", "UNSPECIFIED"),
        ("3", "SENT_TO_CUSTOMS", "UNSPECIFIED"),
        ("4", "SEND_FAILED", "UNSPECIFIED"),
        ("100", "REJECTED", "UNSPECIFIED"),
        ("120", "ACCEPTED", "UNSPECIFIED"),
        ("300", "MANUAL_REVIEW", "UNSPECIFIED"),
        ("399", "CONCLUDED", "UNSPECIFIED"),
        ("500", "INSPECTION", "UNSPECIFIED"),
        ("501", "DETAINED", "TO_CLEARANCE"),
        ("502", "DETAINED", "TO_ANTI_SMUGGLING"),
        ("503", "DETAINED", "TO_LEGAL"),
        ("599", "DETAINED", "OTHER"),
        ("700", "RETURNED", "UNSPECIFIED"),
        ("800", "RELEASED", "UNSPECIFIED"),
        ("899", "CLOSED", "UNSPECIFIED"),
        ("-621005", "ERROR", "UNSPECIFIED"),
        ("-1", "ERROR", "UNSPECIFIED"),
        ("509", "UNKNOWN", "UNSPECIFIED"),
        ("abc", "UNKNOWN", "UNSPECIFIED"),
    ],
)
def test_inventory_receipt_statuses(return_status: str, status: str, detention: str) -> None:
    code = customs.lookup("CEB622", return_status)
    assert DECLARATION_STATUS.name(code.status) == status
    assert DETENTION.name(code.detention) == detention
    assert code.is_receipt
    assert code.known is (status != "UNKNOWN")


@pytest.mark.parametrize("message_type", ["CEB624", "CEB606", "CEB626"])
def test_399_on_cancel_or_return_receipts_means_request_approved(message_type: str) -> None:
    code = customs.lookup(message_type, "399")
    assert DECLARATION_STATUS.name(code.status) == "REQUEST_APPROVED"
    assert CUSTOMS_DOCUMENT.name(code.document) in {"CANCEL", "RETURN"}


def test_business_messages_are_submitted_and_unknown_types_are_other() -> None:
    order = customs.lookup("CEB311", "")
    assert (order.is_receipt, DECLARATION_STATUS.name(order.status)) == (False, "SUBMITTED")
    other = customs.lookup("CEB999", "800")
    assert CUSTOMS_DOCUMENT.name(other.document) == "OTHER"
    assert DECLARATION_STATUS.name(other.status) == "RELEASED"


LOCKER_SUB = cpb.PARCEL_SUB_STATUS_IN_LOCKER_OR_STATION


@pytest.mark.parametrize(
    ("explicit", "hint", "sub", "text", "expected"),
    [
        (0, PointHint.LOCKER_OR_STATION, LOCKER_SUB, "已放入丰巢智能柜", "SMART_LOCKER"),
        (0, PointHint.LOCKER_OR_STATION, LOCKER_SUB, "已到达菜鸟驿站", "STATION"),
        (0, PointHint.LOCKER_OR_STATION, LOCKER_SUB, "请及时取件", "UNSPECIFIED"),
        (0, PointHint.NONE, LOCKER_SUB, "快递柜", "SMART_LOCKER"),
        (0, PointHint.DOOR, 0, "", "DOOR"),
        (0, PointHint.NONE, 0, "丰巢", "UNSPECIFIED"),
        (3, PointHint.DOOR, 0, "快递柜", "STATION"),
    ],
)
def test_delivery_point(explicit: int, hint: PointHint, sub: int, text: str, expected: str) -> None:
    point = delivery_point(explicit, hint, cpb.ParcelSubStatus.ValueType(sub), text)
    assert cpb.DeliveryPoint.Name(point) == f"DELIVERY_POINT_{expected}"


@pytest.mark.parametrize("status", ["1", "2", "3"])
def test_tax_bills_keep_their_own_status_raw(status: str) -> None:
    code = customs.lookup("CEB816", status)
    assert CUSTOMS_DOCUMENT.name(code.document) == "TAX"
    assert (code.is_receipt, DECLARATION_STATUS.name(code.status)) == (False, "SUBMITTED")
