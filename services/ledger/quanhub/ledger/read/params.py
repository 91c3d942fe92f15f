"""Positional SQL parameters collected while a query is assembled ($1, $2, ...)."""

from __future__ import annotations

from typing import Any

import asyncpg

from quanhub.ledger.store.writer import AnyConnection

#: What a read runs its statement on: a connection, or a pool that lends one per statement.
Reader = asyncpg.Pool | AnyConnection


class Params:
    """Adds values and hands back their placeholders, so fragments compose safely."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        """Bind `value` and return its placeholder."""
        self.values.append(value)
        return f"${len(self.values)}"
