"""Recompute every projection and rollup from the event ledger, or check that doing so
would change nothing (`quanhub ledger rebuild` / `quanhub ledger verify`).

Both run the projector's own projection SQL over every object instead of the touched
ones, inside one transaction that first takes every shard's writers' lock (ledger_appended),
then every shard's projectors' lock (ledger_visible) and the global one (ledger_sequence),
so nothing is appended or projected meanwhile. Rebuild leaves every appended event
visible (what it makes visible gets the next global seqs, shard by shard). Verify first
lets the projector's own steps project whatever is appended but not visible yet
(`project_all` per shard: its steps, quarantine included, are savepoints of verify's
transaction), then snapshots the live tables, rebuilds, compares row for row (EXCEPT ALL
both ways) and rolls everything back.
"""

from __future__ import annotations

from dataclasses import dataclass

from quanhub.ledger.errors import EventsRetired
from quanhub.ledger.incidents.flow import FLOW_REBUILD, FLOW_TABLES
from quanhub.ledger.store.link_facts import APPLIED_LINKS
from quanhub.ledger.store.projections import (
    PROJECTABLE_EVENTS,
    links_sql,
    refresh_all,
    touch_sql,
)
from quanhub.ledger.store.projector import move_visible_sql, project_all
from quanhub.ledger.store.rollups import COUNT_COLUMN, ROLLUP_TABLES, add_sql
from quanhub.ledger.store.shards import LOCK_GLOBAL
from quanhub.ledger.store.waybill_links import confirm_detected_links_sql
from quanhub.ledger.store.writer import AnyConnection, prepare

PROJECTION_TABLES: tuple[str, ...] = ("parcels", "orders", "declarations", "order_parcels")
ALL_TABLES: tuple[str, ...] = (*PROJECTION_TABLES, *ROLLUP_TABLES, *FLOW_TABLES)

# Writers are stopped (their lock is held), so every event in the ledger is appended, and
# made visible before this runs. Rollups and the incident flow: each object's (event's)
# contribution in its shard's rows, as that shard's steps write them. Links: this
# instance's events, then the facts other instances sent (ledger_link_facts, kept: they
# are not this instance's to recompute).
_REBUILD = (
    touch_sql(PROJECTABLE_EVENTS)
    + refresh_all()
    + links_sql(PROJECTABLE_EVENTS)
    + APPLIED_LINKS
    + confirm_detected_links_sql(PROJECTABLE_EVENTS)
    + add_sql()
    + FLOW_REBUILD
)


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


# Templates over the table names above (`{table}`) and each rollup's count column.
_LIVE_ROWS = "SELECT * FROM {table}"
# Rollup rows whose object count went back to 0 are inert; a rebuild never makes them.
_LIVE_ROLLUP_ROWS = "SELECT * FROM {table} WHERE {count} <> 0"
_SNAPSHOT = "CREATE TEMP TABLE live_{table} AS {rows}"
_COMPARE = """
SELECT (SELECT count(*) FROM live_{table}) AS live,
       (SELECT count(*) FROM {table}) AS rebuilt,
       (SELECT count(*) FROM (SELECT * FROM live_{table}
            EXCEPT ALL SELECT * FROM {table}) x) AS only_live,
       (SELECT count(*) FROM (SELECT * FROM {table}
            EXCEPT ALL SELECT * FROM live_{table}) y) AS only_rebuilt"""
_TRUNCATE_ALL = "TRUNCATE " + ", ".join(ALL_TABLES)


def _live_rows(table: str) -> str:
    count = COUNT_COLUMN.get(table)
    if count is None:
        return _LIVE_ROWS.format(table=table)
    return _LIVE_ROLLUP_ROWS.format(table=table, count=count)


_LOCK_WRITERS = "SELECT shard, last_seq FROM ledger_appended ORDER BY shard FOR UPDATE"
_LOCK_PROJECTORS = "SELECT shard, last_seq FROM ledger_visible ORDER BY shard FOR UPDATE"
_VISIBLE = "SELECT shard, last_seq FROM ledger_visible ORDER BY shard"
_HEAD = "SELECT last_seq FROM ledger_sequence"


_RETIRED = "SELECT count(*) FROM ledger_partitions WHERE dropped_at IS NOT NULL"


async def refuse_if_retired(conn: AnyConnection) -> None:
    """Raise EventsRetired when retention has dropped partitions: the projections hold
    what they held, a recomputation from the kept events would not."""
    if retired := await conn.fetchval(_RETIRED):
        msg = f"{retired} partitions of ledger_events were dropped by retention"
        raise EventsRetired(msg)


async def _lock(conn: AnyConnection) -> dict[int, int]:
    """Stop every shard's writers, then its projectors, then take the global lock (always
    in this order); each shard's appended seq. Refuses a ledger retention has thinned."""
    await refuse_if_retired(conn)
    appended = {int(r["shard"]): int(r["last_seq"]) for r in await conn.fetch(_LOCK_WRITERS)}
    await conn.execute(_LOCK_PROJECTORS)
    await conn.execute(LOCK_GLOBAL)
    return appended


async def _recompute(conn: AnyConnection, appended: dict[int, int], publish: bool) -> int:
    """Make every appended event visible (and tell the feeds, or the sequencer), then
    recompute; the global seq after it (the instance's own head when not `publish`)."""
    for row in await conn.fetch(_VISIBLE):
        shard, visible = int(row["shard"]), int(row["last_seq"])
        if appended.get(shard, visible) > visible:
            last = appended[shard]
            await conn.execute(move_visible_sql(shard, visible, last, publish=publish))
    await conn.execute(_TRUNCATE_ALL)
    await conn.execute(_REBUILD)
    return int(await conn.fetchval(_HEAD))


async def rebuild(conn: AnyConnection, *, publish: bool = True) -> int:
    """Replace every projection and rollup by its recomputation; returns the global seq
    (every appended event is visible after it; with one shard, the ledger's seq).
    `publish` False: `conn` is an instance other than the home one (see the module's
    docstring)."""
    await prepare(conn)
    async with conn.transaction():
        return await _recompute(conn, await _lock(conn), publish)


async def verify(conn: AnyConnection, *, publish: bool = True) -> list[TableDiff]:
    """Compare live projections and rollups with a rebuild, changing nothing (`publish`
    as for `rebuild`)."""
    await prepare(conn)
    transaction = conn.transaction()
    await transaction.start()
    try:
        appended = await _lock(conn)
        for shard in appended:  # what is appended but not visible yet, as projectors would
            await project_all(conn, shard=shard, publish=publish)
        for table in ALL_TABLES:
            await conn.execute(_SNAPSHOT.format(table=table, rows=_live_rows(table)))
        await _recompute(conn, appended, publish)
        diffs = []
        for table in ALL_TABLES:
            row = await conn.fetchrow(_COMPARE.format(table=table))
            assert row is not None  # noqa: S101 - an aggregate row always exists
            diffs.append(
                TableDiff(table, row["live"], row["rebuilt"], row["only_live"], row["only_rebuilt"])
            )
        return diffs
    finally:
        await transaction.rollback()
