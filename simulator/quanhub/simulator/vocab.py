# ruff: noqa: RUF001 - source texts are Chinese, with full-width punctuation
"""How each partner says what happened: milestone and order step to a code row per code system.

Rows follow the public vocabularies summarised in ../shared/reference/tracking.md
(Kuaidi100 state and advanced sub-states, Kdniao State/StateEx, Yunda's open-API action
codes) and the hub's own canonical names (`quanhub`). Each row also states the canonical
status the hub derives from that code (the normalizer's tables; a unit test keeps the two
in step), because the ground truth must follow what the hub reads, not what was meant: a
Kuaidi100 "14" refusal is an EXCEPTION to the hub, a Kdniao "404" refusal is RETURNING.
A carrier whose vocabulary has no code for a milestone simply does not report it.
"""

from __future__ import annotations

from dataclasses import dataclass

from quanhub.simulator.milestones import Milestone, OrderStep

M = Milestone


@dataclass(frozen=True, slots=True)
class Row:
    """A source code, its text, and the canonical (status, sub-status) the hub derives."""

    code: str
    text: str
    status: str
    sub_status: str = ""


def _rows(table: dict[Milestone, tuple[str, ...]]) -> dict[Milestone, Row]:
    return {milestone: Row(*row) for milestone, row in table.items()}


IT = "IN_TRANSIT"
EX = "EXCEPTION"

