"""The sequencer on two PostgreSQL instances: a step of a shard off home NOTIFYs its
instance instead of numbering globally; a sequencer pass gives its visible events the next
global seqs on home, once however many passes run at once, and nothing when nothing is new."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest
from ledger_scenarios import random_traffic

from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.decode import decode
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.sequencer import covered, sequence
from quanhub.ledger.store.shards import SHARD_VISIBLE_CHANNEL, base, ensure_shards
from quanhub.ledger.store.writer import Position, prepare, write_batch

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
SHARD = 1  # on the second instance of a two-instance map
RANGES = "SELECT global_first, shard, first_seq, events FROM ledger_global_ranges"


async def _append(conn: asyncpg.Connection, count: int, offset: int) -> None:
    rows = [
        decode(e.SerializeToString(), topic="t", partition=1, offset=offset + i, recorded_at=NOW)
        for i, e in enumerate(random_traffic(count, seed=offset, parcels=10))
    ]
    await write_batch(
        conn, rows, group_id="g", positions=[Position("t", 1, offset + count)], now=NOW, shard=SHARD
    )


async def test_sequencer_publishes_each_visible_event_once(
    ledger_database: DatabaseSettings, second_database: DatabaseSettings
) -> None:
    home = await asyncpg.connect(ledger_database.url)
    others = [await asyncpg.connect(ledger_database.url) for _ in range(2)]
    shard = await asyncpg.connect(second_database.url)
    listener = await asyncpg.connect(second_database.url)
    heard: list[str] = []
    await listener.add_listener(SHARD_VISIBLE_CHANNEL, lambda *args: heard.append(args[3]))
    try:
        for conn in (home, shard):
            await ensure_shards(conn, range(2))
        await prepare(shard)
        await _append(shard, 40, 0)
        visible = await project_all(shard, shard=SHARD, publish=False, max_events=15)
        assert visible == base(SHARD) + 40

        # The steps numbered nothing globally, on either instance, and told the sequencer.
        assert await home.fetch(RANGES) == []
        assert await shard.fetch(RANGES) == []
        async with asyncio.timeout(10):
            while len(heard) < 3:
                await asyncio.sleep(0.05)
        assert heard == [f"{SHARD}:{base(SHARD) + n}" for n in (15, 30, 40)]

        # Two passes at once take turns on home's global lock: one publishes, the other
        # finds nothing new.
        passes = await asyncio.gather(*(sequence(c, {SHARD: shard}) for c in others))
        assert sorted(passes) == [0, 40]
        assert [tuple(r) for r in await home.fetch(RANGES)] == [(1, SHARD, base(SHARD) + 1, 40)]
        assert await covered(home, SHARD) == base(SHARD) + 40
        assert await sequence(home, {SHARD: shard}) == 0

        # Events appended but not visible yet are not published; once visible they continue
        # the shard's range.
        await _append(shard, 10, 40)
        assert await sequence(home, {SHARD: shard}) == 0
        await project_all(shard, shard=SHARD, publish=False)
        assert await sequence(home, {SHARD: shard}) == 10
        assert [tuple(r) for r in await home.fetch(RANGES)] == [(1, SHARD, base(SHARD) + 1, 50)]
        assert await home.fetchval("SELECT last_seq FROM ledger_sequence") == 50
    finally:
        for conn in (home, *others, shard, listener):
            await conn.close()
