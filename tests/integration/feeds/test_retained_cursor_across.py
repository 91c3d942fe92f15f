"""Retention with a shard on a second PostgreSQL instance answers as with both shards on
one: a partition off home is retired only once the sequencer has numbered it, its last
global seq is read on home, and feeds refuse a cursor into events retired on any
instance (410 `cursor_expired`) and read on from the last one retired."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from quanhub.common.access import Role, create_partner
from quanhub.common.clock import SystemClock
from quanhub.common.db import create_database, drop_database
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.decode import decode
from quanhub.ledger.feeds.runtime import FeedSettings
from quanhub.ledger.settings import ShardMapSettings
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.retention import Retired, retain
from quanhub.ledger.store.sequencer import sequence
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import ensure_shards
from quanhub.ledger.store.writer import prepare, write_batch

from .api_app import make_app, serving
from .support import order_event
from .test_retained_cursor import _small_partitions
from .test_sse import messages

pytestmark = pytest.mark.integration

SHARDS = 2
#: Each shard's (events recorded 200 days ago, events recorded now), in partitions of 10:
#: shard 0 retires 1 .. 10 (global 1 .. 10), shard 1 its first 20 (global 21 .. 40).
EVENTS = {0: (15, 5), 1: (25, 5)}
_offsets = itertools.count()


@pytest.fixture
async def layouts(
    base_database_settings: DatabaseSettings, second_base_database_settings: DatabaseSettings
) -> AsyncIterator[tuple[list[DatabaseSettings], list[DatabaseSettings]]]:
    """Both shards on one instance; shard 0 at home and shard 1 on the second PostgreSQL."""
    name = f"quanhub_feeds_retained_{uuid.uuid4().hex[:10]}"
    made: list[tuple[DatabaseSettings, str]] = []
    databases: list[DatabaseSettings] = []
    try:
        for server, suffix in (
            (base_database_settings, "_one"),
            (base_database_settings, "_home"),
            (second_base_database_settings, "_other"),
        ):
            made.append((server, name + suffix))
            databases.append(await create_database(server, name + suffix))
        one, home, other = databases
        yield [one], [home, other]
    finally:
        for server, n in made:
            await drop_database(server, n)


def _rows(shard: int, count: int, recorded_at: datetime) -> list:
    return [
        decode(
            order_event("TMALL", f"S{shard}-{uuid.uuid4().hex[:8]}").SerializeToString(),
            topic="t",
            partition=shard,  # partition p is shard p mod 2's
            offset=next(_offsets),
            recorded_at=recorded_at,
        )
        for _ in range(count)
    ]


async def _fill_and_retain(databases: list[DatabaseSettings], now: datetime) -> list[Retired]:
    """Write EVENTS, project shard 0 then 1, retain on each instance; what was retired."""
    conns = [await asyncpg.connect(d.url) for d in databases]
    try:
        shard_map = ShardMap.of(databases[0].url, [d.url for d in databases[1:]])
        for conn in conns:
            await prepare(conn)
            await ensure_shards(conn, range(SHARDS))
            await _small_partitions(conn, 10)
        for shard, (old, new) in EVENTS.items():
            conn = conns[shard_map.instance_of(shard)]
            for count, recorded in ((old, now - timedelta(days=200)), (new, now)):
                rows = _rows(shard, count, recorded)
                await write_batch(conn, rows, group_id="g", positions=[], now=recorded, shard=shard)
            await project_all(conn, shard=shard, publish=shard_map.on_home(shard))
        remote = {s: conns[shard_map.instance_of(s)] for s in shard_map.remote_shards(SHARDS)}
        if remote:
            # Visible on its instance, not numbered on home yet: nothing of shard 1 retires.
            assert await retain(conns[1], keep_months=3, now=now, home=conns[0]) == []
            assert await sequence(conns[0], remote) == sum(EVENTS[1])
        done: list[Retired] = []
        for instance, conn in enumerate(conns):
            home = None if instance == 0 else conns[0]
            done += await retain(conn, keep_months=3, now=now, home=home)
        return done
    finally:
        for conn in conns:
            await conn.close()


async def _global_lasts(databases: list[DatabaseSettings]) -> dict[str, int]:
    found: dict[str, int] = {}
    for database in databases:
        conn = await asyncpg.connect(database.url)
        try:
            rows = await conn.fetch(
                "SELECT name, global_last FROM ledger_partitions WHERE dropped_at IS NOT NULL"
            )
        finally:
            await conn.close()
        found |= {r["name"]: r["global_last"] for r in rows}
    return found


async def _feed_answers(databases: list[DatabaseSettings]) -> tuple[str, list[int]]:
    """The 410 a cursor one short of the last retired event gets, and the seqs after it."""
    home, *others = databases
    pool = await asyncpg.create_pool(home.url, min_size=1, max_size=2)
    try:
        _, key = await create_partner(
            pool, code="TMALL", role=Role.PLATFORM, name="Tmall", clock=SystemClock()
        )
    finally:
        await pool.close()
    auth = {"Authorization": f"Bearer {key.api_key}"}
    placed = ShardMapSettings(shard_instances=[d.url for d in others])
    app = make_app(home, FeedSettings(heartbeat_seconds=30, shard_map=placed))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        gone = await client.get("/v1/feed", headers={**auth, "Last-Event-ID": "39"})
        assert gone.status_code == 410, gone.text
        assert gone.json()["code"] == "cursor_expired"
        seqs: list[int] = []
        async with client.stream(
            "GET", "/v1/feed", headers={**auth, "Last-Event-ID": "40"}
        ) as response:
            assert response.status_code == 200
            async for message in messages(response):
                if message.data is not None:
                    seqs.append(int(str(message.data["seq"])))
                if len(seqs) == 10:
                    break
    return gone.json()["detail"], seqs


@pytest.mark.timeout(180)
async def test_retention_off_home_retires_and_expires_cursors_as_on_one_instance(
    layouts: tuple[list[DatabaseSettings], list[DatabaseSettings]],
) -> None:
    now = datetime.now(UTC)
    answers = []
    for databases in layouts:
        done = await _fill_and_retain(databases, now)
        retired = sorted((r.shard, r.first_seq, r.end_seq, r.dropped, r.rows) for r in done)
        answers.append((retired, await _global_lasts(databases), await _feed_answers(databases)))
    assert answers[1] == answers[0]
    retired, global_lasts, (detail, seqs) = answers[0]
    assert [(shard, dropped) for shard, _, _, dropped, _ in retired] == [
        (0, True),
        (1, True),
        (1, True),
    ]
    assert sorted(global_lasts.values()) == [10, 30, 40]
    assert "up to 40" in detail
    assert seqs == list(range(41, 51))
