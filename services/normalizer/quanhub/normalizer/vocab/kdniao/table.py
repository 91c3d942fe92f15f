"""Kdniao (快递鸟) `State` and `StateEx` codes.

Source for every row: Kdniao track query / push API docs (`State`, `StateEx`), as
summarised in ../shared/reference/tracking.md "Kdniao state codes", and Kdniao's full
published StateEx table (物流状态 / 状态码 / 业务字段说明) for the rows that summary leaves
out: in transit 204-206, problem parcels 413-423, and the wording of 601-604 (待清关,
清关中, 已清关, 清关异常). A StateEx whose description names no finer canonical sub-status
(417 delayed, 418 taken out of the locker, 419 redelivery agreed, 422 mis-sorted) keeps
Kdniao's own category: a problem parcel, EXCEPTION.
"""

from __future__ import annotations

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.normalizer.vocab.types import ParcelCode, PointHint

SOURCE = "Kdniao API docs, State / StateEx (reference/tracking.md)"

S = cpb.ParcelStatus
X = cpb.ParcelSubStatus
P = PointHint

STATE: dict[str, ParcelCode] = {
    # "No trace yet": the carrier knows the waybill but has scanned nothing.
    "0": ParcelCode(S.PARCEL_STATUS_INFO_RECEIVED, meaning="暂无轨迹 no trace"),
    "1": ParcelCode(S.PARCEL_STATUS_PICKED_UP, meaning="已揽收 picked up"),
    "2": ParcelCode(S.PARCEL_STATUS_IN_TRANSIT, meaning="在途中 in transit"),
    "3": ParcelCode(S.PARCEL_STATUS_DELIVERED, meaning="签收 signed"),
    "4": ParcelCode(S.PARCEL_STATUS_EXCEPTION, meaning="问题件 problem"),
    "5": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_FORWARDED, meaning="转寄 forwarded"
    ),
    "6": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_CUSTOMS_CLEARING, meaning="清关 customs"
    ),
}

