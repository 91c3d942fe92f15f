"""`quanhub ledger rebuild|verify --shard K` and `verify` with four shards on two PostgreSQL
instances answer as with the four on one: each shard is checked on its instance against
home's global ranges (shards off home numbered by the sequencer, or not yet), damage is
found and repaired the same way, the full verify checks every instance, and the command
finds each shard's instance through the shard map."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import pytest
from ledger_scenarios import linked_orders, random_traffic
from sharded_support import SpreadWriter

from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.store.rebuild import verify
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shard_rebuild import ShardReport, rebuild_shard, verify_shard

pytestmark = pytest.mark.integration

SHARDS, PARTITIONS = 4, 8
#: Home's shards step first, then the sequencer numbers 1 and 3 (on one instance they
#: step in the same order), so global seqs agree.
STEPS = [0, 2, 1, 3]
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
#: The parcel damaged on shard 1 (off home on two instances).
_PARCEL_OF_SHARD = """
SELECT carrier_id, waybill_no FROM parcels WHERE last_seq >> 40 = $1
AND delivered_at IS NOT NULL ORDER BY waybill_no LIMIT 1"""


@asynccontextmanager
async def _written(databases: list[DatabaseSettings]) -> AsyncIterator[SpreadWriter]:
    """The same traffic on the instances of `databases` (home first), every shard
    projected and numbered, and a last batch appended to every shard but not projected."""
    conns = [await asyncpg.connect(d.url) for d in databases]
    try:
        shard_map = ShardMap.of(databases[0].url, [d.url for d in databases[1:]])
        writer = SpreadWriter(conns, shard_map, shards=SHARDS, partitions=PARTITIONS)
        await writer.prepare()
        traffic = random_traffic(1_200, seed=13, parcels=150)
        await writer.append(traffic + linked_orders("xr", range(0, 300, 3)), recorded_at=NOW)
        await writer.project(STEPS)
        await writer.append(random_traffic(200, seed=14, parcels=40), recorded_at=NOW)
        yield writer
    finally:
        for conn in conns:
            await conn.close()


async def _verify_shard(writer: SpreadWriter, shard: int) -> ShardReport:
    home = None if writer.shard_map.on_home(shard) else writer.conns[0]
    return await verify_shard(writer.conn_of(shard), shard, home=home)


async def _rebuild_shard(writer: SpreadWriter, shard: int) -> int:
    home = None if writer.shard_map.on_home(shard) else writer.conns[0]
    return await rebuild_shard(writer.conn_of(shard), shard, home=home)


async def _damage(writer: SpreadWriter) -> None:
    """Shard 1's delivered parcel loses its delivery, its rollups lose a table."""
    conn = writer.conn_of(1)
    carrier, waybill = await conn.fetchrow(_PARCEL_OF_SHARD, 1)
    await conn.execute(
        "UPDATE parcels SET status = 'IN_TRANSIT', delivered_at = NULL "
        "WHERE carrier_id = $1 AND waybill_no = $2",
        carrier,
        waybill,
    )
    await conn.execute("DELETE FROM kpi_parcel_daily WHERE shard = 1")


async def _ranges(conn: asyncpg.Connection) -> list[tuple[int, ...]]:
    rows = await conn.fetch("SELECT * FROM ledger_global_ranges ORDER BY global_first")
    return [tuple(r) for r in rows]


async def test_a_shard_off_home_is_verified_and_rebuilt_as_on_one_instance(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
    second_database: DatabaseSettings,
) -> None:
    one, home = await new_database(), await new_database()
    async with _written([one]) as single, _written([home, second_database]) as spread:
        assert spread.shard_map.remote_shards(SHARDS) == [1, 3]
        ranges_before = await _ranges(spread.conns[0])
        for shard in range(SHARDS):
            alone, apart = await _verify_shard(single, shard), await _verify_shard(spread, shard)
            assert alone.ok, alone
            assert apart == alone, shard
        # Verify changed nothing: the last batch is still unprojected, unnumbered.
        assert await _ranges(spread.conns[0]) == ranges_before

        # Shard 3 steps off home but the sequencer has not numbered it yet: still ok.
        await spread.project([3], sequenced=False)
        assert (await _verify_shard(spread, 3)).ok
        assert await _ranges(spread.conns[0]) == ranges_before
        await single.project([3])
        assert await spread.sequence() > 0

        for writer in (single, spread):
            await writer.project([1])
            await _damage(writer)
            # Orders only (no parcel of the damage), appended and left for the rebuild.
            await writer.append(linked_orders("xz", range(300, 360)), recorded_at=NOW)
        alone, apart = await _verify_shard(single, 1), await _verify_shard(spread, 1)
        assert apart == alone
        assert all(c.ok for c in apart.checks)
        assert {d.table for d in apart.diffs if not d.equal} == {"parcels", "kpi_parcel_daily"}

        heads = [await _rebuild_shard(writer, 1) for writer in (single, spread)]
        assert heads[0] == heads[1]
        for writer in (single, spread):
            for shard in range(SHARDS):
                assert (await _verify_shard(writer, shard)).ok, shard
        # Shard 1's events reach home's ranges as they do on one instance.
        assert await spread.conns[0].fetchval(
            "SELECT sum(events) FROM ledger_global_ranges WHERE shard = 1"
        ) == await single.conns[0].fetchval(
            "SELECT sum(events) FROM ledger_global_ranges WHERE shard = 1"
        )
        for conn in spread.conns:
            assert all(d.equal for d in await verify(conn, publish=conn is spread.conns[0]))

        # Home's ranges of shard 3 lose an event: the check on its instance finds it.
        await spread.conns[0].execute(
            "UPDATE ledger_global_ranges SET first_seq = first_seq + 1 WHERE global_first = "
            "(SELECT min(global_first) FROM ledger_global_ranges WHERE shard = 3)"
        )
        numbering, ranges = (await _verify_shard(spread, 3)).checks
        assert numbering.ok
        assert not ranges.ok


def _quanhub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [os.path.join(os.path.dirname(sys.executable), "quanhub"), "ledger", *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.timeout(420)
async def test_the_commands_find_a_shard_on_its_instance(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
    second_database: DatabaseSettings,
) -> None:
    home = await new_database()
    async with _written([home, second_database]) as spread:
        await spread.project(STEPS)
        env = {
            **os.environ,
            "QUANHUB_DATABASE_URL": home.url,
            "QUANHUB_LEDGER_SHARD_INSTANCES": f'["{second_database.url}"]',
        }
        for args in (["verify", "--shard", "3"], ["verify"]):
            done = _quanhub(env, *args)
            assert done.returncode == 0, done.stdout + done.stderr

        await _damage(spread)  # on the second instance
        for args in (["verify", "--shard", "1"], ["verify"]):
            done = _quanhub(env, *args)
            assert done.returncode == 1, done.stdout + done.stderr
            assert "differs" in done.stdout
        assert (await _verify_shard(spread, 3)).ok  # not shard 3's objects

        done = _quanhub(env, "rebuild", "--shard", "1")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "links-backfill" in done.stdout  # a rebuild routes no link
        done = _quanhub(env, "verify")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "(instance 1)" in done.stdout
