"""Rebuild or verify one shard (`quanhub ledger rebuild|verify --shard K`), locking that
shard's lanes and the global lock only, so the other shards' writers go on meanwhile.

What a shard owns alone are its events, its numbering, its global ranges, the
projection rows of its objects (an object's events are in one shard: its key picks one
partition) and its rollup rows (rollups are keyed by shard). The order-parcel links are
shared by every shard (a link joins two keys), so they cannot be rebuilt for one shard;
they are recomputed whole from what every shard has made visible, with every shard's
projectors stopped (their steps write links). The incident flow is counted from events
only (never from projections), so a shard's rebuild leaves it alone; the full rebuild
recomputes it.

Rebuild K: take K's writers' lock, every shard's projectors' lock, then the global lock
(the lanes' order); make what K appended visible; delete and recompute the projections of
every object with an event in K, from its visible events (whichever shard holds them),
and K's rollup rows from those objects' projection rows; recompute the links from every
visible event. Rows are deleted, not truncated, so the query API reads the old ones until
the commit. (After a change of the shard count an object may have events in two shards
and its contribution in both shards' rows: the full rebuild puts it in one.)

Verify K: the same locks; let K's projector project what is appended but not visible
yet; check K's numbering (its events are its seqs base + 1 .. appended, each once, each
marked with K) and its global ranges (back to back from base + 1 to its visible seq);
then recompute K's objects' projections and K's rollup rows and compare them row for row
with the live ones, and roll everything back. Links are checked by the full verify only.

A shard on another instance than the home one (store/shard_map.py) is rebuilt and
verified on its instance, where its events, counters, objects, rollups and links are;
its global ranges are the home's (`home`, a connection to it). Its projector steps do not
publish there: the sequencer does (store/sequencer.py), so rebuild makes what it appended
visible with a NOTIFY to the sequencer, then publishes it itself with one sequencer pass;
verify takes the home's global lock and, in a home transaction it rolls back, publishes
what the shard has made visible and the sequencer has not numbered yet, as the sequencer
would, then checks the ranges there (the same check as for a shard on home) and rolls
that back before comparing the projections, so home's steps wait for the check only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from quanhub.ledger.store.link_facts import APPLIED_LINKS
from quanhub.ledger.store.projections import PROJECTABLE, links_sql, refresh_all, touch_sql
from quanhub.ledger.store.projector import NOTIFY_CHANNEL, move_visible_sql, project_all
from quanhub.ledger.store.rebuild import TableDiff, refuse_if_retired
from quanhub.ledger.store.rollups import COUNT_COLUMN, ROLLUP_TABLES, add_sql
from quanhub.ledger.store.sequencer import covered, sequence
from quanhub.ledger.store.shards import LOCK_GLOBAL, base, publish_sql, visible
from quanhub.ledger.store.waybill_links import confirm_detected_links_sql
from quanhub.ledger.store.writer import AnyConnection, prepare

if TYPE_CHECKING:
    from asyncpg.transaction import Transaction

#: The projection tables of objects, with their keys (each object is one shard's).
OBJECT_TABLES: dict[str, tuple[str, ...]] = {
    "parcels": ("carrier_id", "waybill_no"),
    "orders": ("platform_code", "order_no"),
    "declarations": ("declaration_id",),
}
_TOUCHED = {
    "parcels": "touched_parcels",
    "orders": "touched_orders",
    "declarations": "touched_declarations",
}

_LOCK_WRITERS = "SELECT last_seq FROM ledger_appended WHERE shard = $1 FOR UPDATE"
_LOCK_PROJECTORS = "SELECT shard, last_seq FROM ledger_visible ORDER BY shard FOR UPDATE"
_HEAD = "SELECT last_seq FROM ledger_sequence"

# Every event of the shard (quarantined ones too, so an object whose every event is
# quarantined loses its row, as in a full rebuild): `{low}`, `{high}` are integers.
_SHARD_EVENTS = "(SELECT * FROM ledger_events e WHERE e.seq > {low} AND e.seq <= {high}) AS sh"
#: Every visible projectable event: the source of the shared rows.
_LIVE_EVENTS = f"(SELECT * FROM ledger_events e WHERE {PROJECTABLE} AND {visible('e')}) AS live"  # noqa: S608
_CLEAR_TOUCHED = "TRUNCATE touched_parcels, touched_orders, touched_declarations;"
_OBJECT_ROWS = "SELECT x.* FROM {table} x JOIN {touched} USING ({key})"
_DELETE_OBJECTS = "DELETE FROM {table} x USING {touched} t WHERE {match};"
# The shared rows, recomputed whole: links from every visible event. DELETE, not
# TRUNCATE: the query API goes on reading the old rows until this commits, as it does
# during a step.
_SHARED = (
    "DELETE FROM order_parcels;"  # noqa: S608 - this package's statements
    + links_sql(_LIVE_EVENTS)
    + APPLIED_LINKS
    + confirm_detected_links_sql(_LIVE_EVENTS)
)
_DELETE_ROLLUPS = "".join(f"DELETE FROM {t} WHERE shard = {{shard}};" for t in ROLLUP_TABLES)  # noqa: S608


def _rollups(shard: int) -> str:
    """Recompute the shard's rollup rows from its objects' projection rows (the touched
    tables hold its objects)."""
    return _DELETE_ROLLUPS.format(shard=int(shard)) + add_sql(shard)


# The shard's live rollup rows (`{shard}` an integer); rows whose object count went back
# to 0 are inert, a recomputation never makes them.
_SHARD_ROLLUP_ROWS = "SELECT * FROM {table} WHERE shard = {shard} AND {count} <> 0"
_SNAPSHOT = "CREATE TEMP TABLE live_{table} ON COMMIT DROP AS {rows}"
_COMPARE = """
SELECT (SELECT count(*) FROM live_{table}) AS live,
       (SELECT count(*) FROM ({rows}) n) AS rebuilt,
       (SELECT count(*) FROM (SELECT * FROM live_{table}
            EXCEPT ALL {rows}) x) AS only_live,
       (SELECT count(*) FROM ({rows}
            EXCEPT ALL SELECT * FROM live_{table}) y) AS only_rebuilt"""

# The shard's numbering: events in its seq span, those marked with another shard or
# beyond what it appended, and how many of base + 1 .. appended are there.
_NUMBERING = """
SELECT count(*) AS events,
       count(*) FILTER (WHERE e.shard <> $3 OR e.seq > $2) AS stray,
       count(*) FILTER (WHERE e.shard = $3 AND e.seq <= $2) AS numbered
