"""Every Kdniao State and StateEx of its published table, row by row.

The expectations are written here independently of the code table, from the published
table's own words (状态码 and 业务字段说明), so a table edit that changes a meaning fails
loudly.
"""

from __future__ import annotations

import pytest

from quanhub.common.canonical import PARCEL_STATUS, PARCEL_SUB_STATUS
from quanhub.normalizer.vocab import kdniao
from quanhub.normalizer.vocab.registry import parcel_lookup

# (code, published wording, expected status, expected sub-status or "")
ROWS = [
    ("0", "暂无轨迹信息 no trace yet", "INFO_RECEIVED", ""),
    ("1", "已揽收 picked up", "PICKED_UP", ""),
    ("2", "在途中 in transit", "IN_TRANSIT", ""),
    ("3", "已签收 signed", "DELIVERED", ""),
    ("4", "问题件 problem parcel", "EXCEPTION", ""),
    ("5", "转寄 forwarded to a new address", "IN_TRANSIT", "FORWARDED"),
    ("6", "清关 customs", "IN_TRANSIT", "CUSTOMS_CLEARING"),
    ("10", "待揽件 courier has not collected", "INFO_RECEIVED", "AWAITING_PICKUP"),
    ("201", "到达派件城市 arrived in delivery city", "IN_TRANSIT", "ARRIVED_IN_DELIVERY_CITY"),
    ("202", "派件中 out for delivery", "OUT_FOR_DELIVERY", ""),
    ("204", "到达转运中心 arrival scan at a hub", "IN_TRANSIT", "ARRIVED_AT_HUB"),
    (
        "205",
        "到达派件网点 arrival scan at the delivering branch",
        "IN_TRANSIT",
        "ARRIVED_IN_DELIVERY_CITY",
    ),
    ("206", "寄件网点发件 departure scan at the sending branch", "IN_TRANSIT", "DEPARTED_HUB"),
    (
        "211",
        "已放入快递柜或驿站 in locker or station",
        "AVAILABLE_FOR_PICKUP",
        "IN_LOCKER_OR_STATION",
    ),
    ("301", "正常签收 signed by the recipient", "DELIVERED", "SIGNED_BY_RECIPIENT"),
    ("302", "异常后最终签收 signed after an exception", "DELIVERED", "SIGNED_AFTER_EXCEPTION"),
    ("304", "代收签收 signed by someone else", "DELIVERED", "SIGNED_BY_PROXY"),
    (
        "311",
        "快递柜或驿站签收 signed at locker or station",
        "DELIVERED",
        "COLLECTED_FROM_LOCKER_OR_STATION",
    ),
    ("401", "发货无信息 no trace after shipment", "EXCEPTION", "NO_UPDATE_IN_TIME"),
    ("402", "超时未签收 not signed 36 h after delivery scan", "EXCEPTION", "NOT_SIGNED_IN_TIME"),
    ("403", "超时未更新 no update for 5 days", "EXCEPTION", "NO_UPDATE_IN_TIME"),
    ("404", "拒收(退件) refused, goes back", "RETURNING", "REFUSED"),
    ("405", "派件异常 delivery exception", "ATTEMPT_FAILED", "DELIVERY_EXCEPTION"),
    ("406", "退货签收 return signed by the sender", "RETURNED", "RETURN_SIGNED"),
    ("407", "退货未签收 return not signed", "RETURNING", "RETURN_NOT_SIGNED"),
    ("412", "快递柜或驿站超时未取 not collected in 18 h", "EXCEPTION", "NOT_COLLECTED_IN_TIME"),
    ("413", "单号已拦截 intercepted in transit", "EXCEPTION", "HELD"),
    ("414", "破损 damaged", "EXCEPTION", "DAMAGED"),
    ("415", "客户取消发货 sender cancelled", "CANCELLED", "CANCELLED_BY_SENDER"),
    ("416", "无法联系 recipient unreachable", "ATTEMPT_FAILED", "RECIPIENT_UNREACHABLE"),
    ("417", "配送延迟 delivery delayed", "EXCEPTION", ""),
    ("418", "快件取出 courier took it out of the locker", "EXCEPTION", ""),
    ("419", "重新派送 redelivery agreed", "EXCEPTION", ""),
    ("420", "收货地址不详细 address incomplete", "EXCEPTION", "ADDRESS_PROBLEM"),
    ("421", "收件人电话错误 wrong phone", "EXCEPTION", "RECIPIENT_UNREACHABLE"),
    ("422", "错分件 mis-sorted", "EXCEPTION", ""),
    ("423", "超区件 out of delivery area", "EXCEPTION", "OUT_OF_AREA"),
    ("601", "待清关 awaiting clearance", "IN_TRANSIT", "HANDED_TO_CUSTOMS"),
    ("602", "清关中 clearing", "IN_TRANSIT", "CUSTOMS_CLEARING"),
    ("603", "已清关 cleared", "IN_TRANSIT", "CUSTOMS_CLEARED"),
    ("604", "清关异常 customs exception", "EXCEPTION", "CUSTOMS_EXCEPTION"),
]


@pytest.mark.parametrize(
    ("code", "meaning", "status", "sub_status"), ROWS, ids=[r[0] for r in ROWS]
)
def test_published_row_maps_sensibly(code: str, meaning: str, status: str, sub_status: str) -> None:
    lookup = parcel_lookup("kdniao")
    assert lookup is not None
    row = lookup(code)
    assert row is not None, f"{code} {meaning} is not mapped"
    assert PARCEL_STATUS.name(row.status) == status, meaning
    assert PARCEL_SUB_STATUS.name(row.sub_status) == (sub_status or "UNSPECIFIED"), meaning


def test_the_table_has_exactly_the_published_rows() -> None:
    assert set(kdniao.TABLE) == {code for code, *_ in ROWS}


@pytest.mark.parametrize("code", ["4/414", "2/204"])
def test_the_finer_code_of_a_pair_wins(code: str) -> None:
    row = kdniao.lookup(code)
    assert row is not None
    assert row.sub_status != PARCEL_SUB_STATUS.value("UNSPECIFIED")


@pytest.mark.parametrize("code", ["", "7", "99", "203", "408", "424", "abc", "\u0664\u0661\u0664"])
def test_codes_outside_the_table_are_not_mapped(code: str) -> None:
    assert kdniao.lookup(code) is None
