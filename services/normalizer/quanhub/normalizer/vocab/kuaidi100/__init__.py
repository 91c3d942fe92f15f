"""Kuaidi100 parcel vocabulary (`code_system = "kuaidi100"`): `state` or advanced sub-state."""

from __future__ import annotations

from quanhub.normalizer.vocab.kuaidi100.table import SOURCE, TABLE
from quanhub.normalizer.vocab.types import ParcelCode

__all__ = ["SOURCE", "TABLE", "lookup"]


def lookup(code: str) -> ParcelCode | None:
    """The row for a Kuaidi100 state ("3") or sub-state ("304"); leading zeros ignored."""
    code = code.strip()
    return TABLE.get(code.lstrip("0") or "0") if code.isdigit() else None
