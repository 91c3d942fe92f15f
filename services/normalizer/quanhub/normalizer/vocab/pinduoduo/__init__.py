"""Pinduoduo order vocabulary (`code_system = "pinduoduo"`): numeric `order_status`, or
"refund:<refund_status>" for after-sales."""

from __future__ import annotations

from quanhub.normalizer.vocab.pinduoduo.table import ORDER, REFUND, SOURCE
from quanhub.normalizer.vocab.types import OrderCode

__all__ = ["ORDER", "REFUND", "SOURCE", "lookup"]


def lookup(code: str) -> OrderCode | None:
    """The row for "2" (order_status) or "refund:4" (refund_status)."""
    kind, sep, value = code.strip().lower().partition(":")
    if sep:
        return REFUND.get(value.strip()) if kind == "refund" else None
    return ORDER.get(kind)
