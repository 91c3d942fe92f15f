"""One statement on the home instance and on every other instance of the shard map, for
reads whose callers merge the rows themselves (incidents, the EDD accuracy book): each
instance holds the rollups and projections of its own shards' objects (docs/ledger.md
"Shards on several PostgreSQL instances"). With no other instance it is the one
statement on home, as it always was: no extra round trip, nothing to merge."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
from asyncpg import Record

from quanhub.ledger.store.writer import AnyConnection

#: What a statement runs on: a connection, or a pool that lends one per statement.
Reader = asyncpg.Pool | AnyConnection


async def fetch_everywhere(
    db: Reader, others: Sequence[Reader], sql: str, *args: Any
) -> list[list[Record]]:
    """`sql`'s rows on `db` (home) and on each of `others`, one list per instance, home's
    first; the instances are asked at once."""
    if not others:
        return [await db.fetch(sql, *args)]
    parts = await asyncio.gather(*(r.fetch(sql, *args) for r in (db, *others)))
    return [list(rows) for rows in parts]