STATE_EX: dict[str, ParcelCode] = {
    "10": ParcelCode(
        S.PARCEL_STATUS_INFO_RECEIVED,
        X.PARCEL_SUB_STATUS_AWAITING_PICKUP,
        meaning="待揽件 awaiting pickup",
    ),
    "201": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT,
        X.PARCEL_SUB_STATUS_ARRIVED_IN_DELIVERY_CITY,
        meaning="到达派件城市 arrived in delivery city",
    ),
    "202": ParcelCode(S.PARCEL_STATUS_OUT_FOR_DELIVERY, meaning="派件中 out for delivery"),
    "204": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT,
        X.PARCEL_SUB_STATUS_ARRIVED_AT_HUB,
        meaning="到达转运中心 arrived at a sorting hub",
    ),
    "205": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT,
        X.PARCEL_SUB_STATUS_ARRIVED_IN_DELIVERY_CITY,
        meaning="到达派件网点 arrived at the delivering branch",
    ),
    "206": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT,
        X.PARCEL_SUB_STATUS_DEPARTED_HUB,
        meaning="寄件网点发件 dispatched by the sending branch",
    ),
    "211": ParcelCode(
        S.PARCEL_STATUS_AVAILABLE_FOR_PICKUP,
        X.PARCEL_SUB_STATUS_IN_LOCKER_OR_STATION,
        P.LOCKER_OR_STATION,
        meaning="已放入快递柜或驿站 in locker or station",
    ),
    "301": ParcelCode(
        S.PARCEL_STATUS_DELIVERED,
        X.PARCEL_SUB_STATUS_SIGNED_BY_RECIPIENT,
        P.DOOR,
        meaning="正常签收 signed normally",
    ),
    "302": ParcelCode(
        S.PARCEL_STATUS_DELIVERED,
        X.PARCEL_SUB_STATUS_SIGNED_AFTER_EXCEPTION,
        P.DOOR,
        meaning="派件异常后签收 signed after exception",
    ),
    "304": ParcelCode(
        S.PARCEL_STATUS_DELIVERED,
        X.PARCEL_SUB_STATUS_SIGNED_BY_PROXY,
        P.DOOR,
        meaning="代收签收 signed by proxy",
    ),
    "311": ParcelCode(
        S.PARCEL_STATUS_DELIVERED,
        X.PARCEL_SUB_STATUS_COLLECTED_FROM_LOCKER_OR_STATION,
        P.LOCKER_OR_STATION,
        meaning="快递柜或驿站签收 signed at locker/station",
    ),
    "401": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_NO_UPDATE_IN_TIME,
        meaning="发货无信息 no info after shipment",
    ),
    "402": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_NOT_SIGNED_IN_TIME,
        meaning="超时未签收 not signed in time",
    ),
    "403": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_NO_UPDATE_IN_TIME,
        meaning="超时未更新 no update in time",
    ),
    "404": ParcelCode(
        S.PARCEL_STATUS_RETURNING,
        X.PARCEL_SUB_STATUS_REFUSED,
        meaning="拒收(退件) refused, returning",
    ),
    "405": ParcelCode(
        S.PARCEL_STATUS_ATTEMPT_FAILED,
        X.PARCEL_SUB_STATUS_DELIVERY_EXCEPTION,
        meaning="派件异常 delivery exception",
    ),
    "406": ParcelCode(
        S.PARCEL_STATUS_RETURNED,
        X.PARCEL_SUB_STATUS_RETURN_SIGNED,
        meaning="退货签收 return signed",
    ),
    "407": ParcelCode(
        S.PARCEL_STATUS_RETURNING,
        X.PARCEL_SUB_STATUS_RETURN_NOT_SIGNED,
        meaning="退货未签收 return not signed",
    ),
    "412": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_NOT_COLLECTED_IN_TIME,
        P.LOCKER_OR_STATION,
        meaning="快递柜或驿站超时未取 not collected in time",
    ),
    "413": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION, X.PARCEL_SUB_STATUS_HELD, meaning="单号已拦截 intercepted"
    ),
    "414": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION, X.PARCEL_SUB_STATUS_DAMAGED, meaning="破损 damaged"
    ),
    "415": ParcelCode(
        S.PARCEL_STATUS_CANCELLED,
        X.PARCEL_SUB_STATUS_CANCELLED_BY_SENDER,
        meaning="客户取消发货 cancelled by the sender",
    ),
    "416": ParcelCode(
        S.PARCEL_STATUS_ATTEMPT_FAILED,
        X.PARCEL_SUB_STATUS_RECIPIENT_UNREACHABLE,
        meaning="无法联系 recipient unreachable",
    ),
    "417": ParcelCode(S.PARCEL_STATUS_EXCEPTION, meaning="配送延迟 delivery delayed"),
    "418": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION, meaning="快件取出 taken out of the locker by the courier"
    ),
    "419": ParcelCode(S.PARCEL_STATUS_EXCEPTION, meaning="重新派送 redelivery agreed"),
    "420": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_ADDRESS_PROBLEM,
        meaning="收货地址不详细 address incomplete",
    ),
    "421": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_RECIPIENT_UNREACHABLE,
        meaning="收件人电话错误 wrong recipient phone",
    ),
    "422": ParcelCode(S.PARCEL_STATUS_EXCEPTION, meaning="错分件 mis-sorted"),
    "423": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION, X.PARCEL_SUB_STATUS_OUT_OF_AREA, meaning="超区件 out of area"
    ),
    "601": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT,
        X.PARCEL_SUB_STATUS_HANDED_TO_CUSTOMS,
        meaning="待清关 awaiting clearance",
    ),
    "602": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_CUSTOMS_CLEARING, meaning="清关中 clearing"
    ),
    "603": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_CUSTOMS_CLEARED, meaning="已清关 cleared"
    ),
    "604": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION,
        X.PARCEL_SUB_STATUS_CUSTOMS_EXCEPTION,
        meaning="清关异常 customs exception",
    ),
}

TABLE: dict[str, ParcelCode] = {**STATE, **STATE_EX}