FROM ledger_events e WHERE e.seq > $1 AND e.seq <= $4
"""
_RANGES = """
SELECT first_seq, events FROM ledger_global_ranges WHERE shard = $1 ORDER BY global_first
"""


@dataclass(frozen=True, slots=True)
class ShardCheck:
    """One check of a shard's own bookkeeping: what was expected and what was found."""

    check: str
    expected: int
    found: int
    #: Rows or numbers out of place (stray events, ranges that do not continue).
    misplaced: int

    @property
    def ok(self) -> bool:
        """True when the shard's rows are exactly what its counters say."""
        return self.expected == self.found and self.misplaced == 0


@dataclass(frozen=True, slots=True)
class ShardReport:
    """What `verify_shard` found: the shard's bookkeeping checks and its objects'
    projections against a recomputation."""

    shard: int
    checks: list[ShardCheck]
    diffs: list[TableDiff]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and all(d.equal for d in self.diffs)


async def _lock(conn: AnyConnection, shard: int) -> tuple[int, int]:
    """Stop the shard's writers, then every shard's projectors (they write the shared
    links), then take the global lock; the shard's (appended, visible) seqs. Raises
    LookupError for a shard the ledger has not, EventsRetired for a ledger retention has
    thinned."""
    await refuse_if_retired(conn)
    appended = await conn.fetchval(_LOCK_WRITERS, shard)
    if appended is None:
        raise LookupError(f"the ledger has no shard {shard}")
    projectors = {int(r["shard"]): int(r["last_seq"]) for r in await conn.fetch(_LOCK_PROJECTORS)}
    await conn.execute(LOCK_GLOBAL)
    return int(appended), projectors[shard]


def _touch_shard(shard: int) -> str:
    source = _SHARD_EVENTS.format(low=base(shard), high=base(shard + 1))
    return _CLEAR_TOUCHED + touch_sql(source)


def _recompute_objects() -> str:
    """Delete the touched objects' rows and recompute them from their visible events."""
    deletes = "".join(
        _DELETE_OBJECTS.format(
            table=table,
            touched=_TOUCHED[table],
            match=" AND ".join(f"x.{k} = t.{k}" for k in key),
        )
        for table, key in OBJECT_TABLES.items()
    )
    return deletes + refresh_all(visible_only=True)


