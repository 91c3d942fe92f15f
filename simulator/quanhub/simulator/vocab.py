# ruff: noqa: RUF001 - source texts are Chinese, with full-width punctuation
"""How each partner says what happened: milestone and order step to the code and text it sends.

Rows follow the public vocabularies summarised in ../shared/reference/tracking.md
(Kuaidi100 state and advanced sub-states, Kdniao State/StateEx, Yunda's open-API action
codes) and the hub's own canonical names (`quanhub`). They hold only what a partner sends:
the canonical status the hub derives from a code is the normalizer's to say
(quanhub.simulator.hub asks its tables), because the ground truth must follow what the hub
reads, not what was meant. A carrier whose vocabulary has no code for a milestone simply
does not report it.
"""

from __future__ import annotations

from dataclasses import dataclass

from quanhub.simulator.milestones import Milestone, OrderStep

M = Milestone


@dataclass(frozen=True, slots=True)
class Row:
    """A source code and the text the partner sends with it."""

    code: str
    text: str


PARCEL_CODES: dict[str, dict[Milestone, Row]] = {
    "kuaidi100": {
        M.ORDER_PLACED: Row("101", "已下单"),
        M.PICKED_UP: Row("103", "已揽收"),
        M.DEPARTED_HUB: Row("0", "快件已发出"),
        M.ARRIVED_AT_HUB: Row("0", "快件已到达"),
        M.LINE_HAUL: Row("1002", "干线运输中"),
        M.ARRIVED_IN_DELIVERY_CITY: Row("1001", "到达派件城市"),
        M.HANDED_TO_CUSTOMS: Row("10", "待清关"),
        M.CUSTOMS_CLEARING: Row("11", "清关中"),
        M.CUSTOMS_CLEARED: Row("12", "已清关"),
        M.CUSTOMS_HOLD: Row("13", "清关异常"),
        M.OUT_FOR_DELIVERY: Row("5", "派件中"),
        M.IN_LOCKER_OR_STATION: Row("501", "已投柜或驿站"),
        M.SIGNED_BY_RECIPIENT: Row("301", "本人签收"),
        M.SIGNED_BY_PROXY: Row("303", "他人代签"),
        M.COLLECTED_FROM_LOCKER_OR_STATION: Row("304", "投柜或站签收"),
        M.RECIPIENT_UNREACHABLE: Row("206", "无法联系收件人"),
        M.DAMAGED: Row("209", "快件破损"),
        M.HELD: Row("208", "快件滞留"),
        M.ADDRESS_PROBLEM: Row("2", "疑难件：地址不详"),
        M.REFUSED: Row("14", "收件人拒签"),
        M.RETURNING: Row("6", "退回中"),
        M.RETURN_SIGNED: Row("4", "退签"),
    },
    "kdniao": {
        M.ORDER_PLACED: Row("10", "待揽收"),
        M.PICKED_UP: Row("1", "已揽收"),
        M.DEPARTED_HUB: Row("2", "在途中：已发出"),
        M.ARRIVED_AT_HUB: Row("2", "在途中：已到达"),
        M.LINE_HAUL: Row("2", "在途中：干线运输"),
        M.ARRIVED_IN_DELIVERY_CITY: Row("201", "到达派件城市"),
        M.HANDED_TO_CUSTOMS: Row("601", "待清关"),
        M.CUSTOMS_CLEARING: Row("602", "清关中"),
        M.CUSTOMS_CLEARED: Row("603", "已清关"),
        M.CUSTOMS_HOLD: Row("604", "清关异常"),
        M.OUT_FOR_DELIVERY: Row("202", "派件中"),
        M.IN_LOCKER_OR_STATION: Row("211", "已放入快递柜或驿站"),
        M.SIGNED_BY_RECIPIENT: Row("301", "正常签收"),
        M.SIGNED_BY_PROXY: Row("304", "代收点代签"),
        M.COLLECTED_FROM_LOCKER_OR_STATION: Row("311", "快递柜或驿站签收"),
        M.RECIPIENT_UNREACHABLE: Row("405", "派件异常：联系不上收件人"),
        M.DAMAGED: Row("4", "问题件：破损"),
        M.HELD: Row("4", "问题件：滞留"),
        M.ADDRESS_PROBLEM: Row("4", "问题件：地址不详"),
        M.REFUSED: Row("404", "拒收，退件中"),
        M.RETURNING: Row("407", "退件运输中"),
        M.RETURN_SIGNED: Row("406", "退货签收"),
    },
    # No ORDER_PLACED and no return-signed action in Yunda's list: Yunda never reports them.
    "yunda": {
        M.PICKED_UP: Row("GOT", "已揽件"),
        M.DEPARTED_HUB: Row("DEPARTURE", "已发出"),
        M.ARRIVED_AT_HUB: Row("ARRIVAL", "已到达"),
        M.LINE_HAUL: Row("DEPARTURE", "干线发出"),
        M.ARRIVED_IN_DELIVERY_CITY: Row("ARRIVAL", "到达派件城市"),
        M.HANDED_TO_CUSTOMS: Row("CLEARANCE_START", "待清关"),
        M.CUSTOMS_CLEARING: Row("CLEARANCE_PROCESSING", "清关中"),
        M.CUSTOMS_CLEARED: Row("CLEARANCE_SUCCESS", "清关完成"),
        M.CUSTOMS_HOLD: Row("CLEARANCE_HOLD", "清关异常"),
        M.OUT_FOR_DELIVERY: Row("SENT", "派件中"),
        M.IN_LOCKER_OR_STATION: Row("INBOUND", "已入柜或驿站"),
        M.SIGNED_BY_RECIPIENT: Row("SIGNED", "已签收"),
        M.SIGNED_BY_PROXY: Row("SIGNED", "他人代签"),
        M.COLLECTED_FROM_LOCKER_OR_STATION: Row("SIGNED", "柜或驿站取件"),
        M.RECIPIENT_UNREACHABLE: Row("SIGNFAIL", "签收失败：联系不上"),
        M.DAMAGED: Row("ISSUE", "问题件：破损"),
        M.HELD: Row("ISSUE", "问题件：滞留"),
        M.ADDRESS_PROBLEM: Row("ISSUE", "问题件：地址不详"),
        M.REFUSED: Row("REJECTION", "拒收"),
        M.RETURNING: Row("RETURN", "退回"),
    },
    "quanhub": {
        m: Row(f"{m.status}/{m.sub_status}" if m.sub_status else m.status, m.name.lower())
        for m in Milestone
    },
}

