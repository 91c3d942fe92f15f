"""Every Kuaidi100 basic state and advanced sub-state in reference/tracking.md, row by row.

The expectations are written here independently of the code table, from the reference's
own words, so a table edit that changes a meaning fails loudly.
"""

from __future__ import annotations

import pytest

from quanhub.common.canonical import PARCEL_STATUS, PARCEL_SUB_STATUS
from quanhub.normalizer.vocab import kuaidi100
from quanhub.normalizer.vocab.registry import parcel_lookup

# (code, reference wording, expected status, expected sub-status or "")
ROWS = [
    ("0", "在途 in transit", "IN_TRANSIT", ""),
    ("1", "揽收 picked up", "PICKED_UP", ""),
    ("2", "疑难 problem", "EXCEPTION", ""),
    ("3", "签收 signed/delivered", "DELIVERED", ""),
    ("4", "退签 returned and signed by the sender", "RETURNED", "RETURN_SIGNED"),
    ("5", "派件 out for delivery", "OUT_FOR_DELIVERY", ""),
    ("6", "退回 being returned", "RETURNING", ""),
    ("7", "转投 handed to another carrier", "IN_TRANSIT", "HANDED_TO_OTHER_CARRIER"),
    ("8", "清关 customs", "IN_TRANSIT", "CUSTOMS_CLEARING"),
    ("14", "拒签 refused", "EXCEPTION", "REFUSED"),
    ("10", "待清关 awaiting clearance", "IN_TRANSIT", "HANDED_TO_CUSTOMS"),
    ("11", "清关中 clearing", "IN_TRANSIT", "CUSTOMS_CLEARING"),
    ("12", "已清关 cleared", "IN_TRANSIT", "CUSTOMS_CLEARED"),
    ("13", "清关异常 customs exception", "EXCEPTION", "CUSTOMS_EXCEPTION"),
    ("101", "已下单 ordered", "INFO_RECEIVED", "ORDER_PLACED"),
    ("102", "待揽收 awaiting pickup", "INFO_RECEIVED", "AWAITING_PICKUP"),
    ("103", "已揽收 picked up", "PICKED_UP", ""),
    ("1001", "到达派件城市 arrived in delivery city", "IN_TRANSIT", "ARRIVED_IN_DELIVERY_CITY"),
    ("1002", "干线 line-haul", "IN_TRANSIT", "LINE_HAUL"),
    ("1003", "转递 forwarded", "IN_TRANSIT", "FORWARDED"),
    ("501", "投柜或驿站 placed in locker/station", "AVAILABLE_FOR_PICKUP", "IN_LOCKER_OR_STATION"),
    ("301", "本人签收 signed by recipient", "DELIVERED", "SIGNED_BY_RECIPIENT"),
    ("302", "派件异常后签收 signed after a failed attempt", "DELIVERED", "SIGNED_AFTER_EXCEPTION"),
    ("303", "代签 signed by someone else", "DELIVERED", "SIGNED_BY_PROXY"),
    (
        "304",
        "投柜或站签收 collected from locker/station",
        "DELIVERED",
        "COLLECTED_FROM_LOCKER_OR_STATION",
    ),
    ("401", "已销单 cancelled", "CANCELLED", "CANCELLED_BY_SENDER"),
    ("201", "超时未签收 not signed in time", "EXCEPTION", "NOT_SIGNED_IN_TIME"),
    ("202", "超时未更新 no update in time", "EXCEPTION", "NO_UPDATE_IN_TIME"),
    ("203", "拒收 refused", "EXCEPTION", "REFUSED"),
    ("204", "派件异常 delivery exception", "ATTEMPT_FAILED", "DELIVERY_EXCEPTION"),
    (
        "205",
        "柜或驿站超时未取 not collected from locker in time",
        "EXCEPTION",
        "NOT_COLLECTED_IN_TIME",
    ),
    ("206", "无法联系 recipient unreachable", "ATTEMPT_FAILED", "RECIPIENT_UNREACHABLE"),
    ("207", "超区 out of area", "EXCEPTION", "OUT_OF_AREA"),
    ("208", "滞留 held", "EXCEPTION", "HELD"),
    ("209", "破损 damaged", "EXCEPTION", "DAMAGED"),
    ("210", "销单 cancelled", "CANCELLED", "CANCELLED_BY_SENDER"),
]


@pytest.mark.parametrize(
    ("code", "meaning", "status", "sub_status"), ROWS, ids=[r[0] for r in ROWS]
)
def test_reference_row_maps_sensibly(code: str, meaning: str, status: str, sub_status: str) -> None:
    lookup = parcel_lookup("kuaidi100")
    assert lookup is not None
    row = lookup(code)
    assert row is not None, f"{code} {meaning} is not mapped"
    assert PARCEL_STATUS.name(row.status) == status, meaning
    assert PARCEL_SUB_STATUS.name(row.sub_status) == (sub_status or "UNSPECIFIED"), meaning
    assert row.status != PARCEL_STATUS.value("UNKNOWN")


def test_the_table_has_exactly_the_reference_rows() -> None:
    assert set(kuaidi100.TABLE) == {code for code, *_ in ROWS}


@pytest.mark.parametrize("code", ["", "9", "99", "abc", "3a", "-1", "\u0661"])
def test_codes_outside_the_reference_are_not_mapped(code: str) -> None:
    assert kuaidi100.lookup(code) is None