PARCEL_CODES: dict[str, dict[Milestone, Row]] = {
    "kuaidi100": _rows(
        {
            M.ORDER_PLACED: ("101", "已下单", "INFO_RECEIVED", "ORDER_PLACED"),
            M.PICKED_UP: ("103", "已揽收", "PICKED_UP"),
            M.DEPARTED_HUB: ("0", "快件已发出", IT),
            M.ARRIVED_AT_HUB: ("0", "快件已到达", IT),
            M.LINE_HAUL: ("1002", "干线运输中", IT, "LINE_HAUL"),
            M.ARRIVED_IN_DELIVERY_CITY: ("1001", "到达派件城市", IT, "ARRIVED_IN_DELIVERY_CITY"),
            M.HANDED_TO_CUSTOMS: ("10", "待清关", IT, "HANDED_TO_CUSTOMS"),
            M.CUSTOMS_CLEARING: ("11", "清关中", IT, "CUSTOMS_CLEARING"),
            M.CUSTOMS_CLEARED: ("12", "已清关", IT, "CUSTOMS_CLEARED"),
            M.CUSTOMS_HOLD: ("13", "清关异常", EX, "CUSTOMS_EXCEPTION"),
            M.OUT_FOR_DELIVERY: ("5", "派件中", "OUT_FOR_DELIVERY"),
            M.IN_LOCKER_OR_STATION: (
                "501",
                "已投柜或驿站",
                "AVAILABLE_FOR_PICKUP",
                "IN_LOCKER_OR_STATION",
            ),
            M.SIGNED_BY_RECIPIENT: ("301", "本人签收", "DELIVERED", "SIGNED_BY_RECIPIENT"),
            M.SIGNED_BY_PROXY: ("303", "他人代签", "DELIVERED", "SIGNED_BY_PROXY"),
            M.COLLECTED_FROM_LOCKER_OR_STATION: (
                "304",
                "投柜或站签收",
                "DELIVERED",
                "COLLECTED_FROM_LOCKER_OR_STATION",
            ),
            M.RECIPIENT_UNREACHABLE: (
                "206",
                "无法联系收件人",
                "ATTEMPT_FAILED",
                "RECIPIENT_UNREACHABLE",
            ),
            M.DAMAGED: ("209", "快件破损", EX, "DAMAGED"),
            M.HELD: ("208", "快件滞留", EX, "HELD"),
            M.ADDRESS_PROBLEM: ("2", "疑难件：地址不详", EX),
            M.REFUSED: ("14", "收件人拒签", EX, "REFUSED"),
            M.RETURNING: ("6", "退回中", "RETURNING"),
            M.RETURN_SIGNED: ("4", "退签", "RETURNED", "RETURN_SIGNED"),
        }
    ),
    "kdniao": _rows(
        {
            M.ORDER_PLACED: ("10", "待揽收", "INFO_RECEIVED", "AWAITING_PICKUP"),
            M.PICKED_UP: ("1", "已揽收", "PICKED_UP"),
            M.DEPARTED_HUB: ("2", "在途中：已发出", IT),
            M.ARRIVED_AT_HUB: ("2", "在途中：已到达", IT),
            M.LINE_HAUL: ("2", "在途中：干线运输", IT),
            M.ARRIVED_IN_DELIVERY_CITY: ("201", "到达派件城市", IT, "ARRIVED_IN_DELIVERY_CITY"),
            M.HANDED_TO_CUSTOMS: ("601", "待清关", IT, "HANDED_TO_CUSTOMS"),
            M.CUSTOMS_CLEARING: ("602", "清关中", IT, "CUSTOMS_CLEARING"),
            M.CUSTOMS_CLEARED: ("603", "已清关", IT, "CUSTOMS_CLEARED"),
            M.CUSTOMS_HOLD: ("604", "清关异常", EX, "CUSTOMS_EXCEPTION"),
            M.OUT_FOR_DELIVERY: ("202", "派件中", "OUT_FOR_DELIVERY"),
            M.IN_LOCKER_OR_STATION: (
                "211",
                "已放入快递柜或驿站",
                "AVAILABLE_FOR_PICKUP",
                "IN_LOCKER_OR_STATION",
            ),
            M.SIGNED_BY_RECIPIENT: ("301", "正常签收", "DELIVERED", "SIGNED_BY_RECIPIENT"),
            M.SIGNED_BY_PROXY: ("304", "代收点代签", "DELIVERED", "SIGNED_BY_PROXY"),
            M.COLLECTED_FROM_LOCKER_OR_STATION: (
                "311",
                "快递柜或驿站签收",
                "DELIVERED",
                "COLLECTED_FROM_LOCKER_OR_STATION",
            ),
            M.RECIPIENT_UNREACHABLE: (
                "405",
                "派件异常：联系不上收件人",
                "ATTEMPT_FAILED",
                "DELIVERY_EXCEPTION",
            ),
            M.DAMAGED: ("4", "问题件：破损", EX),
            M.HELD: ("4", "问题件：滞留", EX),
            M.ADDRESS_PROBLEM: ("4", "问题件：地址不详", EX),
            M.REFUSED: ("404", "拒收，退件中", "RETURNING", "REFUSED"),
            M.RETURNING: ("407", "退件运输中", "RETURNING", "RETURN_NOT_SIGNED"),
            M.RETURN_SIGNED: ("406", "退货签收", "RETURNED", "RETURN_SIGNED"),
        }
    ),
    # No ORDER_PLACED and no return-signed action in Yunda's list: Yunda never reports them.
    "yunda": _rows(
        {
            M.PICKED_UP: ("GOT", "已揽件", "PICKED_UP"),
            M.DEPARTED_HUB: ("DEPARTURE", "已发出", IT, "DEPARTED_HUB"),
            M.ARRIVED_AT_HUB: ("ARRIVAL", "已到达", IT, "ARRIVED_AT_HUB"),
            M.LINE_HAUL: ("DEPARTURE", "干线发出", IT, "DEPARTED_HUB"),
            M.ARRIVED_IN_DELIVERY_CITY: ("ARRIVAL", "到达派件城市", IT, "ARRIVED_AT_HUB"),
            M.HANDED_TO_CUSTOMS: ("CLEARANCE_START", "待清关", IT, "CUSTOMS_CLEARING"),
            M.CUSTOMS_CLEARING: ("CLEARANCE_PROCESSING", "清关中", IT, "CUSTOMS_CLEARING"),
            M.CUSTOMS_CLEARED: ("CLEARANCE_SUCCESS", "清关完成", IT, "CUSTOMS_CLEARED"),
            M.CUSTOMS_HOLD: ("CLEARANCE_HOLD", "清关异常", EX, "CUSTOMS_EXCEPTION"),
            M.OUT_FOR_DELIVERY: ("SENT", "派件中", "OUT_FOR_DELIVERY"),
            M.IN_LOCKER_OR_STATION: (
                "INBOUND",
                "已入柜或驿站",
                "AVAILABLE_FOR_PICKUP",
                "IN_LOCKER_OR_STATION",
            ),
            M.SIGNED_BY_RECIPIENT: ("SIGNED", "已签收", "DELIVERED"),
            M.SIGNED_BY_PROXY: ("SIGNED", "他人代签", "DELIVERED"),
            M.COLLECTED_FROM_LOCKER_OR_STATION: ("SIGNED", "柜或驿站取件", "DELIVERED"),
            M.RECIPIENT_UNREACHABLE: (
                "SIGNFAIL",
                "签收失败：联系不上",
                "ATTEMPT_FAILED",
                "DELIVERY_EXCEPTION",
            ),
            M.DAMAGED: ("ISSUE", "问题件：破损", EX),
            M.HELD: ("ISSUE", "问题件：滞留", EX),
            M.ADDRESS_PROBLEM: ("ISSUE", "问题件：地址不详", EX),
            M.REFUSED: ("REJECTION", "拒收", EX, "REFUSED"),
            M.RETURNING: ("RETURN", "退回", "RETURNING"),
        }
    ),
    "quanhub": {
        m: Row(
            f"{m.status}/{m.sub_status}" if m.sub_status else m.status,
            m.name.lower(),
            m.status,
            m.sub_status,
        )
        for m in Milestone
    },
}

