"""The CEB message types the hub reads: each one's document element and direction.

An explicit table, one line per message type (../shared/reference/customs.md, "Messages";
the customs enterprise message specification, 2018 trial version revised 202205). A
message `CEBnnnMessage` holds one or more document elements of the name given here; a
document's simple children (and those of its `...Head`) are its fields, its other complex
children (`...List`) its goods lines. What a type means to the hub (its document, receipt
or not) stays in quanhub.common.canonical, which the normalizer and ledger read too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CEB_NAMESPACE", "MESSAGES", "CebMessageType"]

#: The namespace of every CEB message (often prefixed `ceb:`).
CEB_NAMESPACE = "http://www.chinaport.gov.cn/ceb"


@dataclass(frozen=True, slots=True)
class CebMessageType:
    """A CEB message type: the element of its documents, and import (I) or export (E)."""

    document_element: str
    ie_flag: Literal["I", "E"]


MESSAGES: dict[str, CebMessageType] = {
    # Import (9610 direct, 1210 bonded): declarations and their receipts.
    "CEB311": CebMessageType("Order", "I"),
    "CEB312": CebMessageType("OrderReturn", "I"),
    "CEB411": CebMessageType("Payment", "I"),
    "CEB412": CebMessageType("PaymentReturn", "I"),
    "CEB511": CebMessageType("Logistics", "I"),
    "CEB512": CebMessageType("LogisticsReturn", "I"),
    "CEB621": CebMessageType("Inventory", "I"),
    "CEB622": CebMessageType("InventoryReturn", "I"),
    "CEB623": CebMessageType("InvtCancel", "I"),
    "CEB624": CebMessageType("InvtCancelReturn", "I"),
    "CEB625": CebMessageType("InvtRefund", "I"),
    "CEB626": CebMessageType("InvtRefundReturn", "I"),
    # Export (9610, 1210, 9710, 9810).
    "CEB303": CebMessageType("Order", "E"),
    "CEB304": CebMessageType("OrderReturn", "E"),
    "CEB505": CebMessageType("Logistics", "E"),
    "CEB506": CebMessageType("LogisticsReturn", "E"),
    "CEB603": CebMessageType("Inventory", "E"),
    "CEB604": CebMessageType("InventoryReturn", "E"),
    "CEB605": CebMessageType("InvtCancel", "E"),
    "CEB606": CebMessageType("InvtCancelReturn", "E"),
}
