"""Retention of ledger_events: archive, then drop, the partitions older than N months
(`quanhub ledger retention`), and make partitions ahead (`quanhub ledger partitions`).

A partition (migration 0041) holds a fixed stretch of one shard's seqs. It is retired
whole, oldest first per shard, once all of it is visible and its newest event was recorded
before the cut: its rows are written to `<archive>/<partition>.csv.gz` (COPY CSV with a
header, restorable with COPY FROM), its ids leave ledger_event_ids (a repeat of one of its
events arriving later is appended again: the documented limit), its quarantine rows are
archived beside it and removed, and it is detached and dropped. Projections and rollups
are kept: they are what the ledger answers from. An object with events on both sides of
the cut would be recomputed from its kept events alone if it changed again, so such a
partition is only retired when asked to (`allow_straddling`); the counts say how many.
Feeds refuse a cursor below the highest global seq retired (`retired_through`).

With shards on several PostgreSQL instances (store/shard_map.py) retention runs on each
instance over the shards it holds, and maps a partition's last seq to its global seq
through the home instance's ranges (`home`, which alone holds them); a partition is retired
only once the sequencer has numbered all of it. Each instance records its drops in its own
ledger_partitions, and feeds take the highest `retired_through` of every instance.
"""

from __future__ import annotations

import asyncio
import calendar
import gzip
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from quanhub.ledger.store.sequencer import covered
from quanhub.ledger.store.shards import PARTITIONS_AHEAD
from quanhub.ledger.store.writer import AnyConnection

_KEPT = """
SELECT p.name, p.shard, p.first_seq, p.end_seq, v.last_seq AS visible
FROM ledger_partitions p JOIN ledger_visible v USING (shard)
WHERE p.dropped_at IS NULL ORDER BY p.shard, p.first_seq"""
_SHARDS = "SELECT array_agg(shard ORDER BY shard) FROM ledger_appended"
_SET_SIZE = "UPDATE ledger_partitioning SET events_per_partition = $1"
# `{name}` is a partition's name read from ledger_partitions (quoted by the caller).
_NEWEST = "SELECT max(recorded_at) FROM {name}"
_STRADDLING = """
SELECT (SELECT count(*) FROM (SELECT DISTINCT e.carrier_id, e.waybill_no FROM {name} e
            JOIN parcels o ON o.carrier_id = e.carrier_id AND o.waybill_no = e.waybill_no
            WHERE e.kind = 'parcel' AND NOT o.last_seq BETWEEN $1 AND $2) x)
     + (SELECT count(*) FROM (SELECT DISTINCT e.platform_code, e.order_no FROM {name} e
            JOIN orders o ON o.platform_code = e.platform_code AND o.order_no = e.order_no
            WHERE e.kind = 'order' AND NOT o.last_seq BETWEEN $1 AND $2) x)
     + (SELECT count(*) FROM (SELECT DISTINCT e.declaration_id FROM {name} e
            JOIN declarations o ON o.declaration_id = e.declaration_id
            WHERE e.kind = 'customs' AND NOT o.last_seq BETWEEN $1 AND $2) x)"""
_GLOBAL_OF = """
SELECT r.global_first + ($2 - r.first_seq) FROM ledger_global_ranges r
WHERE r.shard = $1 AND r.first_seq <= $2 ORDER BY r.first_seq DESC LIMIT 1"""
_ROWS = "SELECT * FROM {name} ORDER BY seq"
_QUARANTINED = "SELECT * FROM ledger_quarantine WHERE seq >= {first} AND seq < {end} ORDER BY seq"
_DROP = """
SET LOCAL lock_timeout = '10s';
DELETE FROM ledger_event_ids i USING {name} e WHERE i.event_id = e.event_id;
DELETE FROM ledger_quarantine WHERE seq >= {first} AND seq < {end};
ALTER TABLE ledger_events DETACH PARTITION {name};
DROP TABLE {name};
"""
_RECORD = """
UPDATE ledger_partitions SET archive = $2, archived_rows = $3, newest_recorded_at = $4,
       global_last = $5, dropped_at = $6
WHERE name = $1"""
#: The highest global seq of a retired event (0 when none is): a feed cursor below it
#: would skip events that are gone.
RETIRED_THROUGH = (
    "SELECT coalesce(max(global_last), 0) FROM ledger_partitions WHERE dropped_at IS NOT NULL"
)


@dataclass(frozen=True, slots=True)
class Retired:
    """What happened to one partition a retention run looked at."""

    name: str
    shard: int
    first_seq: int
    end_seq: int
    newest_recorded_at: datetime | None
    straddling: int  # objects with events in it and after it
    dropped: bool
    archive: str | None = None
    rows: int = 0


