"""JD (京东) POP order states (`order_state`).

Source: JD Open Platform (JOS) API docs, `jingdong.pop.order.search` / `.get` parameter and
field `order_state`: WAIT_SELLER_STOCK_OUT, SEND_TO_DISTRIBUTION_CENER (sic),
DISTRIBUTION_CENTER_RECEIVED, WAIT_GOODS_RECEIVE_CONFIRM, RECEIPTS_CONFIRM,
WAIT_SELLER_DELIVERY, FINISHED_L, TRADE_CANCELED, LOCKED, PAUSE, POP_ORDER_PAUSE
(https://open.jd.com, order API; the list is quoted in JOS client docs).
"""

from __future__ import annotations

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.normalizer.vocab.types import OrderCode

SOURCE = "JD Open Platform, jingdong.pop.order.search order_state"

OS = cpb.OrderStatus

# LOCKED (已锁定), PAUSE and POP_ORDER_PAUSE suspend an order without a lifecycle step; they
# are deliberately not mapped (UNKNOWN, raw kept). JD lists POP orders only once paid.
TABLE: dict[str, OrderCode] = {
    "WAIT_SELLER_STOCK_OUT": OrderCode(OS.ORDER_STATUS_PAID, "等待出库 paid, awaiting stock-out"),
    "WAIT_SELLER_DELIVERY": OrderCode(OS.ORDER_STATUS_PAID, "等待发货 paid, awaiting shipment"),
    "SEND_TO_DISTRIBUTION_CENER": OrderCode(
        OS.ORDER_STATUS_SHIPPED, "发往配送中心 to distribution"
    ),
    "DISTRIBUTION_CENTER_RECEIVED": OrderCode(
        OS.ORDER_STATUS_SHIPPED, "配送中心已收货 at distribution centre"
    ),
    "WAIT_GOODS_RECEIVE_CONFIRM": OrderCode(OS.ORDER_STATUS_SHIPPED, "等待确认收货 shipped"),
    "RECEIPTS_CONFIRM": OrderCode(
        OS.ORDER_STATUS_DELIVERED, "收款确认 (服务完成)  delivered, paid"
    ),
    "FINISHED_L": OrderCode(OS.ORDER_STATUS_COMPLETED, "完成 completed"),
    "TRADE_CANCELED": OrderCode(OS.ORDER_STATUS_CANCELLED, "取消 cancelled"),
}
