"""Pinduoduo (拼多多) order `order_status` (shipping) and `refund_status` (after-sales).

Source: Pinduoduo open platform API docs, `pdd.order.list.get` / `pdd.order.information.get`:
order_status 1 待发货, 2 已发货待签收, 3 已签收; refund_status 1 无售后或售后关闭,
2 售后处理中, 3 退款中, 4 退款成功 (https://open.pinduoduo.com/application/document/api;
quoted in the pdd SDK type definitions, e.g. lywzx/pdd-node-sdk PddOrderListGet.ts).
"""

from __future__ import annotations

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.normalizer.vocab.types import OrderCode

SOURCE = "Pinduoduo open platform, pdd.order.list.get order_status / refund_status"

OS = cpb.OrderStatus

ORDER: dict[str, OrderCode] = {
    "1": OrderCode(OS.ORDER_STATUS_PAID, "待发货 paid, awaiting shipment"),
    "2": OrderCode(OS.ORDER_STATUS_SHIPPED, "已发货待签收 shipped"),
    "3": OrderCode(OS.ORDER_STATUS_DELIVERED, "已签收 signed for"),
}

# Sent as "refund:<refund_status>". 1 (no after-sales, or after-sales closed) is not a new
# order status and is deliberately not mapped (UNKNOWN, raw kept).
REFUND: dict[str, OrderCode] = {
    "2": OrderCode(OS.ORDER_STATUS_RETURN_REQUESTED, "售后处理中 after-sales in progress"),
    "3": OrderCode(OS.ORDER_STATUS_RETURN_REQUESTED, "退款中 refund in progress"),
    "4": OrderCode(OS.ORDER_STATUS_REFUNDED, "退款成功 refunded"),
}