async def rebuild_shard(
    conn: AnyConnection, shard: int, *, home: AnyConnection | None = None
) -> int:
    """Recompute the projections and rollup rows of the shard's objects and the shared
    links (see the module's docstring); returns the global seq (every event the shard appended
    is visible after it). `conn` is on the shard's instance; `home` the home instance when
    that is another one (None: `conn` is home's)."""
    await prepare(conn)
    async with conn.transaction():
        appended, visible_seq = await _lock(conn, shard)
        if appended > visible_seq:
            await conn.execute(move_visible_sql(shard, visible_seq, appended, publish=home is None))
        await conn.execute(_touch_shard(shard) + _recompute_objects() + _rollups(shard) + _SHARED)
        if home is None:
            return int(await conn.fetchval(_HEAD))
    await sequence(home, {shard: conn})  # what it made visible, numbered now
    return int(await home.fetchval(_HEAD))


async def _checks(
    conn: AnyConnection, ranges_on: AnyConnection, shard: int, appended: int, visible_seq: int
) -> list[ShardCheck]:
    low = base(shard)
    row = await conn.fetchrow(_NUMBERING, low, appended, shard, base(shard + 1))
    assert row is not None  # noqa: S101 - an aggregate row always exists
    numbering = ShardCheck(
        f"shard {shard}: events numbered {low + 1} .. {appended}",
        appended - low,
        int(row["numbered"]),
        int(row["stray"]),
    )
    numbered, breaks, next_seq = 0, 0, low + 1
    for r in await ranges_on.fetch(_RANGES, shard):
        breaks += r["first_seq"] != next_seq
        numbered += r["events"]
        next_seq = r["first_seq"] + r["events"]
    ranges = ShardCheck(
        f"shard {shard}: global ranges cover {low + 1} .. {visible_seq}",
        visible_seq - low,
        numbered,
        breaks,
    )
    return [numbering, ranges]


async def _publish_unsequenced(home: AnyConnection, shard: int, visible_seq: int) -> None:
    """In the caller's home transaction: take the global lock and number the shard's
    visible seqs the sequencer has not numbered yet, as its next pass would."""
    await home.execute(LOCK_GLOBAL)
    tail = await covered(home, shard)
    if visible_seq > tail:
        await home.execute(publish_sql(shard, tail + 1, visible_seq - tail, NOTIFY_CHANNEL))


async def verify_shard(
    conn: AnyConnection, shard: int, *, home: AnyConnection | None = None
) -> ShardReport:
    """Check the shard's numbering, global ranges, objects' projections and rollup rows,
    changing nothing (see the module's docstring). `conn` is on the shard's instance;
    `home` the home instance when that is another one (None: `conn` is home's)."""
    await prepare(conn)
    transaction = conn.transaction()
    await transaction.start()
    at_home: Transaction | None = None
    try:
        appended, _ = await _lock(conn, shard)
        visible_seq = await project_all(conn, shard=shard, publish=home is None)
        if home is not None:
            started = home.transaction()
            await started.start()
            at_home = started
            await _publish_unsequenced(home, shard, visible_seq)
        checks = await _checks(conn, home or conn, shard, appended, visible_seq)
        if at_home is not None:  # home's global lock is not held through the comparison
            ending, at_home = at_home, None
            await ending.rollback()
        await conn.execute(_touch_shard(shard))
        rows = {
            table: _OBJECT_ROWS.format(table=table, touched=_TOUCHED[table], key=", ".join(key))
            for table, key in OBJECT_TABLES.items()
        }
        rows.update(
            {
                table: _SHARD_ROLLUP_ROWS.format(
                    table=table, count=COUNT_COLUMN[table], shard=shard
                )
                for table in ROLLUP_TABLES
            }
        )
        for table, live in rows.items():
            await conn.execute(_SNAPSHOT.format(table=table, rows=live))
        await conn.execute(_recompute_objects() + _rollups(shard))
        diffs = []
        for table, recomputed in rows.items():
            row = await conn.fetchrow(_COMPARE.format(table=table, rows=recomputed))
            assert row is not None  # noqa: S101 - an aggregate row always exists
            diffs.append(
                TableDiff(table, row["live"], row["rebuilt"], row["only_live"], row["only_rebuilt"])
            )
        return ShardReport(shard, checks, diffs)
    finally:
        if at_home is not None:
            await at_home.rollback()
        await transaction.rollback()
