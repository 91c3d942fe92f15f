"""Taobao/Tmall order vocabulary (`code_system = "taobao"`): a trade status, or
"refund:<refund_status>" for the refund flow."""

from __future__ import annotations

from quanhub.normalizer.vocab.taobao.table import REFUND, SOURCE, TRADE
from quanhub.normalizer.vocab.types import OrderCode

__all__ = ["REFUND", "SOURCE", "TRADE", "lookup"]


def lookup(code: str) -> OrderCode | None:
    """The row for "WAIT_BUYER_PAY" or "refund:SUCCESS" (any case)."""
    kind, sep, value = code.strip().upper().partition(":")
    if sep:
        return REFUND.get(value.strip()) if kind == "REFUND" else None
    return TRADE.get(kind)
