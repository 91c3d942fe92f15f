"""Yunda parcel vocabulary (`code_system = "yunda"`): the carrier's own action codes."""

from __future__ import annotations

from quanhub.normalizer.vocab.types import ParcelCode
from quanhub.normalizer.vocab.yunda.table import (
    CLEARANCE_CLEARED,
    CLEARANCE_CLEARING,
    CLEARANCE_DONE,
    CLEARANCE_EXCEPTION,
    CLEARANCE_FAILED,
    SOURCE,
    TABLE,
)

__all__ = ["SOURCE", "TABLE", "lookup"]


def lookup(code: str) -> ParcelCode | None:
    """The row for a Yunda action ("SIGNED", "signed"), CLEARANCE_* read by its suffix."""
    action = code.strip().upper()
    if action.startswith("CLEARANCE_") and len(action) > len("CLEARANCE_"):
        suffix = action.removeprefix("CLEARANCE_")
        if any(word in suffix for word in CLEARANCE_FAILED):
            return CLEARANCE_EXCEPTION
        if any(word in suffix for word in CLEARANCE_DONE):
            return CLEARANCE_CLEARED
        return CLEARANCE_CLEARING
    return TABLE.get(action)
