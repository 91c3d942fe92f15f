"""`quanhub ledger rebuild|verify --shard K` on four shards in one PostgreSQL: verify of
one shard finds damage to its objects' projections, its numbering and its global ranges
(and nothing of another shard's); rebuild of one shard repairs its objects and the shared
links and rollups; neither waits for another shard's writers."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from ledger_scenarios import linked_orders, random_traffic
from sharded_support import append_sharded

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ledger.store.rebuild import rebuild, verify
from quanhub.ledger.store.shard_rebuild import rebuild_shard, verify_shard
from quanhub.ledger.store.shards import SEQ_BITS

pytestmark = pytest.mark.integration

SHARDS, PARTITIONS = 4, 8
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def _traffic() -> list[cpb.CanonicalEvent]:
    """Scans, and orders naming some of their waybills: the orders' keys differ from the
    parcels', so most links join two shards."""
    return random_traffic(1_200, seed=11, parcels=150) + linked_orders("rb", range(0, 300, 3))


async def _append_sharded(pool: asyncpg.Pool, events: list[cpb.CanonicalEvent]) -> None:
    await append_sharded(pool, events, shards=SHARDS, partitions=PARTITIONS, now=NOW)


async def _parcel_of_shard(pool: asyncpg.Pool, shard: int) -> tuple[str, str]:
    row = await pool.fetchrow(
        "SELECT carrier_id, waybill_no FROM parcels WHERE last_seq >> $1 = $2 "
        "AND delivered_at IS NOT NULL ORDER BY waybill_no LIMIT 1",
        SEQ_BITS,
        shard,
    )
    assert row is not None
    return row["carrier_id"], row["waybill_no"]


async def test_verify_of_a_shard_finds_its_damage_and_its_rebuild_repairs_it(
    ledger_pool: asyncpg.Pool,
) -> None:
    await _append_sharded(ledger_pool, _traffic())
    assert await ledger_pool.fetchval("SELECT count(DISTINCT shard) FROM ledger_events") == 4
    async with ledger_pool.acquire() as conn:
        for shard in range(SHARDS):
            report = await verify_shard(conn, shard)
            assert report.ok, report

    # Shard 1's parcel loses its delivery, and the rollups with it (as a bug would).
    carrier, waybill = await _parcel_of_shard(ledger_pool, 1)
    await ledger_pool.execute(
        "UPDATE parcels SET status = 'IN_TRANSIT', delivered_at = NULL "
        "WHERE carrier_id = $1 AND waybill_no = $2",
        carrier,
        waybill,
    )
    await ledger_pool.execute("DELETE FROM kpi_parcel_daily WHERE shard = 1")
    await ledger_pool.execute("DELETE FROM order_parcels WHERE from_order")

    async with ledger_pool.acquire() as conn:
        report = await verify_shard(conn, 1)
        assert all(c.ok for c in report.checks), report.checks
        parcels = next(d for d in report.diffs if d.table == "parcels")
        assert (parcels.only_live, parcels.only_rebuilt) == (1, 1)
        daily = next(d for d in report.diffs if d.table == "kpi_parcel_daily")
        assert (daily.live_rows, daily.only_live) == (0, 0)
        assert daily.only_rebuilt > 0
        assert all(d.equal for d in report.diffs if d.table not in ("parcels", "kpi_parcel_daily"))
        # Not its object nor its rollup rows; the links are shared, checked whole below.
        assert (await verify_shard(conn, 2)).ok

        await rebuild_shard(conn, 1)
        assert (await verify_shard(conn, 1)).ok
        diffs = await verify(conn)  # the whole ledger: links and rollups too
    assert all(d.equal for d in diffs), [d for d in diffs if not d.equal]
    status = await ledger_pool.fetchval(
        "SELECT status FROM parcels WHERE carrier_id = $1 AND waybill_no = $2", carrier, waybill
    )
    assert status == "DELIVERED"


async def test_verify_of_a_shard_checks_its_numbering_and_its_global_ranges(
    ledger_pool: asyncpg.Pool,
) -> None:
    await _append_sharded(ledger_pool, _traffic())
    # Shard 3's first range claims to start one seq later; shard 0 loses its last event.
    await ledger_pool.execute(
        "UPDATE ledger_global_ranges SET first_seq = first_seq + 1 WHERE global_first = "
        "(SELECT min(global_first) FROM ledger_global_ranges WHERE shard = 3)"
    )
    await ledger_pool.execute(
        "DELETE FROM ledger_events WHERE seq = (SELECT max(seq) FROM ledger_events WHERE shard = 0)"
    )
    async with ledger_pool.acquire() as conn:
        three = await verify_shard(conn, 3)
        zero = await verify_shard(conn, 0)
        assert (await verify_shard(conn, 2)).ok
        with pytest.raises(LookupError):
            await verify_shard(conn, SHARDS)

    numbering, ranges = three.checks
    assert numbering.ok
    assert not ranges.ok
    assert ranges.misplaced >= 1
    numbering, ranges = zero.checks
    assert not numbering.ok
    assert numbering.found == numbering.expected - 1
    assert ranges.ok


async def test_a_shard_is_rebuilt_and_verified_while_another_shards_writer_holds_its_lane(
    ledger_pool: asyncpg.Pool,
) -> None:
    await _append_sharded(ledger_pool, _traffic())
    async with ledger_pool.acquire() as writer, ledger_pool.acquire() as conn:
        # Shard 2's writer is mid-batch: its lane's lock is held.
        transaction = writer.transaction()
        await transaction.start()
        try:
            await writer.execute("SELECT last_seq FROM ledger_appended WHERE shard = 2 FOR UPDATE")
            await conn.execute("SET lock_timeout = '2s'")
            await rebuild_shard(conn, 1)
            assert (await verify_shard(conn, 1)).ok
            # The full rebuild stops every shard's writers, so it waits for this one.
            with pytest.raises(asyncpg.LockNotAvailableError):
                await rebuild(conn)
        finally:
            await transaction.rollback()
            await conn.execute("RESET lock_timeout")
