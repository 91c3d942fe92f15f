"""JD order vocabulary (`code_system = "jd"`): the POP `order_state`."""

from __future__ import annotations

from quanhub.normalizer.vocab.jd.table import SOURCE, TABLE
from quanhub.normalizer.vocab.types import OrderCode

__all__ = ["SOURCE", "TABLE", "lookup"]


def lookup(code: str) -> OrderCode | None:
    """The row for an `order_state` ("FINISHED_L", any case)."""
    return TABLE.get(code.strip().upper())
