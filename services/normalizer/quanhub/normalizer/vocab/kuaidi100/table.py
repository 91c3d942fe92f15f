"""Kuaidi100 (快递100) `state` codes: basic states, customs states, advanced sub-states.

Source for every row: Kuaidi100 real-time query / subscription API docs, `state` field
(basic 0-8 and 14; customs 10-13 in older docs; advanced sub-states with `resultv2`), as
summarised in ../shared/reference/tracking.md "Kuaidi100 state codes". The canonical choice
per row follows AfterShip's status/sub-status split (same file, "Two axes").
"""

from __future__ import annotations

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.normalizer.vocab.types import ParcelCode, PointHint

SOURCE = "Kuaidi100 API docs, state / resultv2 sub-states (reference/tracking.md)"

S = cpb.ParcelStatus
X = cpb.ParcelSubStatus
P = PointHint

BASIC: dict[str, ParcelCode] = {
    "0": ParcelCode(S.PARCEL_STATUS_IN_TRANSIT, meaning="在途 in transit"),
    "1": ParcelCode(S.PARCEL_STATUS_PICKED_UP, meaning="揽收 picked up"),
    "2": ParcelCode(S.PARCEL_STATUS_EXCEPTION, meaning="疑难 problem"),
    "3": ParcelCode(S.PARCEL_STATUS_DELIVERED, meaning="签收 signed / delivered"),
    "4": ParcelCode(
        S.PARCEL_STATUS_RETURNED,
        X.PARCEL_SUB_STATUS_RETURN_SIGNED,
        meaning="退签 returned and signed by the sender",
    ),
    "5": ParcelCode(S.PARCEL_STATUS_OUT_FOR_DELIVERY, meaning="派件 out for delivery"),
    "6": ParcelCode(S.PARCEL_STATUS_RETURNING, meaning="退回 being returned"),
    "7": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT,
        X.PARCEL_SUB_STATUS_HANDED_TO_OTHER_CARRIER,
        meaning="转投 handed to another carrier",
    ),
    "8": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_CUSTOMS_CLEARING, meaning="清关 customs"
    ),
    "14": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION, X.PARCEL_SUB_STATUS_REFUSED, meaning="拒签 refused"
    ),
}

CUSTOMS: dict[str, ParcelCode] = {
    "10": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT,
        X.PARCEL_SUB_STATUS_HANDED_TO_CUSTOMS,
        meaning="待清关 awaiting clearance",
    ),
    "11": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_CUSTOMS_CLEARING, meaning="清关中 clearing"
    ),
    "12": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_CUSTOMS_CLEARED, meaning="已清关 cleared"
    ),
    "13": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_CUSTOMS_EXCEPTION,
        meaning="清关异常 customs exception",
    ),
}

ADVANCED: dict[str, ParcelCode] = {
    "101": ParcelCode(
        S.PARCEL_STATUS_INFO_RECEIVED, X.PARCEL_SUB_STATUS_ORDER_PLACED, meaning="已下单 ordered"
    ),
    "102": ParcelCode(
        S.PARCEL_STATUS_INFO_RECEIVED,
        X.PARCEL_SUB_STATUS_AWAITING_PICKUP,
        meaning="待揽收 awaiting pickup",
    ),
    "103": ParcelCode(S.PARCEL_STATUS_PICKED_UP, meaning="已揽收 picked up"),
    "1001": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT,
        X.PARCEL_SUB_STATUS_ARRIVED_IN_DELIVERY_CITY,
        meaning="到达派件城市 arrived in delivery city",
    ),
    "1002": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_LINE_HAUL, meaning="干线 line-haul"
    ),
    "1003": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_FORWARDED, meaning="转递 forwarded"
    ),
    "501": ParcelCode(
        S.PARCEL_STATUS_AVAILABLE_FOR_PICKUP,
        X.PARCEL_SUB_STATUS_IN_LOCKER_OR_STATION,
        P.LOCKER_OR_STATION,
        meaning="投柜或驿站 placed in locker/station",
    ),
    "301": ParcelCode(
        S.PARCEL_STATUS_DELIVERED,
        X.PARCEL_SUB_STATUS_SIGNED_BY_RECIPIENT,
        P.DOOR,
        meaning="本人签收 signed by recipient",
    ),
    "302": ParcelCode(
        S.PARCEL_STATUS_DELIVERED,
        X.PARCEL_SUB_STATUS_SIGNED_AFTER_EXCEPTION,
        P.DOOR,
        meaning="派件异常后签收 signed after a failed attempt",
    ),
    "303": ParcelCode(
        S.PARCEL_STATUS_DELIVERED,
        X.PARCEL_SUB_STATUS_SIGNED_BY_PROXY,
        P.DOOR,
        meaning="代签 signed by someone else",
    ),
    "304": ParcelCode(
        S.PARCEL_STATUS_DELIVERED,
        X.PARCEL_SUB_STATUS_COLLECTED_FROM_LOCKER_OR_STATION,
        P.LOCKER_OR_STATION,
        meaning="投柜或站签收 collected from locker/station",
    ),
    "401": ParcelCode(
        S.PARCEL_STATUS_CANCELLED,
        X.PARCEL_SUB_STATUS_CANCELLED_BY_SENDER,
        meaning="已销单 cancelled",
    ),
    # 201, 202 and 205 are derived by the tracker from elapsed time, not scanned.
    "201": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_NOT_SIGNED_IN_TIME,
        meaning="超时未签收 not signed in time",
    ),
    "202": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_NO_UPDATE_IN_TIME,
        meaning="超时未更新 no update in time",
    ),
    "203": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION, X.PARCEL_SUB_STATUS_REFUSED, meaning="拒收 refused"
    ),
    "204": ParcelCode(
        S.PARCEL_STATUS_ATTEMPT_FAILED,
        X.PARCEL_SUB_STATUS_DELIVERY_EXCEPTION,
        meaning="派件异常 delivery exception",
    ),
    "205": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_NOT_COLLECTED_IN_TIME,
        P.LOCKER_OR_STATION,
        meaning="柜或驿站超时未取 not collected from locker/station in time",
    ),
    "206": ParcelCode(
        S.PARCEL_STATUS_ATTEMPT_FAILED,
        X.PARCEL_SUB_STATUS_RECIPIENT_UNREACHABLE,
        meaning="无法联系 recipient unreachable",
    ),
    "207": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION, X.PARCEL_SUB_STATUS_OUT_OF_AREA, meaning="超区 out of area"
    ),
    "208": ParcelCode(S.PARCEL_STATUS_EXCEPTION, X.PARCEL_SUB_STATUS_HELD, meaning="滞留 held"),
    "209": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION, X.PARCEL_SUB_STATUS_DAMAGED, meaning="破损 damaged"
    ),
    "210": ParcelCode(
        S.PARCEL_STATUS_CANCELLED, X.PARCEL_SUB_STATUS_CANCELLED_BY_SENDER, meaning="销单 cancelled"
    ),
}

TABLE: dict[str, ParcelCode] = {**BASIC, **CUSTOMS, **ADVANCED}