S = OrderStep

# Platforms' own order vocabularies (normalizer tables: Taobao TOP Trade.status and
# refund_status, JD JOS order_state, Pinduoduo order_status and refund_status). A step a
# platform has no code for is not reported: JD and Pinduoduo list orders once paid only.
ORDER_CODES: dict[str, dict[OrderStep, Row]] = {
    "taobao": {
        S.CREATED: Row("WAIT_BUYER_PAY", "等待买家付款", "CREATED"),
        S.PAID: Row("WAIT_SELLER_SEND_GOODS", "等待卖家发货", "PAID"),
        S.SHIPPED: Row("WAIT_BUYER_CONFIRM_GOODS", "等待买家确认收货", "SHIPPED"),
        S.DELIVERED: Row("TRADE_BUYER_SIGNED", "买家已签收", "DELIVERED"),
        S.COMPLETED: Row("TRADE_FINISHED", "交易成功", "COMPLETED"),
        S.CANCELLED: Row("TRADE_CLOSED_BY_TAOBAO", "交易关闭", "CANCELLED"),
        S.RETURN_REQUESTED: Row("refund:WAIT_SELLER_AGREE", "买家已经申请退款", "RETURN_REQUESTED"),
        S.RETURNED: Row("refund:WAIT_SELLER_REFUND", "卖家已收到退货", "RETURNED"),
        S.REFUNDED: Row("refund:SUCCESS", "退款成功", "REFUNDED"),
    },
    "jd": {
        S.PAID: Row("WAIT_SELLER_STOCK_OUT", "等待出库", "PAID"),
        S.SHIPPED: Row("WAIT_GOODS_RECEIVE_CONFIRM", "等待确认收货", "SHIPPED"),
        S.DELIVERED: Row("RECEIPTS_CONFIRM", "收款确认", "DELIVERED"),
        S.COMPLETED: Row("FINISHED_L", "完成", "COMPLETED"),
        S.CANCELLED: Row("TRADE_CANCELED", "取消", "CANCELLED"),
    },
    "pinduoduo": {
        S.PAID: Row("1", "待发货", "PAID"),
        S.SHIPPED: Row("2", "已发货待签收", "SHIPPED"),
        S.DELIVERED: Row("3", "已签收", "DELIVERED"),
        S.RETURN_REQUESTED: Row("refund:2", "售后处理中", "RETURN_REQUESTED"),
        S.REFUNDED: Row("refund:4", "退款成功", "REFUNDED"),
    },
    "quanhub": {s: Row(s.value, s.value.replace("_", " ").lower(), s.value) for s in OrderStep},
}

#: A code no vocabulary knows, per code system (the unknown-code anomaly).
UNKNOWN_CODES: dict[str, Row] = {
    "kuaidi100": Row("907", "未知状态", "UNKNOWN"),
    "kdniao": Row("907", "未知状态", "UNKNOWN"),
    "yunda": Row("TELEPORT", "未知动作", "UNKNOWN"),
    "quanhub": Row("LEVITATING", "unknown", "UNKNOWN"),
    "taobao": Row("TRADE_TELEPORTED", "未知状态", "UNKNOWN"),
    "jd": Row("ORDER_LEVITATING", "未知状态", "UNKNOWN"),
    "pinduoduo": Row("9", "未知状态", "UNKNOWN"),
}
#: An unknown customs return status (the spec leaves it an open string).
UNKNOWN_RETURN_STATUS = Row("777", "未定义回执状态", "UNKNOWN")


def parcel_row(code_system: str, milestone: Milestone) -> Row | None:
    """The row a carrier speaking `code_system` sends for `milestone`; None if it has none."""
    return PARCEL_CODES[code_system].get(milestone)


def order_row(code_system: str, step: OrderStep) -> Row | None:
    """The row a platform speaking `code_system` sends for `step`; None if it has none."""
    return ORDER_CODES[code_system].get(step)