def months_before(now: datetime, months: int) -> datetime:
    """The same instant `months` calendar months earlier (the day clamped to the month)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


async def partitions_ahead(conn: AnyConnection, events_per_partition: int | None = None) -> int:
    """Make every shard's partitions up to a whole one past its appended seq (setting the
    size of the partitions made from now on first, when given); how many were made."""
    async with conn.transaction():
        if events_per_partition is not None:
            await conn.execute(_SET_SIZE, events_per_partition)
        shards = await conn.fetchval(_SHARDS) or []
        made = await conn.fetch(PARTITIONS_AHEAD, shards)
    return sum(int(r[0]) for r in made)


async def retired_through(conn: AnyConnection) -> int:
    """The highest global seq retention dropped (0 when it dropped none)."""
    return int(await conn.fetchval(RETIRED_THROUGH))


class _GzipSink:
    """COPY output into a gzip file, written off the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Level 1: a third of level 6's CPU for archives ~30% larger (docs/ledger.md).
        self._file = gzip.open(path, "wb", compresslevel=1)  # noqa: SIM115 - closed by close()

    async def __call__(self, chunk: bytes) -> None:
        await asyncio.to_thread(self._file.write, chunk)

    async def close(self) -> None:
        await asyncio.to_thread(self._file.close)


async def _archive(conn: AnyConnection, query: str, path: Path) -> int:
    """COPY the query's rows as CSV with a header into `path` (gzip, written beside and
    renamed into place); the rows written."""
    partial = path.with_suffix(path.suffix + ".partial")
    sink = _GzipSink(partial)
    try:
        status = await conn.copy_from_query(query, output=sink, format="csv", header=True)
    finally:
        await sink.close()
    partial.replace(path)
    return int(status.split()[-1])


async def _retire(
    conn: AnyConnection, kept: Retired, archive: Path | None, now: datetime, home: AnyConnection
) -> Retired:
    """Archive the partition, then drop it with its ids and quarantine rows, in one
    transaction (a crash before it commits leaves it as it was: run again); its last
    event's global seq is read on `home`."""
    name, shard, first, end = kept.name, kept.shard, kept.first_seq, kept.end_seq
    quoted = '"' + name + '"'
    path: str | None = None
    rows = 0
    if archive is not None:
        target = archive / f"{name}.csv.gz"
        rows = await _archive(conn, _ROWS.format(name=quoted), target)
        quarantine = _QUARANTINED.format(first=first, end=end)
        if await conn.fetchval(f"SELECT count(*) FROM ({quarantine}) q"):  # noqa: S608
            await _archive(conn, quarantine, archive / f"{name}.quarantine.csv.gz")
        path = str(target)
    global_last = await home.fetchval(_GLOBAL_OF, shard, end - 1)
    async with conn.transaction():
        await conn.execute(_DROP.format(name=quoted, first=first, end=end))
        await conn.execute(_RECORD, name, path, rows, kept.newest_recorded_at, global_last, now)
    return replace(kept, dropped=True, archive=path, rows=rows)


async def retain(
    conn: AnyConnection,
    *,
    keep_months: int,
    now: datetime,
    archive: Path | None = None,
    allow_straddling: bool = False,
    home: AnyConnection | None = None,
) -> list[Retired]:
    """Archive (when `archive` is a directory) and drop each shard's partitions, oldest
    first, whose events are all visible and were all recorded more than `keep_months`
    months before `now`; stops at a shard's first partition it keeps. Returns every
    partition looked at past the kept ones: dropped, or kept for straddling objects.
    `home`: the home instance when `conn` is another one (None: `conn` is home's); there
    a partition must also be numbered whole in home's global sequence."""
    cut = months_before(now, keep_months)
    done: list[Retired] = []
    stopped: set[int] = set()
    for row in await conn.fetch(_KEPT):
        shard, end = int(row["shard"]), int(row["end_seq"])
        if shard in stopped or end - 1 > int(row["visible"]):
            stopped.add(shard)
            continue
        if home is not None and await covered(home, shard) < end - 1:
            stopped.add(shard)  # the sequencer has not numbered all of it yet
            continue
        quoted = '"' + str(row["name"]) + '"'
        newest = await conn.fetchval(_NEWEST.format(name=quoted))
        if newest is None or newest >= cut:
            stopped.add(shard)
            continue
        first = int(row["first_seq"])
        straddling = int(await conn.fetchval(_STRADDLING.format(name=quoted), first, end - 1))
        kept = Retired(str(row["name"]), shard, first, end, newest, straddling, dropped=False)
        if straddling and not allow_straddling:
            stopped.add(shard)
            done.append(kept)
            continue
        done.append(await _retire(conn, kept, archive, now, conn if home is None else home))
    return done
