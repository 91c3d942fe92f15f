"""ledger_events partitioned by seq (migration 0041) and its retention, on PostgreSQL:
the migration moves a populated ledger intact, duplicates are refused across partitions,
the writer makes partitions ahead, rows the default partition caught move out, and
retention archives and drops old partitions while projections and rollups stay."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.db import create_database, drop_database, load_migrations, migrate
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.decode import decode
from quanhub.ledger.errors import EventsRetired
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.rebuild import ALL_TABLES, rebuild, verify
from quanhub.ledger.store.retention import months_before, partitions_ahead, retain
from quanhub.ledger.store.rows import COLUMNS
from quanhub.ledger.store.shard_rebuild import rebuild_shard
from quanhub.ledger.store.writer import prepare, write_batch

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
OLD = NOW - timedelta(days=200)
_PARTITIONED = 41
_offsets = iter(range(10**9))


@pytest.fixture
async def conn(ledger_database: DatabaseSettings) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(ledger_database.url)
    await prepare(connection)
    try:
        yield connection
    finally:
        await connection.close()


def _scans(prefix: str, count: int, *, waybill: str | None = None) -> list[cpb.CanonicalEvent]:
    """`count` scans, each of its own parcel unless `waybill` names one for all."""
    return [
        parcel_event(
            f"{prefix}-{n}",
            waybill_no=waybill or f"{prefix}{n:06d}",
            status="IN_TRANSIT",
            occurred_at=OLD + timedelta(minutes=n),
        )
        for n in range(count)
    ]


async def _write(
    conn: asyncpg.Connection,
    events: list[cpb.CanonicalEvent],
    *,
    recorded_at: datetime = NOW,
    batch: int = 5,
) -> int:
    """Write and project in batches as the consumer does; events appended."""
    appended = 0
    for start in range(0, len(events), batch):
        rows = [
            decode(
                e.SerializeToString(),
                topic="t",
                partition=0,
                offset=next(_offsets),
                recorded_at=recorded_at,
            )
            for e in events[start : start + batch]
        ]
        result = await write_batch(conn, rows, group_id="g", positions=[], now=recorded_at)
        appended += result.appended
    await project_all(conn)
    return appended


async def _small_partitions(conn: asyncpg.Connection, size: int) -> None:
    """Replace the empty ledger's first partitions by ones of `size` seqs."""
    names = [r["name"] for r in await conn.fetch("SELECT name FROM ledger_partitions")]
    assert await conn.fetchval("SELECT count(*) FROM ledger_events") == 0
    for name in names:
        await conn.execute(f'ALTER TABLE ledger_events DETACH PARTITION "{name}"')
        await conn.execute(f'DROP TABLE "{name}"')
    await conn.execute("DELETE FROM ledger_partitions")
    await partitions_ahead(conn, size)


async def _rows_per_partition(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT tableoid::regclass::text AS part, count(*) AS n FROM ledger_events GROUP BY 1"
    )
    return {r["part"]: r["n"] for r in rows}


async def test_migration_moves_a_populated_ledger(
    base_database_settings: DatabaseSettings,
) -> None:
    name = f"quanhub_ledger_premig_{next(_offsets)}_{id(base_database_settings) % 10**6}"
    settings = await create_database(base_database_settings, name, migrated=False)
    try:
        conn = await asyncpg.connect(settings.url)
        try:
            await _migrate_before_partitioning(conn)
            events = _scans("MIG", 300)
            columns = ("seq", *COLUMNS, "shard")
            records = [
                (
                    seq,
                    *decode(
                        e.SerializeToString(), topic="t", partition=0, offset=seq, recorded_at=NOW
                    ).record(),
                    0,
                )
                for seq, e in enumerate(events, start=1)
            ]
            await conn.copy_records_to_table("ledger_events", records=records, columns=columns)
            await conn.execute("UPDATE ledger_appended SET last_seq = 300")
            await conn.execute(
                "INSERT INTO ledger_quarantine (seq, error_code, error_message) "
                "VALUES (7, 'test', 'kept through the migration')"
            )
            before = await conn.fetchval(_DIGEST)

            await migrate(conn)

            assert await conn.fetchval(_DIGEST) == before
            assert (
                await conn.fetchval("SELECT relkind FROM pg_class WHERE relname = 'ledger_events'")
                == b"p"
            )
            assert await conn.fetchval("SELECT count(*) FROM ledger_event_ids") == 300
            assert await conn.fetchval("SELECT count(*) FROM ledger_events_default") == 0
            assert await conn.fetchval("SELECT seq FROM ledger_quarantine") == 7
            await prepare(conn)
            # The ids came along: a replay of the moved events appends nothing, new ones
            # continue the numbering.
            assert await _write(conn, events[:10]) == 0
            assert await _write(conn, _scans("NEW", 4)) == 4
            assert await conn.fetchval("SELECT max(seq) FROM ledger_events") == 304
            assert all(d.equal for d in await verify(conn))
        finally:
            await conn.close()
    finally:
        await drop_database(base_database_settings, name)


_DIGEST = "SELECT md5(string_agg(e::text, ',' ORDER BY e.seq)) FROM ledger_events e"


async def _migrate_before_partitioning(conn: asyncpg.Connection) -> None:
    """Apply the migrations before 0041, as a ledger that predates it has them."""
    await conn.execute(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
        "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    for m in load_migrations():
        if m.version < _PARTITIONED:
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    m.version,
                    m.name,
                    m.checksum,
                )


