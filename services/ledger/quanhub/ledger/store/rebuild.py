"""Recompute every projection and rollup from the event ledger, or check that doing so
would change nothing (`quanhub ledger rebuild` / `quanhub ledger verify`).

Both run the live writer's own projection SQL over every object instead of the touched
ones, inside one transaction that first takes the sequence lock, so no batch is written
meanwhile. Verify snapshots the live tables, rebuilds, compares row for row (EXCEPT ALL
both ways) and rolls everything back.
"""

# Table names come from the module's constants, never from input.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from quanhub.ledger.store.projections import REFRESH_ALL, links_sql, touch_sql
from quanhub.ledger.store.rollups import ADD, COUNT_COLUMN, ROLLUP_TABLES
from quanhub.ledger.store.writer import AnyConnection, prepare

PROJECTION_TABLES: tuple[str, ...] = ("parcels", "orders", "declarations", "order_parcels")
ALL_TABLES: tuple[str, ...] = PROJECTION_TABLES + ROLLUP_TABLES

_REBUILD = touch_sql("ledger_events") + REFRESH_ALL + links_sql("ledger_events") + ADD


@dataclass(frozen=True, slots=True)
class TableDiff:
    """How one table's live rows differ from the rebuilt ones."""

    table: str
    live_rows: int
    rebuilt_rows: int
    only_live: int
    only_rebuilt: int

    @property
    def equal(self) -> bool:
        """True when live and rebuilt hold exactly the same rows."""
        return self.only_live == 0 and self.only_rebuilt == 0


def _live_rows(table: str) -> str:
    # Rollup rows whose object count went back to 0 are inert; a rebuild never makes them.
    count = COUNT_COLUMN.get(table)
    return f"SELECT * FROM {table}" + (f" WHERE {count} <> 0" if count else "")


async def _recompute(conn: AnyConnection) -> int:
    events = await conn.fetchval("SELECT last_seq FROM ledger_sequence FOR UPDATE")
    await conn.execute(f"TRUNCATE {', '.join(ALL_TABLES)}")
    await conn.execute(_REBUILD)
    return int(events)


async def rebuild(conn: AnyConnection) -> int:
    """Replace every projection and rollup by its recomputation; returns the ledger's seq."""
    await prepare(conn)
    async with conn.transaction():
        return await _recompute(conn)


async def verify(conn: AnyConnection) -> list[TableDiff]:
    """Compare live projections and rollups with a rebuild, changing nothing."""
    await prepare(conn)
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute("SELECT last_seq FROM ledger_sequence FOR UPDATE")
        for table in ALL_TABLES:
            await conn.execute(f"CREATE TEMP TABLE live_{table} AS {_live_rows(table)}")
        await _recompute(conn)
        diffs = []
        for table in ALL_TABLES:
            row = await conn.fetchrow(
                f"""SELECT (SELECT count(*) FROM live_{table}) AS live,
                       (SELECT count(*) FROM {table}) AS rebuilt,
                       (SELECT count(*) FROM (SELECT * FROM live_{table}
                            EXCEPT ALL SELECT * FROM {table}) x) AS only_live,
                       (SELECT count(*) FROM (SELECT * FROM {table}
                            EXCEPT ALL SELECT * FROM live_{table}) y) AS only_rebuilt"""
            )
            assert row is not None  # noqa: S101 - an aggregate row always exists
            diffs.append(
                TableDiff(table, row["live"], row["rebuilt"], row["only_live"], row["only_rebuilt"])
            )
        return diffs
    finally:
        await transaction.rollback()