S = OrderStep

# Platforms' own order vocabularies (normalizer tables: Taobao TOP Trade.status and
# refund_status, JD JOS order_state, Pinduoduo order_status and refund_status). A step a
# platform has no code for is not reported: JD and Pinduoduo list orders once paid only.
ORDER_CODES: dict[str, dict[OrderStep, Row]] = {
    "taobao": {
        S.CREATED: Row("WAIT_BUYER_PAY", "等待买家付款"),
        S.PAID: Row("WAIT_SELLER_SEND_GOODS", "等待卖家发货"),
        S.SHIPPED: Row("WAIT_BUYER_CONFIRM_GOODS", "等待买家确认收货"),
        S.DELIVERED: Row("TRADE_BUYER_SIGNED", "买家已签收"),
        S.COMPLETED: Row("TRADE_FINISHED", "交易成功"),
        S.CANCELLED: Row("TRADE_CLOSED_BY_TAOBAO", "交易关闭"),
        S.RETURN_REQUESTED: Row("refund:WAIT_SELLER_AGREE", "买家已经申请退款"),
        S.RETURNED: Row("refund:WAIT_SELLER_REFUND", "卖家已收到退货"),
        S.REFUNDED: Row("refund:SUCCESS", "退款成功"),
    },
    "jd": {
        S.PAID: Row("WAIT_SELLER_STOCK_OUT", "等待出库"),
        S.SHIPPED: Row("WAIT_GOODS_RECEIVE_CONFIRM", "等待确认收货"),
        S.DELIVERED: Row("RECEIPTS_CONFIRM", "收款确认"),
        S.COMPLETED: Row("FINISHED_L", "完成"),
        S.CANCELLED: Row("TRADE_CANCELED", "取消"),
    },
    "pinduoduo": {
        S.PAID: Row("1", "待发货"),
        S.SHIPPED: Row("2", "已发货待签收"),
        S.DELIVERED: Row("3", "已签收"),
        S.RETURN_REQUESTED: Row("refund:2", "售后处理中"),
        S.REFUNDED: Row("refund:4", "退款成功"),
    },
    "quanhub": {s: Row(s.value, s.value.replace("_", " ").lower()) for s in OrderStep},
}

#: A code no vocabulary knows, per code system (the unknown-code anomaly).
UNKNOWN_CODES: dict[str, Row] = {
    "kuaidi100": Row("907", "未知状态"),
    "kdniao": Row("907", "未知状态"),
    "yunda": Row("TELEPORT", "未知动作"),
    "quanhub": Row("LEVITATING", "unknown"),
    "taobao": Row("TRADE_TELEPORTED", "未知状态"),
    "jd": Row("ORDER_LEVITATING", "未知状态"),
    "pinduoduo": Row("9", "未知状态"),
}
#: An unknown customs return status (the spec leaves it an open string).
UNKNOWN_RETURN_STATUS = Row("777", "未定义回执状态")


def parcel_row(code_system: str, milestone: Milestone) -> Row | None:
    """The row a carrier speaking `code_system` sends for `milestone`; None if it has none."""
    return PARCEL_CODES[code_system].get(milestone)


def order_row(code_system: str, step: OrderStep) -> Row | None:
    """The row a platform speaking `code_system` sends for `step`; None if it has none."""
    return ORDER_CODES[code_system].get(step)
