"""Taobao / Tmall trade statuses (`Trade.status`) and refund statuses (`refund_status`).

Source: Taobao Open Platform (TOP) API docs, `taobao.trade.fullinfo.get` / `taobao.trades
.sold.get`, Trade data structure: `status` (TRADE_NO_CREATE_PAY ... PAID_FORBID_CONSIGN) and
`refund_status` (WAIT_SELLER_AGREE ... SUCCESS), https://open.taobao.com/api.htm?docId=54
(the same value lists appear verbatim in the TOP SDKs' generated Trade/Order classes).
"""

from __future__ import annotations

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.normalizer.vocab.types import OrderCode

SOURCE = "Taobao Open Platform, taobao.trade.fullinfo.get Trade.status / refund_status"

OS = cpb.OrderStatus

TRADE: dict[str, OrderCode] = {
    "TRADE_NO_CREATE_PAY": OrderCode(OS.ORDER_STATUS_CREATED, "没有创建支付宝交易 no payment yet"),
    "WAIT_BUYER_PAY": OrderCode(OS.ORDER_STATUS_CREATED, "等待买家付款 awaiting payment"),
    "PAY_PENDING": OrderCode(
        OS.ORDER_STATUS_CREATED, "国际信用卡支付付款确认中 payment confirming"
    ),
    "WAIT_PRE_AUTH_CONFIRM": OrderCode(OS.ORDER_STATUS_CREATED, "0元购合约中 pre-authorised"),
    "WAIT_SELLER_SEND_GOODS": OrderCode(
        OS.ORDER_STATUS_PAID, "等待卖家发货 paid, awaiting shipment"
    ),
    "PAID_FORBID_CONSIGN": OrderCode(OS.ORDER_STATUS_PAID, "已付款但禁止发货 paid, shipment held"),
    "SELLER_CONSIGNED_PART": OrderCode(OS.ORDER_STATUS_SHIPPED, "卖家部分发货 partly shipped"),
    "WAIT_BUYER_CONFIRM_GOODS": OrderCode(OS.ORDER_STATUS_SHIPPED, "等待买家确认收货 shipped"),
    "TRADE_BUYER_SIGNED": OrderCode(OS.ORDER_STATUS_DELIVERED, "买家已签收 signed (COD)"),
    "TRADE_FINISHED": OrderCode(OS.ORDER_STATUS_COMPLETED, "交易成功 completed"),
    "TRADE_CLOSED": OrderCode(
        OS.ORDER_STATUS_REFUNDED, "付款以后用户退款成功, 交易自动关闭 refunded"
    ),
    "TRADE_CLOSED_BY_TAOBAO": OrderCode(
        OS.ORDER_STATUS_CANCELLED, "付款以前, 卖家或买家主动关闭交易 closed before payment"
    ),
}

# Sent as "refund:<refund_status>". CLOSED, SELLER_REFUSE_BUYER and NO_REFUND end or deny
# a refund without a new order status; they are deliberately not mapped (UNKNOWN, raw kept).
REFUND: dict[str, OrderCode] = {
    "WAIT_SELLER_AGREE": OrderCode(
        OS.ORDER_STATUS_RETURN_REQUESTED, "买家已经申请退款 refund asked"
    ),
    "WAIT_BUYER_RETURN_GOODS": OrderCode(
        OS.ORDER_STATUS_RETURN_REQUESTED, "卖家已经同意退款, 等待买家退货 return agreed"
    ),
    "WAIT_SELLER_CONFIRM_GOODS": OrderCode(
        OS.ORDER_STATUS_RETURN_REQUESTED, "买家已经退货, 等待卖家确认收货 goods on the way back"
    ),
    "WAIT_SELLER_REFUND": OrderCode(OS.ORDER_STATUS_RETURNED, "卖家已收到退货 goods returned"),
    "SUCCESS": OrderCode(OS.ORDER_STATUS_REFUNDED, "退款成功 refunded"),
}