async def test_duplicates_are_refused_across_partitions(conn: asyncpg.Connection) -> None:
    await _small_partitions(conn, 10)
    events = _scans("DUP", 35)
    assert await _write(conn, events) == 35
    parts = await _rows_per_partition(conn)
    assert sorted(parts.values()) == [5, 10, 10, 10]  # the writer made them as it went
    assert "ledger_events_default" not in parts
    # Made ahead: a whole empty partition past the last event.
    assert await conn.fetchval("SELECT max(end_seq) FROM ledger_partitions") > 35 + 10

    replayed = [events[0], events[12], events[33], *_scans("DUP2", 2), events[12]]
    assert await _write(conn, replayed, batch=len(replayed)) == 2
    assert await conn.fetchval("SELECT count(*) FROM ledger_events") == 37
    assert await conn.fetchval("SELECT count(*) FROM ledger_event_ids") == 37
    assert await conn.fetchval("SELECT max(seq) FROM ledger_events") == 37


async def test_rows_the_default_partition_caught_move_out(conn: asyncpg.Connection) -> None:
    await _small_partitions(conn, 10)
    assert await _write(conn, _scans("DEF", 8)) == 8
    ahead = await conn.fetchval("SELECT max(end_seq) FROM ledger_partitions")
    # As if the writer had gone past the partitions made: rows beyond them land in the
    # default partition, and the next one made takes them.
    rows = await conn.fetch("SELECT * FROM ledger_events WHERE seq <= 3 ORDER BY seq")
    past = [(ahead + i, *tuple(r)[1:]) for i, r in enumerate(rows)]
    await conn.copy_records_to_table("ledger_events", records=past)
    assert await conn.fetchval("SELECT count(*) FROM ledger_events_default") == 3
    async with conn.transaction():
        await conn.execute("SELECT ledger_partitions_ahead(0::smallint, $1)", ahead + 2)
    assert await conn.fetchval("SELECT count(*) FROM ledger_events_default") == 0
    first_made = await conn.fetchval(
        "SELECT name FROM ledger_partitions WHERE first_seq = $1", ahead
    )
    assert (await _rows_per_partition(conn))[first_made] == 3


async def _snapshot(conn: asyncpg.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {
        t: sorted(tuple(r) for r in await conn.fetch(f"SELECT * FROM {t}"))  # noqa: S608
        for t in ALL_TABLES
    }


async def test_retention_archives_and_drops_old_partitions(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    await _small_partitions(conn, 10)
    old = _scans("OLD", 25)
    assert await _write(conn, old, recorded_at=OLD) == 25
    assert await _write(conn, _scans("NEW", 10), recorded_at=NOW) == 10
    projected = await _snapshot(conn)

    done = await retain(conn, keep_months=3, now=NOW, archive=tmp_path)

    # seqs 1-20 were recorded 200 days ago; 21-30 mixes old and new, so it stays.
    assert [(r.first_seq, r.end_seq, r.dropped, r.rows) for r in done] == [
        (1, 11, True, 10),
        (11, 21, True, 10),
    ]
    for r in done:
        assert r.archive is not None
        with gzip.open(r.archive, "rt", encoding="utf-8") as archived:
            lines = archived.read().splitlines()
        assert lines[0].startswith("seq,event_id,")
        assert [int(line.split(",")[0]) for line in lines[1:]] == list(
            range(r.first_seq, r.end_seq)
        )
    assert await conn.fetchval("SELECT min(seq) FROM ledger_events") == 21
    assert await conn.fetchval("SELECT count(*) FROM ledger_event_ids") == 15
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'ledger_events'::regclass"
        )
        == len(await conn.fetch("SELECT 1 FROM ledger_partitions WHERE dropped_at IS NULL")) + 1
    )
    assert await _snapshot(conn) == projected  # projections and rollups stay
    assert (
        await conn.fetchval(
            "SELECT max(global_last) FROM ledger_partitions WHERE dropped_at IS NOT NULL"
        )
        == 20
    )
    # Again: nothing more is old enough.
    assert await retain(conn, keep_months=3, now=NOW, archive=tmp_path) == []
    # A recomputation would forget what was dropped.
    with pytest.raises(EventsRetired):
        await rebuild(conn)
    with pytest.raises(EventsRetired):
        await verify(conn)
    with pytest.raises(EventsRetired):
        await rebuild_shard(conn, 0)
    # The documented limit: a repeat of a dropped event is new to the ledger.
    assert await _write(conn, [old[0]]) == 1


async def test_retention_keeps_a_partition_whose_objects_go_on(
    conn: asyncpg.Connection,
) -> None:
    await _small_partitions(conn, 10)
    assert await _write(conn, _scans("LONG", 12, waybill="LONG000001"), recorded_at=OLD) == 12
    assert await _write(conn, _scans("TAIL", 10), recorded_at=NOW) == 10

    [kept] = await retain(conn, keep_months=3, now=NOW)
    assert (kept.first_seq, kept.dropped, kept.straddling) == (1, False, 1)
    assert await conn.fetchval("SELECT count(*) FROM ledger_events") == 22

    [dropped] = await retain(conn, keep_months=3, now=NOW, allow_straddling=True)
    assert (dropped.first_seq, dropped.dropped, dropped.archive) == (1, True, None)
    assert await conn.fetchval("SELECT min(seq) FROM ledger_events") == 11


def test_months_before_clamps_the_day() -> None:
    assert months_before(datetime(2026, 5, 31, 8, tzinfo=UTC), 3) == datetime(
        2026, 2, 28, 8, tzinfo=UTC
    )
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )
